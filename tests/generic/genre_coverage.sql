{#-
    Fails when, among the enriched rows (`status_column` = 'ok'), the share with a non-empty
    `column_name` (the genres) is below `min_coverage` (default: var enrichment_min_genre_coverage).
    Development Mode empties Spotify's genres: this makes it visible instead of a silent 0-row report.
    Returns the enriched rows without genres, with the measured share.
-#}
{% test genre_coverage(model, column_name, status_column, min_coverage=none) %}

{% set threshold = min_coverage if min_coverage is not none else var('enrichment_min_genre_coverage', 0.5) %}

with

enriched as (
    select * from {{ model }}
    where {{ status_column }} = 'ok'
),

coverage as (
    select
        count(case when {{ spotify_enrichment.array_size(column_name) }} > 0 then 1 end) * 1.0
        / nullif(count(*), 0) as genreShare
    from enriched
),

without_genres as (
    select
        enriched.*,
        coverage.genreShare,
        {{ threshold }} as minGenreCoverage
    from enriched
    cross join coverage
    where
        coalesce({{ spotify_enrichment.array_size('enriched.' ~ column_name) }}, 0) = 0
        and coverage.genreShare < {{ threshold }}
)

select * from without_genres

{% endtest %}
