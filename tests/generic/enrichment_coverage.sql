{#-
    Fails when the share of rows whose `column_name` (the enrichment status) is not NULL is below
    `min_coverage` (default: var enrichment_min_coverage), and when there are no rows at all. Returns
    the rows still lacking enrichment with the measured coverage (one row with a NULL share when empty).
-#}
{% test enrichment_coverage(model, column_name, min_coverage=none) %}

{% set threshold = min_coverage if min_coverage is not none else var('enrichment_min_coverage') %}

with

artists as (
    select * from {{ model }}
),

coverage as (
    select
        count({{ column_name }}) * 1.0 / nullif(count(*), 0) as enrichedShare
    from artists
),

-- Joined from the coverage side, so an empty model still gives one failing row: no artists at all is
-- no coverage, though its share is NULL, which no comparison would fail on.
unenriched as (
    select
        artists.*,
        coverage.enrichedShare,
        {{ threshold }} as minCoverage
    from coverage
    left join artists
        on artists.{{ column_name }} is null
    where
        coverage.enrichedShare is null
        or coverage.enrichedShare < {{ threshold }}
)

select * from unenriched

{% endtest %}
