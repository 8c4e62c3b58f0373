"""Spotify's error answers as the emulator gives them, and its request statistics, over HTTP."""

import base64
from collections.abc import Callable

from emulator_helpers import SpotifyClient, SpotifyContract

from spotify_enrichment_dev.catalogue import load_catalogues

BEYONCE = "6vWDO969PvNqNYHIOW5v0m"
ARIANA_GRANDE = "66CXWjxzNUsdJxJ2JdwvnR"
UNKNOWN = "0000000000000000000000"


def known_ids(client: SpotifyClient, count: int) -> list[str]:
    """The first `count` artists of artists.csv, in file order."""
    with client.emulator.catalogue_files[0].open(encoding="utf-8") as artists:
        next(artists)
        return [next(artists).split("\t", 1)[0] for _ in range(count)]


def test_more_than_fifty_ids_is_a_400_and_fifty_are_fine(
    extended: SpotifyClient, spotify_contract: SpotifyContract
) -> None:
    artist_ids = known_ids(extended, 51)

    too_many = extended.several_artists(artist_ids)
    fifty = extended.several_artists(artist_ids[:50])

    assert too_many.status_code == 400
    assert too_many.json() == {"error": {"status": 400, "message": "too many ids requested"}}
    spotify_contract.validate_error(too_many.json(), 400)
    assert fifty.status_code == 200
    assert len(fifty.json()["artists"]) == 50


def test_batch_path_with_trailing_slash_is_the_batch_endpoint(extended: SpotifyClient) -> None:
    answer = extended.get("/artists/", ids=f"{BEYONCE},{ARIANA_GRANDE}")

    assert answer.status_code == 200
    assert [artist["id"] for artist in answer.json()["artists"]] == [BEYONCE, ARIANA_GRANDE]
    assert extended.emulator.stats()["by_kind"]["batch"] == 1


def test_one_malformed_id_fails_the_whole_batch(extended: SpotifyClient) -> None:
    for malformed in ("6vWDO969PvNqNYHIOW5v0", "6vWDO969PvNqNYHIOW5v0m!", "", "6vWDO969PvNqNYHIOW5v0-"):
        answer = extended.several_artists([BEYONCE, malformed])

        assert answer.status_code == 400, malformed
        assert answer.json() == {"error": {"status": 400, "message": "invalid id"}}
    assert extended.emulator.stats()["ids_answered"] == {}


def test_reject_ids_answers_a_well_formed_id_with_400_invalid_id(
    start_emulator: Callable[..., SpotifyClient],
) -> None:
    client = start_emulator(reject_ids=[ARIANA_GRANDE])

    batch = client.several_artists([BEYONCE, ARIANA_GRANDE])
    single = client.one_artist(ARIANA_GRANDE)

    assert batch.status_code == 400
    assert batch.json() == {"error": {"status": 400, "message": "invalid id"}}
    assert single.status_code == 400
    assert client.several_artists([BEYONCE]).status_code == 200


def test_missing_ids_parameter_is_a_400(extended: SpotifyClient) -> None:
    answer = extended.get("/artists")

    assert answer.status_code == 400
    assert answer.json()["error"]["status"] == 400


def test_single_artist_malformed_is_400_and_unknown_is_404(extended: SpotifyClient) -> None:
    malformed = extended.one_artist("abc")
    unknown = extended.one_artist(UNKNOWN)

    assert malformed.status_code == 400
    assert malformed.json() == {"error": {"status": 400, "message": "invalid id"}}
    assert unknown.status_code == 404
    assert unknown.json()["error"]["status"] == 404


def test_development_quota_forbids_batch_but_serves_single_artists(development: SpotifyClient) -> None:
    batch = development.several_artists([BEYONCE])
    single = development.one_artist(BEYONCE)

    assert batch.status_code == 403
    assert batch.json()["error"]["status"] == 403
    assert single.status_code == 200
    assert not {"followers", "popularity", "genres"} & set(single.json())
    assert single.json()["name"] == "Beyoncé"


def test_bad_client_credentials_are_invalid_client(extended: SpotifyClient) -> None:
    emulator = extended.emulator
    wrong_secret = extended.request_token(client_secret="wrong-secret")
    wrong_id = extended.request_token(client_id="someone-else")
    no_auth = extended.session.post(
        emulator.accounts_url + "/api/token", data={"grant_type": "client_credentials"}, timeout=10
    )
    garbled_basic = extended.session.post(
        emulator.accounts_url + "/api/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic not-base64!"},
        timeout=10,
    )

    for answer in (wrong_secret, wrong_id, no_auth, garbled_basic):
        assert answer.status_code == 400
        assert answer.json() == {"error": "invalid_client", "error_description": "Invalid client"}
    assert emulator.stats()["tokens_issued"] == 0


