"""scripts/supervise.sh (how `make run` keeps its worker up) and scripts/run.sh's use of it."""

import signal
import subprocess
import sys

import psutil

from tests.conftest import ROOT
from tests.exports.test_integration_worker_lifecycle import wait_for
from tests.processes import kill_tree

SUPERVISE = ROOT / "scripts" / "supervise.sh"


def test_a_command_that_exits_is_started_again_and_sigterm_stops_both(tmp_path):
    starts = tmp_path / "starts"
    # each run notes its start, then exits at once the first two times and stays up the third
    script = f"import os, time; f = open({str(starts)!r}, 'a'); f.write('x'); f.close(); " + (
        f"time.sleep(600) if len(open({str(starts)!r}).read()) >= 3 else os._exit(3)"
    )
    supervisor = subprocess.Popen(
        [str(SUPERVISE), sys.executable, "-c", script], env={"PATH": "/usr/bin:/bin", "SUPERVISE_MAX_DELAY": "1"}
    )
    try:
        assert wait_for(lambda: starts.exists() and len(starts.read_text()) == 3, 30, step=0.1), (
            "the command was not restarted"
        )
        children = psutil.Process(supervisor.pid).children()
        assert len(children) == 1 and children[0].cmdline()[0] == sys.executable
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=30) == 0
        assert not children[0].is_running() or children[0].status() == psutil.STATUS_ZOMBIE
    finally:
        kill_tree(supervisor)


def test_run_sh_keeps_the_web_server_up_when_the_worker_exits():
    text = (ROOT / "scripts" / "run.sh").read_text()
    assert "scripts/supervise.sh $PY manage.py rqworker" in text
    assert "wait -n" not in text and 'wait "$web"' in text
