"""Process-level helpers shared by the benchmark's server, workers and load generator."""

from __future__ import annotations

import os


def raise_nofile_limit() -> int | None:
    """Raise this process's soft limit on open files to the hard limit; return the new limit.

    C=1,024 means 1,024 sockets on each side plus the interpreter's own files: a soft limit
    of 1,024 (a common default) would fail connects with EMFILE, and the benchmark would
    measure that instead of the pool.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    elif hard == resource.RLIM_INFINITY and soft != resource.RLIM_INFINITY:
        # An unlimited hard limit cannot be the soft one on Linux; the kernel's cap can.
        target = 1 << 20
        if soft < target:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
                soft = target
            except (ValueError, OSError):
                pass
    return int(soft)


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds_of(pid: int | None) -> float | None:
    """User + system CPU seconds another process has used so far (Linux ``/proc``), or None.

    Read from outside, so the process being measured does nothing to report it; the
    resolution is one clock tick (10 ms), fine over windows of a second or more.
    """
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; the fields after it do not.
    fields = stat[stat.rindex(b")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _TICKS
