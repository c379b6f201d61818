"""char_rnn.py: data, graph (shared weights, carried state), runs, sampling,
evaluation, bad input, Ctrl-C + resume."""
import json
import os

import numpy as np
import pytest

import char_extras
import char_rnn
import utils
from conftest import read_metrics, run_quietly, run_script

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


def test_training_validation_test_in_order_and_apart():
    text = char_rnn.read_text(TEMPEST)
    train, val, test = char_rnn.split_text(text, 0.1, 0.1)
    assert train + val + test == text
    assert len(val) == len(test) == int(len(text) * 0.1)
    args = char_rnn.parse_args(["--output-dir", "unused"])
    data = char_rnn.prepare(args)
    x, y = data.train
    assert (data.val_text, data.test_text) == (val, test)
    assert y.max() < len(data.vocab)
    assert x.size + x.shape[1] <= len(train)          # windows only from training text
    np.testing.assert_array_equal(data.val[0][0, 0],
                                  char_rnn.encode(val[:args.seq_length], data.vocab))
    np.testing.assert_array_equal(data.test[0][0, 0],
                                  char_rnn.encode(test[:args.seq_length], data.vocab))
    # the last training target is the character just before the validation text
    assert data.vocab[y[-1, -1, -1]] in train[-len(train) // 16 - 1:]


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


def test_a_gzipped_text_is_read_unpacked(tmp_path):
    text = char_rnn.read_text(os.path.join(char_rnn.HERE, "data", "tinyshakespeare.txt.gz"))
    assert len(text) == 1115394 and len(set(text)) == 65
    assert text.startswith("First Citizen:\n")
    broken = tmp_path / "broken.txt.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(utils.DataError, match="cannot read it"):
        char_rnn.read_text(str(broken))


@pytest.mark.parametrize("flags, message", [
    (["--weight-decay", "-0.1"], "--weight-decay"),
    (["--average", "1"], "--average"),
    (["--dynamic-evaluation", "yes"], "--dynamic-evaluation"),
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
def test_the_hand_written_cell_has_the_articles_variables():
    g = char_rnn.build_graph(11, "manual", hidden_size=8, num_layers=1, seq_length=5)
    with g.graph.as_default():
        shapes = {v.op.name: v.shape.as_list() for v in utils.tf.trainable_variables()}
    # the article's names and shapes (column vectors: Wxh is H x V)
    assert shapes == {"rnn_cell/Wxh": [8, 11], "rnn_cell/Whh": [8, 8],
                      "rnn_cell/bh": [8, 1], "Why": [11, 8], "by": [11, 1]}


def test_article_builds_the_articles_graph():
    """--article: min-char-rnn in TensorFlow. One hand-written tanh layer of
    100 with the article's variables, windows of 25, one sequence per step,
    Adadelta, no dropout and no clipping."""
    args = char_rnn.parse_args(["--article"])
    assert (args.cell, args.num_layers, args.hidden_size, args.seq_length,
            args.batch_size, args.optimizer, args.learning_rate, args.dropout,
            args.grad_clip) == ("manual", 1, 100, 25, 1, "adadelta", 0.2, 1.0, 0.0)
    # none of ours: the weights as trained, no decay of them
    assert (args.average, args.weight_decay, args.lr_decay) == (0.0, 0.0, 1.0)
    model = {k: getattr(args, k) for k in char_rnn.MODEL_KEYS}
    g = char_rnn.graph_for(model, 62, args, "/device:CPU:0")
    with g.graph.as_default():
        shapes = {v.op.name: v.shape.as_list() for v in utils.tf.trainable_variables()}
        ops = {op.type for op in g.graph.get_operations()}
        names = [op.name for op in g.graph.get_operations()]
    assert shapes == {"rnn_cell/Wxh": [100, 62], "rnn_cell/Whh": [100, 100],
                      "rnn_cell/bh": [100, 1], "Why": [62, 100], "by": [62, 1]}
    assert g.x.shape.as_list() == [None, 25]
    assert "ApplyAdadelta" in ops and "ApplyAdam" not in ops
    assert not any("clip_by_global_norm" in n for n in names)
    # with dropout 1.0 the training graph's output is the sampler's: no mask
    x = np.arange(25, dtype=np.int32)[None, :] % 62
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        a = sess.run(g.logits, {g.x: x, g.keep_prob: args.dropout})
        b = sess.run(g.logits, {g.x: x})
    np.testing.assert_array_equal(a, b)


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


def one_step_weights(**options):
    """Every trainable weight after one Adam step on the same window."""
    g = char_rnn.build_graph(9, "gru", hidden_size=6, seq_length=4, seed=3,
                             optimizer="adam", learning_rate=0.01, **options)
    x = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], np.int32)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        sess.run(g.train_op, {g.x: x, g.y: x[:, ::-1]})
        with g.graph.as_default():
            return sess.run({v.op.name: v for v in utils.tf.trainable_variables()})


def test_weight_decay_shrinks_the_matrices_after_the_step():
    plain, decayed = one_step_weights(), one_step_weights(weight_decay=0.5)
    assert plain.keys() == decayed.keys()
    for name, value in plain.items():
        # learning rate 0.01 x decay 0.5: matrices shrink by 0.5%; biases (by is
        # V x 1) keep theirs
        shrink = 1 - 0.005 if min(value.shape) > 1 else 1.0
        np.testing.assert_allclose(decayed[name], value * shrink, rtol=1e-5, atol=1e-7,
                                   err_msg=name)


def test_the_average_takes_the_place_of_the_weights_and_gives_it_back():
    g = char_rnn.build_graph(9, "gru", hidden_size=6, seq_length=4, seed=3,
                             optimizer="adam", learning_rate=0.05, average=0.5)
    x = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], np.int32)
    with g.graph.as_default():
        weights = utils.tf.trainable_variables()
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        values = [sess.run(weights)]
        for _ in range(3):
            sess.run(g.train_op, {g.x: x, g.y: x[:, ::-1]})
            values.append(sess.run(weights))
        with char_extras.averaged_weights(sess, g.averaged):
            averaged = sess.run(weights)
        after = sess.run(weights)
    # The average starts from the initial weights; at step s it keeps
    # min(0.5, (1 + s) / (10 + s)) of itself (num_updates: early steps count more).
    expected = values[0]
    for step in (1, 2, 3):
        keep = min(0.5, (1.0 + step) / (10.0 + step))
        expected = [keep * e + (1 - keep) * v for e, v in zip(expected, values[step])]
    for a, e, now, trained in zip(averaged, expected, after, values[-1]):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(now, trained)
    assert not np.allclose(averaged[0], values[-1][0])


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
class SpySession(utils.tf.Session):
    """A session that records what each training step was fed and returned."""

    graph_tensors = None
    steps = []

    def run(self, fetches, feed_dict=None, **kw):
        results = utils.tf.Session.run(self, fetches, feed_dict, **kw)
        g = SpySession.graph_tensors
        if isinstance(fetches, list) and len(fetches) > 1 and fetches[1] is g.train_op:
            SpySession.steps.append(([feed_dict.get(t) for t in g.init_state], results[2]))
        return results


