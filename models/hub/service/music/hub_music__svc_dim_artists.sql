{{
    config(
        materialized='table',
        cluster_by=['artistId'],
    )
}}

with

dim_artists as (
    select * from {{ ref('hub_music__stg_dim_artists') }}
),

final as (
    select
        artistId,
        artistName,
        genres,
        popularity,
        followerCount,
        imageurllarge,
        imageurlmedium,
        imageurlsmall,
        spotifyUrl,
        enrichedAt,
        enrichmentStatus,
        firstPlayedAt,
        lastPlayedAt,
        playCount,
        msPlayed,
        distinctTracks
    from dim_artists
)

select * from final
