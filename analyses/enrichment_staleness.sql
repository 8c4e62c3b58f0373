-- Runbook: enriched artists whose enrichment is older than var enrichment_stale_after_days, oldest
-- first (what `enrich_artists` in refresh mode fetches again).
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

stale_artists as (
    select
        artistId,
        artistName,
        enrichedAt,
        lastPlayedAt,
        playCount,
        {{ dbt.datediff('enrichedAt', current_timestamp_utc(), 'day') }} as daysSinceEnrichment  -- noqa: LT05
    from dim_artists
    where
        enrichmentStatus = 'ok'
        and enrichedAt < {{ timestamp_days_ago(var('enrichment_stale_after_days')) }}
),

final as (
    select * from stale_artists
)

select * from final
order by enrichedAt asc, artistId asc
