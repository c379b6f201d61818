"""parity_rnn.py: data, graph, training that solves it, --predict, bad input."""

import numpy as np
import pytest

import parity_rnn
import utils
from conftest import interrupt_then_resume, read_metrics


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
    assert parity_rnn.num_classes("sum", 50) == 51     # "50" must be sayable
    assert parity_rnn.num_classes("parity", 50) == 2
    assert parity_rnn.one_hot(np.array([1, 0]), 3).tolist() == [[0, 1, 0], [1, 0, 0]]


def test_heldout_strings_were_never_trained_on():
    train = parity_rnn.generate_data(100000, 50, "variable", parity_rnn.training_rng(42))
    fixed = parity_rnn.generate_data(10000, 50, "fixed", parity_rnn.heldout_rng(42, 0))
    seen = {row.tobytes() for row in train.X[train.lengths == 50, :, 0].astype(np.uint8)}
    assert not any(row.tobytes() in seen for row in fixed.X[:, :, 0].astype(np.uint8))
    assert not np.array_equal(
        parity_rnn.generate_data(5, 50, "fixed", parity_rnn.heldout_rng(42, 0)).X,
        parity_rnn.generate_data(5, 50, "fixed", parity_rnn.heldout_rng(42, 1)).X)


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
                                       {g.X: X, g.sequence_length: lengths})
        X2 = X.copy()
        X2[0, 1:], X2[1, 4:] = 1 - X2[0, 1:], 1 - X2[1, 4:]   # change only padding
        pred2 = sess.run(g.prediction, {g.X: X2, g.sequence_length: lengths})
    assert outputs.shape == (4, 10, 6) and pred.shape == (4, 11)
    for i, n in enumerate(lengths):
        np.testing.assert_array_equal(last[i], outputs[i, n - 1])
        assert not outputs[i, n:].any()        # dynamic_rnn zeroes past the end
    np.testing.assert_array_equal(pred, pred2)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_cells(cell):
    g = parity_rnn.build_graph(5, "parity", cell, num_hidden_units=3)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        parity = sess.run(g.predicted_parity, {g.X: np.ones((2, 5, 1)),
                                               g.sequence_length: [5, 2]})
    assert parity.shape == (2,) and set(parity) <= {0, 1}


def test_book_preset_and_explicit_flags_win():
    args = parity_rnn.parse_args(["--book"])
    assert (args.cell, args.activation, args.target, args.learning_rate, args.lengths,
            args.epochs, args.batch_size) == ("rnn", "relu", "sum", 0.001, "fixed", 100,
                                              1000)
    args = parity_rnn.parse_args(["--book", "--epochs", "3", "--cell", "gru"])
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
    assert m["parity_accuracy_fixed"] == 1.0
    assert m["parity_accuracy_variable"] == 1.0
    assert m["epochs_run"] < 20                  # stopped early at the target
    assert m["steps"] == m["epochs_run"] * 200
    assert "sum_accuracy" not in m
    losses = utils.read_json(str(solved / "checkpoints" / "state.json"))["losses"]
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
    assert parity_rnn.main(["--quick", "--target", "sum", "--output-dir", str(out)]) == 0
    m = read_metrics(out)
    assert 0 <= m["sum_accuracy"] <= 1
    assert m["config"]["target"] == "sum" and m["steps"] == 2 * 40
    capsys.readouterr()
    parity_rnn.main(["--output-dir", str(out), "--predict", "0110"])
    words = capsys.readouterr().out.split()
    assert words[0] == "0110" and words[1] == "sum" and words[3] == "parity"
    assert int(words[-1]) == int(words[2]) % 2


@pytest.mark.slow
def test_same_seed_same_figures(tmp_path):
    runs = []
    for name in ("a", "b"):
        parity_rnn.main(["--quick", "--output-dir", str(tmp_path / name)])
        m = read_metrics(tmp_path / name)
        runs.append((m["parity_accuracy_fixed"], m["parity_accuracy_variable"],
                     [e["train_loss"] for e in m["history"]]))
    assert runs[0] == runs[1]


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


@pytest.mark.slow
def test_ctrl_c_then_resume(tmp_path):
    flags = ["--lengths", "fixed", "--num-examples", "5000", "--batch-size", "100",
             "--eval-examples", "500", "--output-dir", str(tmp_path / "int")]
    _, resumed, epochs = interrupt_then_resume("parity_rnn.py", parity_rnn.main, flags,
                                               50, 1, per_epoch=50)
    assert resumed["epochs_run"] == epochs
    assert [e["epoch"] for e in resumed["history"]] == list(range(1, epochs + 1))
