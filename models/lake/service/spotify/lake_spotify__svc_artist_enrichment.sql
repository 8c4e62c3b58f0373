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

latest_enrichment as (
    select * from {{ ref('lake_spotify__stg_artist_enrichment') }}
),

-- The staging view names its columns; on_schema_change='fail' stops a change there from passing silently.
changed_since_last_run as (
    select *
    from latest_enrichment
    {% if is_incremental() %}
        -- A row that wins the dedupe was loaded after everything merged so far; an older file loaded
        -- late loses to the newer enrichedAt already here, so it is rightly left out.
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
