{#-
    The select of lake_spotify__stg_listening_history over `history` (a relation or CTE name): one row per
    play and artist, typed, the artist ID through normalized_artist_id. A macro, not only the model's SQL,
    because the enrich_artists worklist runs it too, on the source table itself: a run-operation cannot
    select from a view that the last `dbt build` may not have created (or created over other vars), and
    plays loaded since that build must count.
-#}
{% macro listening_history_staging_sql(history) %}
    select
        -- playedAt keeps its type: on DuckDB a cast of TIMESTAMPTZ to TIMESTAMP moves it to the
        -- session's time zone.
        playedAt,
        cast(trackId as {{ dbt.type_string() }}) as trackId,
        cast(trackName as {{ dbt.type_string() }}) as trackName,
        cast(msPlayed as {{ dbt.type_bigint() }}) as msPlayed,
        {{ spotify_enrichment.normalized_artist_id('cast(artistId as ' ~ dbt.type_string() ~ ')') }} as artistId,
        cast(artistName as {{ dbt.type_string() }}) as artistName
    from {{ history }}
{% endmacro %}
