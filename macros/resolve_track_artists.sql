{#-
    Resolve the tracks of the listening history that came without artist IDs (Spotify's data export) to
    every one of their artists (source `spotify_tracks`):
        dbt run-operation resolve_track_artists [--args '{dry_run: true, limit: 100}']
    Worklist: each distinct track ID of a play without artistId that has no answer in
    lake_spotify__normalized_track_artists yet (not_found ones included: never asked again), most played
    first. The fetcher asks GET /tracks?ids= 50 at a time, or GET /tracks/{id} per track once Spotify
    answers 403 (Development Mode), with the artists' pacing, retries and stops; the answers land as
    `_track_artists.jsonl` and load_artist_enrichment loads them. The first step of enrich_artists.
    Fails (non-zero exit) when Spotify stopped the run, after loading what was fetched before the stop.
-#}
{% macro resolve_track_artists(dry_run=false, limit=none) %}
    {% if dry_run not in [true, false] %}
        {% do exceptions.raise_compiler_error("resolve_track_artists: dry_run must be true or false, got: " ~ dry_run) %}
    {% endif %}
    {% if limit is not none and not (limit is integer and 0 < limit <= 2147483647) %}
        {% do exceptions.raise_compiler_error("resolve_track_artists: limit must be a positive whole number or null, got: " ~ limit) %}
    {% endif %}
    {% if target.type != 'duckdb' %}
        {% do exceptions.raise_compiler_error(
            "resolve_track_artists runs on DuckDB (target type " ~ target.type ~ "); on BigQuery load "
            ~ "lake_spotify__normalized_track_artists from _track_artists.jsonl landing files"
        ) %}
    {% endif %}
    {% do spotify_enrichment.create_lake_tables() %}
    {% set worklist_sql = spotify_enrichment.track_worklist_sql(limit) %}
    {% set due = run_query("select count(*) from (" ~ worklist_sql ~ ") as worklist").columns[0].values()[0] %}
    {% if dry_run %}
        {{ log("resolve_track_artists: dry run: " ~ due ~ " tracks to resolve; nothing is fetched or written", info=true) }}
        {{ return({'due': due, 'dry_run': true}) }}
    {% endif %}
    {% if due == 0 %}
        {{ log("resolve_track_artists: no tracks to resolve; the Spotify API was not called", info=true) }}
        {{ return({'due': 0, 'dry_run': false}) }}
    {% endif %}
    {% set landing = spotify_enrichment.resolved_landing_uri() %}
    {{ log("resolve_track_artists: resolving " ~ due ~ " tracks to their artists, landing in " ~ landing, info=true) }}
    {% set fetch_sql %}
        select spotify_resolve_tracks(
            list(trackId order by worklistRank),
            {{ spotify_enrichment.sql_string(landing) }},
            {{ spotify_enrichment.sql_string(invocation_id ~ '.tracks') }},
            {{ spotify_enrichment.sql_string(invocation_args_dict.get('project_dir') or flags.PROJECT_DIR or '.') }},
            {{ spotify_enrichment.sql_string(spotify_enrichment.landing_owner()) }}
        )
        from ({{ worklist_sql }}) as worklist
    {% endset %}
    {% set summary = fromjson(run_query(fetch_sql).columns[0].values()[0]) %}
    {% set loaded = spotify_enrichment.load_artist_enrichment(landing, dry_run=false, fail_on_quarantine=false) %}
    {{ log(
        "resolve_track_artists summary: requested " ~ summary.requested ~ ", ok " ~ summary.get('ok', 0)
        ~ ", not_found " ~ summary.get('not_found', 0) ~ ", failed " ~ summary.get('failed', 0)
        ~ ", requests " ~ summary.get('requests', 0) ~ ", API mode " ~ (summary.get('api_mode') or 'none')
        ~ ", " ~ ("%.1f" | format(summary.get('seconds', 0) | float)) ~ " s, rows loaded "
        ~ loaded.get('rows_by_record_type', {}).get('track_artists', 0)
        ~ (", stopped: " ~ summary.stop_reason if summary.get('stop_reason') else ""),
        info=true
    ) }}
    {% set problems = [] %}
    {% if summary.get('stop_reason') %}
        {% do problems.append("the run stopped (" ~ summary.stop_reason ~ "): " ~ summary.message
            ~ "; the answers fetched before the stop are loaded, run it again for the rest") %}
    {% endif %}
    {% if loaded.quarantined %}
        {% do problems.append((loaded.quarantined | length) ~ " landing files quarantined: " ~ (loaded.quarantined | join(" | "))) %}
    {% endif %}
    {% if problems %}
        {% do exceptions.raise_compiler_error("resolve_track_artists: " ~ (problems | join("; "))) %}
    {% endif %}
    {{ return({'due': due, 'dry_run': false, 'summary': summary, 'loaded': loaded}) }}
{% endmacro %}

{#-
    The tracks resolve_track_artists asks about, one row each, most played first (`worklistRank`): the
    valid track IDs of plays without an artist ID that have no answer yet. Portable.
-#}
{% macro track_worklist_sql(limit=none) %}
    {% set history = spotify_enrichment.lake_source_relation('lake_spotify__normalized_listening_history') %}
    {% set track_artists = spotify_enrichment.lake_source_relation('lake_spotify__normalized_track_artists') %}
    {% set worklist_sql %}
        with

        plays as (
            select
                trim(cast(trackId as {{ dbt.type_string() }})) as trackId
            from {{ history }}
            where
                {{ spotify_enrichment.normalized_artist_id('cast(artistId as ' ~ dbt.type_string() ~ ')') }} is null
                and trackId is not null
        ),

        answered as (
            select distinct trackId from {{ track_artists }}
        ),

        tracks as (
            select
                plays.trackId,
                count(*) as playCount
            from plays
            left join answered
                on plays.trackId = answered.trackId
            where answered.trackId is null and {{ spotify_enrichment.is_spotify_id('plays.trackId') }}
            group by plays.trackId
        ),

        ranked as (
            select
                trackId,
                playCount,
                row_number() over (order by playCount desc, trackId asc) as worklistRank
            from tracks
        ),

        final as (
            select * from ranked
            {%- if limit is not none %}
            where worklistRank <= {{ limit }}
            {%- endif %}
        )

        select * from final
    {% endset %}
    {{ return(worklist_sql) }}
{% endmacro %}
