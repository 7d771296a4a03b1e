"""Processes started by tests."""

import time

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


def wait_for(predicate, timeout, step=0.5):
    """The first truthy value of predicate(), polled every `step` s for at most `timeout` s; else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None
