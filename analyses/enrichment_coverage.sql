-- Runbook: how much of the listening history is enriched (the enrichment_coverage monitor's figure).
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

by_status as (
    select
        coalesce(enrichmentStatus, 'never enriched') as enrichmentStatus,
        count(*) as artists,
        sum(playCount) as plays
    from dim_artists
    group by coalesce(enrichmentStatus, 'never enriched')
),

final as (
    select
        enrichmentStatus,
        artists,
        plays,
        round(artists * 100.0 / sum(artists) over (), 2) as artistSharePercent,
        round(plays * 100.0 / sum(plays) over (), 2) as playSharePercent
    from by_status
)

select * from final
order by artists desc
