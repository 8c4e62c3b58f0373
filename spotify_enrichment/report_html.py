"""The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched.

Images. Spotify's artist images live on Spotify's servers; a page that embeds them makes requests, and
fails them offline. By default (`images="links"`) the gallery shows a placeholder with the artist's
initials and links to the image and the artist on Spotify, so the page makes no request at all, and its
Content-Security-Policy forbids any. `images="remote"` shows the images themselves (lazy-loaded, with
alt text) for a page viewed online; only Spotify's image host is then allowed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape
from typing import Any, Literal

from spotify_enrichment.report_charts import bar_chart, column_chart
from spotify_enrichment.report_checks import Check, coverage, health_checks
from spotify_enrichment.report_data import TOP_GENRES, QuarantinedFile, ReportData, Row, Section

ImageMode = Literal["links", "remote"]
IMAGE_MODES: tuple[ImageMode, ...] = ("links", "remote")
SPOTIFY_IMAGE_ORIGIN = "https://i.scdn.co"
SAFE_LINK_PREFIXES = ("https://open.spotify.com/", SPOTIFY_IMAGE_ORIGIN + "/")

STYLE = """
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5a5a60; --line: #d8d8de; --pass: #1c7c54;
  --warn: #8a5a00; --fail: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 64rem; padding: 1rem; font: 16px/1.5 system-ui, sans-serif;
  color: var(--ink); }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); }
.meta, .note { color: var(--muted); }
.headline { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .75rem;
  margin: 1rem 0; }
.figure { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; }
.figure span { display: block; color: var(--muted); font-size: .9rem; }
.figure data, .figure strong { font-size: 1.5rem; font-weight: 700; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
.mark { font-weight: 700; text-transform: uppercase; font-size: .85rem; }
.mark-pass { color: var(--pass); } .mark-warn { color: var(--warn); } .mark-fail { color: var(--fail); }
.chart { width: 100%; max-width: 42rem; height: auto; font-family: system-ui, sans-serif; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: .25rem; }
.gallery { list-style: none; padding: 0; display: grid; gap: .75rem;
  grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); }
.gallery li { border: 1px solid var(--line); border-radius: .5rem; padding: .5rem; }
.gallery img, .avatar { width: 100%; aspect-ratio: 1; border-radius: .35rem; object-fit: cover; }
.avatar { display: flex; align-items: center; justify-content: center; background: #e6efe9;
  color: var(--pass); font-size: 2rem; font-weight: 700; }
.gallery .name { font-weight: 600; overflow-wrap: anywhere; }
"""


def _text(value: Any) -> str:
    return escape("" if value is None else str(value))


def _number(value: Any) -> str:
    if value is None:
        return ""
    number = float(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _safe_url(value: Any) -> str | None:
    """Only Spotify's own https links reach an href or src: a value from the warehouse is data."""
    url = str(value or "")
    return url if url.startswith(SAFE_LINK_PREFIXES) and '"' not in url else None