def test_credentials_in_the_form_body_are_accepted(extended: SpotifyClient) -> None:
    emulator = extended.emulator
    answer = extended.session.post(
        emulator.accounts_url + "/api/token",
        data={
            "grant_type": "client_credentials",
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
        },
        timeout=10,
    )

    assert answer.status_code == 200
    assert extended.one_artist(BEYONCE, token=answer.json()["access_token"]).status_code == 200


def test_missing_or_unsupported_grant_type_is_rejected(extended: SpotifyClient) -> None:
    emulator = extended.emulator
    basic = base64.b64encode(f"{emulator.client_id}:{emulator.client_secret}".encode()).decode()
    for form in ({}, {"grant_type": "password"}):
        answer = extended.session.post(
            emulator.accounts_url + "/api/token",
            data=form,
            headers={"Authorization": f"Basic {basic}"},
            timeout=10,
        )

        assert answer.status_code == 400
        assert answer.json()["error"] == "unsupported_grant_type"


def test_refresh_token_grant_without_a_configured_token_is_invalid_grant(extended: SpotifyClient) -> None:
    emulator = extended.emulator
    answer = extended.session.post(
        emulator.accounts_url + "/api/token",
        data={"grant_type": "refresh_token", "refresh_token": "anything"},
        auth=(emulator.client_id, emulator.client_secret),
        timeout=10,
    )

    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant", "error_description": "Invalid refresh token"}


def test_missing_and_unknown_bearer_tokens_are_401(
    extended: SpotifyClient, spotify_contract: SpotifyContract
) -> None:
    no_token = extended.session.get(f"{extended.emulator.api_url}/artists/{BEYONCE}", timeout=10)
    unknown_token = extended.one_artist(BEYONCE, token="made-up-token")

    assert no_token.status_code == 401
    assert no_token.json() == {"error": {"status": 401, "message": "No token provided"}}
    assert unknown_token.status_code == 401
    assert unknown_token.json() == {"error": {"status": 401, "message": "Invalid access token"}}
    assert "invalid_token" in unknown_token.headers["WWW-Authenticate"]
    spotify_contract.validate_error(unknown_token.json(), 401)


def test_unknown_path_is_404_and_wrong_method_is_405(extended: SpotifyClient) -> None:
    token = extended.token()
    unknown_path = extended.get("/tracks/" + BEYONCE, token)
    wrong_method = extended.session.post(
        extended.emulator.api_url + "/artists",
        params={"ids": BEYONCE},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )

    assert unknown_path.status_code == 404
    assert wrong_method.status_code == 405


def test_stats_count_requests_by_kind_and_status_and_every_id(extended: SpotifyClient) -> None:
    token = extended.token()
    first_25 = known_ids(extended, 25)
    extended.several_artists(first_25[:20], token)
    extended.several_artists([*first_25[20:], UNKNOWN], token)
    extended.one_artist(BEYONCE, token)
    extended.one_artist(UNKNOWN, token)
    extended.one_artist("bad", token)
    extended.request_token(client_secret="wrong")

    stats = extended.emulator.stats()

    assert stats["by_kind"] == {"token": 2, "batch": 2, "single": 3}
    assert stats["by_status"] == {"200": 4, "404": 1, "400": 2}
    assert stats["by_kind_status"] == {
        "token": {"200": 1, "400": 1},
        "batch": {"200": 2},
        "single": {"200": 1, "404": 1, "400": 1},
    }
    assert stats["requests_total"] == 7
    assert stats["tokens_issued"] == 1
    assert stats["artist_ids_requested_total"] == 29
    assert stats["ids_requested"] == {**dict.fromkeys(first_25, 1), UNKNOWN: 2, BEYONCE: 1, "bad": 1}
    assert stats["ids_answered"] == {**dict.fromkeys(first_25, 1), UNKNOWN: 2, BEYONCE: 1}
    assert stats["catalogue_size"] == len(load_catalogues(extended.emulator.catalogue_files))


def test_stats_reset_clears_every_count(extended: SpotifyClient) -> None:
    extended.one_artist(BEYONCE)
    assert extended.emulator.stats()["requests_total"] == 2

    after_reset = extended.emulator.reset_stats()

    assert after_reset["requests_total"] == 0
    assert after_reset["by_kind"] == {}
    assert after_reset["ids_requested"] == {}
    assert extended.emulator.stats()["requests_total"] == 0
