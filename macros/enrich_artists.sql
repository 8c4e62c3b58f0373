{#-
    Enrich the artists of the listening history with Spotify's artist data:
        dbt run-operation enrich_artists --args '{mode: backfill, dry_run: false, limit: null,
                                                  lookback_days: 7, stale_after_days: 90}'
    mode: backfill | incremental | refresh (see enrich_artists_worklist_sql); dry_run: count and the first
    10 artists, no API call, nothing written; limit: at most this many artists (null: all).
    Steps: resolve_track_artists (tracks of plays without artist IDs) -> worklist -> fetcher (in-process, through the dbt-duckdb plugin; answers land as JSONL under
    var landing_uri) -> load_artist_enrichment (also loads files earlier runs left behind).
    Fails (non-zero exit) when Spotify stopped the run (auth, quota, rate-limit cap), after loading what
    was fetched before the stop, and when a landing file had to be quarantined.
-#}
{% macro enrich_artists(mode='incremental', dry_run=false, limit=none, lookback_days=7, stale_after_days=90) %}
    {#- Referencing kwargs makes Jinja collect unknown arguments there instead of failing with its own error. -#}
    {% do spotify_enrichment.check_enrich_artists_args(mode, dry_run, limit, lookback_days, stale_after_days, kwargs) %}
    {{ return(adapter.dispatch('enrich_artists', 'spotify_enrichment')(mode, dry_run, limit, lookback_days, stale_after_days)) }}
{% endmacro %}

{#-
    Every argument is checked before any of it reaches SQL: numbers against their ranges (the day counts
    become INTEGER intervals, 100 years is beyond any listening history), unknown names against the list.
-#}
{% macro check_enrich_artists_args(mode, dry_run, limit, lookback_days, stale_after_days, unknown={}) %}
    {% set accepted = ['mode', 'dry_run', 'limit', 'lookback_days', 'stale_after_days'] %}
    {% set max_days = 36500 %}
    {% set max_limit = 2147483647 %}
    {% set problems = [] %}
    {% for name in unknown | sort %}
        {% do problems.append("unknown argument " ~ name ~ " (the arguments are " ~ (accepted | join(", ")) ~ ")") %}
    {% endfor %}
    {% if mode not in ['backfill', 'incremental', 'refresh'] %}
        {% do problems.append("mode must be backfill, incremental or refresh, got: " ~ mode) %}
    {% endif %}
    {% if dry_run not in [true, false] %}
        {% do problems.append("dry_run must be true or false, got: " ~ dry_run) %}
    {% endif %}
    {% if limit is not none and not (limit is integer and 0 < limit <= max_limit) %}
        {% do problems.append("limit must be a positive whole number or null, got: " ~ limit
            ~ " (allowed: 1 to " ~ max_limit ~ ", or null for all)") %}
    {% endif %}
    {% for name, value in [('lookback_days', lookback_days), ('stale_after_days', stale_after_days)] %}
        {% if not (value is integer and 0 <= value <= max_days) %}
            {% do problems.append(name ~ " must be a whole number of days from 0 to " ~ max_days ~ ", got: " ~ value) %}
        {% endif %}
    {% endfor %}
    {% if problems %}
        {% do exceptions.raise_compiler_error("enrich_artists: " ~ (problems | join("; "))) %}
    {% endif %}
{% endmacro %}

{% macro default__enrich_artists(mode, dry_run, limit, lookback_days, stale_after_days) %}
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

{% macro duckdb__enrich_artists(mode, dry_run, limit, lookback_days, stale_after_days) %}
    {% do spotify_enrichment.create_lake_tables() %}
    {#- Plays without artist IDs (Spotify's data export) name their artists once their tracks are resolved. -#}
    {% do spotify_enrichment.resolve_track_artists(dry_run=dry_run) %}
    {% set worklist_sql = spotify_enrichment.enrich_artists_worklist_sql(mode, lookback_days, stale_after_days, limit) %}
    {% set due = run_query("select count(*) from (" ~ worklist_sql ~ ") as worklist").columns[0].values()[0] %}
    {% set landing = spotify_enrichment.resolved_landing_uri() %}

    {% if dry_run %}
        {% do spotify_enrichment.log_worklist_preview(worklist_sql, mode, due) %}
        {% do spotify_enrichment.load_artist_enrichment(landing, dry_run=true, fail_on_quarantine=false) %}
        {{ return({'mode': mode, 'dry_run': true, 'due': due}) }}
    {% endif %}

    {% set summary = {
        'requested': 0, 'ok': 0, 'not_found': 0, 'failed': 0, 'invalid': 0, 'file': none, 'seconds': 0,
        'api_mode': none, 'stop_reason': none, 'message': none, 'invalid_ids': [], 'failed_ids': []
    } %}
    {% if due == 0 %}
        {{ log("enrich_artists: no artists to enrich (mode " ~ mode ~ "); the Spotify API was not called", info=true) }}
    {% else %}
        {{ log("enrich_artists: mode " ~ mode ~ ": fetching " ~ due ~ " artists, landing in " ~ landing, info=true) }}
        {% set fetch_sql %}
            select spotify_fetch_artists(
                list(artistId order by worklistRank),
                {{ spotify_enrichment.sql_string(landing) }},
                {{ spotify_enrichment.sql_string(invocation_id) }},
                {{ spotify_enrichment.sql_string(invocation_args_dict.get('project_dir') or flags.PROJECT_DIR or '.') }},
                {{ spotify_enrichment.sql_string(spotify_enrichment.landing_owner()) }}
            )
            from ({{ worklist_sql }}) as worklist
        {% endset %}
        {% do summary.update(fromjson(run_query(fetch_sql).columns[0].values()[0])) %}
    {% endif %}

    {% set loaded = spotify_enrichment.load_artist_enrichment(landing, dry_run=false, fail_on_quarantine=false) %}
    {{ log(spotify_enrichment.enrich_artists_summary_line(mode, summary, loaded), info=true) }}

    {% if summary.invalid %}
        {{ log("enrich_artists: warning: " ~ summary.invalid ~ " malformed artist IDs in the listening history were not sent: "
            ~ (summary.invalid_ids[:10] | join(", ")) ~ (" ..." if summary.invalid > 10 else ""), info=true) }}
    {% endif %}
    {% if summary.failed %}
        {{ log("enrich_artists: warning: " ~ summary.failed ~ " artists failed after retries and will be asked again next run: "
            ~ (summary.failed_ids[:10] | join(", ")) ~ (" ..." if summary.failed > 10 else ""), info=true) }}
    {% endif %}
    {% set problems = [] %}
    {% if summary.stop_reason %}
        {% do problems.append("the run stopped (" ~ summary.stop_reason ~ "): " ~ summary.message
            ~ ("; the answers fetched before the stop are loaded (" ~ loaded.rows ~ " rows)" if loaded.rows else "")) %}
    {% endif %}
    {% if loaded.quarantined %}
        {% do problems.append((loaded.quarantined | length) ~ " landing files quarantined: " ~ (loaded.quarantined | join(" | "))) %}
    {% endif %}
    {% if problems %}
        {% do exceptions.raise_compiler_error("enrich_artists: " ~ (problems | join("; "))) %}
    {% endif %}
    {{ return({'mode': mode, 'dry_run': false, 'due': due, 'summary': summary, 'loaded': loaded}) }}
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