@pytest.mark.slow
def test_the_state_is_carried_within_an_epoch_and_reset_between(tmp_path, monkeypatch):
    """The article's fix: window k starts from the state window k - 1 ended
    with; each epoch's first window starts from zeros (nothing fed)."""
    real_build = char_rnn.build_graph

    def build(*a, **k):
        SpySession.graph_tensors = real_build(*a, **k)
        return SpySession.graph_tensors
    monkeypatch.setattr(char_rnn, "build_graph", build)
    monkeypatch.setattr(utils, "make_session",
                        lambda graph, threads=0: SpySession(graph=graph))
    monkeypatch.setattr(SpySession, "steps", [])
    assert run_quietly(char_rnn.main, ["--quick", "--epochs", "2", "--num-layers", "2",
                                       "--output-dir", str(tmp_path / "spy")]) == 0
    steps = SpySession.steps
    windows = read_metrics(tmp_path / "spy")["history"][0]["step"]
    assert len(steps) == 2 * windows
    for k, (fed, _) in enumerate(steps):
        if k % windows == 0:
            assert all(f is None for f in fed), k          # a new epoch: zeros
        else:
            previous = steps[k - 1][1]                      # the state just returned
            assert len(fed) == len(previous) == 4           # every layer's c and h
            for f, p in zip(fed, previous):
                np.testing.assert_array_equal(f, p)


