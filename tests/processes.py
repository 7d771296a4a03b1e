"""Processes started by tests."""

import psutil


def kill_tree(process):
    """Kill a worker and everything it forked: a worker started --with-scheduler runs its scheduler
    in a child process that outlives a killed parent and would keep serving the next test's Redis."""
    try:
        parent = psutil.Process(process.pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        family = []
    for member in family:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)
    process.wait(timeout=10)
