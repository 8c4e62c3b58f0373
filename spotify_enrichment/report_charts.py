"""Charts of the HTML report as inline SVG, drawn at build time: no script, no font or file to fetch.
Each chart is an `<svg role="img">` with a title and a description that states its data in words,
and scales to the page's width (viewBox), so it reads the same on a phone."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 640
# In viewBox units: a chart is drawn 640 wide and scaled to its column, so on a phone (about 360 px)
# text of 20 units reads as 11 px.
FONT_SIZE = 20
BAR_HEIGHT = 28
BAR_GAP = 6
LABEL_WIDTH = 230
VALUE_WIDTH = 90
COLUMN_CHART_HEIGHT = 220
AXIS_LABEL_HEIGHT = 34
MAX_AXIS_LABELS = 8
# Room at both ends so the first and last axis labels are not cut.
SIDE_MARGIN = 32
BAR_COLOUR = "#1c7c54"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"


def describe(items: Sequence[tuple[str, float]], unit: str) -> str:
    """The chart's data as one sentence, its text alternative."""
    return "; ".join(f"{label}: {_number(value)} {unit}" for label, value in items) + "."


def bar_chart(chart_id: str, title: str, items: Sequence[tuple[str, float]], unit: str) -> str:
    """Horizontal bars, one per item, labelled with the item and its value."""
    if not items:
        return f'<p class="note">{escape(title)}: no data.</p>'
    top = max(value for _, value in items) or 1
    height = len(items) * (BAR_HEIGHT + BAR_GAP)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, value) in enumerate(items):
        y = index * (BAR_HEIGHT + BAR_GAP)
        width = max(1.0, span * value / top)
        shown = label if len(label) <= 20 else label[:19] + "…"
        bars.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 21}" text-anchor="end">{escape(shown)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 21}">{escape(_number(value))}</text>'
        )
    return _svg(chart_id, title, describe(items, unit), height, "".join(bars))


def column_chart(chart_id: str, title: str, items: Sequence[tuple[str, float]], unit: str) -> str:
    """Vertical columns in the items' order (time or bands), with at most a dozen axis labels."""
    if not items:
        return f'<p class="note">{escape(title)}: no data.</p>'
    top = max(value for _, value in items) or 1
    plot_height = COLUMN_CHART_HEIGHT - AXIS_LABEL_HEIGHT
    slot = (WIDTH - 2 * SIDE_MARGIN) / len(items)
    label_every = max(1, -(-len(items) // MAX_AXIS_LABELS))
    shapes = []
    for index, (label, value) in enumerate(items):
        height = max(1.0, (plot_height - 16) * value / top)
        x = SIDE_MARGIN + index * slot
        shapes.append(
            f'<rect x="{x + slot * 0.1:.1f}" y="{plot_height - height:.1f}" width="{slot * 0.8:.1f}" '
            f'height="{height:.1f}" fill="{BAR_COLOUR}"><title>{escape(label)}: {escape(_number(value))} '
            f"{escape(unit)}</title></rect>"
        )
        if index % label_every == 0:
            centre = x + slot / 2
            shapes.append(
                f'<text x="{centre:.1f}" y="{plot_height + FONT_SIZE + 4}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    shapes.append(f'<text x="0" y="{FONT_SIZE}">max {escape(_number(top))} {escape(unit)}</text>')
    return _svg(chart_id, title, describe(items, unit), COLUMN_CHART_HEIGHT, "".join(shapes))


def _svg(chart_id: str, title: str, description: str, height: float, body: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="{FONT_SIZE}" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>{body}</svg>'
    )
