-- Runbook: artists like X in my library (var `artist_name`, e.g. --vars '{artist_name: Halsey}'): the
-- artists of your own history most similar to X by shared genres (hub_music__svc_similar_artists), most
-- similar first, with the genres they share and how much you played them.
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

similar_artists as (
    select * from {{ ref('hub_music__svc_similar_artists') }}
),

{%- set artist_name = var('artist_name', 'Halsey') | replace("'", "''") %}

chosen_artist as (
    select artistId
    from dim_artists
    where lower(artistName) = lower({{ dbt.string_literal(artist_name) }})
),

final as (
    select
        similar_artists.similarityRank,
        similar_artist.artistName as similarArtistName,
        similar_artists.similarityScore,
        similar_artists.sharedGenres,
        similar_artist.primaryGenreFamily,
        similar_artist.playCount,
        similar_artists.similarArtistId
    from similar_artists
    inner join chosen_artist
        on similar_artists.artistId = chosen_artist.artistId
    inner join dim_artists as similar_artist
        on similar_artists.similarArtistId = similar_artist.artistId
)

select * from final
order by similarityRank asc
