"""echo_rnn.py: data, graph, a short run that learns, bad input, Ctrl-C + resume."""
import json
import os

import numpy as np
import pytest

import echo_rnn
import utils
from conftest import (check_resume_is_exact, interrupt_after, read_log, read_metrics,
                      run_quietly, run_stopped_at)


# --- data -------------------------------------------------------------------
def test_generate_data_shapes_and_echo():
    rng = np.random.RandomState(0)
    x, y = echo_rnn.generate_data(1000, 3, 5, rng=rng)
    assert x.shape == y.shape == (5, 200)
    flat_x, flat_y = x.ravel(), y.ravel()
    # y is x shifted three to the right, zeros shifted in
    np.testing.assert_array_equal(flat_y[3:], flat_x[:-3])
    assert flat_y[:3].tolist() == [0, 0, 0]
    # a row continues the row above: its first targets echo the row above's end
    np.testing.assert_array_equal(y[2, :3], x[1, -3:])
    assert set(np.unique(x)) == {0, 1}
    assert 0.4 < x.mean() < 0.6


def test_generate_data_trims_to_whole_rows():
    x, y = echo_rnn.generate_data(1003, 2, 5, rng=np.random.RandomState(1))
    assert x.shape == (5, 200)


def test_each_epoch_and_the_evaluation_get_their_own_series():
    series = [echo_rnn.generate_data(500, 3, 5, rng=echo_rnn.epoch_rng(7, e))[0]
              for e in range(3)]
    again = echo_rnn.generate_data(500, 3, 5, rng=echo_rnn.epoch_rng(7, 1))[0]
    evaluation = echo_rnn.generate_data(500, 3, 5, rng=echo_rnn.evaluation_rng(7))[0]
    np.testing.assert_array_equal(series[1], again)   # reproducible after --resume
    for s in series:
        assert not np.array_equal(s, evaluation)
    assert not np.array_equal(series[0], series[1])


def test_echo_accuracy_leaves_out_the_row_starts():
    target = np.array([[1, 1, 1, 0, 1, 0], [0, 1, 0, 1, 1, 1]])
    predicted = target.copy()
    predicted[:, :3] = 1 - predicted[:, :3]      # wrong only where there is no source
    assert echo_rnn.echo_accuracy(predicted, target, 3) == 1.0
    predicted[0, 4] = 1 - predicted[0, 4]
    assert echo_rnn.echo_accuracy(predicted, target, 3) == pytest.approx(5 / 6)


# --- graph ------------------------------------------------------------------
def test_graph_shapes_and_one_set_of_weights():
    g = echo_rnn.build_graph(15, 4, 2, 0.3, seed=0)
    with g.graph.as_default():
        trainable = {v.op.name: v.shape.as_list() for v in utils.tf.trainable_variables()}
    assert g.state_placeholders == [g.init_state]
    # the 15 unrolled steps share W, b, W2, b2
    assert trainable == {"W": [5, 4], "b": [1, 4], "W2": [4, 2], "b2": [1, 2]}
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        feed = {g.batchX_placeholder: np.ones((3, 15)),
                g.batchY_placeholder: np.zeros((3, 15), np.int32),
                g.init_state: np.zeros((3, 4))}
        predictions, (state,) = sess.run([g.predictions, g.current_state], feed)
    assert predictions.shape == (3, 15, 2)
    np.testing.assert_allclose(predictions.sum(axis=2), 1.0, rtol=1e-5)
    assert state.shape == (3, 4)


def test_init_state_is_used():
    g = echo_rnn.build_graph(5, 4, 2, 0.3, seed=0)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        feed = {g.batchX_placeholder: np.zeros((2, 5)),
                g.batchY_placeholder: np.zeros((2, 5), np.int32)}
        feed[g.init_state] = np.zeros((2, 4))
        a = sess.run(g.predictions, feed)
        feed[g.init_state] = np.ones((2, 4))
        b = sess.run(g.predictions, feed)
    assert not np.allclose(a[:, 0], b[:, 0])


