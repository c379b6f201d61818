"""Shared fixtures: the project root on sys.path, and helpers to run scripts,
stop them at a chosen step and compare a resumed run with an uninterrupted one."""
import contextlib
import hashlib
import io
import json
import os
import signal
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# What differs between two runs of the same seed by nature, not by mistake.
NOT_FIGURES = ("train_seconds", "interrupted", "config", "seconds")


def read_metrics(folder):
    with open(os.path.join(str(folder), "metrics.json")) as handle:
        return json.load(handle)


def read_log(folder):
    """The run log saved beside the checkpoints in `folder`."""
    with open(os.path.join(str(folder), "run_log.json")) as handle:
        return json.load(handle)


def figures_of(metrics):
    """metrics.json without what may differ between equal runs (the clock)."""
    return {k: v for k, v in metrics.items() if k not in NOT_FIGURES}


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


def run_quietly(main, argv):
    """main(argv) in-process with its progress lines swallowed."""
    with contextlib.redirect_stdout(io.StringIO()):
        return main(argv)


def run_stopped_at(main, argv, step, monkeypatch, signum=signal.SIGINT):
    """main(argv), with a real signal (Ctrl-C's SIGINT, or SIGTERM) delivered
    to this process as training step `step` ends: after its sess.run, before
    its bookkeeping, as a Ctrl-C pressed during that sess.run arrives. Returns
    the exit status."""
    import utils
    step_done = utils.TrainingLoop.step_done

    def then_signal(loop, *args, **kwargs):
        if loop.step + 1 == step:
            os.kill(os.getpid(), signum)
        step_done(loop, *args, **kwargs)
    monkeypatch.setattr(utils.TrainingLoop, "step_done", then_signal)
    try:
        return run_quietly(main, argv)
    finally:
        monkeypatch.setattr(utils.TrainingLoop, "step_done", step_done)


def check_resume_is_exact(main, flags, tmp_path, monkeypatch, stop_at, at_stop=None,
                          signum=signal.SIGINT, resume_flags=None):
    """Run `flags` once uninterrupted and once stopped by `signum` after step
    `stop_at`, then resumed (with `resume_flags`, by default the same flags);
    both must end with the same figures. at_stop(folder), if given, looks at
    the interrupted run's folder before the resume. Returns (uninterrupted,
    stopped, resumed) metrics."""
    part = str(tmp_path / "part")
    key = (main.__module__, tuple(flags))
    if key not in _UNINTERRUPTED:   # the same for every stop of these flags: run once
        whole = str(tmp_path / "whole")
        assert run_quietly(main, flags + ["--output-dir", whole]) == 0
        _UNINTERRUPTED[key] = read_metrics(whole)
    assert run_stopped_at(main, flags + ["--output-dir", part], stop_at,
                          monkeypatch, signum) == 128 + signum
    stopped = read_metrics(part)
    assert stopped["interrupted"] is True and stopped["steps"] == stop_at
    if at_stop is not None:
        at_stop(part)
    again = flags if resume_flags is None else resume_flags
    assert run_quietly(main, again + ["--output-dir", part, "--resume"]) == 0
    resumed = read_metrics(part)
    assert resumed["interrupted"] is False
    assert figures_of(resumed) == figures_of(_UNINTERRUPTED[key])
    return _UNINTERRUPTED[key], stopped, resumed


_UNINTERRUPTED = {}     # (script, flags): the metrics of a run never stopped


def folder_fingerprint(folder):
    """{relative path: sha256} of every file under `folder`."""
    prints = {}
    for top, _, files in os.walk(str(folder)):
        for name in files:
            path = os.path.join(top, name)
            with open(path, "rb") as handle:
                prints[os.path.relpath(path, str(folder))] = hashlib.sha256(
                    handle.read()).hexdigest()
    return prints


def read_events(folder):
    """{writer: (graphs written, {tag: [steps, in the order written]})} from
    the event files under <folder>/tensorboard, read with TensorFlow's reader."""
    import glob
    import utils
    found = {}
    for sub in sorted(os.listdir(os.path.join(str(folder), "tensorboard"))):
        graphs, tags = 0, {}
        files = glob.glob(os.path.join(str(folder), "tensorboard", sub, "events.*"))
        for path in sorted(files, key=os.path.getmtime):
            for event in utils.tf.train.summary_iterator(path):
                graphs += bool(event.graph_def)
                for value in event.summary.value:
                    tags.setdefault(value.tag, []).append(event.step)
        found[sub] = (graphs, tags)
    return found


def demo_table():
    import command_line as cli
    F = cli.Flag
    return ("demo group",
            F("size", 100, int, "a size"),
            F("rate", 0.5, float, "a rate that may change on resume", resumable=True),
            F("book", False, bool, "a preset flag", aliases=("--article",)),
            F("RATE_OF_DECAY", 0.8, float, "a chapter name in capitals"),
            F("mode", None, str, "not part of the config", saved=False))


def demo(argv, presets=(), output_dir=None):
    """command_line.parse of a small table, for a script named demo_script.py."""
    import command_line as cli
    argv = list(argv) + (["--output-dir", str(output_dir)] if output_dir else [])
    return cli.parse("/x/demo_script.py", "doc", demo_table(), argv, epochs=7,
                     presets=presets)


def saved_run(folder, config, step=3):
    """What a run leaves in checkpoints/: the weights' index and the run log."""
    ckpts = folder / "checkpoints"
    ckpts.mkdir(parents=True)
    (ckpts / ("model-%d.index" % step)).write_text("")
    (ckpts / "run_log.json").write_text(json.dumps(
        {"config": config, "checkpoint": "model-%d" % step}))


@pytest.fixture
def metrics():
    return read_metrics
