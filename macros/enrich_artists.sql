{#-
    Enrich the artists of the listening history with Spotify's and MusicBrainz's artist data:
        dbt run-operation enrich_artists --args '{mode: backfill, dry_run: false, limit: null,
                                                  lookback_days: 7, stale_after_days: 90,
                                                  sources: [spotify, musicbrainz]}'
    mode: backfill | incremental | refresh (see enrich_artists_worklist_sql), applied per source;
    dry_run: count and the first 10 artists of each source's worklist, no API call, nothing written;
    limit: at most this many artists per source (null: all); sources: which sources to ask (default
    both; `[spotify]` or `[musicbrainz]` alone); force: ask even when a source asked to wait (its
    stored retryNotBefore is in the future).
    Steps: resolve_track_artists (tracks of plays without artist IDs: Spotify's data export), then per
    source: worklist -> fetcher (in-process, through the dbt-duckdb plugin; answers land as
    JSONL under var landing_uri); then one load_artist_enrichment (also loads files earlier runs left).
    Fails (non-zero exit) when a source stopped the run (auth, quota, rate-limit cap, a User-Agent
    MusicBrainz blocks), after loading what was fetched before the stop, and when a landing file had to
    be quarantined.
-#}
{% macro enrich_artists(mode='incremental', dry_run=false, limit=none, lookback_days=7, stale_after_days=90, sources=none, force=false) %}
    {#- Referencing kwargs makes Jinja collect unknown arguments there instead of failing with its own error. -#}
    {% do spotify_enrichment.check_enrich_artists_args(mode, dry_run, limit, lookback_days, stale_after_days, kwargs, sources, force) %}
    {{ return(adapter.dispatch('enrich_artists', 'spotify_enrichment')(mode, dry_run, limit, lookback_days, stale_after_days, sources, force)) }}
{% endmacro %}

{#- The enrichment sources, in the order a run asks them. -#}
{% macro enrichment_sources() %}
    {{ return(['spotify', 'musicbrainz']) }}
{% endmacro %}

{#-
    Every argument is checked before any of it reaches SQL: numbers against their ranges (the day counts
    become INTEGER intervals, 100 years is beyond any listening history), unknown names against the list.
-#}
{% macro check_enrich_artists_args(mode, dry_run, limit, lookback_days, stale_after_days, unknown={}, sources=none, force=false) %}
    {% set accepted = ['mode', 'dry_run', 'limit', 'lookback_days', 'stale_after_days', 'sources', 'force'] %}
    {% set max_days = 36500 %}
    {% set max_limit = 2147483647 %}
    {% set problems = [] %}
    {% for name in unknown | sort %}
        {% do problems.append("unknown argument " ~ name ~ " (the arguments are " ~ (accepted | join(", ")) ~ ")") %}
    {% endfor %}
    {% if mode not in ['backfill', 'incremental', 'refresh'] %}
        {% do problems.append("mode must be backfill, incremental or refresh, got: " ~ mode) %}
    {% endif %}
    {% for name, value in [('dry_run', dry_run), ('force', force)] %}
        {% if value not in [true, false] %}
            {% do problems.append(name ~ " must be true or false, got: " ~ value) %}
        {% endif %}
    {% endfor %}
    {% if limit is not none and not (limit is integer and 0 < limit <= max_limit) %}
        {% do problems.append("limit must be a positive whole number or null, got: " ~ limit
            ~ " (allowed: 1 to " ~ max_limit ~ ", or null for all)") %}
    {% endif %}
    {% for name, value in [('lookback_days', lookback_days), ('stale_after_days', stale_after_days)] %}
        {% if not (value is integer and 0 <= value <= max_days) %}
            {% do problems.append(name ~ " must be a whole number of days from 0 to " ~ max_days ~ ", got: " ~ value) %}
        {% endif %}
    {% endfor %}
    {% if sources is not none %}
        {% set known = spotify_enrichment.enrichment_sources() %}
        {% if sources is string or sources is not iterable or sources | length == 0
            or (sources | reject('in', known) | list) or (sources | unique | list | length) != (sources | length) %}
            {% do problems.append("sources must be a non-empty list of distinct sources out of ["
                ~ (known | join(", ")) ~ "], got: " ~ sources) %}
        {% endif %}
    {% endif %}
    {% if problems %}
        {% do exceptions.raise_compiler_error("enrich_artists: " ~ (problems | join("; "))) %}
    {% endif %}
{% endmacro %}

{% macro default__enrich_artists(mode, dry_run, limit, lookback_days, stale_after_days, sources, force=false) %}
    {% do exceptions.raise_compiler_error(
        "enrich_artists is not implemented for target type " ~ target.type
        ~ "; run it on the local (DuckDB) target"
    ) %}
{% endmacro %}

{#-
    Hook for the BigQuery implementation (remote function + load from GCS): define
    bigquery__enrich_artists(mode, dry_run, limit, lookback_days, stale_after_days) in its own file; it can
    reuse enrich_artists_worklist_sql (portable) and report with enrich_artists_summary_line.
-#}

{% macro duckdb__enrich_artists(mode, dry_run, limit, lookback_days, stale_after_days, sources, force=false) %}
    {% set landing = spotify_enrichment.resolved_landing_uri() %}
    {#- One run at a time per landing location: the second fails here, first thing, naming the first.
        A process that dies holding it frees it (an OS lock; on gs:// the next run sees the pid gone). -#}
    {% if not dry_run %}
        {% set lock = spotify_enrichment.plugin_call('spotify_run_lock', [landing, invocation_id, true]) %}
        {% if not lock.ok %}
            {% do exceptions.raise_compiler_error("enrich_artists: " ~ lock.message) %}
        {% endif %}
    {% endif %}
    {% do spotify_enrichment.create_lake_tables() %}
    {% set sources = sources or spotify_enrichment.enrichment_sources() %}
    {#- Plays without artist IDs (Spotify's data export) name their artists once their tracks are resolved
        (Spotify calls, so not on a MusicBrainz-only run). -#}
    {% set unresolved = {'due': 0, 'searches_due': 0} %}
    {% if 'spotify' in sources %}
        {% set tracks = spotify_enrichment.resolve_track_artists_run(dry_run=dry_run, force=force) %}
        {% if tracks.problems %}
            {% do exceptions.raise_compiler_error("resolve_track_artists: " ~ (tracks.problems | join("; "))) %}
        {% endif %}
        {% do unresolved.update(tracks) %}
    {% endif %}
    {% set worklists = {} %}
    {% for source in sources %}
        {% set worklist_sql = spotify_enrichment.enrich_artists_worklist_sql(mode, lookback_days, stale_after_days, limit, source) %}
        {% set due = run_query("select count(*) from (" ~ worklist_sql ~ ") as worklist").columns[0].values()[0] %}
        {% do worklists.update({source: {'sql': worklist_sql, 'due': due}}) %}
    {% endfor %}

    {% if dry_run %}
        {% for source in sources %}
            {{ log("enrich_artists: " ~ source ~ ":", info=true) }}
            {% do spotify_enrichment.log_worklist_preview(worklists[source].sql, mode, worklists[source].due) %}
        {% endfor %}
        {#- A fresh export names no artist until its tracks are resolved: the counts above are not all. -#}
        {% if unresolved.due or unresolved.searches_due %}
            {{ log("enrich_artists: dry run: not counted above: the artists of the plays of " ~ unresolved.due
                ~ " tracks not resolved yet and of " ~ unresolved.searches_due ~ " account-data (track, artist) "
                ~ "pairs not searched yet; they are known only once a run resolves them (" ~ unresolved.due
                ~ " track requests at most in Development Mode, one search per pair)", info=true) }}
        {% endif %}
        {% do spotify_enrichment.load_artist_enrichment(landing, dry_run=true, fail_on_quarantine=false) %}
        {{ return({'mode': mode, 'dry_run': true, 'due': worklists.get('spotify', {}).get('due'),
                   'due_by_source': worklists, 'tracks_due': unresolved.due,
                   'searches_due': unresolved.searches_due}) }}
    {% endif %}

    {% set result = spotify_enrichment.duckdb_enrich_artists_locked(mode, sources, worklists, landing, force) %}
    {% do spotify_enrichment.plugin_call('spotify_run_lock', [landing, invocation_id, false]) %}
    {% if result.problems %}
        {% do exceptions.raise_compiler_error("enrich_artists: " ~ (result.problems | join("; "))) %}
    {% endif %}
    {{ return(result) }}
{% endmacro %}

{#- The run itself, under the run lock; returns its summaries and the problems that fail it. Every
    source's run is recorded in the run history (resume-after, remembered API regime, failure records). -#}
{% macro duckdb_enrich_artists_locked(mode, sources, worklists, landing, force) %}
    {% set memories = {} %}
    {% set waiting = {} %}
    {% for source in sources %}
        {% set memory = spotify_enrichment.enrichment_run_memory(source) %}
        {% do memories.update({source: memory}) %}
        {% do waiting.update({source: memory.retry_not_before is not none and not force
            and worklists[source].due > 0}) %}
    {% endfor %}
    {% set summaries = {} %}
    {% for source in sources %}
        {% set due = worklists[source].due %}
        {% set memory = memories[source] %}
        {% set summary = {
            'requested': 0, 'ok': 0, 'not_found': 0, 'not_linked': 0, 'failed': 0, 'invalid': 0, 'file': none,
            'seconds': 0, 'api_mode': none, 'stop_reason': none, 'message': none, 'invalid_ids': [],
            'failed_ids': [], 'requests': 0, 'refused': 0, 'rate_limited': 0, 'run_id': invocation_id,
            'started_at': modules.datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ')
        } %}
        {% if waiting[source] %}
            {% do summary.update(spotify_enrichment.waiting_run_summary(source, memory.retry_not_before, due)) %}
            {{ log("enrich_artists: " ~ source ~ ": " ~ summary.message ~ " (" ~ due ~ " artists wait; run again after that time,"
                ~ " or pass force: true)", info=true) }}
        {% elif due == 0 %}
            {{ log("enrich_artists: " ~ source ~ ": no artists to enrich (mode " ~ mode ~ "); the API was not called", info=true) }}
        {% else %}
            {{ log("enrich_artists: " ~ source ~ ": mode " ~ mode ~ ": fetching " ~ due ~ " artists, landing in " ~ landing, info=true) }}
            {% set fetch_sql %}
                select {{ 'spotify_fetch_artists' if source == 'spotify' else 'musicbrainz_fetch_artists' }}(
                    list(artistId order by worklistRank),
                    {{ spotify_enrichment.sql_string(landing) }},
                    {{ spotify_enrichment.sql_string(invocation_id) }},
                    {{ spotify_enrichment.sql_string(invocation_args_dict.get('project_dir') or flags.PROJECT_DIR or '.') }},
                    {{ spotify_enrichment.sql_string(spotify_enrichment.landing_owner()) }}
                    {%- if source == 'spotify' %},
                    {{ spotify_enrichment.sql_string(tojson({'regimes': memory.regimes})) }}
                    {%- endif %}
                )
                from ({{ worklists[source].sql }}) as worklist
            {% endset %}
            {% do summary.update(fromjson(run_query(fetch_sql).columns[0].values()[0])) %}
        {% endif %}
        {% do summaries.update({source: summary}) %}
    {% endfor %}

    {% set loaded = spotify_enrichment.load_artist_enrichment(landing, dry_run=false, fail_on_quarantine=false) %}
    {#- One run record per source, loaded in one step. A run that sent nothing learned nothing new: the
        earlier wait still holds for the next run. -#}
    {% set recorded = [] %}
    {% for source in sources %}
        {% set summary = summaries[source] %}
        {% do recorded.append(spotify_enrichment.land_enrichment_run(
            landing, source, mode, summary, loaded,
            memories[source].retry_not_before if not summary.get('requests') and not summary.get('retry_after_seconds') else none
        )) %}
    {% endfor %}
    {% if recorded | select | list %}
        {% do spotify_enrichment.load_artist_enrichment(landing, dry_run=false, fail_on_quarantine=false) %}
    {% endif %}
    {% set problems = [] %}
    {% for source in sources %}
        {% set summary = summaries[source] %}
        {% if source == 'spotify' %}
            {{ log(spotify_enrichment.enrich_artists_summary_line(mode, summary, loaded), info=true) }}
            {% do spotify_enrichment.log_withheld_fields() %}
        {% else %}
            {{ log(spotify_enrichment.musicbrainz_summary_line(mode, summary, loaded), info=true) }}
        {% endif %}
        {% do spotify_enrichment.report_given_up(source) %}
        {% if summary.invalid %}
            {{ log("enrich_artists: warning: " ~ summary.invalid ~ " malformed artist IDs in the listening history were not sent: "
                ~ (summary.invalid_ids[:10] | join(", ")) ~ (" ..." if summary.invalid > 10 else ""), info=true) }}
        {% endif %}
        {% if summary.failed %}
            {{ log("enrich_artists: warning: " ~ source ~ ": " ~ summary.failed ~ " artists failed after retries and will be asked again next run: "
                ~ (summary.failed_ids[:10] | join(", ")) ~ (" ..." if summary.failed > 10 else ""), info=true) }}
        {% endif %}
        {% if summary.stop_reason and not waiting[source] %}
            {% do problems.append(source ~ ": the run stopped (" ~ summary.stop_reason ~ "): " ~ summary.message
                ~ ("; the answers fetched before the stop are loaded (" ~ loaded.rows ~ " rows)" if loaded.rows else "")) %}
        {% endif %}
    {% endfor %}
    {% if loaded.quarantined %}
        {% do problems.append((loaded.quarantined | length) ~ " landing files quarantined: " ~ (loaded.quarantined | join(" | "))) %}
    {% endif %}
    {{ return({'mode': mode, 'dry_run': false, 'due': worklists.get('spotify', {}).get('due'),
               'summary': summaries.get('spotify'), 'summaries': summaries, 'loaded': loaded,
               'problems': problems}) }}
{% endmacro %}

{#-
    Development Mode apps get no genres, popularity or followers from Spotify: say so after the run, so
    empty genre reports are explained (MusicBrainz fills genres where it links the artist).
-#}
{% macro log_withheld_fields() %}
    {% set enrichment = spotify_enrichment.lake_source_relation('lake_spotify__normalized_artist_enrichment') %}
    {% set counts = run_query(
        "select count(*), count(case when genres is null and popularity is null then 1 end) from "
        ~ enrichment ~ " where runId = " ~ spotify_enrichment.sql_string(invocation_id) ~ " and status = 'ok'"
    ).rows[0] %}
    {% if counts[1] %}
        {{ log("enrich_artists: note: Spotify withheld genres, popularity and followers for " ~ counts[1] ~ " of "
            ~ counts[0] ~ " artists it answered (Development Mode); genres come from MusicBrainz where it links the artist", info=true) }}
    {% endif %}
{% endmacro %}

{#- The MusicBrainz line of a run (the fetcher's MusicBrainzSummary keys; loaded: the load step's summary). -#}
{% macro musicbrainz_summary_line(mode, summary, loaded) %}
    {{ return(
        "enrich_artists summary: source musicbrainz, mode " ~ mode
        ~ ", requested " ~ summary.requested
        ~ ", ok " ~ summary.ok
        ~ ", not_linked " ~ summary.not_linked
        ~ ", failed " ~ summary.failed
        ~ ", invalid " ~ summary.invalid
        ~ ", landing file " ~ spotify_enrichment.landed_file_now(summary.file, loaded)
        ~ ", " ~ ("%.1f" | format(summary.seconds | float)) ~ " s"
        ~ ", requests " ~ summary.requests
        ~ ", 503s " ~ summary.refused
        ~ ", rows loaded " ~ loaded.get('rows_by_record_type', {}).get('musicbrainz_artist', 0)
        ~ (", stopped: " ~ summary.stop_reason if summary.stop_reason else "")
    ) }}
{% endmacro %}


{#- Warn about the items of `source` that failed var enrichment_max_attempts times and are no longer asked. -#}
{% macro report_given_up(source) %}
    {% set max_attempts = spotify_enrichment.checked_number_var('enrichment_max_attempts', 1, 1000, integer=true) %}
    {% set retry_state_sql = spotify_enrichment.failure_retry_state_sql(
        source, spotify_enrichment.enrichment_source_answers_sql(source)
    ) %}
    {% set given_up = run_query(
        "select itemId from (" ~ retry_state_sql ~ ") as retry_state where failedAttempts >= "
        ~ max_attempts ~ " order by itemId"
    ).columns[0].values() %}
    {% if given_up %}
        {{ log("enrich_artists: warning: " ~ (given_up | length) ~ " " ~ source ~ " items failed "
            ~ max_attempts ~ " times (var enrichment_max_attempts) and are no longer asked: "
            ~ (given_up[:10] | join(", ")) ~ (" ..." if (given_up | length) > 10 else "")
            ~ "; see analyses/enrichment_failures.sql", info=true) }}
    {% endif %}
{% endmacro %}

{#-
    The one line a weekly job's log is read for. summary: requested, ok, not_found, failed, invalid, file,
    seconds, api_mode, stop_reason (the fetcher's FetchSummary keys); loaded: rows, optionally archived.
-#}
{% macro enrich_artists_summary_line(mode, summary, loaded) %}
    {{ return(
        "enrich_artists summary: mode " ~ mode
        ~ ", requested " ~ summary.requested
        ~ ", ok " ~ summary.ok
        ~ ", not_found " ~ summary.not_found
        ~ ", failed " ~ summary.failed
        ~ ", invalid " ~ summary.invalid
        ~ ", landing file " ~ spotify_enrichment.landed_file_now(summary.file, loaded)
        ~ ", " ~ ("%.1f" | format(summary.seconds | float)) ~ " s"
        ~ ", API mode " ~ (summary.api_mode or "none")
        ~ ", requests " ~ summary.get('requests', 0)
        ~ ", rate-limited " ~ summary.get('rate_limited', 0)
        ~ ", rows loaded " ~ loaded.get('rows', 0)
        ~ (", stopped: " ~ summary.stop_reason if summary.stop_reason else "")
    ) }}
{% endmacro %}

{#- Where the run's landing file is after the load: its archive (or quarantine) URI, else as landed. -#}
{% macro landed_file_now(landed_uri, loaded) %}
    {% if not landed_uri %}
        {{ return("none") }}
    {% endif %}
    {% set name = landed_uri.split("/") | last %}
    {% for uri in loaded.get('archived', []) if (uri.split("/") | last) == name %}
        {{ return(uri) }}
    {% endfor %}
    {{ return(landed_uri) }}
{% endmacro %}
