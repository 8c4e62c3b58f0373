-- Runbook: listening by genre family per month: plays, hours and artists per month and primary genre
-- family of the artist (hub_music__svc_dim_artists.primaryGenreFamily; NULL: no genres, or none that the
-- seed genre_families knows).
with

listening_history as (
    select * from {{ ref('lake_spotify__stg_listening_history') }}
),

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

plays_with_family as (
    select
        {{ dbt.date_trunc('month', 'listening_history.playedAt') }} as playedMonth,
        dim_artists.primaryGenreFamily,
        listening_history.artistId,
        listening_history.msPlayed
    from listening_history
    inner join dim_artists
        on listening_history.artistId = dim_artists.artistId
),

final as (
    select
        playedMonth,
        primaryGenreFamily,
        count(*) as plays,
        round(sum(msPlayed) / 3600000.0, 1) as hoursPlayed,
        count(distinct artistId) as artists
    from plays_with_family
    group by playedMonth, primaryGenreFamily
)

select * from final
order by playedMonth asc, plays desc, primaryGenreFamily asc nulls last
