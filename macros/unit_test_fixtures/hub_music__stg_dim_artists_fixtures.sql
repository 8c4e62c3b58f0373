{#- Fixtures of the unit tests in models/hub/staging/music/_hub_music__models.yml. -#}
{% macro unit_test_enrichment_images_fixture() %}
    {{ enrichment_fixture_sql([
        {'artistId': 'AAAAAAAAAAAAAAAAAAAAAA', 'artistName': 'Shuffled', 'images': [
            {'url': 'a160', 'height': 160, 'width': 160},
            {'url': 'a640', 'height': 640, 'width': 640},
            {'url': 'a320', 'height': 320, 'width': 320},
        ]},
        {'artistId': 'BBBBBBBBBBBBBBBBBBBBBB', 'artistName': 'Four', 'images': [
            {'url': 'b64', 'height': 52, 'width': 64},
            {'url': 'b640', 'height': 522, 'width': 640},
            {'url': 'b1000', 'height': 816, 'width': 1000},
            {'url': 'b200', 'height': 163, 'width': 200},
        ]},
        {'artistId': 'CCCCCCCCCCCCCCCCCCCCCC', 'artistName': 'One', 'images': [
            {'url': 'c300', 'height': 300, 'width': 300},
        ]},
        {'artistId': 'DDDDDDDDDDDDDDDDDDDDDD', 'artistName': 'None', 'images': []},
    ]) }}
{% endmacro %}

{% macro unit_test_enrichment_withheld_fixture() %}
    {{ enrichment_fixture_sql([
        {'artistId': 'AAAAAAAAAAAAAAAAAAAAAA', 'artistName': 'Enriched A', 'genres': none,
         'popularity': none, 'followerCount': none, 'images': [], 'apiMode': 'single',
         'spotifyUrl': 'https://open.spotify.com/artist/AAAAAAAAAAAAAAAAAAAAAA'},
        {'artistId': 'BBBBBBBBBBBBBBBBBBBBBB', 'artistName': 'Enriched B', 'genres': [],
         'popularity': 0, 'followerCount': 0, 'images': []},
    ]) }}
{% endmacro %}


{% macro unit_test_best_genres_spotify_fixture() %}
    {{ enrichment_fixture_sql([
        {'artistId': 'AAAAAAAAAAAAAAAAAAAAAA', 'artistName': 'A', 'genres': none, 'popularity': none, 'images': []},
        {'artistId': 'BBBBBBBBBBBBBBBBBBBBBB', 'artistName': 'B', 'genres': [], 'popularity': 3, 'images': []},
        {'artistId': 'CCCCCCCCCCCCCCCCCCCCCC', 'artistName': 'C', 'genres': ['dance pop'], 'popularity': 50, 'images': []},
        {'artistId': 'DDDDDDDDDDDDDDDDDDDDDD', 'artistName': 'D', 'genres': none, 'popularity': none, 'images': []},
    ]) }}
{% endmacro %}

{% macro unit_test_best_genres_musicbrainz_fixture() %}
    {{ musicbrainz_fixture_sql([
        {'artistId': 'AAAAAAAAAAAAAAAAAAAAAA', 'musicbrainzId': 'aaaaaaaa-0000-4000-8000-000000000001',
         'genres': ['rock', 'pop'], 'artistType': 'Group', 'country': 'GB', 'beginDate': '1962-08'},
        {'artistId': 'BBBBBBBBBBBBBBBBBBBBBB', 'musicbrainzId': 'bbbbbbbb-0000-4000-8000-000000000002',
         'genres': [], 'artistType': 'Person', 'country': 'US', 'beginDate': '1926'},
        {'artistId': 'CCCCCCCCCCCCCCCCCCCCCC', 'musicbrainzId': 'cccccccc-0000-4000-8000-000000000003',
         'genres': ['jazz']},
        {'artistId': 'DDDDDDDDDDDDDDDDDDDDDD', 'status': 'not_linked'},
    ]) }}
{% endmacro %}
