{#-
    Layer schemas: `lake` and `hub` as they are on DuckDB; the datasets dp_lake_{env} and dp_hub_{env}
    on BigQuery, env from var `dataset_env` or else the target name (dev, prd).
    Nodes without a custom schema land in the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ return(adapter.dispatch('generate_schema_name', 'spotify_enrichment')(custom_schema_name, node)) }}
{%- endmacro %}

{% macro default__generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

{% macro bigquery__generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        dp_{{ custom_schema_name | trim }}_{{ dataset_env() }}
    {%- endif -%}
{%- endmacro %}

{#- The env suffix of the BigQuery datasets; sources in YAML repeat this rule (they cannot call macros). -#}
{% macro dataset_env() -%}
    {{ return(var('dataset_env', target.name)) }}
{%- endmacro %}
