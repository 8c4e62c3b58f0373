-- Runbook: the artists of one genre (var `genre`, e.g. --vars '{genre: indie pop}'), most played first.
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

artist_genres as (
    select
        artistId,
        artistName,
        playCount,
        popularity,
        genre
    from dim_artists
    {{ cross_join_unnest('genres', 'genre') }}
),

final as (
    select
        artistId,
        artistName,
        playCount,
        popularity
    from artist_genres
    where genre = {{ dbt.string_literal(var('genre', 'indie pop') | replace("'", "''")) }}
)

select * from final
order by playCount desc, artistId asc
