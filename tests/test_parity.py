"""parity_rnn.py: data, graph, training that solves it, --predict, bad input."""

import numpy as np
import pytest

import parity_rnn
import utils
from conftest import read_metrics


# --- data -------------------------------------------------------------------
def test_fixed_length_data_is_uniform_bits_not_the_books_integers():
    data = parity_rnn.generate_data(20000, 50, "fixed", np.random.RandomState(0))
    assert data.X.shape == (20000, 50, 1) and data.X.dtype == np.float32
    assert set(np.unique(data.X)) == {0.0, 1.0}
    assert (data.lengths == 50).all()
    np.testing.assert_array_equal(data.sums, data.X[:, :, 0].sum(axis=1))
    # the book's strings never had a 1 in the first 30 bits or more than 20 ones
    assert data.X[:, :30].mean() == pytest.approx(0.5, abs=0.01)
    assert data.sums.max() > 30
    assert 24 < data.sums.mean() < 26


def test_variable_lengths_are_padded_with_zeros():
    data = parity_rnn.generate_data(20000, 50, "variable", np.random.RandomState(1))
    assert data.lengths.min() == 1 and data.lengths.max() == 50
    assert len(np.unique(data.lengths)) == 50
    past_end = np.arange(50)[None, :] >= data.lengths[:, None]
    assert (data.X[:, :, 0][past_end] == 0).all()
    np.testing.assert_array_equal(data.sums, data.X[:, :, 0].sum(axis=1))


def test_labels_and_classes():
    data = parity_rnn.ParityData(None, None, np.array([0, 1, 2, 7, 50]))
    assert parity_rnn.labels_for(data, "sum").tolist() == [0, 1, 2, 7, 50]
    assert parity_rnn.labels_for(data, "parity").tolist() == [0, 1, 0, 1, 0]
    assert parity_rnn.classes_for("sum", 50) == 51     # "50" must be sayable
    assert parity_rnn.classes_for("parity", 50) == 2
    assert parity_rnn.one_hot(np.array([1, 0]), 3).tolist() == [[0, 1, 0], [1, 0, 0]]


def test_validation_and_test_strings_are_apart_and_never_trained_on():
    args = parity_rnn.parse_args([])
    train = parity_rnn.generate_data(100000, 50, "variable", parity_rnn.training_rng(42))
    validation = parity_rnn.heldout_sets(args, "validation")
    test = parity_rnn.heldout_sets(args, "test")
    assert list(validation) == list(test) == ["fixed", "variable"]
    assert (test["fixed"].lengths == 50).all() and test["variable"].lengths.min() == 1

    def rows(data):
        return {row.tobytes() for row in data.X[data.lengths == 50, :, 0].astype(np.uint8)}
    seen = rows(train)
    for a in (validation["fixed"], test["fixed"]):
        assert len(rows(a)) == 10000 and not rows(a) & seen
    # the strings that decide the stop are not the ones the figures come from
    assert not rows(validation["fixed"]) & rows(test["fixed"])
    assert not np.array_equal(validation["variable"].X, test["variable"].X)


def test_parse_bits():
    data = parity_rnn.parse_bits(["1", "0110", "1" * 50], 50)
    assert data.X.shape == (3, 50, 1)
    assert data.lengths.tolist() == [1, 4, 50]
    assert data.sums.tolist() == [1, 2, 50]
    for bad, message in (("", "empty"), ("10a1", "only the characters 0 and 1"),
                         ("1" * 51, "51 bits")):
        with pytest.raises(utils.DataError, match=message):
            parity_rnn.parse_bits(["1", bad], 50)


# --- graph ------------------------------------------------------------------
def test_graph_takes_the_last_real_output_and_ignores_padding():
    g = parity_rnn.build_graph(10, "sum", "rnn", "relu", num_hidden_units=6, seed=3)
    with g.graph.as_default():
        shapes = {v.op.name: v.shape.as_list() for v in utils.tf.trainable_variables()}
    assert shapes["weights"] == [6, 11] and shapes["biases"] == [11]
    rng = np.random.RandomState(0)
    X = rng.randint(2, size=(4, 10, 1)).astype(np.float32)
    lengths = np.array([1, 4, 7, 10], np.int32)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        outputs, last, pred = sess.run([g.outputs, g.last_output, g.prediction],
                                       {g.X: X, g.lengths: lengths})
        X2 = X.copy()
        X2[0, 1:], X2[1, 4:] = 1 - X2[0, 1:], 1 - X2[1, 4:]   # change only padding
        pred2 = sess.run(g.prediction, {g.X: X2, g.lengths: lengths})
    assert outputs.shape == (4, 10, 6) and pred.shape == (4, 11)
    for i, n in enumerate(lengths):
        np.testing.assert_array_equal(last[i], outputs[i, n - 1])
        assert not outputs[i, n:].any()        # dynamic_rnn zeroes past the end
    np.testing.assert_array_equal(pred, pred2)


