with

musicbrainz_artist as (
    select * from {{ source('lake_musicbrainz', 'lake_musicbrainz__normalized_artist') }}
),

typed as (
    select
        cast(artistId as {{ dbt.type_string() }}) as artistId,
        cast(musicbrainzId as {{ dbt.type_string() }}) as musicbrainzId,
        cast(status as {{ dbt.type_string() }}) as status,
        genres,
        tags,
        cast(artistType as {{ dbt.type_string() }}) as artistType,
        cast(country as {{ dbt.type_string() }}) as country,
        cast(beginDate as {{ dbt.type_string() }}) as beginDate,
        cast(endDate as {{ dbt.type_string() }}) as endDate,
        cast(disambiguation as {{ dbt.type_string() }}) as disambiguation,
        cast(fetchedAt as {{ dbt.type_timestamp() }}) as fetchedAt,
        cast(runId as {{ dbt.type_string() }}) as runId,
        cast(sourceFile as {{ dbt.type_string() }}) as sourceFile,
        cast(loadedAt as {{ dbt.type_timestamp() }}) as loadedAt
    from musicbrainz_artist
),

ranked_by_recency as (
    select
        *,
        row_number() over (
            partition by artistId
            order by fetchedAt desc, loadedAt desc, sourceFile desc
        ) as recencyRank
    from typed
),

final as (
    select
        artistId,
        musicbrainzId,
        status,
        genres,
        tags,
        artistType,
        country,
        beginDate,
        endDate,
        disambiguation,
        fetchedAt,
        runId,
        sourceFile,
        loadedAt
    from ranked_by_recency
    where recencyRank = 1
)

select * from final
