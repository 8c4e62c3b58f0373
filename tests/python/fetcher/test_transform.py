"""Spotify artist object -> landing line, on every real artist payload of ../shared/data/api-examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spotify_enrichment.errors import UnexpectedResponseError
from spotify_enrichment.records import LANDING_KEYS
from spotify_enrichment.transform import artist_to_record, not_found_record, record_to_json_line

ENRICHED_AT = "2026-11-28T16:42:00.123456Z"
PAYLOAD_FILES = [
    "get-artist.json",
    "get-several-artists.json",
    "top-artists-long-term.json",
    "top-artists-medium-term.json",
    "top-artists-short-term.json",
]


def artists_in(path: Path) -> list[dict[str, Any]]:
    body = json.loads(path.read_text(encoding="utf-8"))
    if "artists" in body:
        return body["artists"]
    if "items" in body:
        return body["items"]
    return [body]


def landing_line(artist: dict[str, Any], api_mode: str = "batch") -> dict[str, Any]:
    record = artist_to_record(
        artist, artist_id=artist["id"], enriched_at=ENRICHED_AT, api_mode=api_mode, run_id="run-1"
    )
    line = record_to_json_line(record)
    assert line.endswith("\n") and line.count("\n") == 1
    return json.loads(line)


@pytest.mark.parametrize("file_name", PAYLOAD_FILES)
def test_every_real_artist_payload_becomes_a_correct_landing_line(shared_data: Path, file_name: str) -> None:
    artists = artists_in(shared_data / "api-examples" / file_name)
    assert artists, f"{file_name} holds no artists"
    for artist in artists:
        line = landing_line(artist)
        assert list(line) == list(LANDING_KEYS)
        widths = [image["width"] for image in line["images"]]
        assert widths == sorted(widths, reverse=True)
        assert line == {
            "artistId": artist["id"],
            "artistName": artist["name"],
            "genres": artist["genres"],
            "popularity": artist["popularity"],
            "followerCount": artist["followers"]["total"],
            "images": sorted(
                ({"url": i["url"], "height": i["height"], "width": i["width"]} for i in artist["images"]),
                key=lambda image: -image["width"],
            ),
            "externalUrls": {"spotify": artist["external_urls"]["spotify"]},
            "enrichedAt": ENRICHED_AT,
            "status": "ok",
            "apiMode": "batch",
            "runId": "run-1",
        }


def test_known_payload_values_land_verbatim(shared_data: Path) -> None:
    line = landing_line(artists_in(shared_data / "api-examples" / "get-artist.json")[0], "single")
    assert line["artistName"] == "Band of Horses"
    assert line["followerCount"] == 306565
    assert line["popularity"] == 59
    assert line["genres"] == ["indie folk", "indie pop"]
    assert [image["width"] for image in line["images"]] == [1000, 640, 200, 64]
    assert line["apiMode"] == "single"


def test_non_ascii_names_and_genres_stay_readable_utf8(shared_data: Path) -> None:
    artist = artists_in(shared_data / "api-examples" / "top-artists-short-term.json")[0]
    line = record_to_json_line(
        artist_to_record(
            artist, artist_id=artist["id"], enriched_at=ENRICHED_AT, api_mode="batch", run_id="r"
        )
    )
    assert "norteño" in line
    assert "\\u00f1" not in line


def test_withheld_fields_are_null_never_zero_or_empty(shared_data: Path) -> None:
    artist = dict(artists_in(shared_data / "api-examples" / "get-artist.json")[0])
    for key in ("followers", "popularity", "genres"):
        del artist[key]
    line = landing_line(artist)
    assert line["followerCount"] is None
    assert line["popularity"] is None
    assert line["genres"] is None
    assert line["artistName"] == "Band of Horses"


def test_an_empty_genre_list_stays_an_empty_list(shared_data: Path) -> None:
    artist = dict(artists_in(shared_data / "api-examples" / "get-artist.json")[0], genres=[])
    assert landing_line(artist)["genres"] == []


def test_images_are_sorted_widest_first_whatever_the_answer_order(shared_data: Path) -> None:
    artist = artists_in(shared_data / "api-examples" / "get-artist.json")[0]
    shuffled = dict(
        artist, images=[artist["images"][2], artist["images"][0], artist["images"][3], artist["images"][1]]
    )
    assert [image["width"] for image in landing_line(shuffled)["images"]] == [1000, 640, 200, 64]


def test_images_without_size_keep_their_order_after_sized_ones() -> None:
    artist = {
        "name": "X",
        "images": [
            {"url": "a", "height": None, "width": None},
            {"url": "b", "height": 64, "width": 64},
            {"url": "c", "height": None, "width": None},
        ],
    }
    record = artist_to_record(
        artist, artist_id="0" * 22, enriched_at=ENRICHED_AT, api_mode="batch", run_id="r"
    )
    assert [image["url"] for image in record["images"] or []] == ["b", "a", "c"]


def test_not_found_record_carries_only_the_id_and_run_metadata() -> None:
    record = not_found_record(artist_id="0" * 22, enriched_at=ENRICHED_AT, api_mode="single", run_id="r")
    line = json.loads(record_to_json_line(record))
    assert list(line) == list(LANDING_KEYS)
    assert line["status"] == "not_found"
    assert [
        line[key] for key in ("artistName", "genres", "popularity", "followerCount", "images", "externalUrls")
    ] == [None] * 6


@pytest.mark.parametrize(
    "answer",
    [None, [], "artist", {"id": "x"}, {"name": "X", "popularity": "high"}, {"name": "X", "genres": "pop"}],
)
def test_an_answer_that_is_not_an_artist_object_is_rejected(answer: Any) -> None:
    with pytest.raises(UnexpectedResponseError):
        artist_to_record(answer, artist_id="0" * 22, enriched_at=ENRICHED_AT, api_mode="batch", run_id="r")
