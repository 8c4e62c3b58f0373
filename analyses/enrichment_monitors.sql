-- Runbook: the monitors' measures in one row: hub size, coverage, the not_found share among enriched
-- artists, the share of `ok` artists whose fields Spotify withheld (Development Mode), the share of
-- plays without an artist ID, and the last run of the Spotify source.
with

artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

plays as (
    select * from {{ ref('lake_spotify__stg_listening_history') }}
),

runs as (
    select * from {{ ref('hub_music__svc_enrichment_runs') }}
    where source = 'spotify' and isLatestOfSource
),

artist_shares as (
    select
        count(*) as hubArtists,
        avg(case when enrichmentStatus is not null then 1.0 else 0 end) as coverage,
        sum(case when enrichmentStatus = 'not_found' then 1.0 else 0 end)
        / nullif(sum(case when enrichmentStatus is not null then 1 else 0 end), 0) as notFoundShare,
        sum(case when enrichmentStatus = 'ok' and popularity is null then 1.0 else 0 end)
        / nullif(sum(case when enrichmentStatus = 'ok' then 1 else 0 end), 0) as withheldShare
    from artists
),

play_shares as (
    select avg(case when artistId is null then 1.0 else 0 end) as nullArtistShare
    from plays
),

final as (
    select
        artist_shares.hubArtists,
        artist_shares.coverage,
        artist_shares.notFoundShare,
        artist_shares.withheldShare,
        play_shares.nullArtistShare,
        runs.endedAt as lastRunEndedAt,
        runs.stopReason as lastRunStopReason,
        runs.retryNotBefore as lastRunRetryNotBefore
    from artist_shares
    cross join play_shares
    left join runs
        on 1 = 1
)

select * from final
