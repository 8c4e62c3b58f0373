-- Runbook: listening over time, one row per month: plays, hours and distinct artists.
with

listening_history as (
    select * from {{ ref('lake_spotify__stg_listening_history') }}
),

by_month as (
    select
        {{ dbt.date_trunc('month', 'playedAt') }} as playedMonth,
        count(*) as plays,
        round(sum(msPlayed) / 3600000.0, 1) as hoursPlayed,
        count(distinct artistId) as artists
    from listening_history
    group by {{ dbt.date_trunc('month', 'playedAt') }}
),

final as (
    select * from by_month
)

select * from final
order by playedMonth asc
