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

{% macro default__load_artist_enrichment(landing_uri, dry_run, fail_on_quarantine) %}
    {% do exceptions.raise_compiler_error(
        "load_artist_enrichment is not implemented for target type " ~ target.type
        ~ "; it runs on DuckDB (through the spotify_enrichment.dbt_duckdb_plugin plugin) and on BigQuery"
    ) %}
{% endmacro %}

{#- The whole load step is one Python call (spotify_enrichment.loader.load_landing); the macro reports. -#}
{% macro duckdb__load_artist_enrichment(landing_uri, dry_run, fail_on_quarantine) %}
    {% do spotify_enrichment.check_load_args(dry_run) %}
    {% do spotify_enrichment.create_lake_tables() %}
    {% set landing = spotify_enrichment.resolved_landing_uri(landing_uri) %}
    {% set result = spotify_enrichment.plugin_call(
        'spotify_load_landing',
        [landing, tojson(spotify_enrichment.lake_relations()), dry_run, spotify_enrichment.landing_owner()]
    ) %}
    {% do spotify_enrichment.report_load(result, fail_on_quarantine) %}
    {{ return(result) }}
{% endmacro %}

{% macro check_load_args(dry_run) %}
    {% if dry_run not in [true, false] %}
        {% do exceptions.raise_compiler_error("load_artist_enrichment: dry_run must be true or false, got: " ~ dry_run) %}
    {% endif %}
{% endmacro %}

{#- This warehouse's name in its landing files: its identity (warehouse_identity). -#}
{% macro landing_owner() %}
    {% set owner = spotify_enrichment.warehouse_identity() %}
    {% if not modules.re.fullmatch('[0-9a-f]{8}', owner | string) %}
        {% do exceptions.raise_compiler_error(
            "the warehouse identity in lake_enrichment__warehouse must be 8 hex digits, got: " ~ owner
        ) %}
    {% endif %}
    {{ return(owner) }}
{% endmacro %}

{#- Every lake table and ledger of a landing record type, as the relation dbt renders for it. -#}
{% macro lake_relations() %}
    {% set relations = {} %}
    {% for record_type in spotify_enrichment.lake_contract().record_types.values() %}
        {% for table_name in [record_type.lake_table, record_type.ledger_table] %}
            {% do relations.update({table_name: spotify_enrichment.lake_source_relation(table_name) | string}) %}
        {% endfor %}
    {% endfor %}
    {{ return(relations) }}
{% endmacro %}

{#- The summary line of a load (the same on every engine), and the error when files were quarantined. -#}
{% macro report_load(result, fail_on_quarantine) %}
    {{ log(result.line, info=true) }}
    {% if fail_on_quarantine and result.quarantined %}
        {% do exceptions.raise_compiler_error(
            "load_artist_enrichment: " ~ (result.quarantined | length)
            ~ (" landing files with malformed lines: " if result.dry_run else " landing files quarantined: ")
            ~ (result.quarantined | join(" | "))
        ) %}
    {% endif %}
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
        {% if argument is none %}
            {% do literals.append('null') %}
        {% elif argument is sameas true or argument is sameas false %}
            {% do literals.append('true' if argument else 'false') %}
        {% else %}
            {% do literals.append(spotify_enrichment.sql_string(argument)) %}
        {% endif %}
    {% endfor %}
    {% set answer = run_query("select " ~ function_name ~ "(" ~ (literals | join(", ")) ~ ")") %}
    {{ return(fromjson(answer.columns[0].values()[0])) }}
{% endmacro %}

{#- A SQL string literal; quotes doubled so no value can end the literal. -#}
{% macro sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
