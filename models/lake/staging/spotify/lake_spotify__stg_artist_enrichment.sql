with

artist_enrichment as (
    select * from {{ source('lake_spotify', 'lake_spotify__normalized_artist_enrichment') }}
),

typed as (
    select
        cast(artistId as {{ dbt.type_string() }}) as artistId,
        cast(artistName as {{ dbt.type_string() }}) as artistName,
        genres,
        cast(popularity as {{ dbt.type_bigint() }}) as popularity,
        cast(followerCount as {{ dbt.type_bigint() }}) as followerCount,
        images,
        externalUrls,
        cast(enrichedAt as {{ dbt.type_timestamp() }}) as enrichedAt,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(apiMode as {{ dbt.type_string() }}) as apiMode,
        cast(runId as {{ dbt.type_string() }}) as runId,
        cast(sourceFile as {{ dbt.type_string() }}) as sourceFile,
        cast(loadedAt as {{ dbt.type_timestamp() }}) as loadedAt
    from artist_enrichment
),

ranked_by_recency as (
    select
        *,
        row_number() over (
            partition by artistId
            order by enrichedAt desc, loadedAt desc, sourceFile desc
        ) as recencyRank
    from typed
),

final as (
    select
        artistId,
        artistName,
        genres,
        popularity,
        followerCount,
        images,
        externalUrls,
        enrichedAt,
        status,
        apiMode,
        runId,
        sourceFile,
        loadedAt
    from ranked_by_recency
    where recencyRank = 1
)

select * from final
