{#- Fails for each row whose `column_name` is not NULL and not 22 base62 characters. -#}
{% test valid_spotify_id(model, column_name) %}

with

malformed_ids as (
    select * from {{ model }}
    where
        {{ column_name }} is not null
        and not {{ is_spotify_id(column_name) }}
)

select * from malformed_ids

{% endtest %}
