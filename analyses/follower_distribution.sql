-- Runbook: how many enriched artists have how many followers, by number of digits (1-9, 10-99, ...).
-- Artists whose follower count Spotify withheld (Development Mode) are not counted here.
with

dim_artists as (
    select * from {{ ref('hub_music__svc_dim_artists') }}
),

banded as (
    select
        length(cast(followerCount as {{ dbt.type_string() }})) as followerDigits
    from dim_artists
    where followerCount is not null
),

final as (
    select
        followerDigits,
        count(*) as artists
    from banded
    group by followerDigits
)

select * from final
order by followerDigits asc
