{#- `timestamp_sql` plus `minutes_sql` minutes (both SQL expressions; minutes a whole number). -#}
{% macro timestamp_add_minutes(timestamp_sql, minutes_sql) -%}
    {{ return(adapter.dispatch('timestamp_add_minutes', 'spotify_enrichment')(timestamp_sql, minutes_sql)) }}
{%- endmacro %}

{% macro default__timestamp_add_minutes(timestamp_sql, minutes_sql) -%}
    {{ dbt.dateadd('minute', minutes_sql, timestamp_sql) }}
{%- endmacro %}

{% macro duckdb__timestamp_add_minutes(timestamp_sql, minutes_sql) -%}
    ({{ timestamp_sql }} + to_minutes(cast({{ minutes_sql }} as bigint)))
{%- endmacro %}

{#- dbt.dateadd casts to DATETIME on BigQuery, which does not compare with TIMESTAMP columns. -#}
{% macro bigquery__timestamp_add_minutes(timestamp_sql, minutes_sql) -%}
    timestamp_add({{ timestamp_sql }}, interval cast({{ minutes_sql }} as int64) minute)
{%- endmacro %}
