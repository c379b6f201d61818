"""utils.py: each shared piece on its own."""
import json
import os
import signal

import numpy as np
import pytest

import utils
from conftest import demo
from utils import tf


def test_tensorflow_is_the_graph_api_on_either_stack():
    assert not tf.executing_eagerly()
    assert hasattr(tf, "placeholder") and hasattr(tf, "Session")
    assert hasattr(tf.nn.rnn_cell, "BasicRNNCell") and hasattr(tf.nn.rnn_cell, "GRUCell")
    assert os.environ["TF_USE_LEGACY_KERAS"] == "1"
    assert utils.tensorflow_version().split(".")[0] in ("1", "2")


def test_device_choice():
    assert utils.resolve_device("cpu") == "/device:CPU:0"
    expected = "/device:GPU:0" if utils.gpu_names() else "/device:CPU:0"
    assert utils.resolve_device("auto") == expected
    assert utils.resolve_device("gpu") == "/device:GPU:0"


def test_session_threads_and_seeded_graph():
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(3)
        value = tf.random_uniform([4])
    values = []
    for _ in range(2):
        with utils.make_session(graph, threads=1) as sess:
            values.append(sess.run(value))
    np.testing.assert_array_equal(values[0], values[1])


def test_write_json_atomic_replaces_and_leaves_no_temporary(tmp_path):
    path = str(tmp_path / "m.json")
    utils.write_json_atomic(path, {"a": np.float32(0.5), "b": np.arange(3)})
    utils.write_json_atomic(path, {"a": 1})
    assert json.load(open(path)) == {"a": 1}
    assert os.listdir(str(tmp_path)) == ["m.json"]


def test_write_json_atomic_keeps_the_old_file_when_writing_fails(tmp_path):
    path = str(tmp_path / "m.json")
    utils.write_json_atomic(path, {"a": 1})
    with pytest.raises(TypeError):
        utils.write_json_atomic(path, {"a": object()})
    assert json.load(open(path)) == {"a": 1}
    assert os.listdir(str(tmp_path)) == ["m.json"]


def test_write_metrics_has_the_common_keys_and_ordinary_permissions(tmp_path):
    args = demo(["--seed", "5"], output_dir=tmp_path)
    utils.write_metrics(args, {"acc": 0.5}, 12, 1.23456)
    m = json.load(open(str(tmp_path / "metrics.json")))
    assert m["acc"] == 0.5 and m["script"] == "demo_script.py" and m["steps"] == 12
    assert m["seed"] == 5 and m["config"]["size"] == 100 and m["train_seconds"] == 1.235
    assert m["tensorflow_version"] == utils.tensorflow_version()
    (tmp_path / "plain.txt").write_text("x")       # what open() gives under this umask
    mode = os.stat(str(tmp_path / "plain.txt")).st_mode & 0o777
    assert os.stat(str(tmp_path / "metrics.json")).st_mode & 0o777 == mode


def test_check_finite():
    utils.check_finite(0.5, 3)
    with pytest.raises(utils.Diverged, match="at step 17"):
        utils.check_finite(float("nan"), 17)
    with pytest.raises(utils.Diverged):
        utils.check_finite(np.array([1.0, np.inf]), 2)


def test_main_exit_statuses(capsys):
    def ending(exc):
        def run(args):
            raise exc
        return run
    parse = demo
    assert utils.main("s.py", parse, lambda a: None, []) == 0
    assert utils.main("s.py", parse, ending(utils.DataError("d.csv", "line 3: bad")),
                      []) == 2
    assert capsys.readouterr().err.strip() == "s.py: error: d.csv: line 3: bad"
    assert utils.main("s.py", parse, ending(utils.Diverged("nan")), []) == 1
    assert utils.main("s.py", parse, ending(utils.Interrupted(2, "x")), []) == 130
    assert utils.main("s.py", parse, ending(utils.Interrupted(15, "x")), []) == 143
    # Ctrl-C before training (while TensorFlow loads, say): one line, no traceback
    capsys.readouterr()
    assert utils.main("s.py", parse, ending(KeyboardInterrupt()), []) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err
    with pytest.raises(ValueError):
        utils.main("s.py", parse, ending(ValueError("a bug")), [])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stop_request_turns_the_first_signal_into_a_request(signum):
    # whatever handled the signal before (Python's default, or SIG_IGN when the
    # suite runs as a background job) is put back afterwards
    before = signal.getsignal(signum)
    with utils.StopRequest() as stop:
        assert not stop.requested
        os.kill(os.getpid(), signum)
        assert stop.requested == signum
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signum)
    assert signal.getsignal(signum) is before


