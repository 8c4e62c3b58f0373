{#-
    The contract (column names and data types in _hub_music__models.yml) is enforced on DuckDB and
    BigQuery; not on bqemulator, which cannot run the `create table ... (columns) as select` that
    dbt-bigquery sends for a contracted table (`make test-bigquery` compares the rows instead).
-#}
{{
    config(
        materialized='table',
        cluster_by=['artistId'],
        contract={'enforced': target.name != 'bq_emulator'},
    )
}}

with

dim_artists as (
    select * from {{ ref('hub_music__stg_dim_artists') }}
),

artist_genre_families as (
    select * from {{ ref('hub_music__svc_artist_genre_families') }}
),

-- NULL for an artist without genres, or whose genres match no seed pattern: never a made-up family.
primary_genre_families as (
    select
        artistId,
        genreFamily as primaryGenreFamily
    from artist_genre_families
    where isPrimary
),

dim_artists_columns as (
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
        genresSource,
        spotifyGenres,
        spotifyGenresWithheld,
        musicbrainzGenres,
        musicbrainzId,
        artistType,
        country,
        beginYear,
        musicbrainzStatus,
        musicbrainzFetchedAt,
        firstPlayedAt,
        lastPlayedAt,
        playCount,
        msPlayed,
        distinctTracks
    from dim_artists
),

final as (
    select
        dim_artists_columns.*,
        primary_genre_families.primaryGenreFamily
    from dim_artists_columns
    left join primary_genre_families
        on dim_artists_columns.artistId = primary_genre_families.artistId
)

select * from final
