{#-
    The artists `enrich_artists` asks Spotify about, one row each, best first (`worklistRank`):
      - backfill: every artist of the listening history with no enrichment row yet;
      - incremental: artists first played in the last `lookback_days` days with no enrichment row yet;
      - refresh: artists whose latest enrichment (`ok` or `not_found`) is older than `stale_after_days`.
    Artists recorded `not_found` have an enrichment row, so only refresh asks about them again.
    Artists that failed (lake_enrichment__failures) are asked again by every mode, incremental whatever
    their first play, once their next attempt is due (backoff doubling from var
    enrichment_retry_backoff_minutes), and no more after var enrichment_max_attempts failures since their
    last answer (the run reports them).
    It reads the listening history source table through the SQL of lake_spotify__stg_listening_history
    (listening_history_staging_sql: the same normalised artist IDs as the hub), not through the built
    view or the hub, so plays loaded since the last `dbt build` count. The same SQL serves the real run
    and `dry_run`. Portable: cross-database macros only.
    source: `spotify` (the enrichment lake table, `enrichedAt`) or `musicbrainz` (its lake table,
    `fetchedAt`); for MusicBrainz, `not_linked` artists are also due again in every mode once their
    answer is older than var `musicbrainz_relink_after_days` (default 30: links are added every day).
-#}
{% macro enrich_artists_worklist_sql(mode, lookback_days=7, stale_after_days=90, limit=none, source='spotify') %}
    {% set history = spotify_enrichment.lake_source_relation('lake_spotify__normalized_listening_history') %}
    {% set answers = {
        'spotify': ('lake_spotify__normalized_artist_enrichment', 'enrichedAt'),
        'musicbrainz': ('lake_musicbrainz__normalized_artist', 'fetchedAt'),
    } %}
    {% if source not in answers %}
        {% do exceptions.raise_compiler_error("enrich_artists_worklist_sql: unknown source " ~ source) %}
    {% endif %}
    {% set enrichment = spotify_enrichment.lake_source_relation(answers[source][0]) %}
    {% set relink_days = var('musicbrainz_relink_after_days', 30) %}
    {% if not (relink_days is integer and 0 <= relink_days <= 36500) %}
        {% do exceptions.raise_compiler_error(
            "var musicbrainz_relink_after_days must be a whole number of days from 0 to 36500, got: " ~ relink_days) %}
    {% endif %}
    {% set max_attempts = spotify_enrichment.checked_number_var('enrichment_max_attempts', 1, 1000, integer=true) %}
    {% set retry_state_sql = spotify_enrichment.failure_retry_state_sql(
        source, spotify_enrichment.enrichment_source_answers_sql(source)
    ) %}
    {% set worklist_sql %}
        with

        plays as (
            select
                artistId,
                artistName,
                playedAt
            from (
                {{ spotify_enrichment.listening_history_staging_sql(history) | indent(16) }}
            ) as listening_history
            where artistId is not null
        ),

        enrichments as (
            select
                artistId,
                status,
                {{ answers[source][1] }} as enrichedAt
            from {{ enrichment }}
        ),

        retry_state as (
            {{ retry_state_sql | indent(12) }}
        ),

        artists as (
            select
                artistId,
                {{ spotify_enrichment.arg_max('artistName', 'playedAt') }} as artistName,
                min(playedAt) as firstPlayedAt,
                count(*) as playCount
            from plays
            group by artistId
        ),

        latest_enrichments as (
            select
                artistId,
                max(enrichedAt) as lastEnrichedAt,
                {{ spotify_enrichment.arg_max('status', 'enrichedAt') }} as lastStatus
            from enrichments
            group by artistId
        ),

        artists_with_enrichment as (
            select
                artists.artistId,
                artists.artistName,
                artists.firstPlayedAt,
                artists.playCount,
                latest_enrichments.lastEnrichedAt,
                latest_enrichments.lastStatus,
                coalesce(retry_state.failedAttempts, 0) as failedAttempts,
                retry_state.nextAttemptAt
            from artists
            left join latest_enrichments
                on artists.artistId = latest_enrichments.artistId
            left join retry_state
                on artists.artistId = retry_state.itemId
        ),

        retryable as (
            select *
            from artists_with_enrichment
            where
                failedAttempts = 0
                or (
                    failedAttempts < {{ max_attempts }}
                    and nextAttemptAt <= {{ spotify_enrichment.current_timestamp_utc() }}
                )
        ),

        due as (
            select *
            from retryable
            {%- if mode == 'backfill' %}
            where lastEnrichedAt is null
            {%- elif mode == 'incremental' %}
            where
                lastEnrichedAt is null
                and (
                    firstPlayedAt >= {{ spotify_enrichment.timestamp_days_ago(lookback_days) }}
                    or failedAttempts > 0
                )
            {%- else %}
            where lastEnrichedAt < {{ spotify_enrichment.timestamp_days_ago(stale_after_days) }}
            {%- endif %}
            {%- if source == 'musicbrainz' %}
                or (
                    lastStatus = 'not_linked'
                    and lastEnrichedAt <= {{ spotify_enrichment.timestamp_days_ago(relink_days) }}
                )
            {%- endif %}
        ),

        ranked as (
            select
                *,
                row_number() over (
                    {%- if mode == 'refresh' %}
                    order by lastEnrichedAt asc, artistId asc
                    {%- else %}
                    order by playCount desc, artistId asc
                    {%- endif %}
                ) as worklistRank
            from due
        ),

        final as (
            select *
            from ranked
            {%- if limit is not none %}
            where worklistRank <= {{ limit }}
            {%- endif %}
        )

        select * from final
    {% endset %}
    {{ return(worklist_sql) }}
{% endmacro %}


{# The dry-run preview, the same on every adapter: the count and the first 10 artists (ID and name). #}
{% macro log_worklist_preview(worklist_sql, mode, due) %}
    {% set first_artists = run_query(
        "select artistId, artistName from (" ~ worklist_sql ~ ") as worklist order by worklistRank limit 10"
    ) %}
    {{ log("enrich_artists: dry run, mode " ~ mode ~ ": " ~ due ~ " artists to enrich; nothing is fetched or written", info=true) }}
    {% for artist in first_artists.rows %}
        {{ log("  " ~ artist[0] ~ "  " ~ artist[1], info=true) }}
    {% endfor %}
    {% if due > 10 %}
        {{ log("  ... and " ~ (due - 10) ~ " more", info=true) }}
    {% endif %}
{% endmacro %}
