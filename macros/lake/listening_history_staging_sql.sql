{#-
    The select of lake_spotify__stg_listening_history over `history` (a relation or CTE name): one row per
    play and artist, typed, the artist ID through normalized_artist_id. A play that came without an artist
    ID (Spotify's data export names tracks, not artists) takes every artist of its track, in Spotify's
    order, from `track_artists` (lake_spotify__normalized_track_artists, filled by resolve_track_artists);
    a play of the account data (names, no track ID) takes the track and its artists of the search that
    matched its (track name, artist name) pair (`track_search`, lake_spotify__normalized_track_search).
    Until then, and for ever when the search found no match or an ambiguous one, it stays one row
    without artistId: never a play of a guessed artist. A macro, not only the model's SQL,
    because the enrich_artists worklist runs it too, on the source tables themselves: a run-operation
    cannot select from a view that the last `dbt build` may not have created (or created over other
    vars), and plays loaded since that build must count.
-#}
{% macro listening_history_staging_sql(history, track_artists=none, track_search=none) %}
    {% set track_artists = track_artists or spotify_enrichment.lake_source_relation('lake_spotify__normalized_track_artists') %}
    {% set track_search = track_search or spotify_enrichment.lake_source_relation('lake_spotify__normalized_track_search') %}
    with

    history_plays as (
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
    ),

    -- The latest search per account-data pair counts; only a matched one names a track.
    ranked_searches as (
        select
            trackName,
            artistName,
            trackId,
            artistIds,
            artistNames,
            status,
            resolvedAt,
            loadedAt,
            row_number() over (
                partition by trackName, artistName order by resolvedAt desc, loadedAt desc
            ) as searchRank
        from {{ track_search }}
    ),

    matched_searches as (
        select
            trackName,
            artistName,
            trackId,
            artistIds,
            artistNames,
            resolvedAt,
            loadedAt
        from ranked_searches
        where searchRank = 1 and status = 'matched'
    ),

    plays as (
        select
            history_plays.playedAt,
            coalesce(history_plays.trackId, matched_searches.trackId) as trackId,
            history_plays.trackName,
            history_plays.msPlayed,
            history_plays.artistId,
            history_plays.artistName
        from history_plays
        left join matched_searches
            on
                history_plays.trackId is null
                and history_plays.artistId is null
                and history_plays.trackName = matched_searches.trackName
                and history_plays.artistName = matched_searches.artistName
    ),

    -- The latest answer per track counts; a not_found one has no artists. A track only a search named
    -- takes its artists from the search's answer.
    ranked_track_answers as (
        select
            trackId,
            artistIds,
            artistNames,
            status,
            row_number() over (partition by trackId order by resolvedAt desc, loadedAt desc) as answerRank
        from (
            select
                trackId,
                artistIds,
                artistNames,
                status,
                resolvedAt,
                loadedAt
            from {{ track_artists }}
            union all
            select
                searched.trackId,
                searched.artistIds,
                searched.artistNames,
                'ok' as status,
                searched.resolvedAt,
                searched.loadedAt
            from matched_searches as searched
            left join {{ track_artists }} as resolved
                on searched.trackId = resolved.trackId
            where resolved.trackId is null
        ) as answers
    ),

    resolved_tracks as (
        select
            trackId,
            artistIds,
            artistNames
        from ranked_track_answers
        where answerRank = 1 and status = 'ok'
    ),

    track_artist_rows as (
        {{ spotify_enrichment.track_artist_rows_sql('resolved_tracks') | indent(8) }}
    ),

    plays_with_artist as (
        select
            playedAt,
            trackId,
            trackName,
            msPlayed,
            artistId,
            artistName
        from plays
        where artistId is not null
    ),

    resolved_plays as (
        select
            plays.playedAt,
            plays.trackId,
            plays.trackName,
            plays.msPlayed,
            track_artist_rows.artistId,
            track_artist_rows.artistName
        from plays
        inner join track_artist_rows
            on plays.trackId = track_artist_rows.trackId
        where plays.artistId is null
    ),

    unresolved_plays as (
        select
            plays.playedAt,
            plays.trackId,
            plays.trackName,
            plays.msPlayed,
            plays.artistId,
            plays.artistName
        from plays
        left join resolved_tracks
            on plays.trackId = resolved_tracks.trackId
        where plays.artistId is null and resolved_tracks.trackId is null
    ),

    final as (
        select
            playedAt,
            trackId,
            trackName,
            msPlayed,
            artistId,
            artistName
        from plays_with_artist
        union all
        select
            playedAt,
            trackId,
            trackName,
            msPlayed,
            artistId,
            artistName
        from resolved_plays
        union all
        select
            playedAt,
            trackId,
            trackName,
            msPlayed,
            artistId,
            artistName
        from unresolved_plays
    )

    select
        playedAt,
        trackId,
        trackName,
        msPlayed,
        artistId,
        artistName
    from final
{% endmacro %}

{#- One row per track and artist of `tracks` (trackId, artistIds, artistNames): trackId, artistId, artistName. -#}
{% macro track_artist_rows_sql(tracks) %}
    {{ return(adapter.dispatch('track_artist_rows_sql', 'spotify_enrichment')(tracks)) }}
{% endmacro %}

{#- Engines differ in how two arrays are unnested side by side; no SQL form fits them all. -#}
{% macro default__track_artist_rows_sql(tracks) %}
    {% do spotify_enrichment.raise_not_implemented('track_artist_rows_sql') %}
{% endmacro %}

{#- DuckDB unnests the lists of one select list side by side. -#}
{% macro duckdb__track_artist_rows_sql(tracks) %}
    select
        trackId,
        unnest(artistIds) as artistId,
        unnest(artistNames) as artistName
    from {{ tracks }}
{% endmacro %}

{#- The two offsets are compared rather than one used as a subscript: bqemulator numbers WITH OFFSET from 1. -#}
{% macro bigquery__track_artist_rows_sql(tracks) %}
    select
        tracks.trackId,
        artistId,
        artistName
    from {{ tracks }} as tracks
    cross join unnest(tracks.artistIds) as artistId with offset as idPosition
    cross join unnest(tracks.artistNames) as artistName with offset as namePosition
    where idPosition = namePosition
{% endmacro %}
