-- Genre names are matched lowercased and trimmed, so a seed row with capitals or edge spaces could never
-- match: it is reported instead of silently doing nothing.
with

genre_families as (
    select * from {{ ref('genre_families') }}
),

final as (
    select
        genre_pattern,
        genre_family,
        precedence
    from genre_families
    where
        genre_pattern != lower(trim(genre_pattern))
        or genre_family != lower(trim(genre_family))
)

select * from final
