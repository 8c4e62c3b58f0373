{#-
    On the run history: fails for each source whose last run ended in a stop (other than `waiting` on
    an earlier Retry-After), or whose last successful run (no stop reason) ended more than
    `max_age_days_var` days ago, or that has no successful run at all. One row per failing source with
    the last stop reason and ages.
-#}
{% test recent_successful_run(model, max_age_days_var) %}

{% set max_age_days = spotify_enrichment.checked_number_var(max_age_days_var, 0, 36500, integer=true) %}

with

runs as (
    select * from {{ model }}
),

by_source as (
    select
        source,
        max(endedAt) as lastRunEndedAt,
        {{ spotify_enrichment.arg_max('stopReason', 'endedAt') }} as lastStopReason,
        max(case when stopReason is null then endedAt end) as lastSuccessEndedAt
    from runs
    group by source
),

failing as (
    select
        source,
        lastRunEndedAt,
        lastStopReason,
        lastSuccessEndedAt,
        {{ max_age_days }} as maxAgeDays
    from by_source
    where
        (lastStopReason is not null and lastStopReason != 'waiting')
        or lastSuccessEndedAt is null
        or lastSuccessEndedAt < {{ spotify_enrichment.timestamp_days_ago(max_age_days) }}
)

select * from failing

{% endtest %}
