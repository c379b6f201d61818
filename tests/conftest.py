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


def interrupt_then_resume(script, main, flags, total_epochs, stop_after,
                          per_epoch=None):
    """Ctrl-C a real run of `script` once epoch `stop_after` is done, check the
    interrupted run's files, then --resume it in-process up to two epochs past
    the stop and check that the step count went on from where it stopped.

    `flags` must hold --output-dir. Returns (metrics at the stop, metrics after
    the resume, epochs of the resumed plan).
    """
    import utils
    out = flags[flags.index("--output-dir") + 1]
    marker = "epoch %*d/%d" % (len(str(total_epochs)), stop_after, total_epochs)
    status, _, err = interrupt_after(script, marker,
                                     flags + ["--epochs", str(total_epochs)])
    assert status == 130, err
    assert "continue with --resume" in err
    stopped = read_metrics(out)
    assert stopped["interrupted"] is True
    per_epoch = per_epoch or stopped["history"][0]["step"]
    assert stop_after * per_epoch <= stopped["steps"] < total_epochs * per_epoch
    latest = utils.tf.train.latest_checkpoint(os.path.join(out, "checkpoints"))
    assert latest.endswith("model-%d" % stopped["steps"])
    epochs = stopped["steps"] // per_epoch + 2
    assert main(flags + ["--resume", "--epochs", str(epochs)]) == 0
    resumed = read_metrics(out)
    assert resumed["interrupted"] is False
    assert resumed["steps"] == epochs * per_epoch
    latest = utils.tf.train.latest_checkpoint(os.path.join(out, "checkpoints"))
    assert latest.endswith("model-%d" % resumed["steps"])
    return stopped, resumed, epochs


@pytest.fixture
def metrics():
    return read_metrics
