{#-
    A join clause that turns each element of `array_expression` into a row, the element named
    `element_alias` (a struct element's fields read as element_alias.field on both warehouses).
    Rows whose array is empty or NULL drop out, as with any inner join.
-#}
{% macro cross_join_unnest(array_expression, element_alias) -%}
    {{ return(adapter.dispatch('cross_join_unnest', 'spotify_enrichment')(array_expression, element_alias)) }}
{%- endmacro %}

{#- Engines differ in how an unnested struct's fields are named; no SQL form fits them all. -#}
{% macro default__cross_join_unnest(array_expression, element_alias) -%}
    {% do spotify_enrichment.raise_not_implemented('cross_join_unnest') %}
{%- endmacro %}

{% macro duckdb__cross_join_unnest(array_expression, element_alias) -%}
    cross join unnest({{ array_expression }}) as {{ element_alias }}_elements ({{ element_alias }})
{%- endmacro %}

{% macro bigquery__cross_join_unnest(array_expression, element_alias) -%}
    cross join unnest({{ array_expression }}) as {{ element_alias }}
{%- endmacro %}
