"""What the figures were measured on."""

import os
import platform
import sys
from typing import TypedDict

import duckdb
import psutil


class MachineFigures(TypedDict):
    cores: int
    memory_gb: float
    python: str
    duckdb: str
    platform: str
    load_average_1m: float


def describe_machine() -> MachineFigures:
    return {
        "cores": os.cpu_count() or 0,
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "load_average_1m": round(os.getloadavg()[0], 2) if sys.platform != "win32" else 0.0,
    }
