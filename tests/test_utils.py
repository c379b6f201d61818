"""utils.py: each shared piece on its own."""
import argparse
import json
import os
import signal

import numpy as np
import pytest

import utils
from utils import tf


def test_tensorflow_is_the_graph_api_on_either_stack():
    assert not tf.executing_eagerly()
    assert hasattr(tf, "placeholder") and hasattr(tf, "Session")
    assert hasattr(tf.nn.rnn_cell, "BasicRNNCell") and hasattr(tf.nn.rnn_cell, "GRUCell")
    assert os.environ["TF_USE_LEGACY_KERAS"] == "1"
    assert utils.tensorflow_version().split(".")[0] in ("1", "2")


@pytest.mark.parametrize("func, good, bad", [
    (utils.positive_int, [("3", 3), ("1", 1)], ["0", "-1", "2.5", "x"]),
    (utils.positive_float, [("0.5", 0.5), ("1e-3", 1e-3)], ["0", "-1", "inf", "nan", "x"]),
    (utils.probability, [("1", 1.0), ("0.25", 0.25)], ["0", "1.5", "-0.1", "nan"]),
    (utils.fraction, [("0", 0.0), ("0.2", 0.2)], ["1", "-0.1", "x"]),
])
def test_flag_types(func, good, bad):
    for text, value in good:
        assert func(text) == value
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError):
            func(text)


def demo_parser():
    parser = utils.make_parser("demo_script.py", "doc", default_epochs=7)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--book", action="store_true")
    return parser


def test_common_flags_and_presets():
    args = utils.parse(demo_parser(), [])
    assert args.epochs == 7 and args.seed == 42 and args.device == "auto"
    assert args.output_dir == os.path.join("runs", "demo_script")
    presets = [("book", {"epochs": 50, "size": 3}), ("quick", {"epochs": 1, "size": 2})]
    args = utils.parse(demo_parser(), ["--quick", "--size", "5"], presets)
    assert args.epochs == 1
    assert args.size == 5          # a flag given on the command line wins
    args = utils.parse(demo_parser(), ["--quick", "--size", "100"], presets)
    assert args.size == 100        # ... also when it equals the default
    args = utils.parse(demo_parser(), ["--book", "--quick"], presets)
    assert (args.epochs, args.size) == (1, 2)      # the later preset wins
    args = utils.parse(demo_parser(), ["--book", "--epochs=7"], presets)
    assert (args.epochs, args.size) == (7, 3)


def test_given_flags_tells_given_from_defaulted():
    parser = demo_parser()
    assert utils.given_flags(parser, ["--size", "100", "--quick"]) == {"size", "quick"}
    assert utils.given_flags(parser, []) == set()
    assert parser.parse_args([]).size == 100       # the defaults are back


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


def test_write_metrics_has_the_common_keys(tmp_path):
    args = argparse.Namespace(seed=5, output_dir=str(tmp_path))
    utils.write_metrics(args, "/x/some.py", {"acc": 0.5}, 12, 1.23456, {"k": 1})
    m = json.load(open(str(tmp_path / "metrics.json")))
    assert m["acc"] == 0.5 and m["script"] == "some.py" and m["steps"] == 12
    assert m["seed"] == 5 and m["config"] == {"k": 1} and m["train_seconds"] == 1.235
    assert m["tensorflow_version"] == utils.tensorflow_version()


def test_check_finite():
    utils.check_finite(0.5, 3)
    with pytest.raises(utils.Diverged, match="at step 17"):
        utils.check_finite(float("nan"), 17)
    with pytest.raises(utils.Diverged):
        utils.check_finite(np.array([1.0, np.inf]), 2)


