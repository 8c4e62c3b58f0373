{#-
    The default__ of a cross-database macro that has no portable SQL: a compiler error naming the macro
    and the adapter, instead of SQL written for another engine.
-#}
{% macro raise_not_implemented(macro_name) %}
    {% do exceptions.raise_compiler_error(
        "spotify_enrichment." ~ macro_name ~ " has no implementation for adapter type '" ~ target.type
        ~ "' (only duckdb and bigquery); add a macro " ~ target.type ~ "__" ~ macro_name ~ " to this project"
    ) %}
{% endmacro %}