def test_article_builds_the_books_graph():
    """--article: the book's placeholders X and Y, weights and
    biases, a relu BasicRNNCell of num_hidden_units 24, the sum as 51 classes,
    Adam; the per-string lengths have a name of their own."""
    args = parity_rnn.parse_args(["--article"])
    assert args.article and (args.cell, args.activation, args.target) == ("rnn", "relu", "sum")
    g = parity_rnn.graph_for(vars(args))
    with g.graph.as_default():
        shapes = {v.op.name: v.shape.as_list() for v in utils.tf.trainable_variables()}
        ops = {op.type for op in g.graph.get_operations()}
    assert shapes["weights"] == [24, 51] and shapes["biases"] == [51]
    assert shapes["rnn/basic_rnn_cell/kernel"] == [1 + 24, 24]
    assert (g.X.op.name, g.Y.op.name, g.lengths.op.name) == ("X", "Y", "lengths")
    assert g.X.shape.as_list() == [None, 50, 1] and g.Y.shape.as_list() == [None, 51]
    assert "Relu" in ops and "ApplyAdam" in ops


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_cells(cell):
    g = parity_rnn.build_graph(5, "parity", cell, num_hidden_units=3)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        parity, last, outputs = sess.run(
            [g.predicted_parity, g.last_output, g.outputs],
            {g.X: np.ones((2, 5, 1)), g.lengths: [5, 2]})
    assert parity.shape == (2,) and set(parity) <= {0, 1}
    # the second string is two bits long: its answer is read at step 2
    np.testing.assert_array_equal(last[1], outputs[1, 1])
    assert not outputs[1, 2:].any()


def test_book_preset_and_explicit_flags_win():
    args = parity_rnn.parse_args(["--article"])
    assert (args.cell, args.activation, args.target, args.learning_rate, args.lengths,
            args.epochs, args.batch_size) == ("rnn", "relu", "sum", 0.001, "fixed", 100,
                                              1000)
    args = parity_rnn.parse_args(["--article", "--epochs", "3", "--cell", "gru"])
    assert args.epochs == 3 and args.cell == "gru" and args.target == "sum"


# --- runs -------------------------------------------------------------------
SOLVE = ["--num-examples", "20000", "--epochs", "20",
         "--eval-examples", "3000", "--target-accuracy", "1.0"]


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """A model trained until it is right on every held-out string."""
    out = tmp_path_factory.mktemp("parity") / "solved"
    assert parity_rnn.main(SOLVE + ["--output-dir", str(out)]) == 0
    return out


@pytest.mark.slow
def test_variable_length_training_solves_it(solved):
    m = read_metrics(solved)
    # stopped early, when the validation strings were all right ...
    assert m["epochs_run"] < 20 and m["val_accuracy"] == 1.0
    assert m["history"][-1]["val_accuracy"] == 1.0
    assert all(e["val_accuracy"] < 1.0 for e in m["history"][:-1])
    # ... and judged on other fresh strings, which no decision saw
    assert m["parity_accuracy_fixed"] >= 0.999
    assert m["parity_accuracy_variable"] >= 0.999
    assert min(m["accuracy_by_length"].values()) >= 0.99
    assert m["steps"] == m["epochs_run"] * 200
    assert "sum_accuracy" not in m
    losses = utils.read_json(str(solved / "checkpoints" / "run_log.json"))["losses"]
    assert len(losses) == m["steps"]
    assert np.mean(losses[:50]) > 0.6 and np.mean(losses[-20:]) < 0.2
    for name in ("training.png", "accuracy_by_length.png"):
        assert (solved / name).stat().st_size > 10000


@pytest.mark.slow
def test_predict_matches_parity_by_hand_for_every_length(solved, capsys):
    rng = np.random.RandomState(2024)
    strings = ["".join(rng.choice(["0", "1"], size=n)) for n in range(1, 51)]
    strings += ["1" * 50, "0" * 50, "1" * 49]
    capsys.readouterr()
    assert parity_rnn.main(["--output-dir", str(solved), "--predict"] + strings) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(strings)
    for text, line in zip(strings, lines):
        assert line.split()[0] == text
        assert int(line.split()[-1]) == text.count("1") % 2, line


