{#- Aggregate: the value of `value_expression` on the row with the largest `order_expression`. -#}
{% macro arg_max(value_expression, order_expression) -%}
    {{ return(adapter.dispatch('arg_max', 'spotify_enrichment')(value_expression, order_expression)) }}
{%- endmacro %}

{% macro default__arg_max(value_expression, order_expression) -%}
    {% do spotify_enrichment.raise_not_implemented('arg_max') %}
{%- endmacro %}

{% macro duckdb__arg_max(value_expression, order_expression) -%}
    arg_max({{ value_expression }}, {{ order_expression }})
{%- endmacro %}

{% macro bigquery__arg_max(value_expression, order_expression) -%}
    array_agg({{ value_expression }} order by {{ order_expression }} desc limit 1)[offset(0)]
{%- endmacro %}
