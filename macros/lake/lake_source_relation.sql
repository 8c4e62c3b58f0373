{#-
    The relation of a lake source table as declared in _lake_spotify__sources.yml (database, schema and
    identifier already resolved there, var overrides included), for macros that create or load it.
-#}
{% macro lake_source_relation(table_name) %}
    {% for node in graph.sources.values() if node.name == table_name %}
        {% do return(api.Relation.create(
            database=node.database,
            schema=node.schema,
            identifier=node.identifier,
            type='table'
        )) %}
    {% endfor %}
    {% do exceptions.raise_compiler_error(
        "no dbt source table named '" ~ table_name ~ "': check models/lake/staging/spotify/_lake_spotify__sources.yml"
    ) %}
{% endmacro %}
