with

listening_history as (
    select * from {{ ref('lake_spotify__stg_listening_history') }}
),

artist_enrichment as (
    select * from {{ ref('lake_spotify__svc_artist_enrichment') }}
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

final as (
    select
        listening_stats.artistId,
        coalesce(artist_enrichment.artistName, listening_stats.latestPlayedArtistName) as artistName,
        artist_enrichment.genres,
        artist_enrichment.popularity,
        artist_enrichment.followerCount,
        image_urls_by_width.imageurllarge,
        image_urls_by_width.imageurlmedium,
        image_urls_by_width.imageurlsmall,
        artist_enrichment.externalUrls.spotify as spotifyUrl,
        artist_enrichment.enrichedAt,
        artist_enrichment.status as enrichmentStatus,
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
)

select * from final
