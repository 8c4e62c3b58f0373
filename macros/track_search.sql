{#-
    The account-data (track name, artist name) pairs resolve_track_artists searches, one row each, most
    played first (`worklistRank`): pairs of plays without a track or artist ID (Spotify's account data)
    that have no answer in lake_spotify__normalized_track_search yet (not_found and ambiguous ones
    included: never searched again), less the failed ones (source spotify_search, by searchKey) whose
    next attempt is not due or that failed var enrichment_max_attempts times. The names stay exactly as
    the history has them: the answer lands under them. Portable.
-#}
{% macro track_search_worklist_sql(limit=none) %}
    {% set history = spotify_enrichment.lake_source_relation('lake_spotify__normalized_listening_history') %}
    {% set track_search = spotify_enrichment.lake_source_relation('lake_spotify__normalized_track_search') %}
    {% set max_attempts = spotify_enrichment.checked_number_var('enrichment_max_attempts', 1, 1000, integer=true) %}
    {% set retry_state_sql = spotify_enrichment.failure_retry_state_sql(
        'spotify_search', spotify_enrichment.enrichment_source_answers_sql('spotify_search')
    ) %}
    {% set worklist_sql %}
        with

        plays as (
            select
                cast(trackName as {{ dbt.type_string() }}) as trackName,
                cast(artistName as {{ dbt.type_string() }}) as artistName
            from {{ history }}
            where
                {{ spotify_enrichment.normalized_artist_id('cast(artistId as ' ~ dbt.type_string() ~ ')') }} is null
                and trackId is null
                and trackName is not null
                and artistName is not null
        ),

        answered as (
            select distinct
                trackName,
                artistName
            from {{ track_search }}
        ),

        retry_state as (
            {{ retry_state_sql | indent(12) }}
        ),

        unanswered as (
            select
                plays.trackName,
                plays.artistName,
                count(*) as playCount
            from plays
            left join answered
                on
                    plays.trackName = answered.trackName
                    and plays.artistName = answered.artistName
            where answered.trackName is null
            group by plays.trackName, plays.artistName
        ),

        pairs as (
            select
                unanswered.trackName,
                unanswered.artistName,
                unanswered.playCount
            from unanswered
            left join retry_state
                on {{ spotify_enrichment.search_key_sql('unanswered.trackName', 'unanswered.artistName') }} = retry_state.itemId
            where
                retry_state.itemId is null
                or (
                    retry_state.failedAttempts < {{ max_attempts }}
                    and retry_state.nextAttemptAt <= {{ spotify_enrichment.current_timestamp_utc() }}
                )
        ),

        ranked as (
            select
                trackName,
                artistName,
                playCount,
                row_number() over (order by playCount desc, trackName asc, artistName asc) as worklistRank
            from pairs
        ),

        final as (
            select * from ranked
            {%- if limit is not none %}
            where worklistRank <= {{ limit }}
            {%- endif %}
        )

        select * from final
    {% endset %}
    {{ return(worklist_sql) }}
{% endmacro %}

{#-
    The searchKey of a (track name, artist name) pair in SQL, equal to track_search.search_key: the
    first 32 hex digits of SHA-256 of the JSON array of the two names. Its escaping covers the
    characters JSON escapes in a name that can be searched (backslash and `"`; names with control
    characters are never sent, so never fail). Portable (DuckDB, BigQuery).
-#}
{% macro search_key_sql(track_name, artist_name) %}
    {% set backslash = '\\' %}
    {#- A SQL literal of `text`: BigQuery reads backslash escapes in string literals, DuckDB does not. -#}
    {% set literals = {} %}
    {% for text in [backslash, backslash ~ backslash, '"', backslash ~ '"', '["', '", "', '"]'] %}
        {% do literals.update({text: "'" ~ (text.replace(backslash, backslash ~ backslash) if target.type == 'bigquery' else text) ~ "'"}) %}
    {% endfor %}
    {% set parts = [] %}
    {% for name in [track_name, artist_name] %}
        {% do parts.append("replace(replace(" ~ name ~ ", " ~ literals[backslash] ~ ", " ~ literals[backslash ~ backslash]
            ~ "), " ~ literals['"'] ~ ", " ~ literals[backslash ~ '"'] ~ ")") %}
    {% endfor %}
    {% set canonical = "concat(" ~ literals['["'] ~ ", " ~ parts[0] ~ ", " ~ literals['", "'] ~ ", " ~ parts[1] ~ ", " ~ literals['"]'] ~ ")" %}
    {% set digest = ("to_hex(sha256(" ~ canonical ~ "))") if target.type == 'bigquery' else ("sha256(" ~ canonical ~ ")") %}
    {{ return("substr(" ~ digest ~ ", 1, 32)") }}
{% endmacro %}

{#-
    The account-data plays no search matched, by (track name, artist name): the latest answer per pair is
    `ambiguous` or `not_found`. One row per pair with its status and plays, most played first. Portable.
-#}
{% macro unmatched_account_plays_sql(history=none, track_search=none) %}
    {% set history = history or spotify_enrichment.lake_source_relation('lake_spotify__normalized_listening_history') %}
    {% set track_search = track_search or spotify_enrichment.lake_source_relation('lake_spotify__normalized_track_search') %}
    {% set unmatched_sql %}
        with

        plays as (
            select
                cast(trackName as {{ dbt.type_string() }}) as trackName,
                cast(artistName as {{ dbt.type_string() }}) as artistName
            from {{ history }}
            where
                {{ spotify_enrichment.normalized_artist_id('cast(artistId as ' ~ dbt.type_string() ~ ')') }} is null
                and trackId is null
        ),

        ranked_answers as (
            select
                trackName,
                artistName,
                status,
                exactCandidates,
                row_number() over (
                    partition by trackName, artistName order by resolvedAt desc, loadedAt desc
                ) as answerRank
            from {{ track_search }}
        ),

        unmatched as (
            select
                plays.trackName,
                plays.artistName,
                ranked_answers.status,
                ranked_answers.exactCandidates,
                count(*) as playCount
            from plays
            inner join ranked_answers
                on
                    plays.trackName = ranked_answers.trackName
                    and plays.artistName = ranked_answers.artistName
            where ranked_answers.answerRank = 1 and ranked_answers.status != 'matched'
            group by plays.trackName, plays.artistName, ranked_answers.status, ranked_answers.exactCandidates
        ),

        final as (
            select * from unmatched
        )

        select * from final
    {% endset %}
    {{ return(unmatched_sql) }}
{% endmacro %}

{#- Log the unmatched account-data plays (see unmatched_account_plays_sql): totals and the 20 most played. -#}
{% macro log_unmatched_account_plays() %}
    {% set rows = run_query(
        "select trackName, artistName, status, exactCandidates, playCount from ("
        ~ spotify_enrichment.unmatched_account_plays_sql()
        ~ ") as unmatched order by playCount desc, trackName, artistName"
    ).rows %}
    {% if rows | length == 0 %}
        {{ return(none) }}
    {% endif %}
    {% set plays = rows | sum(attribute=4) %}
    {% set shown = [] %}
    {% for row in rows[:20] %}
        {% do shown.append('"' ~ row[0] ~ '" by "' ~ row[1] ~ '": ' ~ row[2]
            ~ (" (" ~ row[3] ~ " exact candidates with different artists)" if row[2] == 'ambiguous' else "")
            ~ ", " ~ row[4] ~ " plays") %}
    {% endfor %}
    {{ log("resolve_track_artists: " ~ (rows | length) ~ " account-data (track, artist) pairs, " ~ plays
        ~ " plays, have no match and are not counted for any artist (lake_spotify__normalized_track_search): "
        ~ (shown | join("; ")) ~ ("; ..." if rows | length > 20 else ""), info=true) }}
{% endmacro %}
