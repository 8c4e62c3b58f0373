-- No play is silently lost between the listening history and the artist dimension: every play with an
-- artist ID is counted once in the hub, and every such artist has a row. Returns the mismatch, if any.
with

listening_history as (
    select * from {{ ref('lake_spotify__stg_listening_history') }}
),

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

history_totals as (
    select
        count(*) as plays,
        count(distinct artistId) as artists
    from listening_history
    where artistId is not null
),

hub_totals as (
    select
        coalesce(sum(playCount), 0) as plays,
        count(*) as artists
    from dim_artists
),

final as (
    select
        history_totals.plays as historyPlays,
        hub_totals.plays as hubPlays,
        history_totals.artists as historyArtists,
        hub_totals.artists as hubArtists
    from history_totals
    cross join hub_totals
    where
        history_totals.plays != hub_totals.plays
        or history_totals.artists != hub_totals.artists
)

select * from final
