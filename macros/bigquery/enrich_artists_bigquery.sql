{#-
    enrich_artists on BigQuery. dbt cannot run Python there, so BigQuery itself asks Spotify, through
    the remote function `spotify_artist_enrichment` (spotify_enrichment/remote_function.py on Cloud Run;
    created by the run-operation create_spotify_remote_function):
      0. the run lock (bigquery_run_lock: one run at a time per lake dataset) and the run history
         (enrichment_run_memory): a Spotify wait still ahead sends nothing, unless force;
      1. the worklist (enrich_artists_worklist_sql, the same rules as on DuckDB, failed artists due for
         a retry included), valid IDs only;
      2. `create table ... as select artistId, <function>(artistId)`: one reply (JSON text) per artist:
         its landing record, {"failed": reason}, or {"stop": ..., "retryNotBefore": ...} for the artists
         left when Spotify stopped the run;
      3. EXPORT DATA of the records, and of one failure record per failed artist, as JSONL to
         gs://{bucket}/spotify/landing/{YYYYMMDDTHHMMSSZ}_{run}_{owner}_*_{record type}.jsonl;
         BigQuery writes each INT64 there as a JSON string, which the loader takes as a number in
         files of this name only (landing.is_bigquery_export, contract.from_bigquery_export);
      4. the load step, the same as on DuckDB (load_artist_enrichment: ledger by file checksum, line
         check, insert, archive or quarantine), run by the remote function spotify_landing_load;
      5. EXPORT DATA of the run record (also for a run that waited or found nothing to do) and a
         second load; the scratch table is dropped (and expires after a day anyway).
    Needs var landing_uri = gs://bucket (the bucket BigQuery exports to) and optionally var
    spotify_remote_function (default {project}.dp_lake_{env}.spotify_artist_enrichment).
    dry_run: the count, the first 10 artists and every statement a real run would send; no call.
    Exits non-zero after recording the run when Spotify stopped it (rate_limit, quota) or every artist
    failed. When the function fails as a whole (rejected credentials: HTTP 502), step 2 fails: nothing
    is written, no run record, and the lock stays until its lease ends.
-#}
{% macro bigquery__enrich_artists(mode, dry_run, limit, lookback_days, stale_after_days, sources, force=false) %}
    {#- MusicBrainz through the remote function is not built yet: asked for explicitly, say so; by default
        only Spotify runs here. -#}
    {% if sources is not none and 'musicbrainz' in sources %}
        {% do exceptions.raise_compiler_error(
            "enrich_artists: source musicbrainz is not available on BigQuery yet; run it on the local "
            ~ "(DuckDB) target or pass sources: [spotify]") %}
    {% endif %}
    {% set started = modules.datetime.datetime.utcnow() %}
    {#- As on DuckDB: a fresh project gets its (empty) lake tables, so the worklist can be read. -#}
    {% do spotify_enrichment.create_lake_tables() %}
    {% set worklist_sql = spotify_enrichment.enrich_artists_worklist_sql(mode, lookback_days, stale_after_days, limit) %}
    {% set run = spotify_enrichment.bigquery_enrichment_run(started) %}
    {% set counts_sql %}
        select
            count(*) as due,
            countif(not {{ spotify_enrichment.is_spotify_id('artistId') }}) as invalid
        from ({{ worklist_sql }}) as worklist
    {% endset %}
    {% set counts = run_query(counts_sql).rows[0] %}
    {% set due, invalid = counts[0], counts[1] %}
    {% set record = {'mode': mode, 'requested': due - invalid, 'invalid': invalid, 'stop_reason': none,
                     'retry_not_before': none, 'message': none, 'landing_file': none, 'rows_loaded': 0} %}

    {% if dry_run %}
        {% set statements = spotify_enrichment.bigquery_enrichment_statements(worklist_sql, run, record) %}
        {% do spotify_enrichment.log_worklist_preview(worklist_sql, mode, due) %}
        {{ log("enrich_artists: a real run would send these statements to BigQuery:", info=true) }}
        {% for name, sql in statements %}
            {{ log("-- enrich_artists statement " ~ loop.index ~ ": " ~ name ~ "\n" ~ sql ~ ";", info=true) }}
        {% endfor %}
        {{ return({'mode': mode, 'dry_run': true, 'due': due, 'statements': statements}) }}
    {% endif %}

    {% do spotify_enrichment.bigquery_run_lock(run, true) %}
    {% set memory = spotify_enrichment.enrichment_run_memory('spotify') %}
    {% set waiting = memory.retry_not_before is not none and not force and due - invalid > 0 %}
    {% set summary = {
        'requested': due - invalid, 'ok': 0, 'not_found': 0, 'failed': 0, 'invalid': invalid, 'file': none,
        'seconds': 0, 'api_mode': none, 'stop_reason': none, 'message': none, 'retry_not_before': none
    } %}
    {% set loaded = {} %}
    {% set until = spotify_enrichment.bigquery_landing_timestamp(memory.retry_not_before)
        if memory.retry_not_before is not none else none %}
    {#- A run that sends nothing learns nothing new: the earlier wait still holds for the next run. -#}
    {% do record.update({'retry_not_before': until}) %}
    {% if waiting %}
        {% do summary.update({'stop_reason': 'waiting', 'message':
            "Spotify asked to wait until " ~ until ~ "; nothing was sent"}) %}
        {% do record.update({'stop_reason': 'waiting', 'message': summary.message}) %}
        {{ log("enrich_artists: " ~ summary.message ~ " (" ~ (due - invalid) ~ " artists wait; run again after"
            ~ " that time, or pass force: true)", info=true) }}
    {% elif due - invalid == 0 %}
        {{ log("enrich_artists: no artists to enrich (mode " ~ mode ~ "); the Spotify API was not called", info=true) }}
    {% endif %}
    {% set asked = not waiting and due - invalid > 0 %}
    {% if asked %}
        {% do record.update({'retry_not_before': none}) %}
    {% endif %}
    {% set statement_sql = dict(spotify_enrichment.bigquery_enrichment_statements(worklist_sql, run, record, asked)) %}
    {% if asked %}
        {{ log("enrich_artists: mode " ~ mode ~ ": asking " ~ (due - invalid) ~ " artists through "
            ~ run.function ~ ", landing in " ~ run.landing_pattern, info=true) }}
        {% do run_query(statement_sql['answers']) %}
        {% set answered = run_query(statement_sql['summary']).rows[0] %}
        {% do summary.update({'ok': answered[0], 'not_found': answered[1], 'failed': answered[2],
                              'api_mode': answered[3], 'stop_reason': answered[4], 'message': answered[5]}) %}
        {% if answered[0] + answered[1] > 0 %}
            {% do run_query(statement_sql['export']) %}
            {% do summary.update({'file': run.landing_pattern}) %}
            {% do record.update({'landing_file': run.landing_pattern}) %}
        {% endif %}
        {% if answered[2] > 0 %}
            {% do run_query(statement_sql['failures']) %}
        {% endif %}
    {% else %}
        {#- Nothing asked: the run record reads an empty answers table. -#}
        {% do run_query(statement_sql['answers']) %}
    {% endif %}
    {#- Also loads files an earlier run exported but did not load. -#}
    {% do loaded.update(spotify_enrichment.load_artist_enrichment(run.bucket, dry_run=false, fail_on_quarantine=false)) %}
    {% set exported = (run.landing_pattern.split('/') | last).split('*')[0] %}
    {% for uri in loaded.get('archived', []) if (uri.split('/') | last).startswith(exported)
        and uri.endswith(spotify_enrichment.lake_contract().record_types.artist_enrichment.landing_suffix) %}
        {% if loop.first %}
            {% do record.update({'landing_file': uri}) %}
        {% endif %}
    {% endfor %}
    {% do record.update({'rows_loaded': loaded.get('rows', 0)}) %}
    {% set statement_sql = dict(spotify_enrichment.bigquery_enrichment_statements(worklist_sql, run, record, asked)) %}
    {% do run_query(statement_sql['run_record']) %}
    {% do run_query(statement_sql['cleanup']) %}
    {% set recorded = spotify_enrichment.load_artist_enrichment(run.bucket, dry_run=false, fail_on_quarantine=false) %}
    {% do spotify_enrichment.bigquery_run_lock(run, false) %}
    {% do summary.update({'seconds': (modules.datetime.datetime.utcnow() - started).total_seconds()}) %}
    {{ log(spotify_enrichment.enrich_artists_summary_line(mode, summary, loaded), info=true) }}
    {% if invalid %}
        {{ log("enrich_artists: warning: " ~ invalid ~ " malformed artist IDs in the listening history were not sent", info=true) }}
    {% endif %}
    {% if summary.failed %}
        {{ log("enrich_artists: warning: " ~ summary.failed ~ " artists failed after retries and will be asked again"
            ~ " by the next run once their next attempt is due", info=true) }}
    {% endif %}
    {% do spotify_enrichment.report_given_up('spotify') %}
    {% set problems = [] %}
    {% if summary.stop_reason and summary.stop_reason != 'waiting' %}
        {% do problems.append("the run stopped (" ~ summary.stop_reason ~ "): " ~ summary.message
            ~ ("; the answers fetched before the stop are loaded (" ~ loaded.rows ~ " rows)" if loaded.rows else "")) %}
    {% endif %}
    {% for quarantined in [loaded.get('quarantined', []), recorded.get('quarantined', [])] if quarantined %}
        {% do problems.append((quarantined | length) ~ " landing files quarantined: " ~ (quarantined | join(" | "))) %}
    {% endfor %}
    {% if problems %}
        {% do exceptions.raise_compiler_error("enrich_artists: " ~ (problems | join("; "))) %}
    {% endif %}
    {{ return({'mode': mode, 'dry_run': false, 'due': due, 'summary': summary, 'loaded': loaded}) }}
{% endmacro %}

{#-
    One run at a time per lake dataset: the lock is the row `enrichment` of lake_enrichment__run_lock,
    taken by an UPDATE that matches it only while it is free or its lease (var
    enrichment_run_lock_lease_minutes, longer than BigQuery's 6-hour query limit) has ended. BigQuery
    runs UPDATEs of one table one after the other, so of two runs the second matches nothing, reads
    the first's row and fails naming it. A lock whose lease ended (a run that died) is taken over and
    said so. acquire=false frees the lock if this run holds it.
-#}
{% macro bigquery_run_lock(run, acquire) %}
    {% set lock = run.lock_table %}
    {% set me = spotify_enrichment.sql_string(run.lock_owner) %}
    {% if not acquire %}
        {% do run_query("update `" ~ lock ~ "` set runId = null, takenBy = null, takenAt = null, expiresAt = null"
            ~ " where lockName = 'enrichment' and runId = " ~ me) %}
        {{ return(none) }}
    {% endif %}
    {% set lease = spotify_enrichment.checked_number_var('enrichment_run_lock_lease_minutes', 1, 525600, integer=true) %}
    {% do run_query("create table if not exists `" ~ lock ~ "` (lockName string, runId string, takenBy string,"
        ~ " takenAt timestamp, expiresAt timestamp)") %}
    {#- Two first runs may both add the row; the UPDATE below sets every row of the name at once. -#}
    {% do run_query("insert into `" ~ lock ~ "` (lockName) select 'enrichment' from unnest([1])"
        ~ " where not exists (select 1 from `" ~ lock ~ "` where lockName = 'enrichment')") %}
    {% set holder_sql %}
        select
            runId,
            coalesce(takenBy, 'unknown account') as takenBy,
            format_timestamp('%Y-%m-%dT%H:%M:%SZ', takenAt) as takenAt,
            format_timestamp('%Y-%m-%dT%H:%M:%SZ', expiresAt) as expiresAt
        from `{{ lock }}`
        where lockName = 'enrichment' and runId is not null
        order by runId
        limit 1
    {% endset %}
    {% set before = run_query(holder_sql).rows %}
    {% do run_query("update `" ~ lock ~ "` set runId = " ~ me ~ ", takenBy = session_user(),"
        ~ " takenAt = current_timestamp(), expiresAt = timestamp_add(current_timestamp(), interval "
        ~ lease ~ " minute) where lockName = 'enrichment' and (runId is null or expiresAt < current_timestamp())") %}
    {% set after = run_query(holder_sql).rows %}
    {% if not after or after[0][0] != run.lock_owner %}
        {% set who = ("run " ~ after[0][0] ~ " (" ~ after[0][1] ~ ", started " ~ after[0][2] ~ ", lock expires "
            ~ after[0][3] ~ ")") if after else "another run" %}
        {% do exceptions.raise_compiler_error(
            "enrich_artists: another enrichment run is using the lake dataset " ~ run.lake_dataset ~ ": " ~ who
            ~ "; wait for it to end (or stop it) and run again; a lock left by a run that died is taken over"
            ~ " once it expires. Nothing was asked.") %}
    {% endif %}
    {% if before and before[0][0] != run.lock_owner %}
        {{ log("enrich_artists: took over the run lock of run " ~ before[0][0] ~ " (" ~ before[0][1] ~ ", started "
            ~ before[0][2] ~ "), whose lease ended at " ~ before[0][3], info=true) }}
    {% endif %}
{% endmacro %}

{#- A timestamp the run history gave as text ('2026-12-03 06:00:00+00', or ISO), as the landing
    contract writes it (YYYY-MM-DDTHH:MM:SSZ); anything else fails, naming it. -#}
{% macro bigquery_landing_timestamp(text) %}
    {% set match = modules.re.match('^([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{2}:[0-9]{2}:[0-9]{2})', text | string) %}
    {% if not match %}
        {% do exceptions.raise_compiler_error("enrich_artists: retryNotBefore in the run history is not a timestamp: " ~ text) %}
    {% endif %}
    {{ return(match.group(1) ~ 'T' ~ match.group(2) ~ 'Z') }}
{% endmacro %}

{#- Names of this run: timestamp, landing files, scratch tables, the function; every part validated. -#}
{% macro bigquery_enrichment_run(started) %}
    {% set stamp = started.strftime('%Y%m%dT%H%M%SZ') %}
    {% set bucket = spotify_enrichment.bigquery_landing_bucket() %}
    {% set enrichment = spotify_enrichment.lake_source_relation('lake_spotify__normalized_artist_enrichment') %}
    {% set scratch_prefix = enrichment.database ~ '.' ~ enrichment.schema ~ '.lake_spotify__artist_enrichment_' %}
    {#- The `_*` right after the owner is how the loader knows BigQuery's exports (landing.is_bigquery_export). -#}
    {% set run = {
        'stamp': stamp,
        'run_id': 'bq_' ~ stamp ~ '_' ~ (invocation_id | replace('-', ''))[:12],
        'bucket': bucket,
        'landing_pattern': bucket ~ '/spotify/landing/' ~ stamp ~ '_' ~ (invocation_id | replace('-', ''))[:8]
            ~ '_' ~ spotify_enrichment.landing_owner() ~ '_*'
            ~ spotify_enrichment.lake_contract().record_types.artist_enrichment.landing_suffix,
        'answers': scratch_prefix ~ 'answers_' ~ stamp,
        'function': spotify_enrichment.bigquery_remote_function_name(),
        'lake_dataset': enrichment.database ~ '.' ~ enrichment.schema,
        'lock_table': enrichment.database ~ '.' ~ enrichment.schema ~ '.lake_enrichment__run_lock',
        'lock_owner': invocation_id,
        'started_at': started.strftime('%Y-%m-%dT%H:%M:%SZ'),
    } %}
    {% for name in ['failures', 'run_record'] %}
        {% do run.update({name ~ '_pattern': run.landing_pattern.replace(
            spotify_enrichment.lake_contract().record_types.artist_enrichment.landing_suffix,
            spotify_enrichment.lake_contract().record_types['enrichment_' ~ ('failures' if name == 'failures' else 'runs')].landing_suffix
        )}) %}
    {% endfor %}
    {% if not modules.re.fullmatch('[0-9a-f-]{1,64}', run.lock_owner) %}
        {% do exceptions.raise_compiler_error("enrich_artists: unexpected invocation id " ~ run.lock_owner) %}
    {% endif %}
    {% for name in ['answers', 'function', 'lock_table'] %}
        {% do spotify_enrichment.check_bigquery_path(run[name], name) %}
    {% endfor %}
    {{ return(run) }}
{% endmacro %}

{#- The landing URI (argument, else var landing_uri) as gs://bucket[/prefix]: the only landing BigQuery
    can export to and the load function can read. -#}
{% macro bigquery_landing_bucket(landing_uri=none) %}
    {% set uri = (landing_uri if landing_uri is not none else var('landing_uri', 'landing')) | string | trim %}
    {% if not modules.re.fullmatch('gs://[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](/[A-Za-z0-9._-]+)*', uri) %}
        {% do exceptions.raise_compiler_error(
            "enrich_artists on BigQuery exports to Cloud Storage: set var landing_uri to gs://BUCKET "
            ~ "(lowercase bucket name, optional /prefix of letters, digits, . _ -), got: " ~ uri
        ) %}
    {% endif %}
    {{ return(uri.rstrip('/')) }}
{% endmacro %}

{#-
    The load step on BigQuery: the remote function spotify_landing_load (remote_function.load_landing_remote,
    the same loader as on DuckDB with the BigQuery warehouse) lists the landing files, skips checksums
    already in the ledger, checks every line, loads with a load job and moves each file to archive/ or
    quarantine/; it answers with the load summary, which is reported here as on DuckDB.
-#}
{% macro bigquery__load_artist_enrichment(landing_uri, dry_run, fail_on_quarantine) %}
    {% do spotify_enrichment.check_load_args(dry_run) %}
    {% do spotify_enrichment.create_lake_tables() %}
    {% set bucket = spotify_enrichment.bigquery_landing_bucket(landing_uri) %}
    {% set enrichment = spotify_enrichment.lake_source_relation('lake_spotify__normalized_artist_enrichment') %}
    {% set lake_dataset = enrichment.database ~ '.' ~ enrichment.schema %}
    {% set function = spotify_enrichment.bigquery_load_function_name() %}
    {% do spotify_enrichment.check_bigquery_path(function, 'spotify_landing_load_function') %}
    {% do spotify_enrichment.check_bigquery_path(lake_dataset ~ '.x', 'the lake dataset') %}
    {% set answer = run_query(
        "select `" ~ function ~ "`('" ~ bucket ~ "', '" ~ lake_dataset ~ "', " ~ ('true' if dry_run else 'false')
        ~ ", '" ~ spotify_enrichment.landing_owner() ~ "')"
    ).columns[0].values()[0] %}
    {% set result = fromjson(answer) %}
    {% do spotify_enrichment.report_load(result, fail_on_quarantine) %}
    {{ return(result) }}
{% endmacro %}

{% macro bigquery_load_function_name() %}
    {% set default_name = target.database ~ '.dp_lake_' ~ spotify_enrichment.dataset_env() ~ '.spotify_landing_load' %}
    {{ return(var('spotify_landing_load_function', default_name) | string | trim) }}
{% endmacro %}

{% macro bigquery_remote_function_name() %}
    {% set default_name = target.database ~ '.dp_lake_' ~ spotify_enrichment.dataset_env() ~ '.spotify_artist_enrichment' %}
    {{ return(var('spotify_remote_function', default_name) | string | trim) }}
{% endmacro %}

{#- A project.dataset.name path that is safe inside `backticks`. -#}
{% macro check_bigquery_path(path, what) %}
    {% if not modules.re.fullmatch('[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_]{1,256}', path) %}
        {% do exceptions.raise_compiler_error(
            "enrich_artists: " ~ what ~ " must be PROJECT.DATASET.NAME (project id, then letters, digits "
            ~ "and underscores), got: " ~ path
        ) %}
    {% endif %}
{% endmacro %}

{#-
    The statements of one run, in order, as (name, sql) pairs. Values inside them are validated names,
    the run's own timestamps and counts, and `record` (the run record's values the run knows itself:
    mode, requested, invalid, stop_reason / retry_not_before / message of a run that waited, landing
    file, rows loaded); the replies stay in SQL. asked=false: nothing is asked, the answers table is
    empty.
-#}
{% macro bigquery_enrichment_statements(worklist_sql, run, record, asked=true) %}
    {% set answers_sql %}
create or replace table `{{ run.answers }}`
options (expiration_timestamp = timestamp_add(current_timestamp(), interval 1 day))
as
with

worklist as (
    {{ worklist_sql | indent(4) }}
),

valid_artists as (
    select artistId
    from worklist
    where {{ spotify_enrichment.is_spotify_id('artistId') }}
),

answers as (
    select
        artistId,
        {% if asked -%}
        `{{ run.function }}`(artistId) as answer
        {%- else -%}
        cast(null as string) as answer
        {%- endif %}
    from valid_artists
    {%- if not asked %}
    where false
    {%- endif %}
)

select * from answers
    {% endset %}
    {#- sum(if(...)), not countif: with countif bqemulator writes an export's column names in lowercase. -#}
    {% set counts_sql %}
    select
        coalesce(sum(if(json_value(answer, '$.status') = 'ok', 1, 0)), 0) as ok,
        coalesce(sum(if(json_value(answer, '$.status') = 'not_found', 1, 0)), 0) as not_found,
        coalesce(sum(if(answer is null or json_value(answer, '$.failed') is not null, 1, 0)), 0) as failed,
        string_agg(distinct json_value(answer, '$.apiMode'), '/') as api_mode,
        max(json_value(answer, '$.stop')) as stop_reason,
        max(json_value(answer, '$.message')) as message,
        max(json_value(answer, '$.retryNotBefore')) as retry_not_before
    from `{{ run.answers }}`
    {% endset %}
    {% set summary_sql %}
with

answer_counts as (
{{ counts_sql }}),

final as (
    select
        ok,
        not_found,
        failed,
        api_mode,
        coalesce(stop_reason, if(failed > 0 and ok + not_found = 0, 'all_failed', null)) as stop_reason,
        coalesce(
            message, if(failed > 0 and ok + not_found = 0, 'every one of the artists asked failed', null)
        ) as message
    from answer_counts
)

select * from final
    {% endset %}
    {% set export_sql %}
export data options (
    uri = '{{ run.landing_pattern }}',
    format = 'JSON',
    overwrite = false
) as
with

answers as (
    select answer
    from `{{ run.answers }}`
    where json_value(answer, '$.status') is not null
),

{#- nullif(..., 'null'): BigQuery's json_query gives SQL NULL for a JSON null already; emulators
    that give the text 'null' would fail to read it as an array. #}
landing_records as (
    select
        json_value(answer, '$.artistId') as artistId,
        json_value(answer, '$.artistName') as artistName,
        json_value_array(nullif(json_query(answer, '$.genres'), 'null')) as genres,
        cast(json_value(answer, '$.popularity') as int64) as popularity,
        cast(json_value(answer, '$.followerCount') as int64) as followerCount,
        array(
            select as struct
                json_value(image, '$.url') as url,
                cast(json_value(image, '$.height') as int64) as height,
                cast(json_value(image, '$.width') as int64) as width
            from
                unnest(json_query_array(coalesce(nullif(json_query(answer, '$.images'), 'null'), '[]')))
                    as image with offset as image_position
            order by image_position
        ) as images,
        if(
            json_value(answer, '$.externalUrls.spotify') is null,
            null,
            struct(json_value(answer, '$.externalUrls.spotify') as spotify)
        ) as externalUrls,
        json_value(answer, '$.enrichedAt') as enrichedAt,
        json_value(answer, '$.status') as status,
        json_value(answer, '$.apiMode') as apiMode,
        '{{ run.run_id }}' as runId
    from answers
)

select * from landing_records
    {% endset %}
    {% set failures_sql %}
export data options (
    uri = '{{ run.failures_pattern }}',
    format = 'JSON',
    overwrite = false
) as
with

failed_answers as (
    select
        artistId,
        answer
    from `{{ run.answers }}`
    where answer is null or json_value(answer, '$.failed') is not null
),

failure_records as (
    select
        'spotify' as source,
        artistId as itemId,
        '{{ run.run_id }}' as runId,
        format_timestamp('%Y-%m-%dT%H:%M:%SZ', current_timestamp()) as failedAt,
        coalesce(json_value(answer, '$.failed'), 'no answer from the remote function') as reason
    from failed_answers
)

select * from failure_records
    {% endset %}
    {% set literal = spotify_enrichment.bigquery_run_record_literal %}
    {% set run_record_sql %}
export data options (
    uri = '{{ run.run_record_pattern }}',
    format = 'JSON',
    overwrite = false
) as
with

answer_counts as (
{{ counts_sql }}),

run_records as (
    select
        '{{ run.run_id }}' as runId,
        'spotify' as source,
        {{ literal(record.mode) }} as mode,
        '{{ run.started_at }}' as startedAt,
        format_timestamp('%Y-%m-%dT%H:%M:%SZ', current_timestamp()) as endedAt,
        {{ record.requested | int }} as requested,
        ok,
        not_found,
        failed,
        {{ record.invalid | int }} as invalid,
        {#- The function's Spotify requests and 429s are not reported back per row: unknown here. #}
        0 as requests,
        0 as rateLimited,
        api_mode as apiMode,
        cast(null as string) as apiRegime,
        cast(null as string) as clientKey,
        coalesce(
            {{ literal(record.stop_reason) }}, stop_reason, if(failed > 0 and ok + not_found = 0, 'all_failed', null)
        ) as stopReason,
        coalesce({{ literal(record.retry_not_before) }}, retry_not_before) as retryNotBefore,
        coalesce({{ literal(record.message) }}, message) as message,
        {{ literal(record.landing_file) }} as landingFile,
        {{ record.rows_loaded | int }} as rowsLoaded
    from answer_counts
)

select * from run_records
    {% endset %}
    {% set cleanup_sql %}
drop table if exists `{{ run.answers }}`
    {% endset %}
    {{ return([
        ('answers', answers_sql | trim),
        ('summary', summary_sql | trim),
        ('export', export_sql | trim),
        ('failures', failures_sql | trim),
        ('run_record', run_record_sql | trim),
        ('cleanup', cleanup_sql | trim),
    ]) }}
{% endmacro %}

{#- A run record value the run knows itself, as a SQL string literal (NULL for none); only the
    characters such values have (a mode, a stop reason, a timestamp, a gs:// URI, a message made of
    those) are accepted, so nothing needs escaping. -#}
{% macro bigquery_run_record_literal(value) %}
    {% if value is none %}
        {{ return("cast(null as string)") }}
    {% endif %}
    {% if not modules.re.fullmatch("[A-Za-z0-9 _.:/*;,()+-]{1,2000}", value | string) %}
        {% do exceptions.raise_compiler_error("enrich_artists: run record value has unexpected characters: " ~ value) %}
    {% endif %}
    {{ return("'" ~ value ~ "'") }}
{% endmacro %}

{#-
    Create (or replace) the remote function the BigQuery enrich_artists calls:
        dbt run-operation create_spotify_remote_function --target prd \
            --args '{endpoint: "https://REGION-PROJECT.cloudfunctions.net/spotify-artist-enrichment",
                     connection: "PROJECT.LOCATION.spotify-enrichment"}'
    `dry_run: true` prints the statement only. BigQuery sends at most 50 artists per request, one
    Spotify batch call.
-#}
{% macro create_spotify_remote_function(endpoint, connection, dry_run=false) %}
    {% set ddl = spotify_enrichment.spotify_remote_function_ddl(endpoint, connection) %}
    {{ return(spotify_enrichment.run_function_ddl(ddl, spotify_enrichment.bigquery_remote_function_name(), endpoint, dry_run)) }}
{% endmacro %}

{#- Print the CREATE FUNCTION (dry_run) or run it and say what was created; returns the statement. -#}
{% macro run_function_ddl(ddl, function_name, endpoint, dry_run) %}
    {% if dry_run %}
        {{ log(ddl, info=true) }}
    {% else %}
        {% do run_query(ddl) %}
        {{ log("created " ~ function_name ~ " -> " ~ endpoint, info=true) }}
    {% endif %}
    {{ return(ddl) }}
{% endmacro %}

{#-
    The load step's remote function (remote_function.load_landing_remote, a second entry point of the
    same deployment): one call per load run, so one row per request.
        dbt run-operation create_spotify_landing_load_function --target prd \
            --args '{endpoint: "https://REGION-PROJECT.cloudfunctions.net/spotify-landing-load",
                     connection: "PROJECT.LOCATION.spotify-enrichment"}'
-#}
{% macro create_spotify_landing_load_function(endpoint, connection, dry_run=false) %}
    {% set ddl = spotify_enrichment.remote_function_ddl(
        spotify_enrichment.bigquery_load_function_name(), 'spotify_landing_load_function',
        'landing_uri string, lake_dataset string, dry_run bool, owner string', endpoint, connection, 1
    ) %}
    {{ return(spotify_enrichment.run_function_ddl(ddl, spotify_enrichment.bigquery_load_function_name(), endpoint, dry_run)) }}
{% endmacro %}

{% macro spotify_remote_function_ddl(endpoint, connection) %}
    {{ return(spotify_enrichment.remote_function_ddl(
        spotify_enrichment.bigquery_remote_function_name(), 'spotify_remote_function',
        'artist_id string', endpoint, connection, 50
    )) }}
{% endmacro %}

{#- CREATE FUNCTION ... REMOTE for one of the two functions; endpoint and connection validated. -#}
{% macro remote_function_ddl(function_name, var_name, signature, endpoint, connection, max_batching_rows) %}
    {% if not modules.re.fullmatch('https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?|http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?', endpoint | string) %}
        {% do exceptions.raise_compiler_error(
            "create function: endpoint must be the function's https:// URL, got: " ~ endpoint
        ) %}
    {% endif %}
    {% if not modules.re.fullmatch('[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9-]+\.[A-Za-z0-9_-]{1,1024}', connection | string) %}
        {% do exceptions.raise_compiler_error(
            "create function: connection must be PROJECT.LOCATION.CONNECTION_ID, got: " ~ connection
        ) %}
    {% endif %}
    {% do spotify_enrichment.check_bigquery_path(function_name, var_name) %}
    {% set ddl %}
create or replace function `{{ function_name }}`({{ signature }})
returns string
remote with connection `{{ connection }}`
options (
    endpoint = '{{ endpoint }}',
    max_batching_rows = {{ max_batching_rows }}
)
    {% endset %}
    {{ return(ddl | trim) }}
{% endmacro %}
