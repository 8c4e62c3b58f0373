{#-
    Unit-test fixtures for models reading lake_spotify__svc_artist_enrichment: its array and struct columns
    cannot be written as YAML dict rows, so fixtures are SQL built here from plain values, with literals
    rendered per warehouse by the `*_literal` macros below.
-#}
{% macro enrichment_fixture_sql(rows) %}
    {%- for row in rows %}
    select
        {{ string_literal(row.get('artistId')) }} as artistId,
        {{ string_literal(row.get('artistName')) }} as artistName,
        {{ string_array_literal(row.get('genres')) }} as genres,
        {{ bigint_literal(row.get('popularity')) }} as popularity,
        {{ bigint_literal(row.get('followerCount')) }} as followerCount,
        {{ image_array_literal(row.get('images')) }} as images,
        {{ external_urls_literal(row.get('spotifyUrl')) }} as externalUrls,
        {{ timestamp_literal(row.get('enrichedAt', '2026-11-20 10:00:00')) }} as enrichedAt,
        {{ string_literal(row.get('status', 'ok')) }} as status,
        {{ string_literal(row.get('apiMode', 'batch')) }} as apiMode,
        {{ string_literal(row.get('runId', 'run-1')) }} as runId,
        {{ string_literal(row.get('sourceFile', '20261120T100000Z_artist_enrichment.jsonl')) }} as sourceFile,
        {{ timestamp_literal(row.get('loadedAt', '2026-11-20 11:00:00')) }} as loadedAt
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}

{% macro string_literal(value) -%}
    {%- if value is none -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        {{ dbt.string_literal(value | replace("'", "''")) }}
    {%- endif -%}
{%- endmacro %}

{% macro bigint_literal(value) -%}
    {%- if value is none -%}
        cast(null as {{ dbt.type_bigint() }})
    {%- else -%}
        cast({{ value | int }} as {{ dbt.type_bigint() }})
    {%- endif -%}
{%- endmacro %}

{% macro timestamp_literal(value) -%}
    {%- if value is none -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- else -%}
        cast({{ string_literal(value) }} as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{% macro string_array_literal(values) -%}
    {{ return(adapter.dispatch('string_array_literal', 'spotify_enrichment')(values)) }}
{%- endmacro %}

{% macro default__string_array_literal(values) -%}
    {% do spotify_enrichment.raise_not_implemented('string_array_literal') %}
{%- endmacro %}

{% macro duckdb__string_array_literal(values) -%}
    {%- if values is none -%}
        cast(null as varchar[])
    {%- else -%}
        cast([{% for value in values %}{{ string_literal(value) }}{{ ", " if not loop.last }}{% endfor %}] as varchar[])
    {%- endif -%}
{%- endmacro %}

{#- BigQuery has no NULL array: NULL there reads back as an empty array. -#}
{% macro bigquery__string_array_literal(values) -%}
    array<string>[{% for value in values or [] %}{{ string_literal(value) }}{{ ", " if not loop.last }}{% endfor %}]
{%- endmacro %}

{% macro image_array_literal(images) -%}
    {{ return(adapter.dispatch('image_array_literal', 'spotify_enrichment')(images)) }}
{%- endmacro %}

{% macro default__image_array_literal(images) -%}
    {% do spotify_enrichment.raise_not_implemented('image_array_literal') %}
{%- endmacro %}

{% macro duckdb__image_array_literal(images) -%}
    {%- if images is none -%}
        cast(null as struct(url varchar, height bigint, width bigint)[])
    {%- else -%}
        cast([
            {%- for image in images -%}
                {'url': {{ string_literal(image.url) }}, 'height': {{ bigint_literal(image.height) }}, 'width': {{ bigint_literal(image.width) }}}{{ ", " if not loop.last }}
            {%- endfor -%}
        ] as struct(url varchar, height bigint, width bigint)[])
    {%- endif -%}
{%- endmacro %}

{% macro bigquery__image_array_literal(images) -%}
    array<struct<url string, height int64, width int64>>[
        {%- for image in images or [] -%}
            ({{ string_literal(image.url) }}, {{ bigint_literal(image.height) }}, {{ bigint_literal(image.width) }}){{ ", " if not loop.last }}
        {%- endfor -%}
    ]
{%- endmacro %}

{% macro external_urls_literal(spotify_url) -%}
    {{ return(adapter.dispatch('external_urls_literal', 'spotify_enrichment')(spotify_url)) }}
{%- endmacro %}

{% macro default__external_urls_literal(spotify_url) -%}
    {% do spotify_enrichment.raise_not_implemented('external_urls_literal') %}
{%- endmacro %}

{% macro duckdb__external_urls_literal(spotify_url) -%}
    {%- if spotify_url is none -%}
        cast(null as struct(spotify varchar))
    {%- else -%}
        {'spotify': {{ string_literal(spotify_url) }}}
    {%- endif -%}
{%- endmacro %}

{% macro bigquery__external_urls_literal(spotify_url) -%}
    {%- if spotify_url is none -%}
        cast(null as struct<spotify string>)
    {%- else -%}
        struct({{ string_literal(spotify_url) }} as spotify)
    {%- endif -%}
{%- endmacro %}

{#-
    Rows of lake_musicbrainz__svc_artist for the hub's unit tests: the columns the hub reads, from plain
    values; no rows gives an empty input of the same columns.
-#}
{% macro musicbrainz_fixture_sql(rows) %}
    {%- for row in (rows or [{'artistId': none}]) %}
    select
        {{ string_literal(row.get('artistId')) }} as artistId,
        {{ string_literal(row.get('musicbrainzId')) }} as musicbrainzId,
        {{ string_literal(row.get('status', 'ok')) }} as status,
        {{ string_array_literal(row.get('genres')) }} as genres,
        {{ string_literal(row.get('artistType')) }} as artistType,
        {{ string_literal(row.get('country')) }} as country,
        {{ string_literal(row.get('beginDate')) }} as beginDate,
        {{ timestamp_literal(row.get('fetchedAt', '2026-11-20 10:00:00')) }} as fetchedAt
    {%- if not rows %}
    where 1 = 0
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}
