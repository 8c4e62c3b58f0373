{#-
    The run history (lake_enrichment__runs) and failure records (lake_enrichment__failures) of every
    source (enrichment_run_sources, generated from records.Source): what a run reads before it asks
    anything, and how it records itself when it ends. Portable: cross-database macros only.
-#}

{#-
    What the run history says before a run of `source`: `retry_not_before` (text, UTC) when the last run
    of `source` or of a source sharing its API quota (enrichment_wait_sources) was told to wait until a
    moment still ahead, else none; `regimes`: the last API regime learned per client key
    ({clientKey: 'batch' | 'single'}) of `source`'s own runs; searches have no batch form, so
    `spotify_search` learns none (its run records carry no apiRegime, and none is looked up for it).
-#}
{% macro enrichment_run_memory(source) %}
    {% do spotify_enrichment.check_source(source) %}
    {% set runs = spotify_enrichment.lake_source_relation('lake_enrichment__runs') %}
    {% set wait_sources = spotify_enrichment.enrichment_wait_sources(source) %}
    {% set wait_sql %}
        with

        source_runs as (
            select
                source,
                endedAt,
                retryNotBefore
            from {{ runs }}
            where source in ('{{ wait_sources | join("', '") }}')
        ),

        last_runs as (
            select
                source,
                {{ spotify_enrichment.arg_max('retryNotBefore', 'endedAt') }} as retryNotBefore
            from source_runs
            group by source
        ),

        final as (
            select cast(max(retryNotBefore) as {{ dbt.type_string() }}) as retryNotBefore
            from last_runs
            where retryNotBefore > {{ spotify_enrichment.current_timestamp_utc() }}
        )

        select * from final
    {% endset %}
    {% set regimes_sql %}
        with

        learned as (
            select
                clientKey,
                apiRegime,
                endedAt
            from {{ runs }}
            where
                source = '{{ source }}'
                and source != 'spotify_search'
                and clientKey is not null
                and apiRegime is not null
        ),

        final as (
            select
                clientKey,
                {{ spotify_enrichment.arg_max('apiRegime', 'endedAt') }} as apiRegime
            from learned
            group by clientKey
        )

        select * from final
    {% endset %}
    {% set waits = run_query(wait_sql).columns[0].values() %}
    {% set regimes = {} %}
    {% for row in run_query(regimes_sql).rows %}
        {% do regimes.update({row[0]: row[1]}) %}
    {% endfor %}
    {{ return({'retry_not_before': (waits[0] if waits else none), 'regimes': regimes}) }}
{% endmacro %}

{#-
    Record one run of `source`: land its run record and failure records (spotify_land_run) and load
    them. summary: the fetcher's summary keys; loaded: the load of the run's answers (its rows of the
    source's record type go into rowsLoaded; all its rows when it does not count them by record type).
    Returns the second load's summary.
-#}
{% macro record_enrichment_run(landing, source, mode, summary, loaded, retry_not_before=none) %}
    {% if not spotify_enrichment.land_enrichment_run(landing, source, mode, summary, loaded, retry_not_before) %}
        {{ return({}) }}
    {% endif %}
    {{ return(spotify_enrichment.load_artist_enrichment(landing, dry_run=false, fail_on_quarantine=false)) }}
{% endmacro %}

{#-
    Land the run record and failure records of one run of `source` for the next load (several
    sources' records then load in one step). Returns false, after a warning, when they could not be
    landed.
-#}
{% macro land_enrichment_run(landing, source, mode, summary, loaded, retry_not_before=none) %}
    {% do spotify_enrichment.check_source(source) %}
    {% set record_type = spotify_enrichment.enrichment_source_record_type(source) %}
    {% set run = {
        'source': source,
        'mode': mode,
        'summary': summary,
        'rows_loaded': (loaded.rows_by_record_type.get(record_type, 0) if 'rows_by_record_type' in loaded
                        else loaded.get('rows', 0)),
        'landing_file': spotify_enrichment.landed_file_now(summary.file, loaded) if summary.file else none,
        'retry_not_before': retry_not_before,
    } %}
    {% set project_dir = invocation_args_dict.get('project_dir') or flags.PROJECT_DIR or '.' %}
    {% set landed = spotify_enrichment.plugin_call(
        'spotify_land_run', [landing, project_dir, tojson(run), spotify_enrichment.landing_owner()]
    ) %}
    {% if landed.get('error') %}
        {{ log("enrich_artists: warning: the " ~ source ~ " run record could not be landed: " ~ landed.error, info=true) }}
        {{ return(false) }}
    {% endif %}
    {{ return(true) }}
{% endmacro %}

{#-
    The summary of a run of `source` that sent nothing because the run history says to wait until
    `retry_not_before` (the text the log and the run record carry). `due`: the items that wait.
-#}
{% macro waiting_run_summary(source, retry_not_before, due) %}
    {% set api = 'MusicBrainz' if source == 'musicbrainz' else 'Spotify' %}
    {{ return({
        'requested': due, 'ok': 0, 'not_found': 0, 'not_linked': 0, 'failed': 0, 'invalid': 0, 'file': none,
        'seconds': 0, 'api_mode': none, 'stop_reason': 'waiting', 'invalid_ids': [], 'failed_ids': [],
        'requests': 0, 'refused': 0, 'rate_limited': 0, 'run_id': spotify_enrichment.enrichment_run_id(source),
        'started_at': modules.datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ'),
        'message': api ~ " asked to wait until " ~ retry_not_before ~ " UTC; nothing was sent",
    }) }}
{% endmacro %}

{#- The run ID of one source's run in this invocation (track resolution and the searches have their own). -#}
{% macro enrichment_run_id(source) %}
    {{ return(invocation_id ~ {'spotify_tracks': '.tracks', 'spotify_search': '.search'}.get(source, '')) }}
{% endmacro %}

{#-
    The sources whose stored wait holds for `source`: Spotify's artist, track and search calls share the
    app's quota, so a Retry-After on one holds for all of them; MusicBrainz is on its own.
-#}
{% macro enrichment_wait_sources(source) %}
    {% if source == 'musicbrainz' %}
        {{ return(['musicbrainz']) }}
    {% endif %}
    {{ return(spotify_enrichment.enrichment_run_sources() | reject('equalto', 'musicbrainz') | list) }}
{% endmacro %}

{#- The landing record type of a source's answers (the load summary counts rows by it). -#}
{% macro enrichment_source_record_type(source) %}
    {{ return({'spotify': 'artist_enrichment', 'musicbrainz': 'musicbrainz_artist',
               'spotify_tracks': 'track_artists', 'spotify_search': 'track_search'}[source]) }}
{% endmacro %}

{#-
    (itemId, answeredAt) of every answer of `source` in the lake: what a failure before an item's
    latest answer no longer counts against (failure_retry_state_sql).
-#}
{% macro enrichment_source_answers_sql(source) %}
    {% do spotify_enrichment.check_source(source) %}
    {#- The graph (lake_source_relation) exists at execution only; an analysis is also parsed. -#}
    {% if not execute %}
        {{ return('select 1 as itemId, 1 as answeredAt') }}
    {% endif %}
    {% set answers = {
        'spotify': ('lake_spotify__normalized_artist_enrichment', 'artistId', 'enrichedAt'),
        'musicbrainz': ('lake_musicbrainz__normalized_artist', 'artistId', 'fetchedAt'),
        'spotify_tracks': ('lake_spotify__normalized_track_artists', 'trackId', 'resolvedAt'),
        'spotify_search': ('lake_spotify__normalized_track_search', 'searchKey', 'resolvedAt'),
    }[source] %}
    {{ return('select ' ~ answers[1] ~ ' as itemId, ' ~ answers[2] ~ ' as answeredAt from '
        ~ spotify_enrichment.lake_source_relation(answers[0])) }}
{% endmacro %}

{#-
    The retry state of the items of `source` that failed since their last answer: one row per
    `itemId` with `failedAttempts`, `lastFailedAt` and `nextAttemptAt` (the backoff doubles per attempt
    from var enrichment_retry_backoff_minutes). `answers_sql` selects (itemId, answeredAt) of the
    source's answers; a failure before the item's latest answer no longer counts.
-#}
{% macro failure_retry_state_sql(source, answers_sql) %}
    {% do spotify_enrichment.check_source(source) %}
    {#- The graph (lake_source_relation) exists at execution only; an analysis is also parsed. -#}
    {% if not execute %}
        {{ return('select 1 as itemId') }}
    {% endif %}
    {% set failures = spotify_enrichment.lake_source_relation('lake_enrichment__failures') %}
    {% set backoff = spotify_enrichment.checked_number_var('enrichment_retry_backoff_minutes', 0, 525600, integer=true) %}
    {% set retry_state_sql %}
        with

        failures as (
            select
                itemId,
                failedAt
            from {{ failures }}
            where source = '{{ source }}'
        ),

        answers as (
            select
                itemId,
                max(answeredAt) as lastAnsweredAt
            from ({{ answers_sql }}) as answered
            group by itemId
        ),

        failures_since_answer as (
            select
                failures.itemId,
                failures.failedAt
            from failures
            left join answers
                on failures.itemId = answers.itemId
            where
                answers.lastAnsweredAt is null
                or failures.failedAt > answers.lastAnsweredAt
        ),

        attempts as (
            select
                itemId,
                count(*) as failedAttempts,
                max(failedAt) as lastFailedAt
            from failures_since_answer
            group by itemId
        ),

        final as (
            select
                itemId,
                failedAttempts,
                lastFailedAt,
                {{ spotify_enrichment.timestamp_add_minutes(
                    'lastFailedAt',
                    backoff ~ ' * cast(pow(2, failedAttempts - 1) as ' ~ dbt.type_bigint() ~ ')'
                ) }} as nextAttemptAt
            from attempts
        )

        select * from final
    {% endset %}
    {{ return(retry_state_sql) }}
{% endmacro %}

{#- A source name before it reaches SQL: one of the pipeline's sources. -#}
{% macro check_source(source) %}
    {% set sources = spotify_enrichment.enrichment_run_sources() %}
    {% if source not in sources %}
        {% do exceptions.raise_compiler_error(
            "source must be one of " ~ (sources | join(", ")) ~ ", got: " ~ source
        ) %}
    {% endif %}
{% endmacro %}

{#-
    A numeric var checked before it reaches SQL: a number (a whole number with `integer`) in
    [minimum, maximum]; the error names the var and what it accepts. The defaults live in dbt_project.yml.
-#}
{% macro checked_number_var(name, minimum, maximum, integer=false) %}
    {% set value = var(name) %}
    {% set is_number = (value is number) and (value is not sameas true) and (value is not sameas false) %}
    {% if not is_number or (integer and value is not integer) or value < minimum or value > maximum %}
        {% do exceptions.raise_compiler_error(
            "var " ~ name ~ " must be " ~ ("a whole number" if integer else "a number") ~ " from " ~ minimum
            ~ " to " ~ maximum ~ ", got: " ~ value
        ) %}
    {% endif %}
    {{ return(value) }}
{% endmacro %}
