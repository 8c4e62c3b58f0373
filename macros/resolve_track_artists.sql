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
    lake_enrichment__runs (failed tracks in lake_enrichment__failures). Before a stored Spotify
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
    {% if dry_run %}
        {{ log("resolve_track_artists: dry run: " ~ due ~ " tracks to resolve; nothing is fetched or written", info=true) }}
        {{ return({'due': due, 'dry_run': true, 'problems': []}) }}
    {% endif %}
    {% if due == 0 %}
        {{ log("resolve_track_artists: no tracks to resolve; the Spotify API was not called", info=true) }}
        {% do spotify_enrichment.report_given_up('spotify_tracks') %}
        {{ return({'due': 0, 'dry_run': false, 'problems': []}) }}
    {% endif %}
    {% set landing = spotify_enrichment.resolved_landing_uri() %}
    {% set memory = spotify_enrichment.enrichment_run_memory('spotify_tracks') %}
    {% if memory.retry_not_before is not none and not force %}
        {% set summary = spotify_enrichment.waiting_run_summary('spotify_tracks', memory.retry_not_before, due) %}
        {{ log("resolve_track_artists: " ~ summary.message ~ " (" ~ due ~ " tracks wait; run again after that time,"
            ~ " or pass force: true)", info=true) }}
        {% do spotify_enrichment.record_enrichment_run(landing, 'spotify_tracks', none, summary, {}, memory.retry_not_before) %}
        {{ return({'due': due, 'dry_run': false, 'summary': summary, 'waiting': true, 'problems': []}) }}
    {% endif %}
    {{ log("resolve_track_artists: resolving " ~ due ~ " tracks to their artists, landing in " ~ landing, info=true) }}
    {% set fetch_sql %}
        select spotify_resolve_tracks(
            list(trackId order by worklistRank),
            {{ spotify_enrichment.sql_string(landing) }},
            {{ spotify_enrichment.sql_string(spotify_enrichment.enrichment_run_id('spotify_tracks')) }},
            {{ spotify_enrichment.sql_string(invocation_args_dict.get('project_dir') or flags.PROJECT_DIR or '.') }},
            {{ spotify_enrichment.sql_string(spotify_enrichment.landing_owner()) }},
            {{ spotify_enrichment.sql_string(tojson({'regimes': memory.regimes})) }}
        )
        from ({{ worklist_sql }}) as worklist
    {% endset %}
    {% set summary = fromjson(run_query(fetch_sql).columns[0].values()[0]) %}
    {% set loaded = spotify_enrichment.load_artist_enrichment(landing, dry_run=false, fail_on_quarantine=false) %}
    {% do spotify_enrichment.record_enrichment_run(
        landing, 'spotify_tracks', none, summary, loaded,
        memory.retry_not_before if not summary.get('requests') and not summary.get('retry_after_seconds') else none
    ) %}
    {{ log(
        "resolve_track_artists summary: requested " ~ summary.requested ~ ", ok " ~ summary.get('ok', 0)
        ~ ", not_found " ~ summary.get('not_found', 0) ~ ", failed " ~ summary.get('failed', 0)
        ~ ", requests " ~ summary.get('requests', 0) ~ ", API mode " ~ (summary.get('api_mode') or 'none')
        ~ ", " ~ ("%.1f" | format(summary.get('seconds', 0) | float)) ~ " s, rows loaded "
        ~ loaded.get('rows_by_record_type', {}).get('track_artists', 0)
        ~ (", stopped: " ~ summary.stop_reason if summary.get('stop_reason') else ""),
        info=true
    ) }}
    {% if summary.get('failed') %}
        {{ log("resolve_track_artists: warning: " ~ summary.failed ~ " tracks failed after retries and will be asked again next run: "
            ~ (summary.failed_ids[:10] | join(", ")) ~ (" ..." if summary.failed > 10 else ""), info=true) }}
    {% endif %}
    {% do spotify_enrichment.report_given_up('spotify_tracks') %}
    {% set problems = [] %}
    {% if summary.get('stop_reason') %}
        {% do problems.append("the run stopped (" ~ summary.stop_reason ~ "): " ~ summary.message
            ~ "; the answers fetched before the stop are loaded, run it again for the rest") %}
    {% endif %}
    {% if loaded.quarantined %}
        {% do problems.append((loaded.quarantined | length) ~ " landing files quarantined: " ~ (loaded.quarantined | join(" | "))) %}
    {% endif %}
    {{ return({'due': due, 'dry_run': false, 'summary': summary, 'loaded': loaded, 'problems': problems}) }}
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