def _table(caption: str, rows: Sequence[Row], columns: Sequence[str], numeric: Iterable[str] = ()) -> str:
    if not rows:
        return f'<p class="note">{escape(caption)}: none.</p>'
    numbers = set(numeric)
    head = "".join(
        f'<th scope="col" class="number">{escape(c)}</th>'
        if c in numbers
        else f'<th scope="col">{escape(c)}</th>'
        for c in columns
    )

    def cell(row: Row, column: str) -> str:
        if column in numbers:
            return f'<td class="number">{_number(row.get(column))}</td>'
        return f"<td>{_text(row.get(column))}</td>"

    body = "".join("<tr>" + "".join(cell(row, c) for c in columns) + "</tr>" for row in rows)
    return (
        f'<div class="table-wrap"><table><caption class="note">{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _headline(data: ReportData) -> str:
    value = coverage(data)
    artists = int(data.health["artists"])
    top_genre = data.top_genre
    coverage_text = "n/a" if value is None else f"{value:.1%}"
    hours = int(data.health["msPlayed"] or 0) / 3_600_000
    return (
        '<section class="headline" aria-label="Headline figures">'
        f'<div class="figure"><span>Artists</span><data id="headline-artists" value="{artists}">'
        f"{artists:,}</data></div>"
        f'<div class="figure"><span>Coverage</span><data id="headline-coverage" value="{value or 0:.6f}">'
        f"{coverage_text}</data></div>"
        f'<div class="figure"><span>Top genre (by artists)</span><strong id="headline-top-genre">'
        f"{_text(top_genre or 'no genres')}</strong></div>"
        f'<div class="figure"><span>Hours listened</span><strong>{_number(hours)}</strong></div></section>'
    )


def _checks(checks: Sequence[Check]) -> str:
    # The mark comes second, so it shows on a phone before the table scrolls sideways.
    rows = "".join(
        f"<tr><th scope=row>{escape(check.name)}</th>"
        f'<td><span class="mark mark-{check.mark.replace("/", "")}">{escape(check.mark)}</span></td>'
        f"<td>{escape(check.value)}</td><td>{escape(check.threshold)}</td>"
        f"<td>{escape(check.explanation)}</td></tr>"
        for check in checks
    )
    return (
        '<div class="table-wrap"><table id="health-checks"><caption class="note">Each figure with its '
        "threshold and mark</caption><thead><tr><th scope=col>check</th><th scope=col>mark</th>"
        "<th scope=col>value</th><th scope=col>threshold</th><th scope=col>what it measures</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def _optional_table(title: str, section: Section, columns: Sequence[str] | None = None) -> str:
    if not section.available:
        return f'<p class="note">{escape(title)}: {escape(section.note)}.</p>'
    rows = section.rows or []
    shown = list(columns or (rows[0].keys() if rows else []))
    numeric = [c for c in shown if rows and _is_number(rows[0].get(c))]
    return _table(title, rows, shown, numeric)


def _ranked(rows: Sequence[Row], key: str, label: str) -> list[tuple[str, float]]:
    ranked = sorted(rows, key=lambda row: (-float(row[key] or 0), str(row[label])))[:TOP_GENRES]
    return [(str(row[label]), float(row[key] or 0)) for row in ranked]


def _figure(caption: str, body: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{body}</figure>"


def _genre_charts(data: ReportData) -> str:
    parts = [
        '<div class="charts">',
        _figure(
            "Top genres by artists",
            bar_chart(
                "genres-artists", "Top genres by artists", _ranked(data.genres, "artists", "genre"), "artists"
            ),
        ),
        _figure(
            "Top genres by listening time",
            bar_chart(
                "genres-hours",
                "Top genres by hours listened",
                _ranked(data.genres, "hoursPlayed", "genre"),
                "hours",
            ),
        ),
        "</div>",
    ]
    families = data.genre_families
    if families.available:
        items = _ranked(families.rows or [], "artists", "genreFamily")
        parts.append(
            _figure("Genre families by artists", bar_chart("families", "Genre families", items, "artists"))
        )
    else:
        parts.append(f'<p class="note">Genre families: {escape(families.note)}.</p>')
    parts.append(_optional_table("Where the genres come from (Spotify, MusicBrainz)", data.genre_sources))
    return "".join(parts)


def _popularity_band(start: int) -> str:
    return f"{start}-{100 if start == 90 else start + 9}"


FOLLOWER_UNITS = ((9, "B"), (6, "M"), (3, "k"), (0, ""))


def _follower_band(digits: int) -> str:
    """1 digit: 0-9; 2: 10+; 4: 1k+; 7: 1M+ (short, so the axis labels do not overlap)."""
    if digits <= 1:
        return "0-9"
    power = digits - 1
    exponent, unit = next((e, u) for e, u in FOLLOWER_UNITS if power >= e)
    return f"{10 ** (power - exponent)}{unit}+"


def _distributions(data: ReportData) -> str:
    withheld = int(data.health["withheldArtists"] or 0)
    note = (
        f'<p class="note" id="withheld-note">Spotify withheld popularity and followers for {withheld:,} '
        "enriched artists (Development Mode apps get neither); they are not counted below.</p>"
        if withheld
        else ""
    )
    popularity = [
        (_popularity_band(int(r["popularityFrom"])), float(r["artists"])) for r in data.popularity_bands
    ]
    followers = [(_follower_band(int(r["followerDigits"])), float(r["artists"])) for r in data.follower_bands]
    charts = []
    for chart_id, title, items in (
        ("popularity", "Artists by Spotify popularity (0-100)", popularity),
        ("followers", "Artists by followers", followers),
    ):
        empty = (
            f'<p class="note">{escape(title)}: no values (withheld by Spotify, or nothing enriched yet).</p>'
        )
        charts.append(_figure(title, column_chart(chart_id, title, items, "artists") if items else empty))
    return note + '<div class="charts">' + "".join(charts) + "</div>"


def _initials(name: str) -> str:
    words = [word for word in name.split() if word[:1].isalnum()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


def _gallery(rows: Sequence[Row], images: ImageMode) -> str:
    cards = []
    for row in rows:
        name = str(row.get("artistName") or row.get("artistId"))
        image, link = _safe_url(row.get("imageurlmedium")), _safe_url(row.get("spotifyUrl"))
        if images == "remote" and image:
            picture = (
                f'<img src="{escape(image)}" alt="Photo of {escape(name)} on Spotify" loading="lazy" '
                'width="160" height="160">'
            )
        else:
            picture = f'<div class="avatar" aria-hidden="true">{escape(_initials(name))}</div>'
        links = []
        if link:
            links.append(f'<a href="{escape(link)}">{escape(name)} on Spotify</a>')
        if image and images == "links":
            links.append(f'<a href="{escape(image)}">image</a>')
        cards.append(
            f'<li>{picture}<div class="name">{escape(name)}</div>'
            f"<div>{_number(row.get('playCount'))} plays, {_number(row.get('hoursPlayed'))} h</div>"
            f"<div>{' · '.join(links) or '<span class=note>not on Spotify</span>'}</div></li>"
        )
    return f'<ol class="gallery" aria-label="Most played artists">{"".join(cards)}</ol>'


def _quarantine(section: Section, files: Sequence[QuarantinedFile]) -> str:
    if not section.available:
        return f'<p class="note">Quarantined landing files: {escape(section.note)}.</p>'
    count = int((section.rows or [{}])[0].get("files", 0))
    if not count:
        return f'<p class="note">No quarantined landing files in {escape(section.note)}.</p>'
    items = "".join(f"<li><code>{escape(f.name)}</code>: {escape(f.error_excerpt)}</li>" for f in files)
    return (
        f"<p>{count:,} landing files in <code>{escape(section.note)}</code> were refused by the load step "
        f"(each file's first errors; fix and move it back to spotify/landing/):</p><ul>{items}</ul>"
    )


def _month(value: Any) -> str:
    return value.strftime("%Y-%m") if hasattr(value, "strftime") else str(value)[:7]


RUN_COLUMNS = ["runId", "finishedAt", "artists", "okArtists", "notFoundArtists", "withheldArtists"]
RUN_NUMBERS = RUN_COLUMNS[2:]


def _runs(data: ReportData) -> str:
    lake_runs = _table(
        "Fetch runs as seen in the lake (newest first)", data.latest_runs, RUN_COLUMNS, RUN_NUMBERS
    )
    return _optional_table("Run history (newest first)", data.run_history) + lake_runs


def _summary(data: ReportData) -> str:
    health = data.health
    return (
        f'<p class="meta">Generated {data.generated_at:%Y-%m-%d %H:%M} UTC from the '
        f"{escape(data.adapter_type)} warehouse: {_number(health['plays'])} plays of "
        f"{_number(health['artists'])} artists; {_number(health['okArtists'])} found on Spotify, "
        f"{_number(health['notFoundArtists'])} not found.</p>"
    )


def render_report(data: ReportData, images: ImageMode = "links") -> str:
    if images not in IMAGE_MODES:
        raise ValueError(f"images must be one of {IMAGE_MODES}, not {images!r}")
    image_source = f"{SPOTIFY_IMAGE_ORIGIN} " if images == "remote" else ""
    policy = f"default-src 'none'; style-src 'unsafe-inline'; img-src {image_source}data:"
    months = [(_month(row["playedMonth"]), float(row["hoursPlayed"] or 0)) for row in data.listening_by_month]
    not_found = _table(
        "Artists Spotify does not know, most played first (enrich_artists mode refresh asks again)",
        data.not_found,
        ["artistName", "artistId", "playCount", "lastPlayedAt"],
        ["playCount"],
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<title>Your music library, enriched</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Your music library, enriched</h1>
{_summary(data)}
</header>
<main>
{_headline(data)}
<h2 id="health">Health</h2>
{_checks(health_checks(data))}
<h3>Latest runs</h3>
{_runs(data)}
<h2 id="library">The library</h2>
{_genre_charts(data)}
<h3>Listening over time</h3>
{_figure("Hours listened per month", column_chart("months", "Hours listened per month", months, "hours"))}
<h3>Popularity and followers</h3>
{_distributions(data)}
<h3>Most played artists</h3>
{_gallery(data.most_played, images)}
<h2 id="attention">What needs attention</h2>
<h3>Not found on Spotify ({_number(data.health["notFoundArtists"])})</h3>
{not_found}
<h3>Failed artists</h3>
{_optional_table("Artists with no answer after the retries (asked again next run)", data.failed_artists)}
{_optional_table("Runs with failed artists", data.failed_runs)}
<h3>Quarantined files</h3>
{_quarantine(data.quarantine, data.quarantined_files)}
</main>
</body>
</html>
"""
