{#-
    Fails when the model has no rows: an empty hub means the listening history did not reach it (a
    wrong source, a failed load), and every share-based monitor would pass on it.
-#}
{% test not_empty(model) %}

with

rows_of_model as (
    select count(*) as rowCount from {{ model }}
),

empty as (
    select rowCount
    from rows_of_model
    where rowCount = 0
)

select * from empty

{% endtest %}
