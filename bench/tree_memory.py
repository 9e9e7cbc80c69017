"""Run a command and report the peak memory of its whole process tree, and its wall time.

`kg-builder build` runs in two processes (the dump writer is forked), so one process's peak
RSS does not tell how much memory a build needs. This samples the PSS of every process in the
tree (Linux, /proc/PID/smaps_rollup) every 0.25 s: pages the processes share count once.

    /work/venv/bin/python -m bench.tree_memory -- kg-builder build --facts /tmp/10M --out /tmp/o
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue += _children(current)
    return pids


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(command: list[str], interval: float = 0.25) -> tuple[int, float, int]:
    """The command's exit code, wall seconds and peak PSS of its process tree in KiB."""
    start = time.perf_counter()
    process = subprocess.Popen(command)
    peak = 0
    while process.poll() is None:
        peak = max(peak, sum(_pss_kib(pid) for pid in _tree(process.pid)))
        time.sleep(interval)
    return process.returncode, time.perf_counter() - start, peak


def main() -> None:
    """Command line: everything after `--` is the command to measure."""
    args = sys.argv[1:]
    command = args[args.index("--") + 1:] if "--" in args else args
    if not command:
        sys.exit("usage: python -m bench.tree_memory -- COMMAND [ARGS...]")
    code, wall, peak = measure(command)
    print(f"exit {code}, {wall:.1f} s wall, peak PSS of the process tree "
          f"{peak / 1024:.0f} MiB ({peak / 1024 ** 2:.2f} GiB)", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()
