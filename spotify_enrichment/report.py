"""`python -m spotify_enrichment report`: read the warehouse through dbt and write the HTML report."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from spotify_enrichment.report_data import read_report_data
from spotify_enrichment.report_html import ImageMode, render_report
from spotify_enrichment.report_warehouse import DbtLocation, DbtWarehouse

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WrittenReport:
    path: Path
    bytes: int
    seconds: float


def write_report(location: DbtLocation, out: Path, images: ImageMode = "links") -> WrittenReport:
    started = time.monotonic()
    with DbtWarehouse(location) as warehouse:
        data = read_report_data(warehouse)
    html = render_report(data, images=images)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(out)
    return WrittenReport(out.resolve(), out.stat().st_size, time.monotonic() - started)
