-- Runbook: the most played artists with their listening, Spotify image and link (NULL when none).
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

final as (
    select
        artistId,
        artistName,
        playCount,
        round(msPlayed / 3600000.0, 1) as hoursPlayed,
        enrichmentStatus,
        imageurlmedium,
        spotifyUrl
    from dim_artists
)

select * from final
order by playCount desc, artistId asc
