{#- Now as a TIMESTAMP in UTC, comparable with the lake's enrichedAt/loadedAt/playedAt columns. -#}
{% macro current_timestamp_utc() -%}
    {{ return(adapter.dispatch('current_timestamp_utc', 'spotify_enrichment')()) }}
{%- endmacro %}

{% macro default__current_timestamp_utc() -%}
    {{ dbt.current_timestamp() }}
{%- endmacro %}

{#- DuckDB's now() is a TIMESTAMPTZ in the session time zone; the lake stores naive UTC timestamps. -#}
{% macro duckdb__current_timestamp_utc() -%}
    cast(timezone('UTC', now()) as timestamp)
{%- endmacro %}
