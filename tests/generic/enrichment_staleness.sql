{#-
    Fails when, among rows with `status_column` = 'ok', the share whose `column_name` (enrichedAt) is
    older than `stale_after_days` (var enrichment_stale_after_days) exceeds `max_stale_share`
    (var enrichment_max_stale_share). Returns the stale rows, oldest first in meaning: the refresh worklist.
-#}
{% test enrichment_staleness(
    model, column_name, status_column='enrichmentStatus', stale_after_days=none, max_stale_share=none
) %}

{% set after_days = stale_after_days if stale_after_days is not none else var('enrichment_stale_after_days') %}
{% set max_share = max_stale_share if max_stale_share is not none else var('enrichment_max_stale_share') %}

with

enriched_artists as (
    select * from {{ model }}
    where {{ status_column }} = 'ok'
),

flagged as (
    select
        *,
        {{ column_name }} < {{ timestamp_days_ago(after_days) }} as isStale
    from enriched_artists
),

staleness as (
    select
        sum(case when isStale then 1 else 0 end) * 1.0 / nullif(count(*), 0) as staleShare
    from flagged
),

stale_artists as (
    select
        flagged.*,
        staleness.staleShare,
        {{ max_share }} as maxStaleShare
    from flagged
    cross join staleness
    where
        flagged.isStale
        and staleness.staleShare > {{ max_share }}
)

select * from stale_artists

{% endtest %}
