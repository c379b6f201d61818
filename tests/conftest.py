"""Shared fixtures: the project root on sys.path, and a helper to run scripts."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def read_metrics(folder):
    with open(os.path.join(str(folder), "metrics.json")) as handle:
        return json.load(handle)


def run_script(script, *args, **kwargs):
    """Run a script as its own process (for exit statuses and signals)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, os.path.join(ROOT, script)] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=env, cwd=ROOT,
                          timeout=kwargs.get("timeout", 240))


def interrupt_after(script, marker, args, timeout=240):
    """Start a script, send SIGINT once `marker` appears on stdout.

    Returns (exit status, stdout, stderr).
    """
    import signal
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, script)] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, env=env, cwd=ROOT)
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if marker in line:
                proc.send_signal(signal.SIGINT)
                break
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        proc.kill()
        raise
    return proc.returncode, "".join(seen) + out, err


@pytest.fixture
def metrics():
    return read_metrics