@pytest.mark.slow
def test_quick_run(tmp_path):
    out = tmp_path / "quick"
    assert char_rnn.main(["--quick", "--output-dir", str(out)]) == 0
    m = read_metrics(out)
    for key in ("train_bpc", "val_bpc", "test_bpc", "vocab_size", "epochs_run", "steps",
                "train_seconds", "ngram_order", "ngram_discount", "ngram_val_bpc",
                "ngram_test_bpc", "mixture_weight", "mixture_val_bpc", "mixture_test_bpc",
                "ngram_online_val_bpc", "ngram_online_test_bpc", "dynamic_rate",
                "dynamic_val_bpc", "dynamic_test_bpc"):
        assert isinstance(m[key], (int, float)), key
    # the count model and the mixture, chosen on validation: the mixture's
    # validation figure can only beat both of its parts (weights 0 and 1 are
    # among those tried)
    assert m["mixture_val_bpc"] <= min(m["val_bpc"], m["ngram_val_bpc"]) + 1e-9
    assert 2.0 < m["ngram_val_bpc"] < 3.5          # 20,000 characters of counts
    assert set(m["test_paired_differences"]) == {
        "network_minus_ngram", "mixture_minus_network", "mixture_minus_ngram",
        "dynamic_minus_ngram_online"}
    mean, low, high = m["test_paired_differences"]["network_minus_ngram"]
    assert low <= mean <= high
    assert mean == pytest.approx(m["test_bpc"] - m["ngram_test_bpc"])
    # every model's bits for the same characters of the held-out parts
    bits = np.load(str(out / "heldout_bits.npz"))
    val_text = char_rnn.split_text(char_rnn.read_text(TEMPEST)[:20000], 0.1, 0.1)[1]
    for name in ("network", "ngram", "mixture", "ngram_online", "dynamic"):
        assert bits[name + "_val"].shape == (len(val_text) - 1,)
        assert bits[name + "_test"].mean() == pytest.approx(m[name + "_test_bpc"] if
                                                            name != "network" else
                                                            m["test_bpc"])
    assert m["epochs_run"] == 2 and m["vocab_size"] == 63   # the first 20,000 characters
    assert m["steps"] == 2 * m["history"][0]["step"]
    assert m["history"][1]["val_bpc"] < m["history"][0]["val_bpc"] < 6.0
    # The reported figure is the test text's, scored once with the weights of
    # the epoch validation chose: --evaluate on the test text gives it again.
    test_text = char_rnn.split_text(char_rnn.read_text(TEMPEST)[:20000], 0.1, 0.1)[2]
    (tmp_path / "test.txt").write_text(test_text, encoding="utf-8")
    result = run_script("char_rnn.py", "--output-dir", str(out), "--evaluate",
                        str(tmp_path / "test.txt"))
    assert "bits_per_char=%.4f" % m["test_bpc"] in result.stdout
    for name in ("training.png", "surprise.png"):
        assert (out / name).stat().st_size > 10000
    assert (out / "samples.txt").read_text(encoding="utf-8").startswith("PROSPERO.")
    assert json.loads((out / "vocab.json").read_text())["cell"] == "lstm"
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
    # the prime, then what the model wrote after it
    assert result.stdout.startswith("PROSPERO.") and len(result.stdout) == 9 + 300
    assert set(result.stdout) <= set(vocab)


@pytest.mark.slow
def test_sample_is_seeded_and_checks_the_prime(trained, capsys):
    outs = []
    for _ in range(2):
        char_rnn.main(["--output-dir", str(trained), "--sample", "50", "--seed", "3"])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and len(outs[0]) == len("PROSPERO.") + 50
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


