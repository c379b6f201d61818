"""char_rnn.py: data, graph (shared weights, carried state), runs, sampling,
evaluation, bad input, Ctrl-C + resume."""
import io
import json
import os

import numpy as np
import pytest

import char_rnn
import utils
from conftest import interrupt_then_resume, read_metrics, run_script

TEMPEST = os.path.join(char_rnn.HERE, "data", "tempest.txt")


# --- data -------------------------------------------------------------------
def test_the_play_and_its_vocabulary():
    text = char_rnn.read_text(TEMPEST)
    assert len(text) == 98332
    vocab = char_rnn.build_vocab(text)
    assert len(vocab) == 70 and vocab == sorted(vocab)
    assert vocab[0] == "\n" and "P" in vocab
    ids = char_rnn.encode("PROSPERO", vocab)
    assert "".join(vocab[i] for i in ids) == "PROSPERO"


def test_gen_epoch_data_windows_continue_each_other():
    ids = np.arange(1000, dtype=np.int32)
    x, y = char_rnn.genEpochData(ids, 4, 10)
    assert x.shape == y.shape == (24, 4, 10)         # (250 - 1) // 10 windows
    np.testing.assert_array_equal(y, x + 1)          # y is x one character on
    assert x[0, 1, 0] == 250                          # stream 1 starts a quarter in
    # window k + 1 of a stream starts where window k stopped
    np.testing.assert_array_equal(x[1:, :, 0], x[:-1, :, -1] + 1)
    assert char_rnn.genEpochData(np.arange(40), 4, 10) is None


def test_validation_is_the_tail_and_never_trained_on():
    text = char_rnn.read_text(TEMPEST)
    train, val = char_rnn.split_text(text, 0.1)
    assert train + val == text
    assert len(val) == int(len(text) * 0.1)
    args = char_rnn.parse_args(["--output-dir", "unused"])
    vocab, (x, y), (vx, vy), val_text = char_rnn.prepare(args)
    assert val_text == val
    assert y.max() < len(vocab)
    assert x.size + x.shape[1] <= len(train)          # windows only from training text
    first_val = char_rnn.encode(val[:args.seq_length], vocab)
    np.testing.assert_array_equal(vx[0, 0], first_val)


