{#-
    Load your listening history into the source table, from any of the forms people have it:
        dbt run-operation load_listening_history --args '{path: my_spotify_data.zip}'
    path: the project's JSONL (one line per play and artist: playedAt, trackId, trackName, msPlayed,
    artistId, artistName), a file of Spotify's data export (Streaming_History_Audio_*.json, endsong_*.json,
    StreamingHistory*.json), a folder holding them, or the export's zip. Each file's summary names its
    entries, the new plays loaded, those already present and the entries skipped by reason (episodes,
    audiobooks, local files, no track). Idempotent: a play whose key (spotify_enrichment.history_export:
    time, track, ms played, artist, n-th identical entry of its file) is loaded already is skipped, and
    a file whose checksum is in lake_spotify__listening_history_load_ledger is not read again.
    `replace: true` first removes the plays earlier loads took from files of the same names.
    All or nothing: an entry that cannot be read, a play without a time or dated in the future fails the
    whole load, naming the file, the counts and examples; nothing is written.
    DuckDB only: on BigQuery load the table with `bq load` or point the source at your own table.
-#}
{% macro load_listening_history(path, replace=false) %}
    {{ return(adapter.dispatch('load_listening_history', 'spotify_enrichment')(path, replace)) }}
{% endmacro %}

{% macro default__load_listening_history(path, replace) %}
    {% do exceptions.raise_compiler_error(
        "load_listening_history runs on DuckDB only (target type " ~ target.type ~ "); "
        ~ "load " ~ path ~ " with your warehouse's own loader"
    ) %}
{% endmacro %}

{% macro duckdb__load_listening_history(path, replace) %}
    {% if path is not string or path | trim == '' %}
        {% do exceptions.raise_compiler_error(
            "load_listening_history needs a path to a history file, folder or export zip, got: " ~ path
        ) %}
    {% endif %}
    {% if replace not in [true, false] %}
        {% do exceptions.raise_compiler_error("load_listening_history: replace must be true or false, got: " ~ replace) %}
    {% endif %}
    {% do spotify_enrichment.create_lake_tables() %}
    {% set result = spotify_enrichment.plugin_call(
        'spotify_load_history', [path, tojson(spotify_enrichment.listening_history_relations()), replace]
    ) %}
    {% if result.error %}
        {% do exceptions.raise_compiler_error(result.error) %}
    {% endif %}
    {% for line in result.lines %}
        {{ log(line, info=true) }}
    {% endfor %}
    {{ return(result) }}
{% endmacro %}

{#-
    Remove the plays one history file added, and its ledger row, so a wrong load needs no new warehouse:
        dbt run-operation unload_listening_history --args '{source_file: Streaming_History_Audio_2024_1.json}'
    source_file: the file as the ledger lists it (select sourceFile from lake.lake_spotify__listening_history_load_ledger),
    or its name alone when that names one loaded file.
-#}
{% macro unload_listening_history(source_file) %}
    {% if target.type != 'duckdb' %}
        {% do exceptions.raise_compiler_error("unload_listening_history runs on DuckDB only (target type " ~ target.type ~ ")") %}
    {% endif %}
    {% do spotify_enrichment.create_lake_tables() %}
    {% set result = spotify_enrichment.plugin_call(
        'spotify_unload_history', [source_file, tojson(spotify_enrichment.listening_history_relations())]
    ) %}
    {% if result.error %}
        {% do exceptions.raise_compiler_error(result.error) %}
    {% endif %}
    {{ log(result.line, info=true) }}
    {{ return(result) }}
{% endmacro %}

{#- The listening history and its ledger, as the relations dbt renders for them. -#}
{% macro listening_history_relations() %}
    {% set relations = {} %}
    {% for table_name in ['lake_spotify__normalized_listening_history', 'lake_spotify__listening_history_load_ledger'] %}
        {% do relations.update({table_name: spotify_enrichment.lake_source_relation(table_name) | string}) %}
    {% endfor %}
    {{ return(relations) }}
{% endmacro %}