@pytest.mark.slow
def test_predict_errors(solved, tmp_path, capsys):
    for bad, message in (("10x1", "10x1: only the characters 0 and 1"),
                         ("1" * 60, "60 bits"), ("", "empty")):
        assert parity_rnn.main(["--output-dir", str(solved), "--predict", bad]) == 2
        assert message in capsys.readouterr().err
    assert parity_rnn.main(["--output-dir", str(tmp_path / "none"), "--predict",
                            "1"]) == 2
    assert "train first" in capsys.readouterr().err


@pytest.mark.slow
def test_fixed_length_training_stays_at_chance(tmp_path):
    out = tmp_path / "fixed"
    assert parity_rnn.main(["--lengths", "fixed", "--num-examples", "20000",
                            "--epochs", "3",
                            "--eval-examples", "3000", "--output-dir", str(out)]) == 0
    m = read_metrics(out)
    assert m["parity_accuracy_fixed"] < 0.6
    assert m["epochs_run"] == 3


@pytest.mark.slow
def test_sum_target_reports_sum_accuracy_and_predicts_sums(tmp_path, capsys):
    out = tmp_path / "sum"
    assert parity_rnn.main(["--quick", "--target", "sum", "--epochs", "4",
                            "--output-dir", str(out)]) == 0
    m = read_metrics(out)
    assert m["config"]["target"] == "sum" and m["steps"] == 4 * 40
    # Recompute sum_accuracy from --predict on the very test strings.
    args = parity_rnn.parse_args(["--quick"])
    test = parity_rnn.heldout_sets(args, "test")["fixed"]
    strings = ["".join("%d" % b for b in row) for row in test.X[:300, :, 0]]
    capsys.readouterr()
    assert parity_rnn.main(["--output-dir", str(out), "--predict"] + strings) == 0
    sums = [int(line.split()[2]) for line in capsys.readouterr().out.splitlines()]
    right = np.mean(np.array(sums) == test.sums[:300])
    assert right == pytest.approx(m["sum_accuracy"], abs=0.08)   # 300 of 2000 strings
    assert m["sum_accuracy"] > 0.1          # far above chance (1/51): it counts
    capsys.readouterr()
    parity_rnn.main(["--output-dir", str(out), "--predict", "0110"])
    words = capsys.readouterr().out.split()
    assert words[0] == "0110" and words[1] == "sum" and words[3] == "parity"
    assert int(words[-1]) == int(words[2]) % 2


@pytest.mark.parametrize("flags, message", [
    (["--num-examples", "0"], "--num-examples"),
    (["--batch-size", "-5"], "--batch-size"),
    (["--num-hidden-units", "0"], "--num-hidden-units"),
    (["--target-accuracy", "1.5"], "--target-accuracy"),
    (["--learning-rate", "-1"], "--learning-rate"),
    (["--cell", "transformer"], "--cell"),
])
def test_bad_values_exit_2_and_write_nothing(tmp_path, capsys, flags, message):
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as exc:
        parity_rnn.main(flags + ["--output-dir", str(out)])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_plots_keep_legends_off_the_data_and_name_chance(tmp_path, monkeypatch):
    figures = []
    monkeypatch.setattr(utils, "save_figure", lambda fig, path, show=False:
                        figures.append(fig))
    args = parity_rnn.parse_args([])
    log = {"losses": [0.7, 0.6, 0.1], "epochs": [
        {"epoch": 1, "val_accuracy": 0.5, "val_accuracy_variable": 0.6},
        {"epoch": 2, "val_accuracy": 1.0, "val_accuracy_variable": 1.0}]}
    parity_rnn.plot_training("unused.png", log, args)
    right = figures[0].axes[1]
    box = right.get_legend().get_bbox_to_anchor().transformed(right.transAxes.inverted())
    assert box.x0 > 1                                   # right of the axes, off the data
    parity_rnn.plot_by_length("unused.png", np.arange(1, 51), np.ones(50), args)
    ax = figures[1].axes[0]
    assert "chance (0.5)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_ylim()[1] > 1.2                       # room above the bars


def test_a_loss_over_decades_labels_only_the_decades(monkeypatch):
    from matplotlib.ticker import NullFormatter
    figures = []
    monkeypatch.setattr(utils, "save_figure", lambda fig, path, show=False:
                        figures.append(fig))
    args = parity_rnn.parse_args([])
    for losses, crowded in (([0.7, 0.6, 0.1], False), ([0.7, 0.01, 0.0004], True)):
        log = {"losses": losses, "epochs": [
            {"epoch": 1, "val_accuracy": 1.0, "val_accuracy_variable": 1.0}]}
        parity_rnn.plot_training("unused.png", log, args)
        minor = figures[-1].axes[0].yaxis.get_minor_formatter()
        assert isinstance(minor, NullFormatter) == crowded
