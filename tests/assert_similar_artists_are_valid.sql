-- hub_music__svc_similar_artists keeps its promises: at most `similar_artists_k` rows per artist, ranks
-- 1..n without gaps, scores in (0, 1], and no artist similar to itself. Returns each broken row with why.
with

similar_artists as (
    select * from {{ ref('hub_music__svc_similar_artists') }}
),

per_artist as (
    select
        artistId,
        count(*) as similarCount,
        max(similarityRank) as maxRank
    from similar_artists
    group by artistId
),

row_problems as (
    select
        artistId,
        similarArtistId,
        case
            when artistId = similarArtistId then 'similar to itself'
            when similarityScore is null or similarityScore <= 0 or similarityScore > 1
                then 'score outside (0, 1]'
        end as problem
    from similar_artists
),

artist_problems as (
    select
        artistId,
        cast(null as {{ dbt.type_string() }}) as similarArtistId,
        case
            when similarCount > {{ var('similar_artists_k') }} then 'more than similar_artists_k rows'
            when maxRank != similarCount then 'ranks not 1..n'
        end as problem
    from per_artist
),

final as (
    select * from row_problems
    where problem is not null
    union all
    select * from artist_problems
    where problem is not null
)

select * from final
