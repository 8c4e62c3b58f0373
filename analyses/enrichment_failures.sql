-- Runbook: the Spotify artists that failed since their last answer, with their attempts and next
-- attempt; those at var enrichment_max_attempts are no longer asked (fix the cause, then delete their
-- rows from lake_enrichment__failures to have them asked again).
{% set enrichment = source('lake_spotify', 'lake_spotify__normalized_artist_enrichment') %}

with

retry_state as (
    {{ spotify_enrichment.failure_retry_state_sql(
        'spotify', 'select artistId as itemId, enrichedAt as answeredAt from ' ~ enrichment
    ) | indent(4) }}
),

failures as (
    select * from {{ source('lake_enrichment', 'lake_enrichment__failures') }}
),

last_reasons as (
    select
        itemId,
        {{ spotify_enrichment.arg_max('reason', 'failedAt') }} as lastReason
    from failures
    where source = 'spotify'
    group by itemId
),

final as (
    select
        retry_state.itemId as artistId,
        retry_state.failedAttempts,
        retry_state.lastFailedAt,
        retry_state.nextAttemptAt,
        retry_state.failedAttempts >= {{ var('enrichment_max_attempts') }} as givenUp,
        last_reasons.lastReason
    from retry_state
    left join last_reasons
        on retry_state.itemId = last_reasons.itemId
)

select * from final
order by failedAttempts desc, lastFailedAt desc
