{#-
    Resolve the tracks of the listening history that came without artist IDs (Spotify's data export) to
    every one of their artists (source `spotify_tracks`):
        dbt run-operation resolve_track_artists [--args '{dry_run: true, limit: 100, force: false}']
    Worklist: each distinct track ID of a play without artistId that has no answer in
    lake_spotify__normalized_track_artists yet (not_found ones included: never asked again), most played
    first; a track that failed is asked again once its next attempt is due, and no more after var
    enrichment_max_attempts failures (reported). The fetcher asks GET /tracks?ids= 50 at a time, or GET
    /tracks/{id} per track once Spotify answers 403 (Development Mode; remembered per client ID in the
    run history), with the artists' pacing, retries and stops; the answers land as
    `_track_artists.jsonl` and load_artist_enrichment loads them; the run is recorded in
    lake_enrichment__runs (failed tracks in lake_enrichment__failures). Then the account-data searches
    (track_search_worklist_sql), recorded likewise as source spotify_search (failed searches by searchKey). Before a stored Spotify
    retryNotBefore nothing is sent and the run exits 0, unless `force`. Takes the run lock as
    enrich_artists does (whose first step it is). Fails (non-zero exit) when Spotify stopped the run,
    after loading what was fetched before the stop.
-#}
{% macro resolve_track_artists(dry_run=false, limit=none, force=false) %}
    {% set landing = spotify_enrichment.resolved_landing_uri() %}
    {% if not dry_run %}
        {% set lock = spotify_enrichment.plugin_call('spotify_run_lock', [landing, invocation_id, true]) %}
        {% if not lock.ok %}
            {% do exceptions.raise_compiler_error("resolve_track_artists: " ~ lock.message) %}
        {% endif %}
    {% endif %}
    {% set result = spotify_enrichment.resolve_track_artists_run(dry_run, limit, force) %}
    {% if not dry_run %}
        {% do spotify_enrichment.plugin_call('spotify_run_lock', [landing, invocation_id, false]) %}
    {% endif %}
    {% if result.problems %}
        {% do exceptions.raise_compiler_error("resolve_track_artists: " ~ (result.problems | join("; "))) %}
    {% endif %}
    {{ return(result) }}
{% endmacro %}

{#- The track resolution itself (the caller holds the run lock); returns its summary and the problems
    that fail it. -#}
{% macro resolve_track_artists_run(dry_run=false, limit=none, force=false) %}
    {% for name, value in [('dry_run', dry_run), ('force', force)] %}
        {% if value not in [true, false] %}
            {% do exceptions.raise_compiler_error("resolve_track_artists: " ~ name ~ " must be true or false, got: " ~ value) %}
        {% endif %}
    {% endfor %}
    {% if limit is not none and not (limit is integer and 0 < limit <= 2147483647) %}
        {% do exceptions.raise_compiler_error("resolve_track_artists: limit must be a positive whole number or null, got: " ~ limit) %}
    {% endif %}
    {% if target.type != 'duckdb' %}
        {% do exceptions.raise_compiler_error(
            "resolve_track_artists runs on DuckDB (target type " ~ target.type ~ "); on BigQuery load "
            ~ "lake_spotify__normalized_track_artists from _track_artists.jsonl landing files"
        ) %}
    {% endif %}
    {% do spotify_enrichment.create_lake_tables() %}
    {% set worklist_sql = spotify_enrichment.track_worklist_sql(limit) %}
    {% set due = run_query("select count(*) from (" ~ worklist_sql ~ ") as worklist").columns[0].values()[0] %}
    {% set search_sql = spotify_enrichment.track_search_worklist_sql(limit) %}
    {% set searches_due = run_query("select count(*) from (" ~ search_sql ~ ") as worklist").columns[0].values()[0] %}
    {% if dry_run %}
        {{ log("resolve_track_artists: dry run: " ~ due ~ " tracks to resolve (GET /tracks) and " ~ searches_due
            ~ " account-data (track name, artist name) pairs to search (one GET /search each); the artists of "
            ~ "their plays are not known until then; nothing is fetched or written", info=true) }}
        {{ return({'due': due, 'searches_due': searches_due, 'dry_run': true, 'problems': []}) }}
    {% endif %}
    {% if due == 0 and searches_due == 0 %}
        {{ log("resolve_track_artists: no tracks to resolve and no account-data names to search; the Spotify API "
            ~ "was not called", info=true) }}
        {% do spotify_enrichment.log_unmatched_account_plays() %}
        {% do spotify_enrichment.report_given_up('spotify_tracks') %}
        {% do spotify_enrichment.report_given_up('spotify_search') %}
        {{ return({'due': 0, 'searches_due': 0, 'dry_run': false, 'problems': []}) }}
    {% endif %}
    {% set landing = spotify_enrichment.resolved_landing_uri() %}
    {#- Tracks and searches are Spotify calls: a stored Spotify wait holds both back. -#}
    {% set memory = spotify_enrichment.enrichment_run_memory('spotify_tracks') %}
    {% if memory.retry_not_before is not none and not force %}
        {% set summary = spotify_enrichment.waiting_run_summary('spotify_tracks', memory.retry_not_before, due) %}
        {{ log("resolve_track_artists: " ~ summary.message ~ " (" ~ due ~ " tracks and " ~ searches_due
            ~ " account-data name pairs wait; run again after that time, or pass force: true)", info=true) }}
        {% for source, waiting in [('spotify_tracks', due), ('spotify_search', searches_due)] if waiting > 0 %}
            {% do spotify_enrichment.land_enrichment_run(
                landing, source, none,
                spotify_enrichment.waiting_run_summary(source, memory.retry_not_before, waiting), {},
                memory.retry_not_before
            ) %}
        {% endfor %}
        {% do spotify_enrichment.load_artist_enrichment(landing, dry_run=false, fail_on_quarantine=false) %}
        {{ return({'due': due, 'searches_due': searches_due, 'dry_run': false, 'summary': summary,
                   'waiting': true, 'problems': []}) }}
    {% endif %}
    {% set summaries = {} %}
    {% set project_dir = spotify_enrichment.sql_string(invocation_args_dict.get('project_dir') or flags.PROJECT_DIR or '.') %}
    {% set owner = spotify_enrichment.sql_string(spotify_enrichment.landing_owner()) %}
    {% if due > 0 %}
        {{ log("resolve_track_artists: resolving " ~ due ~ " tracks to their artists, landing in " ~ landing, info=true) }}
        {% set fetch_sql %}
            select spotify_resolve_tracks(
                list(trackId order by worklistRank),
                {{ spotify_enrichment.sql_string(landing) }},
                {{ spotify_enrichment.sql_string(spotify_enrichment.enrichment_run_id('spotify_tracks')) }},
                {{ project_dir }},
                {{ owner }},
                {{ spotify_enrichment.sql_string(tojson({'regimes': memory.regimes})) }}
            )
            from ({{ worklist_sql }}) as worklist
        {% endset %}
        {% do summaries.update({'tracks': fromjson(run_query(fetch_sql).columns[0].values()[0])}) %}
    {% endif %}
    {#- After the tracks: a stop there (quota, auth) stops this too, one request later. -#}
    {% if searches_due > 0 and not summaries.get('tracks', {}).get('stop_reason') %}
        {{ log("resolve_track_artists: searching " ~ searches_due ~ " account-data (track name, artist name) pairs, "
            ~ "one GET /search each, landing in " ~ landing, info=true) }}
        {% set search_fetch_sql %}
            select spotify_search_tracks(
                list(trackName order by worklistRank),
                list(artistName order by worklistRank),
                {{ spotify_enrichment.sql_string(landing) }},
                {{ spotify_enrichment.sql_string(spotify_enrichment.enrichment_run_id('spotify_search')) }},
                {{ project_dir }},
                {{ owner }}
            )
            from ({{ search_sql }}) as worklist
        {% endset %}
        {% do summaries.update({'searches': fromjson(run_query(search_fetch_sql).columns[0].values()[0])}) %}
    {% endif %}
    {% set loaded = spotify_enrichment.load_artist_enrichment(landing, dry_run=false, fail_on_quarantine=false) %}
    {#- Both runs' records land first and load in one step. -#}
    {% for name, source in [('tracks', 'spotify_tracks'), ('searches', 'spotify_search')] if name in summaries %}
        {% set run = summaries[name] %}
        {% do spotify_enrichment.land_enrichment_run(
            landing, source, none, run, loaded,
            memory.retry_not_before if not run.get('requests') and not run.get('retry_after_seconds') else none
        ) %}
    {% endfor %}
    {% if summaries %}
        {% do spotify_enrichment.load_artist_enrichment(landing, dry_run=false, fail_on_quarantine=false) %}
    {% endif %}
    {% set rows = loaded.get('rows_by_record_type', {}) %}
    {% for name, summary in summaries.items() %}
        {{ log(
            "resolve_track_artists " ~ ("summary" if name == 'tracks' else "search summary") ~ ": requested "
            ~ summary.requested ~ ", " ~ ("ok " if name == 'tracks' else "answered ") ~ summary.get('ok', 0)
            ~ ", not_found " ~ summary.get('not_found', 0) ~ ", failed " ~ summary.get('failed', 0)
            ~ (", invalid " ~ summary.invalid ~ " (" ~ (summary.invalid_ids | join("; ")) ~ ")" if summary.get('invalid') else "")
            ~ ", requests " ~ summary.get('requests', 0) ~ ", API mode " ~ (summary.get('api_mode') or 'none')
            ~ ", " ~ ("%.1f" | format(summary.get('seconds', 0) | float)) ~ " s, rows loaded "
            ~ rows.get('track_artists' if name == 'tracks' else 'track_search', 0)
            ~ (", stopped: " ~ summary.stop_reason if summary.get('stop_reason') else ""),
            info=true
        ) }}
    {% endfor %}
    {% if summaries.get('tracks', {}).get('failed') %}
        {{ log("resolve_track_artists: warning: " ~ summaries.tracks.failed ~ " tracks failed after retries and will be asked again next run: "
            ~ (summaries.tracks.failed_ids[:10] | join(", ")) ~ (" ..." if summaries.tracks.failed > 10 else ""), info=true) }}
    {% endif %}
    {% if summaries.get('searches', {}).get('failed') %}
        {{ log("resolve_track_artists: warning: " ~ summaries.searches.failed ~ " searches failed after retries and "
            ~ "will be asked again next run (by searchKey): " ~ (summaries.searches.failed_ids[:10] | join(", "))
            ~ (" ..." if summaries.searches.failed > 10 else ""), info=true) }}
    {% endif %}
    {% do spotify_enrichment.report_given_up('spotify_tracks') %}
    {% do spotify_enrichment.report_given_up('spotify_search') %}
    {% do spotify_enrichment.log_unmatched_account_plays() %}
    {% set problems = [] %}
    {% for name, summary in summaries.items() if summary.get('stop_reason') %}
        {% do problems.append("the " ~ name ~ " run stopped (" ~ summary.stop_reason ~ "): " ~ summary.message
            ~ "; the answers fetched before the stop are loaded, run it again for the rest") %}
    {% endfor %}
    {% if searches_due > 0 and 'searches' not in summaries %}
        {% do problems.append(searches_due ~ " account-data name pairs not searched because the tracks run stopped") %}
    {% endif %}
    {% if loaded.quarantined %}
        {% do problems.append((loaded.quarantined | length) ~ " landing files quarantined: " ~ (loaded.quarantined | join(" | "))) %}
    {% endif %}
    {{ return({'due': due, 'searches_due': searches_due, 'dry_run': false, 'summary': summaries.get('tracks', {}),
               'search_summary': summaries.get('searches', {}), 'loaded': loaded, 'problems': problems}) }}
{% endmacro %}

{#-
    The tracks resolve_track_artists asks about, one row each, most played first (`worklistRank`): the
    valid track IDs of plays without an artist ID that have no answer yet, less the failed ones whose
    next attempt is not due or that failed var enrichment_max_attempts times. Portable.
-#}
{% macro track_worklist_sql(limit=none) %}
    {% set history = spotify_enrichment.lake_source_relation('lake_spotify__normalized_listening_history') %}
    {% set track_artists = spotify_enrichment.lake_source_relation('lake_spotify__normalized_track_artists') %}
    {% set max_attempts = spotify_enrichment.checked_number_var('enrichment_max_attempts', 1, 1000, integer=true) %}
    {% set retry_state_sql = spotify_enrichment.failure_retry_state_sql(
        'spotify_tracks', spotify_enrichment.enrichment_source_answers_sql('spotify_tracks')
    ) %}
    {% set worklist_sql %}
        with

        plays as (
            select
                trim(cast(trackId as {{ dbt.type_string() }})) as trackId
            from {{ history }}
            where
                {{ spotify_enrichment.normalized_artist_id('cast(artistId as ' ~ dbt.type_string() ~ ')') }} is null
                and trackId is not null
        ),

        answered as (
            select distinct trackId from {{ track_artists }}
        ),

        retry_state as (
            {{ retry_state_sql | indent(12) }}
        ),

        tracks as (
            select
                plays.trackId,
                count(*) as playCount
            from plays
            left join answered
                on plays.trackId = answered.trackId
            left join retry_state
                on plays.trackId = retry_state.itemId
            where
                answered.trackId is null
                and {{ spotify_enrichment.is_spotify_id('plays.trackId') }}
                and (
                    retry_state.itemId is null
                    or (
                        retry_state.failedAttempts < {{ max_attempts }}
                        and retry_state.nextAttemptAt <= {{ spotify_enrichment.current_timestamp_utc() }}
                    )
                )
            group by plays.trackId
        ),

        ranked as (
            select
                trackId,
                playCount,
                row_number() over (order by playCount desc, trackId asc) as worklistRank
            from tracks
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
