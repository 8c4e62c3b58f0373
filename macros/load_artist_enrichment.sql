{#-
    Load every landing file not yet in the ledger into lake_spotify__normalized_artist_enrichment:
        dbt run-operation load_artist_enrichment [--args '{landing_uri: gs://bucket, dry_run: true}']
    Per file in {landing_uri}/spotify/landing/ (oldest name first):
      - same checksum already in the ledger: not loaded again, moved to spotify/archive/;
      - a malformed line: moved to spotify/quarantine/ with NAME.errors.txt naming the lines; the other
        files still load and the operation fails at the end with the same message;
      - otherwise: its rows (with sourceFile and loadedAt) and its ledger row in one transaction, then
        moved to spotify/archive/.
    `dry_run: true` checks and reports, writes and moves nothing. Returns a summary dict (enrich_artists
    uses it); `fail_on_quarantine: false` leaves raising to the caller.
-#}
{% macro load_artist_enrichment(landing_uri=none, dry_run=false, fail_on_quarantine=true) %}
    {{ return(adapter.dispatch('load_artist_enrichment', 'spotify_enrichment')(landing_uri, dry_run, fail_on_quarantine)) }}
{% endmacro %}

{#-
    Hook for BigQuery: define bigquery__load_artist_enrichment(landing_uri, dry_run, fail_on_quarantine)
    in its own file (load jobs from gs://, same ledger table and rules) returning the same summary dict:
    landing_uri, files, loaded_files, rows, already_loaded, quarantined (messages), archived (URIs), dry_run.
-#}
{% macro default__load_artist_enrichment(landing_uri, dry_run, fail_on_quarantine) %}
    {% do exceptions.raise_compiler_error(
        "load_artist_enrichment is not implemented for target type " ~ target.type
        ~ " yet; on DuckDB it runs through the spotify_enrichment.dbt_duckdb_plugin plugin"
    ) %}
{% endmacro %}

{% macro duckdb__load_artist_enrichment(landing_uri, dry_run, fail_on_quarantine) %}
    {% if dry_run not in [true, false] %}
        {% do exceptions.raise_compiler_error("load_artist_enrichment: dry_run must be true or false, got: " ~ dry_run) %}
    {% endif %}
    {% do spotify_enrichment.create_lake_tables() %}
    {% set landing = spotify_enrichment.resolved_landing_uri(landing_uri) %}
    {% set enrichment = spotify_enrichment.lake_source_relation('lake_spotify__normalized_artist_enrichment') %}
    {% set ledger = spotify_enrichment.lake_source_relation('lake_spotify__artist_enrichment_load_ledger') %}
    {% set result = {
        'landing_uri': landing, 'files': 0, 'loaded_files': 0, 'rows': 0, 'already_loaded': 0,
        'quarantined': [], 'archived': [], 'dry_run': dry_run
    } %}
    {% set names = spotify_enrichment.plugin_call(
        'spotify_landing_files', [landing]
    ) %}
    {% do result.update({'files': names | length}) %}
    {% for name in names %}
        {% set file_started = modules.datetime.datetime.now() %}
        {% set staged = spotify_enrichment.plugin_call('spotify_landing_stage', [landing, name]) %}
        {% set ledger_sql %}
            select count(*) from {{ ledger }} where checksum = {{ spotify_enrichment.sql_string(staged.checksum) }}
        {% endset %}
        {% set already_loaded = run_query(ledger_sql).columns[0].values()[0] > 0 %}
        {% if already_loaded %}
            {% do result.update({'already_loaded': result.already_loaded + 1}) %}
            {{ log("load_artist_enrichment: " ~ staged.uri ~ " was loaded before (same checksum in the ledger): "
                ~ ("would be archived" if dry_run else "not loaded again, archived"), info=true) }}
            {% if not dry_run %}
                {% set moved = spotify_enrichment.plugin_call('spotify_landing_move', [landing, name, 'archive', none]) %}
                {% do result.archived.append(moved.uri) %}
            {% endif %}
        {% else %}
            {% set check = spotify_enrichment.plugin_call('spotify_landing_check', [staged.local_path, staged.uri]) %}
            {% if not check.ok and dry_run %}
                {% do result.quarantined.append(check.error ~ " (dry run: left in place)") %}
                {{ log("load_artist_enrichment: error: " ~ check.error ~ " (dry run: left in place)", info=true) }}
            {% elif not check.ok %}
                {% set moved = spotify_enrichment.plugin_call('spotify_landing_move', [landing, name, 'quarantine', check.error]) %}
                {% set problem = check.error ~ "; moved to " ~ moved.uri
                    ~ " (fix or remove those lines and move it back to spotify/landing/ to load it)" %}
                {% do result.quarantined.append(problem) %}
                {{ log("load_artist_enrichment: error: " ~ problem, info=true) }}
            {% elif dry_run %}
                {{ log("load_artist_enrichment: dry run: " ~ staged.uri ~ " would load " ~ check.records ~ " rows", info=true) }}
            {% else %}
                {% set loaded_rows = run_query(spotify_enrichment.load_landing_file_sql(enrichment, ledger, staged)).columns[0].values()[0] %}
                {% set moved = spotify_enrichment.plugin_call('spotify_landing_move', [landing, name, 'archive', none]) %}
                {% do result.archived.append(moved.uri) %}
                {% do result.update({'loaded_files': result.loaded_files + 1, 'rows': result.rows + loaded_rows}) %}
                {% set seconds = (modules.datetime.datetime.now() - file_started).total_seconds() %}
                {{ log("load_artist_enrichment: loaded " ~ loaded_rows ~ " rows from " ~ staged.uri
                    ~ " into " ~ enrichment ~ " in " ~ ("%.1f" | format(seconds)) ~ " s ("
                    ~ ("%.0f" | format(loaded_rows / ([seconds, 0.001] | max))) ~ " lines/s), archived as "
                    ~ moved.uri, info=true) }}
            {% endif %}
        {% endif %}
        {% if staged.temporary %}
            {% do spotify_enrichment.plugin_call('spotify_landing_release', [staged.local_path]) %}
        {% endif %}
    {% endfor %}
    {{ log("load_artist_enrichment: " ~ ("dry run: " if dry_run else "") ~ result.files ~ " landing files in "
        ~ landing ~ ": " ~ result.loaded_files ~ " loaded (" ~ result.rows ~ " rows), " ~ result.already_loaded
        ~ " already loaded before, " ~ (result.quarantined | length)
        ~ (" with malformed lines" if dry_run else " quarantined"), info=true) }}
    {% if fail_on_quarantine and result.quarantined %}
        {% do exceptions.raise_compiler_error(
            "load_artist_enrichment: " ~ (result.quarantined | length)
            ~ (" landing files with malformed lines: " if dry_run else " landing files quarantined: ")
            ~ (result.quarantined | join(" | "))
        ) %}
    {% endif %}
    {{ return(result) }}
{% endmacro %}

{#-
    One transaction: the file's rows and its ledger row, so a crash never leaves one without the other;
    returns the number of rows loaded. Runs only after spotify_landing_check passed the file, with the
    same columns (spotify_enrichment.landing_check.LANDING_COLUMNS_SQL), so DuckDB reads it strictly
    typed without surprises.
-#}
{% macro load_landing_file_sql(enrichment, ledger, staged) %}
    {% set source_file = spotify_enrichment.sql_string(staged.uri) %}
    {% set loaded_at = spotify_enrichment.current_timestamp_utc() %}
    {% set load_sql %}
        begin transaction;

        insert into {{ enrichment }} (
            artistId, artistName, genres, popularity, followerCount, images, externalUrls,
            enrichedAt, status, apiMode, runId, sourceFile, loadedAt
        )
        select
            artistId,
            artistName,
            genres,
            popularity,
            followerCount,
            images,
            externalUrls,
            cast(timezone('UTC', enrichedAt) as timestamp) as enrichedAt,
            status,
            apiMode,
            runId,
            {{ source_file }} as sourceFile,
            {{ loaded_at }} as loadedAt
        from read_json(
            {{ spotify_enrichment.sql_string(staged.local_path) }},
            format = 'newline_delimited',
            maximum_object_size = 16777216,
            columns = {
                artistId: 'varchar',
                artistName: 'varchar',
                genres: 'varchar[]',
                popularity: 'bigint',
                followerCount: 'bigint',
                images: 'struct(url varchar, height bigint, width bigint)[]',
                externalUrls: 'struct(spotify varchar)',
                enrichedAt: 'timestamptz',
                status: 'varchar',
                apiMode: 'varchar',
                runId: 'varchar'
            }
        );

        insert into {{ ledger }} (sourceFile, checksum, rowCount, loadedAt)
        select
            {{ source_file }},
            {{ spotify_enrichment.sql_string(staged.checksum) }},
            count(*),
            {{ loaded_at }}
        from {{ enrichment }}
        where sourceFile = {{ source_file }} and loadedAt = {{ loaded_at }};

        commit;

        select rowCount
        from {{ ledger }}
        where checksum = {{ spotify_enrichment.sql_string(staged.checksum) }};
    {% endset %}
    {{ return(load_sql) }}
{% endmacro %}

{#- The landing URI the plugin works on: the argument, else var landing_uri; relative to the project. -#}
{% macro resolved_landing_uri(landing_uri=none) %}
    {% set uri = landing_uri if landing_uri is not none else var('landing_uri', 'landing') %}
    {% if uri is not string or uri | trim == '' %}
        {% do exceptions.raise_compiler_error("landing_uri must be a folder or gs://bucket, got: " ~ uri) %}
    {% endif %}
    {% set project_dir = invocation_args_dict.get('project_dir') or flags.PROJECT_DIR or '.' %}
    {{ return(spotify_enrichment.plugin_call('spotify_resolve_landing_uri', [uri, project_dir])) }}
{% endmacro %}

{#- Call one of the plugin's SQL functions with string arguments and return its JSON answer, parsed. -#}
{% macro plugin_call(function_name, arguments) %}
    {% set literals = [] %}
    {% for argument in arguments %}
        {% do literals.append('null' if argument is none else spotify_enrichment.sql_string(argument)) %}
    {% endfor %}
    {% set answer = run_query("select " ~ function_name ~ "(" ~ (literals | join(", ")) ~ ")") %}
    {{ return(fromjson(answer.columns[0].values()[0])) }}
{% endmacro %}

{#- A SQL string literal; quotes doubled so no value can end the literal. -#}
{% macro sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