def test_a_second_run_on_one_output_dir_is_refused(tmp_path):
    lock = utils.OutputDir(str(tmp_path / "run"))
    with pytest.raises(utils.DataError) as err:
        utils.OutputDir(str(tmp_path / "run"))
    assert "another run is using this folder (pid %d" % os.getpid() in str(err.value)
    lock.release()
    utils.OutputDir(str(tmp_path / "run")).release()      # free again
    # a lock file left by a killed run (no process holds it) is taken over
    (tmp_path / "stale").mkdir()
    (tmp_path / "stale" / ".lock").write_text("pid 999999, echo_rnn.py")
    utils.OutputDir(str(tmp_path / "stale")).release()


def test_checkpoints_round_trip(tmp_path):
    graph = tf.Graph()
    with graph.as_default():
        v = tf.Variable([1.0, 2.0])
        step = tf.train.get_or_create_global_step()
        bump = tf.group(v.assign(v * 3), step.assign_add(1))
        init = tf.global_variables_initializer()
    ckpts = utils.Checkpoints(graph, str(tmp_path), keep_best=True)
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        assert ckpts.restore(sess) is None and ckpts.saved() is None
        sess.run(bump)
        ckpts.save(sess, 1, {"losses": [0.5]}, best=True)
        sess.run(bump)
        ckpts.save(sess, 2, {"losses": [0.5, 0.25]})
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        log = ckpts.restore(sess)
        assert sess.run(step) == 2
        np.testing.assert_allclose(sess.run(v), [9.0, 18.0])
        best = ckpts.restore(sess, best=True)
        np.testing.assert_allclose(sess.run(v), [3.0, 6.0])
    assert log["losses"] == [0.5, 0.25] and log["checkpoint"] == "model-2"
    assert best["losses"] == [0.5] and best["checkpoint"] == "model-1"
    assert sorted(os.listdir(str(tmp_path))) == ["best", "checkpoints"]


def test_start_run_makes_and_locks_the_folder_and_says_what_runs(tmp_path, capsys):
    args = demo(["--device", "cpu"], output_dir=tmp_path / "a" / "b")
    try:
        assert utils.start_run(args) == "/device:CPU:0"
        assert (tmp_path / "a" / "b").is_dir()
        with pytest.raises(utils.DataError, match="another run"):
            utils.OutputDir(str(tmp_path / "a" / "b"))
    finally:
        utils._RUN.pop("lock").release()
    line = capsys.readouterr().out
    assert line.startswith("demo_script.py: TensorFlow %s on Python "
                           % utils.tensorflow_version())
    assert "graph on /device:CPU:0" in line and str(tmp_path / "a" / "b") in line


def test_resume_or_start(tmp_path, capsys):
    graph = tf.Graph()
    with graph.as_default():
        step = tf.train.get_or_create_global_step()
        bump = step.assign_add(7)
        init = tf.global_variables_initializer()
    ckpts = utils.Checkpoints(graph, str(tmp_path))
    args = demo(["--size", "1"], output_dir=tmp_path)
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        fresh = ckpts.resume_or_start(sess, args)
        assert fresh == {"losses": [], "epochs": [], "train_seconds": 0.0,
                         "carried_state": None, "config": utils.config_of(args)}
        sess.run(bump)
        ckpts.save(sess, 7, dict(fresh, losses=[0.5] * 7))
        assert ckpts.resume_or_start(sess, args)["losses"] == []
        args.resume = True
        resumed = ckpts.resume_or_start(sess, args)
        assert resumed["losses"] == [0.5] * 7
        assert "resumed at step 7" in capsys.readouterr().out


def test_a_torn_save_restores_the_pair_saved_together(tmp_path):
    """Killed between the weights and the run log, a run leaves the newest
    weights beside the previous save's log: restore the checkpoint the log
    names (kept: the two newest are), never the newest weights with it."""
    graph = tf.Graph()
    with graph.as_default():
        v = tf.Variable(1.0)
        double = v.assign(v * 2)
        init = tf.global_variables_initializer()
    ckpts = utils.Checkpoints(graph, str(tmp_path))
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        sess.run(double)
        ckpts.save(sess, 1, {"losses": [1.0]})
        log_of_1 = (tmp_path / "checkpoints" / utils.LOG_FILE).read_text()
        sess.run(double)
        ckpts.save(sess, 2, {"losses": [1.0, 2.0]})
    (tmp_path / "checkpoints" / utils.LOG_FILE).write_text(log_of_1)
    assert utils.tf.train.latest_checkpoint(str(tmp_path / "checkpoints")).endswith("-2")
    with tf.Session(graph=graph) as sess:
        log = ckpts.restore(sess)
        assert log["losses"] == [1.0] and sess.run(v) == 2.0


def test_plural():
    assert utils.plural(1, "epoch") == "1 epoch" and utils.plural(3, "epoch") == "3 epochs"


