{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='artistId',
        on_schema_change='fail',
        cluster_by=['artistId'],
    )
}}

with

latest_answer as (
    select * from {{ ref('lake_musicbrainz__stg_artist') }}
),

-- The same watermark as lake_spotify__svc_artist_enrichment: rows loaded after the newest one merged.
changed_since_last_run as (
    select *
    from latest_answer
    {% if is_incremental() %}
        where loadedAt > (
            select coalesce(max(this_table.loadedAt), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
            from {{ this }} as this_table
        )
    {% endif %}
),

final as (
    select * from changed_since_last_run
)

select * from final  -- noqa: AM04
