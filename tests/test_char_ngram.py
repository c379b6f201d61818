"""char_ngram.py: the count model char_rnn.py is compared with (Kneser-Ney
arithmetic, probabilities that sum to one, fitted on the training text only),
the mixture's weight chosen on validation, the paired block bootstrap; and
dynamic evaluation, which must leave the trained weights as they were."""
import os

import numpy as np
import pytest

import char_extras
import char_ngram
import char_rnn
import utils

TEMPEST = os.path.join(char_rnn.HERE, "data", "tempest.txt")


def test_kneser_ney_by_hand_on_a_tiny_text():
    """"abab" with discount 0.5: the bigram model's P(a | b) and P(b | b)."""
    model = char_ngram.KneserNey(V=3, max_order=2).fit("abab")
    # bigrams ab, ba, ab: after b, a once (one distinct character). The
    # unigram level counts, for each character, the distinct characters seen
    # before it: a after b, b after a, 2 in all, 2 characters with a count:
    # P1(a) = (max(1 - .5, 0) + .5 * 2 * 1/3) / 2 = 5/12
    # P2(a | b) = (max(1 - .5, 0) + .5 * 1 * P1(a)) / 1 = 1/2 + 5/24
    assert model.prob("b", "a", 2, 0.5) == pytest.approx(0.5 + 5.0 / 24)
    assert model.prob("b", "b", 2, 0.5) == pytest.approx(0.5 * 5.0 / 12)
    # order 1 has raw counts on top (a 2, b 2): P(c) = (0 + .5 * 2 * 1/3) / 4
    assert model.prob("", "c", 1, 0.5) == pytest.approx(1.0 / 12)
    # an unseen context falls back to the level below: P1(a), of the
    # continuation counts (not the unigram model's raw counts, 11/24)
    assert model.prob("c", "a", 2, 0.5) == pytest.approx(5.0 / 12)


@pytest.mark.parametrize("order, discount", [(1, 0.5), (3, 0.8), (6, 0.9), (10, 1.0)])
def test_probabilities_sum_to_one_over_the_vocabulary_at_every_context(order, discount):
    text = char_rnn.read_text(TEMPEST)
    vocab = char_rnn.build_vocab(text)
    model = char_ngram.KneserNey(len(vocab), max_order=10).fit(text[:20000])
    rng = np.random.RandomState(0)
    contexts = ["", "PROSPERO", "zzqx", text[30000:30009], "\n"]
    contexts += [text[i:i + rng.randint(0, 12)] for i in rng.randint(20000, 90000, 20)]
    for context in contexts:
        p = model.distribution(context, vocab, order, discount)
        assert p.min() > 0 and p.sum() == pytest.approx(1.0, abs=1e-9), context
    # and after the counts are updated while reading
    model.score(text[40000:41000], order, discount, online=True)
    for context in contexts:
        assert model.distribution(context, vocab, order, discount).sum() == \
            pytest.approx(1.0, abs=1e-9)


def test_score_all_orders_at_once_is_each_order_alone():
    text = char_rnn.read_text(TEMPEST)
    model = char_ngram.KneserNey(70, max_order=10).fit(text[:30000])
    held_out = text[50000:51000]
    together = model.score_all(held_out, (2, 5, 7), 0.8)
    for row, order in zip(together, (2, 5, 7)):
        np.testing.assert_allclose(row, model.score(held_out, order, 0.8), rtol=1e-12)
    assert together.shape == (3, 999)


def test_the_count_model_is_fitted_on_the_training_text_only(monkeypatch):
    text = char_rnn.read_text(TEMPEST)[:30000]
    args = char_rnn.parse_args(["--max-chars", "30000", "--seq-length", "20"])
    data = char_rnn.prepare(args)
    fitted = []
    real_fit = char_ngram.KneserNey.fit
    monkeypatch.setattr(char_ngram.KneserNey, "fit",
                        lambda self, t: fitted.append(t) or real_fit(self, t))
    network = [np.full(len(t) - 1, 4.0) for t in (data.val_text, data.test_text)]
    found = char_ngram.compare(data, data.vocab, network)
    train, val, test = char_rnn.split_text(text, 0.1, 0.1)
    # once to choose on validation, once per held-out part for the online counts
    assert fitted == [train, train, train] and data.train_text == train
    assert found["ngram_val_bpc"] == pytest.approx(
        min(found_table_values(data, data.vocab)))
    # the order and discount are the validation table's best, and its figures
    # are of exactly the characters the network scores
    assert len(found["bits"]["ngram_test"]) == len(test) - 1
    assert found["ngram_test_bpc"] == pytest.approx(found["bits"]["ngram_test"].mean())
    # online counts read the held-out text as well: they can only learn from it
    assert found["ngram_online_test_bpc"] < found["ngram_test_bpc"]


def found_table_values(data, vocab):
    return char_ngram.choose(data.train_text, data.val_text, len(vocab))[1]["table"].values()


