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
    {% do exceptions.raise_compiler_error(
        "lake_table_columns has no column types for target type " ~ target.type ~ "; add a "
        ~ target.type ~ "__lake_table_columns macro (the contract knows duckdb and bigquery types)"
    ) %}
{% endmacro %}

{% macro duckdb__lake_table_columns() %}
    {{ return(spotify_enrichment.lake_contract_columns('duckdb')) }}
{% endmacro %}

{% macro bigquery__lake_table_columns() %}
    {{ return(spotify_enrichment.lake_contract_columns('bigquery')) }}
{% endmacro %}

{#- {table: [(column, type)]} in one engine's type names, from the generated lake_contract(). -#}
{% macro lake_contract_columns(engine) %}
    {% set tables = {} %}
    {% for table_name, columns in spotify_enrichment.lake_contract().tables.items() %}
        {% set pairs = [] %}
        {% for column in columns %}
            {% do pairs.append((column.name, column[engine])) %}
        {% endfor %}
        {% do tables.update({table_name: pairs}) %}
    {% endfor %}
    {{ return(tables) }}
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
