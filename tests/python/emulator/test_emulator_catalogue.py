"""Loading the emulator's catalogue from the real data files and rejecting malformed ones by file and line."""

import csv
import json
from pathlib import Path

import pytest

from spotify_enrichment_dev.catalogue import CatalogueError, load_catalogue, load_catalogues

BEYONCE = "6vWDO969PvNqNYHIOW5v0m"
ARIANA_GRANDE = "66CXWjxzNUsdJxJ2JdwvnR"
HATEBREED_FOLLOWERS_NONE = "17Mb968quDHpjCkIyq30QV"
BOBBY_HELMS_NO_GENRES = "38EmEgXkgK51MT2tPY0EoC"
HARLEM_CHOIR_NO_IMAGE = "0vneleczrRRNPF1vj0x0vy"
HEADER = "artist_id\tname\tfollowers\tpopularity\tartist_type\tmain_genre\tgenres\timage_url\n"
GOOD_ROW = "66CXWjxzNUsdJxJ2JdwvnR\tAriana Grande\t34554242\t96\tsinger\tdance pop\t['pop']\thttps://i/x\n"


def read_tsv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as tsv:
        return list(csv.DictReader(tsv, delimiter="\t"))


def test_artists_csv_loads_every_row_as_a_full_artist_object(artists_csv: Path) -> None:
    rows = read_tsv_rows(artists_csv)
    catalogue = load_catalogue(artists_csv)

    assert len(catalogue) == len(rows) == 11_518
    assert list(catalogue) == [row["artist_id"] for row in rows]
    ariana = catalogue[ARIANA_GRANDE]
    assert ariana == {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{ARIANA_GRANDE}"},
        "followers": {"href": None, "total": 34_554_242},
        "genres": ["dance pop", "pop", "post-teen pop"],
        "href": f"https://api.spotify.com/v1/artists/{ARIANA_GRANDE}",
        "id": ARIANA_GRANDE,
        "images": [
            {
                "url": "https://i.scdn.co/image/b1dfbe843b0b9f54ab2e588f33e7637d2dab065a",
                "height": None,
                "width": None,
            }
        ],
        "name": "Ariana Grande",
        "popularity": 96,
        "type": "artist",
        "uri": f"spotify:artist:{ARIANA_GRANDE}",
    }


def test_artists_csv_keeps_names_genres_and_numbers_exactly(artists_csv: Path) -> None:
    catalogue = load_catalogue(artists_csv)

    for row in read_tsv_rows(artists_csv):
        artist = catalogue[row["artist_id"]]
        assert artist["name"] == row["name"]
        assert artist["popularity"] == int(row["popularity"])
        assert ", ".join(repr(genre) for genre in artist["genres"]) == row["genres"][1:-1]
        if row["followers"] != "None":
            assert artist["followers"]["total"] == int(row["followers"])
    assert catalogue[BEYONCE]["name"] == "Beyoncé"
    assert sum(1 for artist in catalogue.values() if not artist["name"].isascii()) == 134


def test_artists_csv_unknown_followers_and_missing_image_and_genres(artists_csv: Path) -> None:
    catalogue = load_catalogue(artists_csv)

    # The spec has no null follower total: an unknown count leaves the key out, as Development Mode does.
    assert "followers" not in catalogue[HATEBREED_FOLLOWERS_NONE]
    assert sum(1 for artist in catalogue.values() if "followers" not in artist) == 2
    assert catalogue[BOBBY_HELMS_NO_GENRES]["genres"] == []
    assert sum(1 for artist in catalogue.values() if artist["genres"] == []) == 3_148
    assert catalogue[HARLEM_CHOIR_NO_IMAGE]["images"] == []


def test_artists_37k_csv_loads_single_genre_column(shared_data: Path) -> None:
    path = shared_data / "artists" / "artists_37k.csv"
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))

    catalogue = load_catalogue(path)

    assert len(catalogue) == len(rows) == 37_012
    for row in rows:
        artist = catalogue[row["id"]]
        assert artist["name"] == row["name"]
        assert artist["popularity"] == int(row["artist_popularity"])
        assert artist["followers"] == {"href": None, "total": int(row["followers"])}
        assert artist["genres"] == ([row["genre"]] if row["genre"] else [])
        assert artist["images"] == []
    assert sum(1 for artist in catalogue.values() if artist["genres"] == []) == 26_065