def test_the_mixture_weight_is_chosen_on_validation():
    rng = np.random.RandomState(1)
    # on validation the network is the better model, on test the count model
    val_net, val_ng = rng.uniform(1, 2, 4000), rng.uniform(3, 4, 4000)
    test_net, test_ng = rng.uniform(3, 4, 4000), rng.uniform(1, 2, 4000)
    weight = char_ngram.choose_weight(val_net, val_ng)
    assert weight >= 0.9
    assert char_ngram.choose_weight(test_net, test_ng) <= 0.1      # would be wrong
    # the mixture is a probability: between the two, and at 1 and 0 each model
    mixed = char_ngram.mixture_bits(val_net, val_ng, 0.5)
    assert np.all(mixed >= np.minimum(val_net, val_ng)) and np.all(
        mixed <= np.maximum(val_net, val_ng))
    np.testing.assert_allclose(char_ngram.mixture_bits(val_net, val_ng, 1.0), val_net)
    np.testing.assert_allclose(char_ngram.mixture_bits(val_net, val_ng, 0.0), val_ng)


def test_compare_takes_the_weight_from_validation_not_test():
    text = char_rnn.read_text(TEMPEST)[:30000]
    args = char_rnn.parse_args(["--max-chars", "30000", "--seq-length", "20"])
    data = char_rnn.prepare(args)
    model = char_ngram.KneserNey(len(data.vocab)).fit(data.train_text)
    # a "network" that is another count model (order 3) on validation, and
    # useless on test
    network = [model.score(data.val_text, 3, 0.8),
               np.full(len(text) - len(data.train_text) - len(data.val_text) - 1, 9.0)]
    found = char_ngram.compare(data, data.vocab, network)
    assert 0.05 <= found["mixture_weight"] <= 0.95
    assert found["mixture_val_bpc"] < found["ngram_val_bpc"]
    assert found["mixture_test_bpc"] > found["ngram_test_bpc"]   # validation was wrong
    mean, low, high = found["test_paired_differences"]["mixture_minus_ngram"]
    assert low <= mean <= high and mean > 0


def test_block_bootstrap():
    rng = np.random.RandomState(2)
    diffs = rng.normal(0.1, 1.0, 10000)
    mean, low, high = char_ngram.block_bootstrap(diffs)
    assert mean == pytest.approx(diffs.mean()) and low < mean < high
    assert 0.0 < high - low < 0.2
    # a constant difference has no spread, whatever the blocks
    assert char_ngram.block_bootstrap(np.full(1234, -0.25)) == pytest.approx(
        [-0.25, -0.25, -0.25])
    # blocks keep neighbours together: alternating runs of 500 give no spread
    runs = np.repeat(np.tile([1.0, -1.0], 10), 500)
    assert char_ngram.block_bootstrap(runs, block=1000)[1:] == pytest.approx([0, 0])


def test_dynamic_evaluation_learns_while_reading_and_puts_the_weights_back():
    g = char_rnn.build_graph(11, "gru", hidden_size=8, num_layers=1, seq_length=5,
                             seed=1, optimizer="adam", learning_rate=0.01)
    rng = np.random.RandomState(0)
    ids = np.tile(np.array([1, 2, 3, 4, 5, 6, 7], np.int32), 20)    # a pattern to learn
    windows = char_rnn.genEpochData(ids, 1, 5)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        for _ in range(3):
            sess.run(g.train_op, {g.x: rng.randint(11, size=(4, 5)),
                                  g.y: rng.randint(11, size=(4, 5))})
        before = sess.run(g.weights)
        static = char_rnn.held_out_bits(sess, g, windows, ids)
        with char_extras.kept_weights(sess, g.weights):
            adaptive = char_rnn.held_out_bits(sess, g, windows, ids, dynamic_rate=1.0)
            moved = sess.run(g.weights)
        after = sess.run(g.weights)
        again = char_rnn.held_out_bits(sess, g, windows, ids)
    assert len(static) == len(adaptive) == len(ids) - 1
    # the first window is scored before any update, the later ones after
    np.testing.assert_allclose(adaptive[:5], static[:5], rtol=1e-5)
    assert adaptive[-50:].mean() < static[-50:].mean() - 0.5
    assert any(not np.array_equal(m, b) for m, b in zip(moved, before))
    for a, b in zip(after, before):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(again, static)


def test_dynamic_evaluation_chooses_its_rate_on_validation_and_puts_the_weights_back():
    args = char_rnn.parse_args(["--quick", "--max-chars", "6000", "--seq-length", "10"])
    data = char_rnn.prepare(args)
    g = char_rnn.build_graph(len(data.vocab), "gru", hidden_size=8, seq_length=10,
                             seed=1, optimizer="adam", learning_rate=0.01)
    x, y = data.train
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        for k in range(len(x)):
            sess.run(g.train_op, {g.x: x[k], g.y: y[k]})
        before = sess.run(g.weights)
        found = char_rnn.dynamic_evaluation(sess, g, data, data.vocab)
        again = char_rnn.dynamic_evaluation(sess, g, data, data.vocab)
        after = sess.run(g.weights)
    for a, b in zip(after, before):
        np.testing.assert_array_equal(a, b)          # the trained weights, untouched
    rates = found["val_bpc_by_rate"]
    assert set(rates) == {str(r) for r in char_extras.DYNAMIC_RATES}
    assert rates[str(found["rate"])] == min(rates.values())      # validation decides
    assert found["val_bits"].shape == (len(data.val_text) - 1,)
    assert found["test_bits"].shape == (len(data.test_text) - 1,)
    # no weight changes before every gradient of the window is computed: the
    # same weights give the same figures every time
    np.testing.assert_array_equal(found["test_bits"], again["test_bits"])
