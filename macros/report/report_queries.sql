{#-
    The HTML report's queries over relations that only newer pipelines build (run history, genre
    families, genre sources). `python -m spotify_enrichment report` calls one only after the adapter
    has shown that its relation and columns exist; every other figure of the report is an analysis.
-#}
{% macro report_run_history() -%}
    select * from {{ ref('hub_music__svc_enrichment_runs') }}
    order by endedAt desc
{%- endmacro %}

{% macro report_failed_runs() -%}
    select
        runId,
        endedAt,
        failed,
        stopReason,
        message
    from {{ ref('hub_music__svc_enrichment_runs') }}
    where failed > 0
    order by endedAt desc
{%- endmacro %}

{% macro report_failed_artists() -%}
    with

    failures as (
        select * from {{ source('lake_enrichment', 'lake_enrichment__failures') }}
    ),

    dim_artists as (
        select * from {{ ref('hub_music__svc_dim_artists') }}
    ),

    by_item as (
        select
            source,
            itemId,
            count(*) as attempts,
            max(failedAt) as lastFailedAt,
            {{ spotify_enrichment.arg_max('reason', 'failedAt') }} as lastReason
        from failures
        group by source, itemId
    )

    select
        by_item.source,
        by_item.itemId,
        dim_artists.artistName,
        by_item.attempts,
        by_item.lastFailedAt,
        by_item.lastReason
    from by_item
    left join dim_artists
        on by_item.itemId = dim_artists.artistId
    order by by_item.lastFailedAt desc, by_item.itemId asc
{%- endmacro %}

{% macro report_genre_families() -%}
    select
        primaryGenreFamily as genreFamily,
        count(*) as artists,
        sum(playCount) as plays,
        round(sum(msPlayed) / 3600000.0, 1) as hoursPlayed
    from {{ ref('hub_music__svc_dim_artists') }}
    where primaryGenreFamily is not null
    group by primaryGenreFamily
    order by artists desc, genreFamily asc
{%- endmacro %}

{% macro report_genre_sources() -%}
    select
        coalesce(genresSource, 'none') as genresSource,
        count(*) as artists
    from {{ ref('hub_music__svc_dim_artists') }}
    group by coalesce(genresSource, 'none')
    order by artists desc
{%- endmacro %}
