"""The emulator's answers against Spotify's official OpenAPI schemas, in both quota modes, over HTTP."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from emulator_helpers import SpotifyClient, SpotifyContract

from spotify_enrichment_dev.catalogue import load_catalogue

BAND_OF_HORSES = "0OdUWJ0sBjDrqHygGUXeCF"  # api-examples/get-artist.json
BEYONCE = "6vWDO969PvNqNYHIOW5v0m"
UNKNOWN = "0000000000000000000000"
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def test_single_artist_validates_and_equals_the_catalogue(
    extended: SpotifyClient, spotify_contract: SpotifyContract, artists_csv: Path
) -> None:
    catalogue = load_catalogue(artists_csv)
    for artist_id in (BEYONCE, "17Mb968quDHpjCkIyq30QV", "0vneleczrRRNPF1vj0x0vy"):
        answer = extended.one_artist(artist_id)

        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("application/json")
        spotify_contract.validate_artist(answer.json())
        assert answer.json() == catalogue[artist_id]
    assert extended.one_artist(BEYONCE).json()["name"] == "Beyoncé"


def test_real_api_example_artists_are_served_as_spotify_sent_them(
    extended: SpotifyClient, spotify_contract: SpotifyContract, shared_data: Path
) -> None:
    example = json.loads((shared_data / "api-examples" / "get-artist.json").read_text(encoding="utf-8"))
    several = json.loads(
        (shared_data / "api-examples" / "get-several-artists.json").read_text(encoding="utf-8")
    )

    assert extended.one_artist(BAND_OF_HORSES).json() == example
    batch = extended.several_artists([artist["id"] for artist in several["artists"]])
    assert batch.json() == several
    spotify_contract.validate_many_artists(batch.json())


def test_batch_of_fifty_validates_as_many_artists(
    extended: SpotifyClient, spotify_contract: SpotifyContract, artists_csv: Path
) -> None:
    catalogue = load_catalogue(artists_csv)
    artist_ids = list(catalogue)[1000:1050]

    answer = extended.several_artists(artist_ids)

    assert answer.status_code == 200
    spotify_contract.validate_many_artists(answer.json())
    assert answer.json()["artists"] == [catalogue[artist_id] for artist_id in artist_ids]


def test_batch_with_unknown_ids_keeps_null_in_place(
    extended: SpotifyClient, spotify_contract: SpotifyContract
) -> None:
    answer = extended.several_artists([UNKNOWN, BEYONCE, "1111111111111111111111", BEYONCE])

    assert answer.status_code == 200
    artists = answer.json()["artists"]
    assert [artist and artist["id"] for artist in artists] == [None, BEYONCE, None, BEYONCE]
    spotify_contract.validate_many_artists(answer.json())


def test_development_quota_artist_lacks_withheld_keys_and_still_validates(
    development: SpotifyClient, spotify_contract: SpotifyContract, artists_csv: Path
) -> None:
    full = load_catalogue(artists_csv)[BEYONCE]

    answer = development.one_artist(BEYONCE)

    assert answer.status_code == 200
    artist = answer.json()
    # ArtistObject lists no required keys, so an object without them is valid per the spec.
    spotify_contract.validate_artist(artist)
    assert set(full) - set(artist) == {"followers", "popularity", "genres"}
    assert artist == {key: value for key, value in full.items() if key in artist}


def test_error_answers_validate_as_error_objects(
    extended: SpotifyClient, development: SpotifyClient, spotify_contract: SpotifyContract
) -> None:
    answers = {
        400: extended.one_artist("not-an-id"),
        401: extended.one_artist(BEYONCE, token="expired-or-unknown"),
        403: development.several_artists([BEYONCE]),
        404: extended.one_artist(UNKNOWN),
    }
    for status, answer in answers.items():
        assert answer.status_code == status
        spotify_contract.validate_error(answer.json(), status)


def test_token_answer_has_spotify_shape(extended: SpotifyClient) -> None:
    answer = extended.request_token()

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert isinstance(body["access_token"], str)
    assert len(body["access_token"]) >= 32


def test_generated_demo_catalogue_is_served_verbatim(
    tmp_path: Path, start_emulator: Callable[..., SpotifyClient], spotify_contract: SpotifyContract
) -> None:
    out = tmp_path / "demo"
    generator = PROJECT_ROOT / "scripts" / "generate_demo_data.py"
    subprocess.run(
        [
            sys.executable,
            str(generator),
            "--out",
            str(out),
            "--artists",
            "120",
            "--plays",
            "600",
            "--seed",
            "7",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    lines = (out / "catalogue.jsonl").read_text(encoding="utf-8").splitlines()
    generated = [json.loads(line) for line in lines if line]
    missing = (out / "missing_artist_ids.txt").read_text(encoding="utf-8").split()
    client = start_emulator(catalogue=out)  # the folder stands for its catalogue.jsonl
    token = client.token()

    served = []
    for start in range(0, len(generated), 50):
        answer = client.several_artists([artist["id"] for artist in generated[start : start + 50]], token)
        spotify_contract.validate_many_artists(answer.json())
        served += answer.json()["artists"]
    missing_answer = client.several_artists(missing[:50], token)

    assert served == generated
    assert missing
    assert missing_answer.json()["artists"] == [None] * len(missing[:50])
