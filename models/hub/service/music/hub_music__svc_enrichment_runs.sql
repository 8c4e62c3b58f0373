with

runs as (
    select * from {{ ref('lake_enrichment__stg_runs') }}
),

described as (
    select
        *,
        {{ dbt.datediff('startedAt', 'endedAt', 'second') }}
            as durationSeconds,
        stopReason is null as succeeded,
        row_number() over (partition by source order by endedAt desc, runId desc) as recencyRank
    from runs
),

final as (
    select
        runId,
        source,
        mode,
        startedAt,
        endedAt,
        durationSeconds,
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
        succeeded,
        recencyRank = 1 as isLatestOfSource,
        retryNotBefore,
        message,
        landingFile,
        rowsLoaded
    from described
)

select * from final
