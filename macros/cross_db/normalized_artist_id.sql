{#-
    The one normalisation rule for an artist ID read from the listening history: surrounding whitespace
    (RE2's \s: space, tab, line breaks, form feed) is trimmed, and an ID left empty is NULL (no artist, as
    for a local file). Whatever else it holds stays as it is, so a malformed ID is reported as malformed
    (the valid_spotify_id warning, the fetcher's `invalid` count) and never sent to Spotify. Applied once,
    in lake_spotify__stg_listening_history, whose SQL the enrich_artists worklist also runs: the ID
    Spotify is asked about is the ID its answer lands under and the ID the next worklist compares.
-#}
{% macro normalized_artist_id(expression) -%}
    {{ return(adapter.dispatch('normalized_artist_id', 'spotify_enrichment')(expression)) }}
{%- endmacro %}

{#- Standard SQL's trim() removes spaces only, which would be a second, narrower rule. -#}
{% macro default__normalized_artist_id(expression) -%}
    {% do spotify_enrichment.raise_not_implemented('normalized_artist_id') %}
{%- endmacro %}

{#- Both engines use RE2, so \s means the same characters on both; DuckDB replaces all matches only with 'g'. -#}
{% macro duckdb__normalized_artist_id(expression) -%}
    nullif(regexp_replace({{ expression }}, '^\s+|\s+$', '', 'g'), '')
{%- endmacro %}

{% macro bigquery__normalized_artist_id(expression) -%}
    nullif(regexp_replace({{ expression }}, r'^\s+|\s+$', ''), '')
{%- endmacro %}
