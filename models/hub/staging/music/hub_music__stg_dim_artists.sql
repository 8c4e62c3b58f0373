with

listening_history as (
    select * from {{ ref('lake_spotify__stg_listening_history') }}
),

artist_enrichment as (
    select * from {{ ref('lake_spotify__svc_artist_enrichment') }}
),

musicbrainz_artist as (
    select * from {{ ref('lake_musicbrainz__svc_artist') }}
),

-- Plays without an artist ID (local files) have no artist to describe; the source's not_null
-- warning counts them.
listening_stats as (
    select
        artistId,
        {{ arg_max('artistName', 'playedAt') }} as latestPlayedArtistName,
        min(playedAt) as firstPlayedAt,
        max(playedAt) as lastPlayedAt,
        count(*) as playCount,
        -- DuckDB sums a BIGINT into a HUGEINT; the hub's contract says BIGINT, as BigQuery's INT64 sum.
        cast(sum(msPlayed) as {{ dbt.type_bigint() }}) as msPlayed,
        count(distinct trackId) as distinctTracks
    from listening_history
    where artistId is not null
    group by artistId
),

artist_images as (
    select
        artist_enrichment.artistId,
        image.url,
        row_number() over (
            partition by artist_enrichment.artistId
            order by image.width desc nulls last, image.height desc nulls last, image.url asc
        ) as widthRank,
        count(*) over (partition by artist_enrichment.artistId) as imageCount
    from artist_enrichment
    {{ cross_join_unnest('artist_enrichment.images', 'image') }}
),

-- Chosen by width, not by position: the API's order is a habit, not a contract.
image_urls_by_width as (
    select
        artistId,
        max(case when widthRank = 1 then url end) as imageurllarge,
        max(case when widthRank = ceil(imageCount / 2.0) then url end) as imageurlmedium,
        max(case when widthRank = imageCount then url end) as imageurlsmall
    from artist_images
    group by artistId
),

-- BigQuery stores no NULL array (a withheld list reads as []), so "withheld" is told by what Spotify
-- withholds with it: an `ok` answer without popularity and without genres is Development Mode's.
genre_sources as (
    select
        listening_stats.artistId,
        artist_enrichment.genres as spotifyGenres,
        case
            when artist_enrichment.status = 'ok'
                then
                    artist_enrichment.genres is null
                    or (
                        artist_enrichment.popularity is null
                        and {{ array_size('artist_enrichment.genres') }} = 0
                    )
        end as spotifyGenresWithheld,
        case when musicbrainz_artist.status = 'ok' then musicbrainz_artist.genres end as musicbrainzGenres,
        musicbrainz_artist.musicbrainzId,
        musicbrainz_artist.artistType,
        musicbrainz_artist.country,
        {{ dbt.safe_cast('substr(musicbrainz_artist.beginDate, 1, 4)', dbt.type_bigint()) }} as beginYear,
        musicbrainz_artist.status as musicbrainzStatus,
        musicbrainz_artist.fetchedAt as musicbrainzFetchedAt
    from listening_stats
    left join artist_enrichment
        on listening_stats.artistId = artist_enrichment.artistId
    left join musicbrainz_artist
        on listening_stats.artistId = musicbrainz_artist.artistId
),

-- Best available: Spotify's non-empty list, else MusicBrainz's, else [] when a source answered with
-- an empty list (genresSource names it), else NULL (nobody answered, or Spotify withheld and
-- MusicBrainz does not link the artist).
best_genres as (
    select
        *,
        case
            when {{ array_size('spotifyGenres') }} > 0 then 'spotify'
            when {{ array_size('musicbrainzGenres') }} > 0 then 'musicbrainz'
            when not spotifyGenresWithheld then 'spotify'
            when musicbrainzStatus = 'ok' then 'musicbrainz'
        end as genresSource
    from genre_sources
),

final as (
    select
        listening_stats.artistId,
        coalesce(artist_enrichment.artistName, listening_stats.latestPlayedArtistName) as artistName,
        case
            when best_genres.genresSource = 'spotify' then best_genres.spotifyGenres
            when best_genres.genresSource = 'musicbrainz' then best_genres.musicbrainzGenres
        end as genres,
        artist_enrichment.popularity,
        artist_enrichment.followerCount,
        image_urls_by_width.imageurllarge,
        image_urls_by_width.imageurlmedium,
        image_urls_by_width.imageurlsmall,
        artist_enrichment.externalUrls.spotify as spotifyUrl,
        artist_enrichment.enrichedAt,
        artist_enrichment.status as enrichmentStatus,
        best_genres.genresSource,
        best_genres.spotifyGenres,
        best_genres.spotifyGenresWithheld,
        best_genres.musicbrainzGenres,
        best_genres.musicbrainzId,
        best_genres.artistType,
        best_genres.country,
        best_genres.beginYear,
        best_genres.musicbrainzStatus,
        best_genres.musicbrainzFetchedAt,
        listening_stats.firstPlayedAt,
        listening_stats.lastPlayedAt,
        listening_stats.playCount,
        listening_stats.msPlayed,
        listening_stats.distinctTracks
    from listening_stats
    left join artist_enrichment
        on listening_stats.artistId = artist_enrichment.artistId
    left join image_urls_by_width
        on listening_stats.artistId = image_urls_by_width.artistId
    left join best_genres
        on listening_stats.artistId = best_genres.artistId
)

select * from final
