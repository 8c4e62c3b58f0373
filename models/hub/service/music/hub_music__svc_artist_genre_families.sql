{#-
    Genre names are matched against the seed's patterns once per distinct name, not once per artist:
    the LIKE join is names x patterns, a few thousand by a few hundred.
-#}
with

dim_artists as (
    select * from {{ ref('hub_music__stg_dim_artists') }}
),

genre_families as (
    select * from {{ ref('genre_families') }}
),

artist_genres as (
    select distinct
        dim_artists.artistId,
        lower(trim(genre)) as genre
    from dim_artists
    {{ cross_join_unnest('dim_artists.genres', 'genre') }}
),

genre_names as (
    select distinct genre from artist_genres
),

-- The seed's precedence rule: lowest precedence, then the longest (most specific) pattern, then the
-- family name, so a name matching several patterns always lands in one family.
genre_matches as (
    select
        genre_names.genre,
        genre_families.genre_family,
        genre_families.precedence,
        row_number() over (
            partition by genre_names.genre
            order by
                genre_families.precedence asc,
                length(genre_families.genre_pattern) desc,
                genre_families.genre_family asc
        ) as matchRank
    from genre_names
    inner join genre_families
        on genre_names.genre like genre_families.genre_pattern
),

genre_to_family as (
    select
        genre,
        genre_family as genreFamily,
        precedence
    from genre_matches
    where matchRank = 1
),

artist_family_weights as (
    select
        artist_genres.artistId,
        genre_to_family.genreFamily,
        count(*) as familyWeight,
        min(genre_to_family.precedence) as bestPrecedence,
        array_agg(artist_genres.genre order by artist_genres.genre) as familyGenres
    from artist_genres
    inner join genre_to_family
        on artist_genres.genre = genre_to_family.genre
    group by artist_genres.artistId, genre_to_family.genreFamily
),

-- Ties between families of equal weight go to the one reached by the more specific seed rows
-- (lower precedence), then to the family name: the same artist always gets the same primary family.
ranked as (
    select
        artistId,
        genreFamily,
        familyWeight,
        familyGenres,
        row_number() over (
            partition by artistId
            order by familyWeight desc, bestPrecedence asc, genreFamily asc
        ) as familyRank
    from artist_family_weights
),

final as (
    select
        artistId,
        genreFamily,
        familyWeight,
        familyRank,
        familyRank = 1 as isPrimary,
        familyGenres
    from ranked
)

select * from final
