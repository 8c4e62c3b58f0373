with

runs as (
    select * from {{ source('lake_enrichment', 'lake_enrichment__runs') }}
),

typed as (
    select
        cast(runId as {{ dbt.type_string() }}) as runId,
        cast(source as {{ dbt.type_string() }}) as source,  -- noqa: RF04
        cast(mode as {{ dbt.type_string() }}) as mode,  -- noqa: RF04
        cast(startedAt as {{ dbt.type_timestamp() }}) as startedAt,
        cast(endedAt as {{ dbt.type_timestamp() }}) as endedAt,
        cast(requested as {{ dbt.type_bigint() }}) as requested,
        cast(ok as {{ dbt.type_bigint() }}) as ok,
        cast(not_found as {{ dbt.type_bigint() }}) as not_found,
        cast(failed as {{ dbt.type_bigint() }}) as failed,
        cast(invalid as {{ dbt.type_bigint() }}) as invalid,
        cast(requests as {{ dbt.type_bigint() }}) as requests,
        cast(rateLimited as {{ dbt.type_bigint() }}) as rateLimited,
        cast(apiMode as {{ dbt.type_string() }}) as apiMode,
        cast(apiRegime as {{ dbt.type_string() }}) as apiRegime,
        cast(clientKey as {{ dbt.type_string() }}) as clientKey,
        cast(stopReason as {{ dbt.type_string() }}) as stopReason,
        cast(retryNotBefore as {{ dbt.type_timestamp() }}) as retryNotBefore,
        cast(message as {{ dbt.type_string() }}) as message,
        cast(landingFile as {{ dbt.type_string() }}) as landingFile,
        cast(rowsLoaded as {{ dbt.type_bigint() }}) as rowsLoaded,
        cast(loadedAt as {{ dbt.type_timestamp() }}) as loadedAt
    from runs
),

-- A run record landed twice (a copy loaded under another name) is one run.
ranked as (
    select
        *,
        row_number() over (
            partition by runId, source
            order by loadedAt desc
        ) as copyRank
    from typed
),

final as (
    select
        runId,
        source,
        mode,
        startedAt,
        endedAt,
        requested,
        ok,
        not_found,
        failed,
        invalid,
        requests,
        rateLimited,
        apiMode,
        apiRegime,
        clientKey,
        stopReason,
        retryNotBefore,
        message,
        landingFile,
        rowsLoaded
    from ranked
    where copyRank = 1
)

select * from final
