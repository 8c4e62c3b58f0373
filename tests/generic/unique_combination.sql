{#- Fails for each combination of `columns` held by more than one row. -#}
{% test unique_combination(model, columns) %}

with

rows_of_model as (
    select * from {{ model }}
),

repeated as (
    select
        {{ columns | join(", ") }},
        count(*) as rowCount
    from rows_of_model
    group by {{ columns | join(", ") }}
    having count(*) > 1
)

select * from repeated

{% endtest %}
