-- Runbook: the genres most listened to: artists and plays per genre (an artist counts in each genre).
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

artist_genres as (
    select
        artistId,
        playCount,
        msPlayed,
        genre
    from dim_artists
    {{ cross_join_unnest('genres', 'genre') }}
),

final as (
    select
        genre,
        count(*) as artists,
        sum(playCount) as plays,
        round(sum(msPlayed) / 3600000.0, 1) as hoursPlayed
    from artist_genres
    group by genre
)

select * from final
order by plays desc, genre asc
