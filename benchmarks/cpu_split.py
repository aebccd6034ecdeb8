"""Where the CPU went during a measured run: core-seconds per role of the topology.

Scaling two ASR workers on two cores is bounded by what else runs on them: the API processes,
the analysis worker, PostgreSQL, Redis and the benchmark's own clients. Reading each process's
CPU time (/proc/PID/stat, utime + stime) before and after a run says how much of the machine
each took, so a missed scaling target points at the process to make cheaper. Processes are
told apart by process group (every topology process leads its own) and PostgreSQL's by name.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[str, int, float] | None:
    """(command name, process group, CPU seconds) of one live process; None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15
    return name, int(fields[2]), (int(fields[11]) + int(fields[12])) / TICKS


def snapshot(groups: Mapping[int, str]) -> dict[str, float]:
    """CPU seconds so far of every process, summed by role: `groups` maps a process-group id to
    its role; PostgreSQL's processes are `postgres`, this process is `benchmark`, the rest `other`."""
    seconds: dict[str, float] = defaultdict(float)
    own = os.getpgrp()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        stat = _stat(pid)
        if stat is None:
            continue
        name, group, cpu = stat
        role = groups.get(group) or ("postgres" if name == "postgres" else None)
        if role is None:
            role = "benchmark" if group == own else "other"
        seconds[role] += cpu
    return dict(seconds)


def used_between(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """Core-seconds each role used between two snapshots (a process that exited in between is
    missing from `after` and counts as none: the roles here live for the whole run)."""
    return {role: max(0.0, after[role] - before.get(role, 0.0)) for role in sorted(after)}
