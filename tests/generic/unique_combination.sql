{#- Fails for each combination of `columns` that occurs on more than one row. -#}
{% test unique_combination(model, columns) %}

with

duplicated as (
    select
        {{ columns | join(', ') }},
        count(*) as duplicateCount
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
)

select * from duplicated

{% endtest %}
