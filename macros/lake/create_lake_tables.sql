{#-
    Create the lake tables the pipeline reads but dbt does not build, when missing (never replaced):
      - lake_spotify__normalized_listening_history: one row per play and artist (the user's input);
      - lake_spotify__normalized_artist_enrichment: one row per artist per fetch (the loader appends);
      - lake_spotify__artist_enrichment_load_ledger: one row per landing file loaded (idempotent loads).
    Runs as on-run-start; `dbt run-operation create_lake_tables` runs it alone. Returns no SQL.
-#}
{% macro create_lake_tables() %}
    {% if execute %}
        {% for table_name, columns in lake_table_columns().items() %}
            {% do create_table_if_missing(lake_source_relation(table_name), columns) %}
        {% endfor %}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{#- Columns and types per table, in the warehouse's own type names. -#}
{% macro lake_table_columns() %}
    {{ return(adapter.dispatch('lake_table_columns', 'spotify_enrichment')()) }}
{% endmacro %}

{% macro default__lake_table_columns() %}
    {% do spotify_enrichment.raise_not_implemented('lake_table_columns') %}
{% endmacro %}

{% macro duckdb__lake_table_columns() %}
    {{ return({
        'lake_spotify__normalized_listening_history': [
            ('playedAt', 'timestamp'),
            ('trackId', 'varchar'),
            ('trackName', 'varchar'),
            ('msPlayed', 'bigint'),
            ('artistId', 'varchar'),
            ('artistName', 'varchar'),
        ],
        'lake_spotify__normalized_artist_enrichment': [
            ('artistId', 'varchar'),
            ('artistName', 'varchar'),
            ('genres', 'varchar[]'),
            ('popularity', 'bigint'),
            ('followerCount', 'bigint'),
            ('images', 'struct(url varchar, height bigint, width bigint)[]'),
            ('externalUrls', 'struct(spotify varchar)'),
            ('enrichedAt', 'timestamp'),
            ('status', 'varchar'),
            ('apiMode', 'varchar'),
            ('runId', 'varchar'),
            ('sourceFile', 'varchar'),
            ('loadedAt', 'timestamp'),
        ],
        'lake_spotify__artist_enrichment_load_ledger': [
            ('sourceFile', 'varchar'),
            ('checksum', 'varchar'),
            ('rowCount', 'bigint'),
            ('loadedAt', 'timestamp'),
        ],
    }) }}
{% endmacro %}

{% macro bigquery__lake_table_columns() %}
    {{ return({
        'lake_spotify__normalized_listening_history': [
            ('playedAt', 'TIMESTAMP'),
            ('trackId', 'STRING'),
            ('trackName', 'STRING'),
            ('msPlayed', 'INT64'),
            ('artistId', 'STRING'),
            ('artistName', 'STRING'),
        ],
        'lake_spotify__normalized_artist_enrichment': [
            ('artistId', 'STRING'),
            ('artistName', 'STRING'),
            ('genres', 'ARRAY<STRING>'),
            ('popularity', 'INT64'),
            ('followerCount', 'INT64'),
            ('images', 'ARRAY<STRUCT<url STRING, height INT64, width INT64>>'),
            ('externalUrls', 'STRUCT<spotify STRING>'),
            ('enrichedAt', 'TIMESTAMP'),
            ('status', 'STRING'),
            ('apiMode', 'STRING'),
            ('runId', 'STRING'),
            ('sourceFile', 'STRING'),
            ('loadedAt', 'TIMESTAMP'),
        ],
        'lake_spotify__artist_enrichment_load_ledger': [
            ('sourceFile', 'STRING'),
            ('checksum', 'STRING'),
            ('rowCount', 'INT64'),
            ('loadedAt', 'TIMESTAMP'),
        ],
    }) }}
{% endmacro %}

{% macro create_table_if_missing(relation, columns) %}
    {{ return(adapter.dispatch('create_table_if_missing', 'spotify_enrichment')(relation, columns)) }}
{% endmacro %}

{% macro default__create_table_if_missing(relation, columns) %}
    {% do adapter.create_schema(relation) %}
    {% set column_list %}
        {%- for name, data_type in columns %}{{ adapter.quote(name) }} {{ data_type }}{{ ", " if not loop.last }}{% endfor -%}
    {% endset %}
    {% do run_query("create table if not exists " ~ relation ~ " (" ~ column_list ~ ")") %}
{% endmacro %}
