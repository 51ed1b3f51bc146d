"""Resident memory of this process, for the benchmarks' memory figures."""

from __future__ import annotations

import resource
from pathlib import Path


def rss_mb(field: str = "VmHWM") -> float:
    """Peak resident memory in MB (field "VmRSS": now). Not getrusage's ru_maxrss: Linux carries it
    across exec, so a benchmark started from a larger process reported that process's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc (macOS): the peak
