-- Runbook: the items of every source (Spotify artists, MusicBrainz artists, tracks resolved to
-- artists: spotify_tracks, account-data searches by searchKey: spotify_search) that failed since
-- their last answer, with their attempts and next attempt; those at var enrichment_max_attempts are
-- no longer asked (fix the cause, then delete their rows from lake_enrichment__failures to have them
-- asked again).
{% set states = [] %}
{% for item_source in spotify_enrichment.enrichment_run_sources() %}
    {% do states.append(
        "select '" ~ item_source ~ "' as itemSource, source_retry_state.* from ("
        ~ spotify_enrichment.failure_retry_state_sql(
            item_source, spotify_enrichment.enrichment_source_answers_sql(item_source)
        ) ~ ") as source_retry_state"
    ) %}
{% endfor %}

with

retry_state as (
    {{ states | join('\nunion all\n') | indent(4) }}
),

failures as (
    select * from {{ source('lake_enrichment', 'lake_enrichment__failures') }}
),

last_reasons as (
    select
        source as itemSource,
        itemId,
        {{ spotify_enrichment.arg_max('reason', 'failedAt') }} as lastReason
    from failures
    group by source, itemId
),

final as (
    select
        retry_state.itemSource,
        retry_state.itemId,
        retry_state.failedAttempts,
        retry_state.lastFailedAt,
        retry_state.nextAttemptAt,
        retry_state.failedAttempts >= {{ var('enrichment_max_attempts') }} as givenUp,
        last_reasons.lastReason
    from retry_state
    left join last_reasons
        on
            retry_state.itemSource = last_reasons.itemSource
            and retry_state.itemId = last_reasons.itemId
)

select * from final
