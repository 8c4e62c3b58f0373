"""Fault injection, each through its own emulator process over HTTP: rate limit, quota, 5xx, token expiry,
latency, refresh tokens."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests
from emulator_helpers import SpotifyClient, SpotifyContract

BEYONCE = "6vWDO969PvNqNYHIOW5v0m"

StartEmulator = Callable[..., SpotifyClient]


def statuses(client: SpotifyClient, token: str, count: int) -> list[int]:
    return [client.one_artist(BEYONCE, token).status_code for _ in range(count)]


def test_rate_limit_answers_429_with_retry_after_of_the_30_second_window(
    start_emulator: StartEmulator, spotify_contract: SpotifyContract
) -> None:
    client = start_emulator(rate_limit=3)
    token = client.token()

    assert statuses(client, token, 3) == [200, 200, 200]
    limited = client.one_artist(BEYONCE, token)

    assert limited.status_code == 429
    spotify_contract.validate_error(limited.json(), 429)
    assert "reason" not in limited.json()["error"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 30
    # Token requests are not API requests: the accounts service keeps answering.
    assert client.request_token().status_code == 200
    assert client.emulator.stats()["by_kind_status"]["single"] == {"200": 3, "429": 1}


def test_rate_limit_serves_again_once_the_window_rolls_on(start_emulator: StartEmulator) -> None:
    client = start_emulator(rate_limit=2, rate_window=1)
    token = client.token()

    assert statuses(client, token, 2) == [200, 200]
    limited = client.one_artist(BEYONCE, token)
    time.sleep(float(limited.headers["Retry-After"]) + 0.05)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert statuses(client, token, 2) == [200, 200]


def test_retry_after_option_blocks_for_that_long_then_serves_again(start_emulator: StartEmulator) -> None:
    client = start_emulator(rate_limit=2, retry_after=1)
    token = client.token()

    assert statuses(client, token, 2) == [200, 200]
    first_limited = client.one_artist(BEYONCE, token)
    blocked = client.one_artist(BEYONCE, token)
    time.sleep(1.1)
    after_waiting = statuses(client, token, 2)

    assert first_limited.status_code == 429
    assert first_limited.headers["Retry-After"] == "1"
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "1"
    assert after_waiting == [200, 200]


def test_long_retry_after_is_announced(start_emulator: StartEmulator) -> None:
    client = start_emulator(rate_limit=1, retry_after=3600)
    token = client.token()

    assert statuses(client, token, 1) == [200]
    limited = client.one_artist(BEYONCE, token)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3600"


def test_retry_after_header_can_be_left_out(start_emulator: StartEmulator) -> None:
    client = start_emulator(rate_limit=1, omit_retry_after=True)
    token = client.token()

    assert statuses(client, token, 1) == [200]
    limited = client.one_artist(BEYONCE, token)

    assert limited.status_code == 429
    assert "Retry-After" not in limited.headers


def test_zero_retry_after_lets_the_next_request_through(start_emulator: StartEmulator) -> None:
    client = start_emulator(rate_limit=1, retry_after=0)
    token = client.token()

    assert statuses(client, token, 1) == [200]
    limited = client.one_artist(BEYONCE, token)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "0"
    assert statuses(client, token, 1) == [200]


def test_quota_exceeded_answers_429_with_reason(
    start_emulator: StartEmulator, spotify_contract: SpotifyContract
) -> None:
    client = start_emulator(quota_exceeded_after=2)
    token = client.token()

    assert statuses(client, token, 2) == [200, 200]
    exceeded = client.several_artists([BEYONCE], token)

    assert exceeded.status_code == 429
    spotify_contract.validate_error(exceeded.json(), 429)
    assert exceeded.json()["error"]["reason"] == "QUOTA_EXCEEDED"
    assert int(exceeded.headers["Retry-After"]) > 0
    assert client.one_artist(BEYONCE, token).status_code == 429


def test_fail_every_answers_every_nth_api_request_with_500(
    start_emulator: StartEmulator, spotify_contract: SpotifyContract
) -> None:
    client = start_emulator(fail_every=3)
    token = client.token()

    assert statuses(client, token, 9) == [200, 200, 500] * 3
    batches = [client.several_artists([BEYONCE], token) for _ in range(3)]

    assert [batch.status_code for batch in batches] == [200, 200, 500]
    spotify_contract.validate_error(batches[-1].json(), 500)
    stats = client.emulator.stats()
    assert stats["ids_requested"] == {BEYONCE: 12}
    assert stats["ids_answered"] == {BEYONCE: 8}


def test_expired_token_is_401_and_a_new_token_works(
    start_emulator: StartEmulator, spotify_contract: SpotifyContract
) -> None:
    client = start_emulator(token_ttl=1)
    token_answer = client.request_token().json()
    token = token_answer["access_token"]

    assert token_answer["expires_in"] == 1
    assert client.one_artist(BEYONCE, token).status_code == 200
    time.sleep(1.2)
    expired = client.one_artist(BEYONCE, token)

    assert expired.status_code == 401
    assert expired.json() == {"error": {"status": 401, "message": "The access token expired"}}
    spotify_contract.validate_error(expired.json(), 401)
    assert client.one_artist(BEYONCE, client.token()).status_code == 200
    assert client.one_artist(BEYONCE, token).json()["error"]["message"] == "The access token expired"


def test_configured_refresh_token_is_accepted_and_others_are_invalid_grant(
    start_emulator: StartEmulator,
) -> None:
    client = start_emulator(refresh_token="configured-refresh-token")
    emulator = client.emulator

    def refresh(refresh_token: str) -> requests.Response:
        return client.session.post(
            emulator.accounts_url + "/api/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            auth=(emulator.client_id, emulator.client_secret),
            timeout=10,
        )

    accepted = refresh("configured-refresh-token")
    rejected = refresh("expired-refresh-token")

    assert accepted.status_code == 200
    assert accepted.json()["token_type"] == "Bearer"
    assert client.one_artist(BEYONCE, accepted.json()["access_token"]).status_code == 200
    assert rejected.status_code == 400
    assert rejected.json()["error"] == "invalid_grant"


def test_latency_is_added_concurrently_not_serially(start_emulator: StartEmulator) -> None:
    client = start_emulator(latency_ms=500)
    token = client.token()

    def fetch(_: int) -> int:
        with requests.Session() as session:
            return session.get(
                f"{client.emulator.api_url}/artists/{BEYONCE}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fetch, range(8)))

    assert answers == [200] * 8
    assert client.emulator.stats()["max_concurrent_requests"] >= 4