@pytest.mark.parametrize("content, message", [
    (None, "cannot read it"),
    (b"", "the file is empty"),
    (b"caf\xe9 au lait", "not UTF-8 text (byte 3 is 0xe9)"),
    (b"too short for one batch", "too short"),
])
def test_bad_data_files_exit_2_with_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "text.txt"
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "out"
    assert char_rnn.main(["--data", str(path), "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(path) in err and message in err
    assert not out.exists()


@pytest.mark.parametrize("flags, message", [
    (["--temperature", "0"], "--temperature"),
    (["--dropout", "0"], "--dropout"),
    (["--dropout", "1.5"], "--dropout"),
    (["--seq-length", "0"], "--seq-length"),
    (["--val-fraction", "1"], "--val-fraction"),
    (["--hidden-size", "-3"], "--hidden-size"),
    (["--cell", "transformer"], "--cell"),
    (["--prime", ""], "--prime"),
])
def test_bad_values_exit_2(tmp_path, capsys, flags, message):
    with pytest.raises(SystemExit) as exc:
        char_rnn.main(flags + ["--output-dir", str(tmp_path / "never")])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


# --- graph ------------------------------------------------------------------
@pytest.mark.parametrize("cell, layers", [("manual", 2), ("gru", 1), ("lstm", 2)])
def test_sampler_shares_the_trained_weights(cell, layers):
    g = char_rnn.build_graph(11, cell, hidden_size=8, num_layers=layers, seq_length=5,
                             seed=1)
    with g.graph.as_default():
        trainable = utils.tf.trainable_variables()
    # one set of weights: the sampler added none
    per_layer = {"manual": 3, "gru": 4, "lstm": 2}[cell]
    assert len(trainable) == per_layer * layers + 2
    x = np.array([[3, 1, 4, 1, 5]], np.int32)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        for _ in range(3):                      # train a little: weights move
            sess.run(g.train_op, {g.x: np.tile(x, (4, 1)),
                                  g.y: np.tile(x[:, ::-1], (4, 1))})
        logits = sess.run(g.logits, {g.x: x})
        probs = sess.run(g.sample_probs, {g.sample_x: [[3]]})
    expected = np.exp(logits[0, 0]) / np.exp(logits[0, 0]).sum()
    np.testing.assert_allclose(probs, expected, rtol=1e-4)
    assert logits.shape == (1, 5, 11)


def test_the_carried_state_changes_the_prediction():
    g = char_rnn.build_graph(7, "manual", hidden_size=6, seq_length=4, seed=2)
    x = np.array([[1, 2, 3, 4], [4, 3, 2, 1]], np.int32)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        state = sess.run(g.final_state, {g.x: x})
        fresh = sess.run(g.logits, {g.x: x})
        carried = sess.run(g.logits, char_rnn.with_state({g.x: x}, g.init_state, state))
    assert state[0].shape == (2, 6)
    assert not np.allclose(fresh[:, 0], carried[:, 0])


# --- runs -------------------------------------------------------------------
@pytest.mark.slow
def test_quick_run(tmp_path):
    out = tmp_path / "quick"
    assert char_rnn.main(["--quick", "--output-dir", str(out)]) == 0
    m = read_metrics(out)
    for key in ("train_bpc", "val_bpc", "vocab_size", "epochs_run", "steps",
                "train_seconds"):
        assert key in m
    assert m["epochs_run"] == 2 and m["vocab_size"] == 63   # the first 20,000 characters
    assert m["steps"] == 2 * m["history"][0]["step"]
    assert m["history"][1]["val_bpc"] < m["history"][0]["val_bpc"] < 6.0
    for name in ("training.png", "surprise.png"):
        assert (out / name).stat().st_size > 10000
    assert (out / "samples.txt").read_text(encoding="utf-8").startswith("PROSPERO.")
    assert json.loads((out / "vocab.json").read_text())["cell"] == "gru"
    assert utils.tf.train.latest_checkpoint(str(out / "best"))


TRAINED = ["--max-chars", "40000", "--cell", "manual", "--num-layers", "1",
           "--hidden-size", "64", "--seq-length", "25",
           "--batch-size", "16", "--epochs", "8", "--learning-rate", "0.01",
           "--dropout", "1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("char") / "model"
    assert char_rnn.main(TRAINED + ["--output-dir", str(out)]) == 0
    return out


@pytest.mark.slow
def test_sample_prints_exactly_n_characters_of_the_vocabulary(trained):
    result = run_script("char_rnn.py", "--output-dir", str(trained), "--sample", "300")
    assert result.returncode == 0, result.stderr
    vocab = json.loads((trained / "vocab.json").read_text())["vocab"]
    assert len(result.stdout) == 300
    assert set(result.stdout) <= set(vocab)


@pytest.mark.slow
def test_sample_is_seeded_and_checks_the_prime(trained, capsys):
    outs = []
    for _ in range(2):
        char_rnn.main(["--output-dir", str(trained), "--sample", "50", "--seed", "3"])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and len(outs[0]) == 50
    assert char_rnn.main(["--output-dir", str(trained), "--sample", "5",
                          "--prime", "PROSPERO\u00e9@"]) == 2
    err = capsys.readouterr().err
    assert "'\u00e9'" in err and "'@'" in err and "vocabulary" in err


@pytest.mark.slow
def test_evaluate_english_beats_the_same_characters_shuffled(trained, tmp_path, capsys):
    text = char_rnn.read_text(TEMPEST)[60000:70000]      # never seen in training
    chars = list(text)
    np.random.RandomState(0).shuffle(chars)
    english, shuffled = tmp_path / "english.txt", tmp_path / "shuffled.txt"
    english.write_text(text, encoding="utf-8")
    shuffled.write_text("".join(chars), encoding="utf-8")
    bpc = {}
    for path in (english, shuffled):
        assert char_rnn.main(["--output-dir", str(trained), "--evaluate", str(path)]) == 0
        out = capsys.readouterr().out
        bpc[path.name] = float(out.split("bits_per_char=")[1].split()[0])
    assert bpc["english.txt"] < 3.3
    assert bpc["english.txt"] < bpc["shuffled.txt"] - 0.8


@pytest.mark.slow
def test_evaluate_reports_characters_outside_the_vocabulary(trained, tmp_path, capsys):
    path = tmp_path / "odd.txt"
    path.write_text(char_rnn.read_text(TEMPEST)[:3000] + "@@@~~", encoding="utf-8")
    assert char_rnn.main(["--output-dir", str(trained), "--evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "out_of_vocabulary=5" in out and "'@' x3" in out and "'~' x2" in out


def test_sample_without_a_model_says_train_first(tmp_path, capsys):
    assert char_rnn.main(["--output-dir", str(tmp_path / "none"), "--sample", "5"]) == 2
    assert "train first" in capsys.readouterr().err


@pytest.mark.slow
def test_resume_refuses_a_text_with_another_vocabulary(trained, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text("abc " * 5000, encoding="utf-8")
    before = sorted(os.listdir(str(trained)))
    assert char_rnn.main(TRAINED + ["--resume", "--data", str(other),
                                    "--output-dir", str(trained)]) == 2
    err = capsys.readouterr().err
    assert "vocabulary" in err and str(other) in err
    assert sorted(os.listdir(str(trained))) == before


@pytest.mark.slow
def test_ctrl_c_then_resume_keeps_the_step_count_and_the_best(tmp_path):
    out = str(tmp_path / "int")
    flags = ["--max-chars", "30000", "--hidden-size", "32", "--num-layers", "1",
             "--seq-length", "20", "--batch-size", "8", "--patience", "50",
             "--output-dir", out]
    stopped, resumed, epochs = interrupt_then_resume("char_rnn.py", char_rnn.main,
                                                     flags, 40, 2)
    assert resumed["epochs_run"] == epochs
    assert [e["epoch"] for e in resumed["history"]] == list(range(1, epochs + 1))
    assert resumed["best_epoch"] >= stopped["best_epoch"]
    assert resumed["val_bpc"] == min(e["val_bpc"] for e in resumed["history"])
    with io.open(os.path.join(out, "best", "state.json")) as handle:
        assert json.load(handle)["epochs"][-1]["epoch"] == resumed["best_epoch"]