@pytest.mark.parametrize(
    ("file_name", "key", "count"),
    [
        ("get-artist.json", None, 1),
        ("get-several-artists.json", "artists", 3),
        ("top-artists-long-term.json", "items", 50),
        ("top-artists-medium-term.json", "items", 50),
        ("top-artists-short-term.json", "items", 10),
    ],
)
def test_api_example_files_load_verbatim(
    shared_data: Path, file_name: str, key: str | None, count: int
) -> None:
    path = shared_data / "api-examples" / file_name
    document = json.loads(path.read_text(encoding="utf-8"))
    artists = [document] if key is None else document[key]

    catalogue = load_catalogue(path)

    assert len(catalogue) == count
    assert list(catalogue.values()) == artists


def test_generator_style_jsonl_loads_one_artist_per_line(tmp_path: Path, shared_data: Path) -> None:
    artists = json.loads((shared_data / "api-examples" / "get-several-artists.json").read_text())["artists"]
    path = tmp_path / "catalogue.jsonl"
    path.write_text("".join(json.dumps(artist) + "\n" for artist in artists) + "\n", encoding="utf-8")

    assert list(load_catalogue(path).values()) == artists


def test_later_catalogue_file_replaces_the_same_artist(tmp_path: Path, artists_csv: Path) -> None:
    override = {"id": ARIANA_GRANDE, "name": "Ariana (override)", "genres": [], "images": []}
    path = tmp_path / "override.jsonl"
    path.write_text(json.dumps(override) + "\n", encoding="utf-8")

    catalogue = load_catalogues([artists_csv, path])

    assert len(catalogue) == 11_518
    assert catalogue[ARIANA_GRANDE]["name"] == "Ariana (override)"
    assert catalogue[ARIANA_GRANDE]["uri"] == f"spotify:artist:{ARIANA_GRANDE}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + GOOD_ROW + "tooShort\tX\t1\t1\t-\t-\t[]\t-\n", "line 3: artist id 'tooShort'"),
        (HEADER + "6vWDO969PvNqNYHIOW5v0m\tB\t1\t1\t-\t-\t['pop'\t-\n", "line 2: genres"),
        (HEADER + "6vWDO969PvNqNYHIOW5v0m\tB\t1\t1\t-\t-\t[1, 2]\t-\n", "line 2: genres '[1, 2]'"),
        (HEADER + "6vWDO969PvNqNYHIOW5v0m\tB\t1\t1\t-\t-\t__import__('os')\t-\n", "line 2: genres"),
        (HEADER + "6vWDO969PvNqNYHIOW5v0m\tB\tmany\t1\t-\t-\t[]\t-\n", "line 2: followers 'many'"),
        (HEADER + "6vWDO969PvNqNYHIOW5v0m\tB\t1\t101\t-\t-\t[]\t-\n", "line 2: popularity 101"),
        (HEADER + "6vWDO969PvNqNYHIOW5v0m\tB\t1\t1\t-\t-\t[]\n", "line 2: 7 fields"),
        (HEADER + GOOD_ROW + GOOD_ROW, "line 3: artist 66CXWjxzNUsdJxJ2JdwvnR already appears at line 2"),
        ("name\tfollowers\nB\t1\n", "line 1: header"),
    ],
)
def test_malformed_csv_row_names_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad_artists.csv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CatalogueError) as raised:
        load_catalogue(path)

    assert str(raised.value).startswith(f"{path}, ")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"id": "6vWDO969PvNqNYHIOW5v0m", "name": "B"}\n{"id": "6vWDO969P", "name": "C"}\n',
            "line 2: artist id",
        ),
        ('{"id": "6vWDO969PvNqNYHIOW5v0m", "name": "B"}\n{not json\n', "line 2: not valid JSON"),
        ('{"id": "6vWDO969PvNqNYHIOW5v0m"}\n', "line 1: artist 6vWDO969PvNqNYHIOW5v0m has no name"),
        ('{"id": "6vWDO969PvNqNYHIOW5v0m", "name": "B", "type": "track"}\n', "line 1: object type"),
        ("[1, 2]\n", "line 1: expected an artist object"),
    ],
)
def test_malformed_jsonl_line_names_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "catalogue.jsonl"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CatalogueError, match=message):
        load_catalogue(path)


def test_malformed_json_document_names_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "artists.json"
    path.write_text(
        '{"artists": [{"id": "6vWDO969PvNqNYHIOW5v0m", "name": "B"}, {"id": 7}]}', encoding="utf-8"
    )

    with pytest.raises(CatalogueError, match=r"artists\.json, artists\[1\]: artist id 7"):
        load_catalogue(path)


def test_missing_or_unknown_catalogue_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="does not exist"):
        load_catalogue(tmp_path / "absent.csv")
    parquet = tmp_path / "artists.parquet"
    parquet.write_bytes(b"PAR1")
    with pytest.raises(CatalogueError, match=r"artists\.parquet: unknown kind '\.parquet'"):
        load_catalogue(parquet)
