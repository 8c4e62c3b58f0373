{#-
    dbt-bigquery's seed load, less one statement: after loading the CSV it always sends
    `alter table ... set options(...)`, even with no option to set, and the BigQuery emulator (bqemulator,
    `make test-bigquery`) cannot parse that statement. Here it is sent only when there are options
    (labels, a description with persist_docs, ...); BigQuery itself behaves the same either way.
-#}
{% macro bigquery__load_csv_rows(model, agate_table) %}

    {%- set column_override = model['config'].get('column_types', {}) -%}
    {{ adapter.load_dataframe(model['database'], model['schema'], model['alias'],
        agate_table, column_override, model['config']['delimiter']) }}

    {%- if adapter.get_table_options(config, model, false) %}
        {% call statement() %}
            alter table {{ this.render() }} set {{ bigquery_table_options(config, model) }}
        {% endcall %}
    {%- endif %}

    {% if config.persist_relation_docs() and 'description' in model %}
        {{ adapter.update_table_description(model['database'], model['schema'], model['alias'], model['description']) }}
    {% endif %}
{% endmacro %}