def test_run_guarded_exit_statuses(capsys):
    def raiser(exc):
        def body(args):
            raise exc
        return body
    assert utils.run_guarded("s.py", lambda a: None, None) == 0
    assert utils.run_guarded("s.py", raiser(utils.DataError("d.csv", "line 3: bad")),
                             None) == 2
    assert capsys.readouterr().err.strip() == "s.py: error: d.csv: line 3: bad"
    assert utils.run_guarded("s.py", raiser(utils.Diverged("nan")), None) == 1
    assert utils.run_guarded("s.py", raiser(utils.Interrupted("x")), None) == 130
    with pytest.raises(ValueError):
        utils.run_guarded("s.py", raiser(ValueError("a bug")), None)


def test_stop_request_turns_the_first_ctrl_c_into_a_flag():
    # whatever handled SIGINT before (Python's default, or SIG_IGN when the
    # suite runs as a background job) is put back afterwards
    before = signal.getsignal(signal.SIGINT)
    with utils.StopRequest() as stop:
        assert not stop.requested
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.requested
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before


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
        assert ckpts.restore(sess) is None
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


def test_start_run_makes_the_folder_and_says_what_runs(tmp_path, capsys):
    args = argparse.Namespace(device="cpu", output_dir=str(tmp_path / "a" / "b"))
    assert utils.start_run("/x/demo.py", args) == "/device:CPU:0"
    assert (tmp_path / "a" / "b").is_dir()
    line = capsys.readouterr().out
    assert line.startswith("demo.py: TensorFlow %s on Python " % utils.tensorflow_version())
    assert "graph on /device:CPU:0" in line and str(tmp_path / "a" / "b") in line


def test_resume_or_start(tmp_path, capsys):
    graph = tf.Graph()
    with graph.as_default():
        step = tf.train.get_or_create_global_step()
        bump = step.assign_add(7)
        init = tf.global_variables_initializer()
    ckpts = utils.Checkpoints(graph, str(tmp_path))
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        fresh = ckpts.resume_or_start(sess, True, {"size": 1})
        assert fresh == {"losses": [], "epochs": [], "train_seconds": 0.0,
                         "carried_state": None, "config": {"size": 1}}
        assert "no checkpoint" in capsys.readouterr().out
        sess.run(bump)
        ckpts.save(sess, 7, dict(fresh, losses=[0.5] * 7))
        assert ckpts.resume_or_start(sess, False, {"size": 1})["losses"] == []
        resumed = ckpts.resume_or_start(sess, True, {"size": 1, "epochs": 9})
        assert resumed["losses"] == [0.5] * 7 and resumed["config"]["epochs"] == 9
        assert "resumed at step 7" in capsys.readouterr().out
    with pytest.raises(utils.Interrupted, match="step 7"):
        utils.stop_if_interrupted(True, 7, ckpts)
    utils.stop_if_interrupted(False, 7, ckpts)


def test_progress_line(capsys):
    progress = utils.Progress(10, first_epoch=2, seconds_before=100)
    line = progress.line(4, 500, loss=0.25, note="x")
    assert line.startswith("epoch  5/10  step 500  loss 0.2500  note x  elapsed 1m40s")
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


def test_rnn_layers_without_dropout_compute_what_multirnncell_does():
    rng = np.random.RandomState(0)
    inputs = rng.rand(3, 6, 2).astype(np.float32)
    outs = []
    for stacked in (True, False):
        graph = tf.Graph()
        with graph.as_default():
            tf.set_random_seed(1)
            x = tf.constant(inputs)
            cells = [tf.nn.rnn_cell.GRUCell(4), tf.nn.rnn_cell.GRUCell(5)]
            if stacked:
                out, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x,
                                               dtype=tf.float32)
            else:
                out, state = utils.rnn_layers(cells, x)
            weights = sorted(tf.trainable_variables(), key=lambda v: v.op.name)
            init = tf.global_variables_initializer()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            if outs:      # the second graph gets the first one's weights
                for v, value in zip(weights, outs[0][2]):
                    v.load(value, sess)
            outs.append(sess.run([out, state]) + [sess.run(weights)])
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-5)
    for a, b in zip(outs[0][1], outs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert outs[0][0].shape == (3, 6, 5)


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
