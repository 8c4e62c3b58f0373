{#-
    Load a listening-history JSONL file (one line per play and artist, keys playedAt, trackId, trackName,
    msPlayed, artistId, artistName; as written by scripts/generate_demo_data.py) into the source table.
        dbt run-operation load_listening_history --args '{path: demo_data/listening_history.jsonl}'
    Idempotent: a play already in the table (same playedAt, trackId, artistId) is skipped, so loading the
    same file twice, or an export that overlaps an earlier one, adds only the new plays.
    A line that does not parse or has a wrong type fails the whole load (nothing is written), and so do
    plays without playedAt (they could never be told apart from a reload of the same play, so each reload
    would add them again) and plays dated in the future (more than an hour of clock skew ahead of now:
    they would pose as the latest play); the error names the file, the counts and examples.
    DuckDB only: on BigQuery load the table with `bq load` or point the source at your own table.
-#}
{% macro load_listening_history(path) %}
    {{ return(adapter.dispatch('load_listening_history', 'spotify_enrichment')(path)) }}
{% endmacro %}

{% macro default__load_listening_history(path) %}
    {% do exceptions.raise_compiler_error(
        "load_listening_history runs on DuckDB only (target type " ~ target.type ~ "); "
        ~ "load " ~ path ~ " with your warehouse's own loader"
    ) %}
{% endmacro %}

{% macro duckdb__load_listening_history(path) %}
    {% if path is not string or path | trim == '' %}
        {% do exceptions.raise_compiler_error(
            "load_listening_history needs a path to a JSONL file, got: " ~ path
        ) %}
    {% endif %}
    {% do create_lake_tables() %}
    {% set history = lake_source_relation('lake_spotify__normalized_listening_history') %}
    {% set file_literal = "'" ~ (path | replace("'", "''")) ~ "'" %}
    {% set file_sql %}
        read_json(
            {{ file_literal }},
            format = 'newline_delimited',
            columns = {
                playedAt: 'timestamptz',
                trackId: 'varchar',
                trackName: 'varchar',
                msPlayed: 'bigint',
                artistId: 'varchar',
                artistName: 'varchar'
            }
        )
    {% endset %}
    {% do spotify_enrichment.check_listening_history_dates(path, file_sql) %}
    {% set load_sql %}
        insert into {{ history }} (playedAt, trackId, trackName, msPlayed, artistId, artistName)
        with

        plays_in_file as (
            select
                cast(timezone('UTC', playedAt) as timestamp) as playedAt,
                trackId,
                trackName,
                msPlayed,
                artistId,
                artistName
            from {{ file_sql }}
        )

        select distinct plays_in_file.*
        from plays_in_file
        where not exists (
            select 1
            from {{ history }} as loaded
            where
                loaded.playedAt = plays_in_file.playedAt
                and loaded.trackId is not distinct from plays_in_file.trackId
                and loaded.artistId is not distinct from plays_in_file.artistId
        )
    {% endset %}
    {% set count_sql %}
        select count(*) from read_json({{ file_literal }}, format = 'newline_delimited', columns = {artistId: 'varchar'})
    {% endset %}
    {% set lines_in_file = run_query(count_sql).columns[0].values()[0] %}
    {% set before = run_query("select count(*) from " ~ history).columns[0].values()[0] %}
    {% do run_query(load_sql) %}
    {% set after = run_query("select count(*) from " ~ history).columns[0].values()[0] %}
    {{ log(
        "load_listening_history: " ~ path ~ ": " ~ lines_in_file ~ " lines, " ~ (after - before)
        ~ " new plays loaded into " ~ history ~ ", " ~ (lines_in_file - (after - before)) ~ " already present",
        info=True
    ) }}
{% endmacro %}

{#-
    Fail the load, before anything is written, when the file has plays without playedAt or plays dated
    more than an hour ahead of now. file_sql: the read_json(...) of the file, with its column types.
-#}
{% macro check_listening_history_dates(path, file_sql) %}
    {% set check_sql %}
        with

        plays_in_file as (
            select * from {{ file_sql }}
        ),

        final as (
            select
                count(*) filter (where playedAt is null) as undatedPlays,
                count(*) filter (where playedAt > now() + interval 1 hour) as futurePlays,
                cast(max(playedAt) as varchar) as latestPlayedAt,
                coalesce(string_agg(
                    'trackId ' || coalesce(trackId, 'null') || ', artistId ' || coalesce(artistId, 'null'), '; '
                ) filter (where playedAt is null), '') as undatedExamples
            from plays_in_file
        )

        select * from final
    {% endset %}
    {% set row = run_query(check_sql).rows[0] %}
    {% set problems = [] %}
    {% if row['undatedPlays'] > 0 %}
        {% set examples = row['undatedExamples'].split('; ') %}
        {% do problems.append(
            row['undatedPlays'] ~ " plays without playedAt (" ~ (examples[:3] | join("; "))
            ~ (" ..." if examples | length > 3 else "") ~ ")"
        ) %}
    {% endif %}
    {% if row['futurePlays'] > 0 %}
        {% do problems.append(
            row['futurePlays'] ~ " plays dated in the future (latest playedAt " ~ row['latestPlayedAt']
            ~ ", more than an hour after now)"
        ) %}
    {% endif %}
    {% if problems %}
        {% do exceptions.raise_compiler_error(
            "load_listening_history: " ~ path ~ ": " ~ (problems | join(" and "))
            ~ "; nothing was loaded. Every play needs the UTC time it was played, not in the future: "
            ~ "fix or remove those lines and load the file again"
        ) %}
    {% endif %}
{% endmacro %}
