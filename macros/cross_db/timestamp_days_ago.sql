{#- The UTC timestamp `days` days before now (days: an integer or an integer expression). -#}
{% macro timestamp_days_ago(days) -%}
    {{ return(adapter.dispatch('timestamp_days_ago', 'spotify_enrichment')(days)) }}
{%- endmacro %}

{% macro default__timestamp_days_ago(days) -%}
    {{ dbt.dateadd('day', '-1 * (' ~ days ~ ')', spotify_enrichment.current_timestamp_utc()) }}
{%- endmacro %}

{% macro duckdb__timestamp_days_ago(days) -%}
    ({{ spotify_enrichment.current_timestamp_utc() }} - to_days(cast({{ days }} as integer)))
{%- endmacro %}

{#- dbt.dateadd casts to DATETIME on BigQuery, which does not compare with TIMESTAMP columns. -#}
{% macro bigquery__timestamp_days_ago(days) -%}
    timestamp_sub(current_timestamp(), interval cast({{ days }} as int64) day)
{%- endmacro %}
