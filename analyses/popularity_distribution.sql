-- Runbook: how many enriched artists have each popularity, in bands of 10 (90-100 is one band).
-- Artists whose popularity Spotify withheld (Development Mode) are not counted here.
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

banded as (
    select
        least(cast(floor(popularity / 10) as {{ dbt.type_int() }}) * 10, 90) as popularityFrom
    from dim_artists
    where popularity is not null
),

final as (
    select
        popularityFrom,
        count(*) as artists
    from banded
    group by popularityFrom
)

select * from final
order by popularityFrom asc