def test_progress_line(capsys):
    progress = utils.Progress(10, first_epoch=2, seconds_before=100)
    line = progress.line(4, 500, loss=0.25, rmse=56.78912, small=0.000373, note="x")
    assert line.startswith("epoch  5/10  step 500  loss 0.25  rmse 56.79  small 0.000373  "
                           "note x  elapsed 1m40s")
    assert "left" in line
    assert utils.format_seconds(3725) == "1h02m"


def test_plots_are_saved_headless(tmp_path):
    path = str(tmp_path / "c.png")
    plt = utils.pyplot()
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [3, 2, 1])
    utils.save_figure(fig, path)
    import matplotlib
    assert matplotlib.get_backend().lower() == "agg"
    with open(path, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_log_scale_labels_close_ticks_apart():
    """A loss between 0.9 and 1.13 gets minor ticks at 0.95 and 1.05 (matplotlib
    3.5, TF1's stack): each must print its own number, not 1.1 twice."""
    plt = utils.pyplot()
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [1.126, 0.971, 0.897])
    utils.log_scale(ax)
    minor = ax.yaxis.get_minor_formatter()
    assert [minor(v) for v in (0.9, 0.95, 1.05, 1.1)] == ["0.9", "0.95", "1.05", "1.1"]
    assert ax.yaxis.get_major_formatter()(1.0) == "1"
    plt.close(fig)


def test_stateless_dropout_repeats_per_step_and_keeps_the_mean():
    graph = tf.Graph()
    with graph.as_default():
        step = tf.train.get_or_create_global_step()
        keep = tf.placeholder_with_default(1.0, [])
        x = tf.ones([200, 50])
        dropped = utils.dropout(x, keep, utils.step_seed(step, 42, 3))
        other_site = utils.dropout(x, keep, utils.step_seed(step, 42, 4))
        bump = step.assign_add(1)
        init = tf.global_variables_initializer()
    masks = []
    for _ in range(2):          # two sessions: the same masks, step for step
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            first = sess.run(dropped, {keep: 0.5})
            again = sess.run(dropped, {keep: 0.5})
            site = sess.run(other_site, {keep: 0.5})
            sess.run(bump)
            masks.append((first, sess.run(dropped, {keep: 0.5})))
            np.testing.assert_array_equal(sess.run(dropped), np.ones((200, 50)))
        np.testing.assert_array_equal(first, again)     # a function of the step
        assert not np.array_equal(first, site)
    np.testing.assert_array_equal(masks[0][0], masks[1][0])
    np.testing.assert_array_equal(masks[0][1], masks[1][1])
    assert not np.array_equal(masks[0][0], masks[0][1])   # a new step, a new mask
    assert set(np.unique(first)) == {0.0, 2.0}            # kept ones scaled by 1/keep
    assert abs(first.mean() - 1.0) < 0.05


def test_scalar_summaries_are_written(tmp_path):
    writers = utils.summary_writers(str(tmp_path), tf.Graph(), ("train", "val"))
    utils.scalar_summary(writers["val"], 3, rmse=1.5)
    for w in writers.values():
        w.close()
    assert os.listdir(str(tmp_path / "tensorboard" / "val"))
    folder = str(tmp_path / "tensorboard" / "val")
    events = tf.train.summary_iterator(os.path.join(folder, os.listdir(folder)[0]))
    values = [v.simple_value for e in events for v in e.summary.value]
    assert values == [1.5]


def test_show_without_a_display_says_so_and_saves_files(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setitem(utils._RUN, "said_no_display", False)
    plt = utils.pyplot(show=True)
    import matplotlib
    assert matplotlib.get_backend().lower() == "agg" and plt is not None
    assert "--show: no display here" in capsys.readouterr().err


@pytest.mark.slow
def test_make_tensorboard_starts_without_cuda_error_lines(tmp_path):
    """On a machine without a GPU, TensorFlow's CUDA probe prints error lines
    ("failed call to cuInit") as TensorBoard starts; make tensorboard hides them."""
    import socket
    import subprocess
    import time
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.exists(os.path.join(root, ".venv", "bin", "tensorboard")):
        pytest.skip("the current stack (.venv) is not set up")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(["make", "-s", "tensorboard", "TB_PORT=%d" % port], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, start_new_session=True)
    lines, deadline = [], time.time() + 120
    try:
        for line in proc.stdout:
            lines.append(line)
            if "TensorBoard" in line and "http://127.0.0.1:%d" % port in line:
                break
            assert time.time() < deadline, "".join(lines)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    text = "".join(lines)
    assert "http://127.0.0.1:%d" % port in text
    assert "cuInit" not in text and "cuda" not in text.lower(), text
