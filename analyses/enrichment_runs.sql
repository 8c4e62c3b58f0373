-- Runbook: the last 20 runs of every source, newest first: what each asked, what came back, why it
-- stopped and when the source may be asked again.
with

runs as (
    select * from {{ ref('hub_music__svc_enrichment_runs') }}
),

final as (
    select
        source,
        runId,
        mode,
        startedAt,
        durationSeconds,
        requested,
        ok,
        not_found,
        failed,
        requests,
        rateLimited,
        apiMode,
        apiRegime,
        stopReason,
        retryNotBefore,
        rowsLoaded,
        message
    from runs
)

select * from final
order by startedAt desc
