-- Runbook: what the latest fetch runs brought in, one row per run, newest first.
with

artist_enrichment as (
    select * from {{ source('lake_spotify', 'lake_spotify__normalized_artist_enrichment') }}
),

runs as (
    select
        runId,
        min(enrichedAt) as startedAt,
        max(enrichedAt) as finishedAt,
        max(loadedAt) as loadedAt,
        count(*) as artists,
        sum(case when status = 'ok' then 1 else 0 end) as okArtists,
        sum(case when status = 'not_found' then 1 else 0 end) as notFoundArtists,
        sum(case when status = 'ok' and popularity is null then 1 else 0 end) as withheldArtists,
        sum(case when apiMode = 'batch' then 1 else 0 end) as batchArtists,
        sum(case when apiMode = 'single' then 1 else 0 end) as singleArtists,
        count(distinct sourceFile) as landingFiles
    from artist_enrichment
    group by runId
),

final as (
    select * from runs
)

select * from final
order by finishedAt desc
