{#-
    Create the lake tables the pipeline owns, when missing (never replaced):
      - lake_spotify__normalized_artist_enrichment: one row per artist per fetch (the loader appends);
      - lake_spotify__artist_enrichment_load_ledger: one row per landing file loaded (idempotent loads);
      - lake_spotify__normalized_listening_history, the default listening history (one row per play and
        artist), only while no listening_history_* var is set. A var set means the history is the
        user's own table: it is never created, and when it does not exist the run fails naming it,
        before anything is created (a typo must not give an empty hub and green tests).
    Runs as on-run-start and at the start of every run-operation that reads or writes the lake;
    `dbt run-operation create_lake_tables` runs it alone. Returns no SQL.
-#}
{% macro create_lake_tables() %}
    {% if execute %}
        {% set user_history = spotify_enrichment.listening_history_vars_set() %}
        {% if user_history %}
            {% do spotify_enrichment.require_listening_history_table(user_history) %}
        {% endif %}
        {% for table_name, columns in lake_table_columns().items() %}
            {% if not (user_history and table_name == 'lake_spotify__normalized_listening_history') %}
                {% do create_table_if_missing(lake_source_relation(table_name), columns) %}
            {% endif %}
        {% endfor %}
        {% do spotify_enrichment.warehouse_identity() %}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{#-
    This warehouse's identity (8 hex digits), made on first use; the smallest wins should two runs make
    one at the same moment. Landing files name it, so warehouses sharing a landing location each load
    their own files.
-#}
{% macro warehouse_identity() %}
    {% set relation = spotify_enrichment.lake_source_relation('lake_enrichment__warehouse') %}
    {% set select_sql = "select min(warehouseId) from " ~ relation %}
    {% set existing = run_query(select_sql).columns[0].values()[0] %}
    {% if existing is none %}
        {% set candidate = local_md5(invocation_id ~ modules.datetime.datetime.utcnow().isoformat())[:8] %}
        {% do run_query(
            "insert into " ~ relation ~ " (warehouseId, createdAt) values ('" ~ candidate ~ "', "
            ~ spotify_enrichment.current_timestamp_utc() ~ ")"
        ) %}
        {% set existing = run_query(select_sql).columns[0].values()[0] %}
    {% endif %}
    {{ return(existing) }}
{% endmacro %}

{#- The listening_history_* vars that are set, as `name: value` strings; empty: the default table. -#}
{% macro listening_history_vars_set() %}
    {% set set_vars = [] %}
    {% for name in ['listening_history_database', 'listening_history_schema', 'listening_history_identifier'] %}
        {% if var(name, none) is not none %}
            {% do set_vars.append(name ~ ": " ~ var(name)) %}
        {% endif %}
    {% endfor %}
    {{ return(set_vars) }}
{% endmacro %}

{#- Fail, naming the relation and the vars, when the user's listening history table does not exist. -#}
{% macro require_listening_history_table(set_vars) %}
    {% set history = spotify_enrichment.lake_source_relation('lake_spotify__normalized_listening_history') %}
    {% if adapter.get_relation(database=history.database, schema=history.schema, identifier=history.identifier) is none %}
        {% do exceptions.raise_compiler_error(
            "the listening history table " ~ history ~ " does not exist (vars " ~ (set_vars | join(", "))
            ~ "): point the listening_history_* vars at an existing table, or unset them to use the "
            ~ "pipeline's own lake_spotify__normalized_listening_history; no table was created"
        ) %}
    {% endif %}
{% endmacro %}
{#- Columns and types per table, in the warehouse's own type names. -#}
{% macro lake_table_columns() %}
    {{ return(adapter.dispatch('lake_table_columns', 'spotify_enrichment')()) }}
{% endmacro %}

{% macro default__lake_table_columns() %}
    {% do spotify_enrichment.raise_not_implemented('lake_table_columns') %}
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
