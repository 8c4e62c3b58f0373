with

listening_history as (
    select * from {{ source('lake_spotify_listening_history', 'lake_spotify__normalized_listening_history') }}
),

track_artists as (
    select * from {{ source('lake_spotify', 'lake_spotify__normalized_track_artists') }}
),

track_search as (
    select * from {{ source('lake_spotify', 'lake_spotify__normalized_track_search') }}
),

-- The select is a macro: enrich_artists' worklist runs the same one (see listening_history_staging_sql).
normalized as (
    {{ listening_history_staging_sql('listening_history', 'track_artists', 'track_search') }}
),

final as (
    select * from normalized
)

select * from final
