"""The emulator's track endpoints (GET /v1/tracks/{id}, /v1/tracks?ids=, /v1/search?type=track) over
HTTP, against Spotify's official OpenAPI schemas, from the real MusicOSet songs.csv catalogue."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openapi_schema_validator
import pytest
from emulator_helpers import SpotifyClient

from spotify_enrichment_dev.track_catalogue import load_track_catalogues


@pytest.fixture(scope="module")
def songs_csv(shared_data: Path) -> Path:
    return shared_data / "tracks" / "songs.csv"


@pytest.fixture(scope="module")
def validators(shared_data: Path) -> dict[str, Any]:
    import yaml  # noqa: PLC0415

    spec = yaml.safe_load((shared_data / "spotify-openapi" / "official-spotify-open-api.yml").read_text())
    components = spec["components"]

    def validator(schema: dict[str, Any]) -> Any:
        return openapi_schema_validator.OAS30Validator({**schema, "components": components})

    def response(name: str) -> Any:
        return validator(components["responses"][name]["content"]["application/json"]["schema"])

    return {
        "track": validator({"$ref": "#/components/schemas/TrackObject"}),
        "many": response("ManyTracks"),
        "search": response("SearchItems"),
    }


def test_tracks_answer_as_spotify_in_both_regimes(
    start_emulator: Callable[..., SpotifyClient], songs_csv: Path, validators: dict[str, Any]
) -> None:
    catalogue = load_track_catalogues([songs_csv])
    with_features = next(t for t in catalogue.values() if len(t["artists"]) > 1)
    ids = [with_features["id"], *list(catalogue)[:49]]
    extended = start_emulator(catalogue=[], extra_args=["--tracks", str(songs_csv)])
    development = start_emulator(catalogue=[], quota="development", extra_args=["--tracks", str(songs_csv)])

    one = extended.get(f"/tracks/{with_features['id']}")
    assert one.status_code == 200
    validators["track"].validate(one.json())
    assert [a["id"] for a in one.json()["artists"]] == [a["id"] for a in with_features["artists"]]
    many = extended.get("/tracks", ids=",".join(ids))
    assert many.status_code == 200
    validators["many"].validate(many.json())
    assert [t["id"] for t in many.json()["tracks"]] == ids
    assert extended.get("/tracks", ids=",".join([*ids, "0000000000000000000000"])).status_code == 400
    assert extended.get("/tracks/0000000000000000000000").status_code == 404

    assert development.get("/tracks", ids=",".join(ids[:2])).status_code == 403
    assert development.get(f"/tracks/{ids[0]}").status_code == 200


def test_track_search_matches_names_ignoring_case_and_accents_with_at_most_ten_results(
    start_emulator: Callable[..., SpotifyClient], songs_csv: Path, validators: dict[str, Any]
) -> None:
    catalogue = load_track_catalogues([songs_csv])
    track = next(t for t in catalogue.values() if t["name"].isascii() and len(t["name"]) > 6)
    artist = track["artists"][0]["name"]
    client = start_emulator(catalogue=[], quota="development", extra_args=["--tracks", str(songs_csv)])

    found = client.get(
        "/search", type="track", limit="10", q=f'track:"{track["name"].upper()}" artist:"{artist}"'
    )
    assert found.status_code == 200
    validators["search"].validate(found.json())
    assert track["id"] in [item["id"] for item in found.json()["tracks"]["items"]]
    assert client.get("/search", type="track", limit="11", q='track:"a"').status_code == 400
    nothing = client.get("/search", type="track", q='track:"no such song at all" artist:"nobody"')
    assert nothing.json()["tracks"]["items"] == [] and nothing.json()["tracks"]["limit"] == 5
