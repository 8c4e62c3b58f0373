{#-
    Fails when the share of rows whose `column_name` (the enrichment status) is not NULL is below
    `min_coverage` (default: var enrichment_min_coverage). Returns the rows still lacking enrichment,
    with the measured coverage, so stored failures list the artists to backfill.
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

unenriched as (
    select
        artists.*,
        coverage.enrichedShare,
        {{ threshold }} as minCoverage
    from artists
    cross join coverage
    where
        artists.{{ column_name }} is null
        and coverage.enrichedShare < {{ threshold }}
)

select * from unenriched

{% endtest %}
