{#-
    enrich_artists on BigQuery. dbt cannot run Python there, so BigQuery itself asks Spotify, through
    the remote function `spotify_artist_enrichment` (spotify_enrichment/remote_function.py on Cloud Run;
    created by the run-operation create_spotify_remote_function):
      1. the worklist (enrich_artists_worklist_sql, the same rules as on DuckDB), valid IDs only;
      2. `create table ... as select artistId, <function>(artistId)`: one landing record (JSON text)
         per artist, NULL for an artist that failed after retries (asked again next run);
      3. EXPORT DATA of the records as JSONL to
         gs://{bucket}/spotify/landing/{YYYYMMDDTHHMMSSZ}_{run}_{owner}_*_artist_enrichment.jsonl;
      4. the load step, the same as on DuckDB (load_artist_enrichment: ledger by file checksum, line
         check, insert, archive or quarantine), run by the remote function spotify_landing_load;
      5. the scratch table is dropped (and expires after a day anyway).
    Needs var landing_uri = gs://bucket (the bucket BigQuery exports to) and optionally var
    spotify_remote_function (default {project}.dp_lake_{env}.spotify_artist_enrichment).
    dry_run: the count, the first 10 artists and every statement a real run would send; no call.
    When the function keeps failing (Spotify throttling beyond BigQuery's retries, rejected
    credentials), step 2 fails as a whole: nothing is written and the run exits non-zero with the
    function's errorMessage; the next run asks the same artists.
-#}
{% macro bigquery__enrich_artists(mode, dry_run, limit, lookback_days, stale_after_days, sources) %}
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
    {% set statements = spotify_enrichment.bigquery_enrichment_statements(worklist_sql, run) %}
    {% set counts_sql %}
        select
            count(*) as due,
            countif(not {{ spotify_enrichment.is_spotify_id('artistId') }}) as invalid
        from ({{ worklist_sql }}) as worklist
    {% endset %}
    {% set counts = run_query(counts_sql).rows[0] %}
    {% set due, invalid = counts[0], counts[1] %}

    {% if dry_run %}
        {% do spotify_enrichment.log_worklist_preview(worklist_sql, mode, due) %}
        {{ log("enrich_artists: a real run would send these statements to BigQuery:", info=true) }}
        {% for name, sql in statements %}
            {{ log("-- enrich_artists statement " ~ loop.index ~ ": " ~ name ~ "\n" ~ sql ~ ";", info=true) }}
        {% endfor %}
        {{ return({'mode': mode, 'dry_run': true, 'due': due, 'statements': statements}) }}
    {% endif %}

    {% set summary = {
        'requested': due - invalid, 'ok': 0, 'not_found': 0, 'failed': 0, 'invalid': invalid, 'file': none,
        'seconds': 0, 'api_mode': none, 'stop_reason': none, 'message': none
    } %}
    {% set loaded = {} %}
    {% if due == 0 %}
        {{ log("enrich_artists: no artists to enrich (mode " ~ mode ~ "); the Spotify API was not called", info=true) }}
    {% else %}
        {{ log("enrich_artists: mode " ~ mode ~ ": asking " ~ (due - invalid) ~ " artists through "
            ~ run.function ~ ", landing in " ~ run.landing_pattern, info=true) }}
        {% set statement_sql = dict(statements) %}
        {% do run_query(statement_sql['answers']) %}
        {% set answered = run_query(statement_sql['summary']).rows[0] %}
        {% do summary.update({'ok': answered[0], 'not_found': answered[1], 'failed': answered[2], 'api_mode': answered[3]}) %}
        {% if answered[0] + answered[1] > 0 %}
            {% do run_query(statement_sql['export']) %}
            {% do summary.update({'file': run.landing_pattern}) %}
        {% endif %}
        {% do run_query(statement_sql['cleanup']) %}
    {% endif %}
    {#- Also loads files an earlier run exported but did not load. -#}
    {% do loaded.update(spotify_enrichment.load_artist_enrichment(run.bucket, dry_run=false, fail_on_quarantine=false)) %}
    {% do summary.update({'seconds': (modules.datetime.datetime.utcnow() - started).total_seconds()}) %}
    {{ log(spotify_enrichment.enrich_artists_summary_line(mode, summary, loaded), info=true) }}
    {% if invalid %}
        {{ log("enrich_artists: warning: " ~ invalid ~ " malformed artist IDs in the listening history were not sent", info=true) }}
    {% endif %}
    {% if summary.failed %}
        {{ log("enrich_artists: warning: " ~ summary.failed ~ " artists failed after retries and will be asked again next run", info=true) }}
    {% endif %}
    {{ return({'mode': mode, 'dry_run': false, 'due': due, 'summary': summary, 'loaded': loaded}) }}
{% endmacro %}

{#- Names of this run: timestamp, landing files, scratch tables, the function; every part validated. -#}
{% macro bigquery_enrichment_run(started) %}
    {% set stamp = started.strftime('%Y%m%dT%H%M%SZ') %}
    {% set bucket = spotify_enrichment.bigquery_landing_bucket() %}
    {% set enrichment = spotify_enrichment.lake_source_relation('lake_spotify__normalized_artist_enrichment') %}
    {% set scratch_prefix = enrichment.database ~ '.' ~ enrichment.schema ~ '.lake_spotify__artist_enrichment_' %}
    {% set run = {
        'stamp': stamp,
        'run_id': 'bq_' ~ stamp ~ '_' ~ (invocation_id | replace('-', ''))[:12],
        'bucket': bucket,
        'landing_pattern': bucket ~ '/spotify/landing/' ~ stamp ~ '_' ~ (invocation_id | replace('-', ''))[:8]
            ~ '_' ~ spotify_enrichment.landing_owner() ~ '_*'
            ~ spotify_enrichment.lake_contract().record_types.artist_enrichment.landing_suffix,
        'answers': scratch_prefix ~ 'answers_' ~ stamp,
        'function': spotify_enrichment.bigquery_remote_function_name(),
    } %}
    {% for name in ['answers', 'function'] %}
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
    The statements of one run, in order, as (name, sql) pairs. Values inside them are validated names
    and the run's own timestamp; nothing from the data is pasted into SQL.
-#}
{% macro bigquery_enrichment_statements(worklist_sql, run) %}
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
        `{{ run.function }}`(artistId) as answer
    from valid_artists
)

select * from answers
    {% endset %}
    {% set summary_sql %}
select
    countif(json_value(answer, '$.status') = 'ok') as ok,
    countif(json_value(answer, '$.status') = 'not_found') as not_found,
    countif(answer is null) as failed,
    string_agg(distinct json_value(answer, '$.apiMode'), '/') as api_mode
from `{{ run.answers }}`
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
    where answer is not null
),

-- nullif(..., 'null'): BigQuery's json_query gives SQL NULL for a JSON null already; emulators
-- that give the text 'null' would fail to read it as an array.
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
    {% set cleanup_sql %}
drop table if exists `{{ run.answers }}`
    {% endset %}
    {{ return([
        ('answers', answers_sql | trim),
        ('summary', summary_sql | trim),
        ('export', export_sql | trim),
        ('cleanup', cleanup_sql | trim),
    ]) }}
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
