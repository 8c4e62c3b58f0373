-- Runbook: artists Spotify does not know (status not_found), most played first; `enrich_artists` in
-- refresh mode asks about them again.
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

final as (
    select
        artistId,
        artistName,
        playCount,
        lastPlayedAt,
        enrichedAt
    from dim_artists
    where enrichmentStatus = 'not_found'
)

select * from final
order by playCount desc, artistId asc