# --- runs -------------------------------------------------------------------
@pytest.mark.slow
def test_quick_run_writes_everything_and_the_loss_falls(tmp_path):
    out = tmp_path / "echo"
    assert echo_rnn.main(["--quick", "--output-dir", str(out)]) == 0
    m = read_metrics(out)
    for key in ("final_loss", "echo_accuracy", "steps", "train_seconds", "script",
                "tensorflow_version", "python_version", "seed", "config"):
        assert key in m
    assert m["steps"] == 2 * (25000 // 5 // 15)
    assert m["config"]["total_series_length"] == 25000
    assert m["config"]["state_size"] == 4
    log = json.loads((out / "checkpoints" / "run_log.json").read_text())
    losses = log["losses"]
    assert len(losses) == m["steps"]
    assert np.mean(losses[-100:]) < 0.5 * np.mean(losses[:100])
    for name in ("echo.png", "loss.png"):
        assert (out / name).stat().st_size > 10000
    assert os.listdir(str(out / "tensorboard" / "train"))
    assert utils.tf.train.latest_checkpoint(str(out / "checkpoints")).endswith(
        "model-%d" % m["steps"])


@pytest.mark.slow
def test_learns_the_echo_and_one_unit_cannot(tmp_path):
    assert echo_rnn.main(["--epochs", "3", "--output-dir", str(tmp_path / "a")]) == 0
    learned = read_metrics(tmp_path / "a")
    assert learned["echo_accuracy"] >= 0.999
    # The epoch-start spike (docs/echo_rnn.md, 'the riddle'): the first window of an
    # epoch holds targets no state has seen; the epoch as a whole is learned.
    assert learned["epoch_start_loss"] > 0.05
    assert learned["epoch_start_loss"] > 20 * learned["final_loss"]
    assert echo_rnn.main(["--epochs", "3", "--state-size", "1",
                          "--output-dir", str(tmp_path / "b")]) == 0
    assert read_metrics(tmp_path / "b")["echo_accuracy"] < 0.9


# A seed whose U[0, 1) starting weights (the article's, --init uniform) leave
# the network at chance, on each stack (the stacks draw different weights for
# the same seed): found by a scan of seeds 1-40 with --article --epochs 4 on
# 2026-12-06, after part 1's graph took the article's order (which changed the
# draws); seed 15 was at chance on both stacks, and the default learns it.
STUCK_WITH_THE_ARTICLES_WEIGHTS = {"1": 15, "2": 15}


@pytest.mark.slow
def test_a_seed_the_articles_weights_leave_at_chance_learns_by_default(tmp_path):
    seed = STUCK_WITH_THE_ARTICLES_WEIGHTS[utils.tensorflow_version()[0]]
    flags = ["--epochs", "4", "--seed", str(seed)]
    assert run_quietly(echo_rnn.main, flags + ["--article",
                                               "--output-dir", str(tmp_path / "a")]) == 0
    stuck = read_metrics(tmp_path / "a")
    assert stuck["echo_accuracy"] < 0.6 and stuck["final_loss"] > 0.65
    assert run_quietly(echo_rnn.main, flags + ["--output-dir", str(tmp_path / "b")]) == 0
    assert read_metrics(tmp_path / "b")["echo_accuracy"] >= 0.999


# A seed whose network learns the echo and is then thrown back to chance for
# good by one epoch-start window when the gradient is not clipped. At the
# default rate (0.3) such seeds are rare (none in 50 seeds x 10 epochs on
# either stack, 2026-12-06); at Adagrad's rate 1.0 a scan of seeds 1-6 found
# one on each stack, and the clipped run of the same seed keeps the echo.
THROWN_BACK_WITHOUT_CLIPPING = {"1": 6, "2": 4}


@pytest.mark.slow
def test_clipping_keeps_a_learned_echo_learned(tmp_path):
    seed = THROWN_BACK_WITHOUT_CLIPPING[utils.tensorflow_version()[0]]
    flags = ["--epochs", "10", "--learning-rate", "1.0", "--seed", str(seed)]
    assert run_quietly(echo_rnn.main, flags + ["--grad-clip", "0", "--output-dir",
                                               str(tmp_path / "a")]) == 0
    thrown = read_metrics(tmp_path / "a")
    assert max(e["accuracy"] for e in thrown["history"]) >= 0.97    # it had learned
    assert thrown["echo_accuracy"] < 0.6                           # and lost it
    assert all(e["accuracy"] < 0.6 for e in thrown["history"][-5:])   # for good
    assert run_quietly(echo_rnn.main, flags + ["--output-dir", str(tmp_path / "b")]) == 0
    clipped = read_metrics(tmp_path / "b")
    assert min(e["accuracy"] for e in clipped["history"][1:]) >= 0.99
    assert clipped["echo_accuracy"] >= 0.999


def test_starting_weights():
    for init, low in (("uniform", 0.0), ("glorot", -1.0)):
        g = echo_rnn.build_graph(15, 4, 2, 0.3, seed=3, init=init)
        with utils.make_session(g.graph) as sess:
            sess.run(g.init)
            with g.graph.as_default():
                W = sess.run([v for v in utils.tf.trainable_variables()
                              if v.op.name == "W"][0])
        assert W.shape == (5, 4) and W.min() >= low and W.max() < 1.0
        # the article's are all positive; Glorot's are centred on zero
        assert (W.min() > 0) == (init == "uniform")


@pytest.mark.parametrize("flags, message", [
    (["--batch-size", "0"], "--batch-size"),
    (["--state-size", "-2"], "--state-size"),
    (["--truncated-backprop-length", "0"], "--truncated-backprop-length"),
    (["--echo-step", "15"], "smaller than --truncated-backprop-length"),
    (["--echo-step", "20", "--truncated-backprop-length", "10"], "--echo-step"),
    (["--learning-rate", "0"], "--learning-rate"),
    (["--learning-rate", "nan"], "--learning-rate"),
    (["--total-series-length", "40"], "too short"),
    (["--num-classes", "1"], "--num-classes"),
    (["--threads", "-1"], "--threads"),
    (["--grad-clip", "-1"], "--grad-clip"),
])
def test_bad_values_exit_2_and_write_nothing(tmp_path, capsys, flags, message):
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as exc:
        echo_rnn.main(flags + ["--output-dir", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and message in err
    assert not out.exists()


def test_device_gpu_without_a_gpu_is_an_error(tmp_path, capsys):
    out = tmp_path / "gpu"
    if utils.gpu_names():   # on a GPU machine the flag must simply work
        assert echo_rnn.main(["--quick", "--device", "gpu", "--output-dir", str(out)]) == 0
        return
    assert echo_rnn.main(["--quick", "--device", "gpu", "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no GPU" in err
    assert not out.exists()


@pytest.mark.slow
def test_divergence_exits_1_and_keeps_the_last_good_checkpoint(tmp_path, capsys):
    out = tmp_path / "nan"
    assert echo_rnn.main(["--quick", "--output-dir", str(out)]) == 0
    good = utils.tf.train.latest_checkpoint(str(out / "checkpoints"))
    status = echo_rnn.main(["--quick", "--epochs", "3", "--resume",
                            "--learning-rate", "1e38", "--output-dir", str(out)])
    assert status == 1
    err = capsys.readouterr().err
    assert "at step" in err and "--learning-rate" in err
    assert utils.tf.train.latest_checkpoint(str(out / "checkpoints")) == good


@pytest.mark.slow
def test_a_real_ctrl_c_from_outside_saves_and_resume_continues(tmp_path):
    out = str(tmp_path / "int")
    status, _, err = interrupt_after("echo_rnn.py", "epoch  1/50",
                                     ["--epochs", "50", "--output-dir", out])
    assert status == 130
    assert "continue with: python echo_rnn.py --resume --output-dir %s" % out in err
    stopped = read_metrics(out)
    assert stopped["interrupted"] is True and 666 <= stopped["steps"] < 50 * 666
    assert utils.tf.train.latest_checkpoint(os.path.join(out, "checkpoints")).endswith(
        "model-%d" % stopped["steps"])
    epochs = stopped["steps"] // 666 + 1
    assert run_quietly(echo_rnn.main, ["--output-dir", out, "--resume",
                                       "--epochs", str(epochs)]) == 0
    resumed = read_metrics(out)
    assert resumed["steps"] == epochs * 666 and resumed["epochs_run"] == epochs
    log = json.loads(open(os.path.join(out, "checkpoints", "run_log.json")).read())
    assert len(log["losses"]) == epochs * 666
    assert [e["epoch"] for e in log["epochs"]] == list(range(1, epochs + 1))


# --- the later parts of the series ---------------------------------------------
# part: the shapes of its state placeholders for 5 rows, state size 4, 3 layers
PART_STATES = {1: [[5, 4]], 2: [[5, 4]], 3: [[5, 4], [5, 4]],
               4: [[3, 2, 5, 4]], 5: [[3, 2, 5, 4]], 6: [[3, 2, 5, 4]]}


def graph_of(part):
    """Part 1's graph (the article's), or that of a later part."""
    if part == 1:
        return echo_rnn.build_graph(15, 4, 2, 0.3)
    return echo_rnn.build_graph_of_part(part, 15, 4, 2, 0.3, num_layers=3)


@pytest.mark.parametrize("part", sorted(PART_STATES))
def test_each_part_feeds_and_returns_its_own_state_shape(part):
    g = graph_of(part)
    names = [p.op.name for p in g.state_placeholders]
    assert names == (["cell_state", "hidden_state"] if part == 3 else ["init_state"])
    zeros = echo_rnn.zero_state(g, 5)
    assert [z.shape for z in zeros] == [tuple(s) for s in PART_STATES[part]]
    x = np.random.RandomState(0).randint(2, size=(5, 15)).astype(np.float32)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        feed = echo_rnn.window_feed(g, x, np.zeros((5, 15), np.int32), 0, 15, zeros)
        state = sess.run(g.current_state, feed)
        again = sess.run(g.current_state, echo_rnn.window_feed(
            g, x, np.zeros((5, 15), np.int32), 0, 15, state))
    assert [s.shape for s in state] == [tuple(s) for s in PART_STATES[part]]
    assert all(np.abs(s).max() > 0 for s in state)
    # the state fed in changes the state that comes out: it is really carried
    assert not all(np.allclose(a, b) for a, b in zip(state, again))


PART_FLAGS = ["--total-series-length", "15000", "--epochs", "2"]   # 200 steps/epoch


@pytest.mark.slow
@pytest.mark.parametrize("part", [1, 2, 3, 4, 5])
def test_each_part_learns_and_resumes_exactly_with_its_state(part, tmp_path,
                                                             monkeypatch):
    flags = PART_FLAGS + ["--part", str(part)]

    def carried_state_saved(folder):
        # the stop was inside epoch 2: the carried state saved, in the part's shape
        log = read_log(os.path.join(folder, "checkpoints"))
        assert [list(np.shape(a)) for a in log["carried_state"]] == PART_STATES[part]
        assert np.abs(np.array(log["carried_state"][0])).max() > 0
    whole, _, _ = check_resume_is_exact(echo_rnn.main, flags, tmp_path, monkeypatch,
                                        300, carried_state_saved)
    assert whole["part"] == part and whole["config"]["part"] == part
    assert whole["echo_accuracy"] > 0.65          # chance is 0.5


@pytest.mark.slow
def test_part_6_resumes_with_every_layers_carried_state(tmp_path, monkeypatch):
    """Part 6's DropoutWrapper draws from stateful random ops, so its resumed
    figures are not bit-exact (docs/echo_rnn.md); the carried state must still be the
    one the interrupted run saved, both tensors of every layer."""
    out = str(tmp_path / "p6")
    flags = PART_FLAGS + ["--part", "6", "--output-dir", out]
    assert run_stopped_at(echo_rnn.main, flags, 300, monkeypatch) == 130
    saved = read_log(os.path.join(out, "checkpoints"))["carried_state"]
    given = []
    real = utils.TrainingLoop.resumed_state

    def spy(loop):
        given.append(real(loop))
        return given[-1]
    monkeypatch.setattr(utils.TrainingLoop, "resumed_state", spy)
    assert run_quietly(echo_rnn.main, flags + ["--resume", "--epochs", "3"]) == 0
    assert given[0] is not None and given[0][0].shape == (3, 2, 5, 4)
    np.testing.assert_array_equal(given[0][0], np.array(saved[0], np.float32))
    assert given[1] is None                       # the next epoch starts from zeros
    assert read_metrics(out)["echo_accuracy"] > 0.6


def test_part_6_drops_out_in_training_only_with_one_set_of_weights():
    g = graph_of(6)
    with g.graph.as_default():
        names = sorted(v.op.name for v in utils.tf.trainable_variables())
    assert len(names) == 3 * 2 + 2         # 3 LSTM layers (kernel, bias) + W2, b2
    assert all("dropout" not in n.lower() for n in names)
    x = np.random.RandomState(1).randint(2, size=(5, 15)).astype(np.float32)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        feed = echo_rnn.window_feed(g, x, np.zeros((5, 15), np.int32), 0, 15,
                                    echo_rnn.zero_state(g, 5))
        evaluated = [sess.run(g.logits, feed) for _ in range(2)]
        feed[g.keep_prob] = 0.5
        trained = [sess.run(g.logits, feed) for _ in range(2)]
    np.testing.assert_array_equal(evaluated[0], evaluated[1])
    assert not np.allclose(trained[0], trained[1])
    assert not np.allclose(trained[0], evaluated[0])


def test_the_hand_loop_static_rnn_and_dynamic_rnn_compute_the_same_function():
    """Parts 1, 2 and 5 unroll one recurrence three ways: given the same
    weights, the same states and logits come out."""
    rng = np.random.RandomState(3)
    x = rng.randint(2, size=(5, 15)).astype(np.float32)
    state0 = rng.uniform(-1, 1, size=(5, 4)).astype(np.float32)
    W = rng.uniform(-1, 1, size=(5, 4)).astype(np.float32)
    b = rng.uniform(-0.5, 0.5, size=(1, 4)).astype(np.float32)
    W2 = rng.uniform(-1, 1, size=(4, 2)).astype(np.float32)
    b2 = rng.uniform(-0.5, 0.5, size=(1, 2)).astype(np.float32)
    tf = utils.tf
    # part 1: the article's graph, its W, b, W2 and b2 given these values
    g = echo_rnn.build_graph(15, 4, 2, 0.3)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        with g.graph.as_default():
            weights = {v.op.name: v for v in tf.trainable_variables()}
        for name, value in (("W", W), ("b", b), ("W2", W2), ("b2", b2)):
            weights[name].load(value, sess)
        outs = {"hand": sess.run([g.logits, g.current_state[0]],
                                 {g.batchX_placeholder: x, g.init_state: state0})}
    for how in ("static", "dynamic"):
        graph = tf.Graph()
        with graph.as_default():
            batchX = tf.constant(x)
            init_state = tf.constant(state0)
            cell = echo_rnn.basic_rnn_cell(4, 1, 1.0)     # part 2's cell
            if how == "static":
                states, final = echo_rnn.forward_static_rnn(cell, batchX, init_state, 15)
                states = tf.stack(states, axis=1)
            else:
                states, final = echo_rnn.forward_dynamic_rnn(cell, batchX, init_state, 15)
            logits = tf.tensordot(states, tf.constant(W2), axes=1) + b2
            kernel, bias = tf.trainable_variables()
            init = tf.global_variables_initializer()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            # W is [input, state] x state, as the cell's kernel: the same layout
            kernel.load(W, sess)
            bias.load(b[0], sess)
            outs[how] = sess.run([logits, final])
    assert outs["hand"][0].shape == (5, 15, 2)
    for how in ("static", "dynamic"):
        np.testing.assert_allclose(outs[how][0], outs["hand"][0], atol=1e-5)
        np.testing.assert_allclose(outs[how][1], outs["hand"][1], atol=1e-6)


def test_the_echo_figure_labels_every_panel_and_marks_the_epoch_starts(monkeypatch):
    figures = []
    monkeypatch.setattr(utils, "save_figure", lambda fig, path, show=False:
                        figures.append(fig))
    rng = np.random.RandomState(0)
    x = rng.randint(2, size=(5, 15)).astype(np.float32)
    figure = echo_rnn.EchoFigure(5, 100)
    figure.draw(list(np.linspace(0.7, 0.01, 300)), x, x.astype(int),
                np.eye(2)[x.astype(int)])
    figure.save("unused.png")
    loss, rows = figures[0].axes[0], figures[0].axes[1:6]
    assert loss.get_ylabel() == "cross-entropy (nats)" and loss.get_xlabel()
    starts = [line.get_xdata()[0] for line in loss.lines[1:]]
    assert starts == [0, 100, 200]
    for ax in rows:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["prediction", "target",
                                                                "input"]
        assert ax.get_xlabel() == "time step in the window"
        assert all(float(t) == int(t) for t in ax.get_xticks())
