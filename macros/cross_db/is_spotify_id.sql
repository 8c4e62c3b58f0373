{#- True when `expression` is a Spotify ID: exactly 22 base62 characters (as spotify_enrichment.artist_ids). -#}
{% macro is_spotify_id(expression) -%}
    {{ return(adapter.dispatch('is_spotify_id', 'spotify_enrichment')(expression)) }}
{%- endmacro %}

{#- Standard SQL has no regular expressions. -#}
{% macro default__is_spotify_id(expression) -%}
    {% do spotify_enrichment.raise_not_implemented('is_spotify_id') %}
{%- endmacro %}

{% macro duckdb__is_spotify_id(expression) -%}
    regexp_full_match({{ expression }}, '[0-9A-Za-z]{22}')
{%- endmacro %}

{% macro bigquery__is_spotify_id(expression) -%}
    regexp_contains({{ expression }}, r'^[0-9A-Za-z]{22}$')
{%- endmacro %}