def test_a_prime_outside_the_vocabulary_stops_before_training(tmp_path, capsys):
    """A text without '.' cannot start a sample from the default 'PROSPERO.'."""
    path = tmp_path / "no_dot.txt"
    path.write_text("PROSPER and his island, " * 400, encoding="utf-8")
    out = tmp_path / "never"
    assert char_rnn.main(["--data", str(path), "--quick", "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--prime" in err and str(path) in err
    assert err.endswith(": '.'")                    # the one character missing
    assert not out.exists()
    assert run_quietly(char_rnn.main, ["--data", str(path), "--quick", "--prime", "PRO",
                                       "--output-dir", str(out)]) == 0


@pytest.mark.slow
def test_resume_refuses_a_text_with_another_vocabulary(trained, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text("abc " * 5000, encoding="utf-8")
    before = sorted(os.listdir(str(trained)))
    assert char_rnn.main(TRAINED + ["--resume", "--data", str(other), "--prime", "abc",
                                    "--output-dir", str(trained)]) == 2
    err = capsys.readouterr().err
    assert "--data" in err and str(other) in err
    assert sorted(os.listdir(str(trained))) == before


def test_layers_unrolled_one_after_the_other_compute_what_multirnncell_does():
    rng = np.random.RandomState(0)
    inputs = rng.rand(3, 6, 2).astype(np.float32)
    outs = []
    for stacked in (True, False):
        graph = utils.tf.Graph()
        with graph.as_default():
            utils.tf.set_random_seed(1)
            x = utils.tf.constant(inputs)
            cells = [utils.tf.nn.rnn_cell.GRUCell(4), utils.tf.nn.rnn_cell.GRUCell(5)]
            if stacked:
                out, state = utils.tf.nn.dynamic_rnn(
                    utils.tf.nn.rnn_cell.MultiRNNCell(cells), x, dtype=utils.tf.float32)
            else:
                out, state = char_rnn.unroll(cells, x, char_rnn.zero_state(cells, 3))
            weights = sorted(utils.tf.trainable_variables(), key=lambda v: v.op.name)
            init = utils.tf.global_variables_initializer()
        with utils.tf.Session(graph=graph) as sess:
            sess.run(init)
            if outs:      # the second graph gets the first one's weights
                for v, value in zip(weights, outs[0][2]):
                    v.load(value, sess)
            outs.append(sess.run([out, state]) + [sess.run(weights)])
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-5)
    for a, b in zip(outs[0][1], outs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert outs[0][0].shape == (3, 6, 5)


@pytest.mark.slow
def test_evaluate_scores_every_character(trained, tmp_path, capsys):
    """56 characters: two windows of 25 and 5 more; each of the 55 after the
    first is scored, as the sampler scores them one at a time."""
    text = char_rnn.read_text(TEMPEST)[70000:70056]
    path = tmp_path / "short.txt"
    path.write_text(text, encoding="utf-8")
    assert char_rnn.main(["--output-dir", str(trained), "--evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "characters=56 scored=55 " in out
    bpc = float(out.split("bits_per_char=")[1].split()[0])
    args = char_rnn.parse_args(["--output-dir", str(trained)])
    vocab, g, sess = char_rnn.load_trained(args)
    with sess:
        one_at_a_time = sampler_bits(sess, g, vocab, text)
    assert len(one_at_a_time) == 55
    assert bpc == pytest.approx(one_at_a_time.mean(), abs=1e-3)


def sampler_bits(sess, g, vocab, text):
    """Bits for each character of `text` after the first, one at a time
    through the sampler, the state carried."""
    bits, state, probs = [], None, None
    for i in char_rnn.encode(text, vocab):
        if probs is not None:
            bits.append(-np.log2(probs[i]))
        feed = char_rnn.with_state({g.sample_x: [[i]]}, g.sample_init_state, state)
        probs, state = sess.run([g.sample_probs, g.sample_final_state], feed)
    return np.array(bits)


def captured_figures(monkeypatch):
    figures = []
    real = utils.save_figure
    monkeypatch.setattr(utils, "save_figure",
                        lambda fig, path, show=False: figures.append(fig) or real(
                            fig, path, show))
    return figures


def test_plots_say_what_they_show(tmp_path, monkeypatch):
    figures = captured_figures(monkeypatch)
    log = {"losses": [4.0, 3.5, 3.0, 2.9], "epochs": [
        {"epoch": 1, "step": 2, "train_bpc": 3.7, "val_bpc": 3.6},
        {"epoch": 2, "step": 4, "train_bpc": 2.95, "val_bpc": 3.1}]}
    for dropout, said in ((1.0, "no dropout"), (0.5, "keep 0.50")):
        args = char_rnn.parse_args(["--dropout", str(dropout)])
        char_rnn.plot_training(str(tmp_path / "t.png"), log, args)
        ax = figures[-1].axes[0]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert said in ax.get_title()
        assert ("(with dropout)" in " ".join(legend)) == (dropout < 1)
        assert "validation, averaged weights" in legend       # --average 0.998
    args = char_rnn.parse_args(["--average", "0"])
    char_rnn.plot_training(str(tmp_path / "t.png"), log, args)
    assert "validation" in [t.get_text() for t in figures[-1].axes[0].get_legend().get_texts()]
    char_rnn.plot_surprise(str(tmp_path / "s.png"), "abcd", np.array([0.1, 4.0, 9.0]))
    fig = figures[-1]
    assert len(fig.axes) == 2 and "bits" in fig.axes[1].get_ylabel()   # the colour bar
    colours = [t.get_color() for t in fig.axes[0].texts]
    assert colours == ["black", "black", "white"]      # readable on the darkest shade
    assert "mean 4.37 over its 3 characters" in fig.axes[0].get_title()   # the characters shown
