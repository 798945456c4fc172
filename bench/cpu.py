"""Where the box's CPU went during a scenario: server (Python), its Redis, the load generator, the rest.

Read from /proc (Linux): per-process utime+stime of the server's process tree, and the machine's busy
time, so a run on a busy machine shows it instead of passing silently for a slow server.
"""

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the parenthesised command name (which may contain spaces): state is [0], ppid [1].
    return raw[raw.rindex(")") + 2 :].split()


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _machine_busy_seconds() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICK


@dataclass(frozen=True)
class CpuSnapshot:
    at: float
    server: float
    redis: float
    client: float
    machine: float


def snapshot(server_pid: int) -> CpuSnapshot:
    server = redis = 0.0
    for pid in process_tree(server_pid):
        seconds = _cpu_seconds(pid)
        if _comm(pid).startswith("redis-server"):
            redis += seconds
        else:
            server += seconds
    own = os.times()
    return CpuSnapshot(time.monotonic(), server, redis, own.user + own.system, _machine_busy_seconds())


def cores_used(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """Average cores busy per consumer between two snapshots; `other` is everything else on the box."""
    wall = after.at - before.at
    used = {
        name: (getattr(after, name) - getattr(before, name)) / wall for name in ("server", "redis", "client", "machine")
    }
    used["other"] = max(0.0, used["machine"] - used["server"] - used["redis"] - used["client"])
    return {name: round(value, 2) for name, value in used.items()}


def reference_loop_ms(rounds: int = 5, iterations: int = 3_000_000) -> float:
    """Best of `rounds` timings of one fixed pure-Python loop: how fast this box's CPU is right now.

    Virtual machines drift (the same loop took 324 to 666 ms on one idle 2-vCPU box within an hour), so
    every report carries this figure; runs are comparable only at similar values.
    """
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        total = 0
        for i in range(iterations):
            total += i * i
        best = min(best, (time.perf_counter() - start) * 1000.0)
    return round(best, 1)
