-- Runbook: the health figures in one row (what the HTML report's health section and headline show):
-- artists, coverage, staleness, genre coverage, withheld answers, the latest enrichment, and the
-- monitors' thresholds (vars).
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

counts as (
    select
        count(*) as artists,
        sum(case when enrichmentStatus is not null then 1 else 0 end) as enrichedArtists,
        sum(case when enrichmentStatus = 'ok' then 1 else 0 end) as okArtists,
        sum(case when enrichmentStatus = 'not_found' then 1 else 0 end) as notFoundArtists,
        sum(
            case
                when
                    enrichmentStatus = 'ok'
                    and enrichedAt < {{ timestamp_days_ago(var('enrichment_stale_after_days')) }}
                    then 1
                else 0
            end
        ) as staleArtists,
        sum(
            case when enrichmentStatus = 'ok' and {{ array_size('genres') }} > 0 then 1 else 0 end
        ) as artistsWithGenres,
        sum(case when enrichmentStatus = 'ok' and popularity is null then 1 else 0 end) as withheldArtists,
        max(enrichedAt) as latestEnrichedAt,
        sum(playCount) as plays,
        sum(msPlayed) as msPlayed
    from dim_artists
),

final as (
    select
        artists,
        enrichedArtists,
        okArtists,
        notFoundArtists,
        staleArtists,
        artistsWithGenres,
        withheldArtists,
        latestEnrichedAt,
        {{ dbt.datediff("latestEnrichedAt", current_timestamp_utc(), "hour") }} as hoursSinceLatestEnrichment,  -- noqa: LT05
        plays,
        msPlayed,
        {{ var('enrichment_min_coverage') }} as minCoverage,
        {{ var('enrichment_stale_after_days') }} as staleAfterDays,
        {{ var('enrichment_max_stale_share') }} as maxStaleShare,
        {{ var('enrichment_min_genre_coverage') }} as minGenreCoverage
    from counts
)

select * from final
