{#-
    Fails when the share of rows matching `condition` among the rows matching `among` (default: all) is
    above `max_share_var` (a var, checked to be a number from 0 to 1). Returns one row with the share,
    so stored failures say how far off it is. An empty population passes (not_empty says so).
-#}
{% test max_share(model, condition, max_share_var, among='1 = 1') %}

{% set threshold = spotify_enrichment.checked_number_var(max_share_var, 0, 1) %}

with

population as (
    select * from {{ model }}
    where {{ among }}
),

share as (
    select
        count(*) as populationRows,
        sum(case when {{ condition }} then 1 else 0 end) as matchingRows,
        sum(case when {{ condition }} then 1 else 0 end) * 1.0 / nullif(count(*), 0) as matchingShare
    from population
),

too_high as (
    select
        populationRows,
        matchingRows,
        matchingShare,
        {{ threshold }} as maxShare
    from share
    where matchingShare > {{ threshold }}
)

select * from too_high

{% endtest %}
