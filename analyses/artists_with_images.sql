-- Runbook: the most played artists that have images, with the three sizes (for a dashboard).
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

final as (
    select
        artistId,
        artistName,
        playCount,
        imageurllarge,
        imageurlmedium,
        imageurlsmall,
        spotifyUrl
    from dim_artists
    where imageurllarge is not null
)

select * from final
order by playCount desc, artistId asc
