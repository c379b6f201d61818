"""The count model char_rnn.py is measured against, and what it takes to
compare the two fairly.

A character n-gram with interpolated Kneser-Ney smoothing is what a
practitioner fits first for a character model: no training, a few seconds of
counting, and on a text as small as *The Tempest* it is hard to beat. Here it
is fitted on the training part only; its order and discount are chosen on the
validation part; it scores exactly the characters the network scores (each
held-out character after its part's first, with context from inside the
part). Beside it: the mixture of the two models, the counts updated while
reading (the fair partner of dynamic evaluation), and a paired block
bootstrap for differences on one text.

Numpy and the standard library only: importable, and testable, without
TensorFlow.
"""
from __future__ import division, print_function

import math
import time

import numpy as np

ORDERS = tuple(range(1, 11))          # n-gram orders tried on validation
DISCOUNTS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
WEIGHTS = tuple(np.round(np.arange(0.0, 1.0001, 0.025), 3))   # mixture weights tried
BLOCK = 500                           # characters per bootstrap block


class KneserNey(object):
    """Interpolated Kneser-Ney over the characters of a vocabulary of size V.

    Counts of every n-gram up to `max_order` are kept, so that any order up
    to it can be scored. A model of order N takes the raw counts at order N
    and, below it, continuation counts: how many distinct characters came
    before an (n)-gram, which says how likely it is to turn up in a new
    context. Each level keeps max(count - D, 0) and hands the mass D x (the
    distinct characters seen after that context) to the level below; level 0
    is uniform over the V characters, so every character has a probability
    and the probabilities sum to one at every context.
    """

    def __init__(self, V, max_order=max(ORDERS)):
        self.V, self.max_order = V, max_order
        # raw[n][ngram], cont[n][ngram]; and, per context of each table,
        # [total of its counts, number of characters with a count]
        self.raw = [dict() for _ in range(max_order + 1)]
        self.cont = [dict() for _ in range(max_order + 1)]
        self.raw_ctx = [dict() for _ in range(max_order + 1)]
        self.cont_ctx = [dict() for _ in range(max_order + 1)]

    def fit(self, text):
        """Count every n-gram of `text` (a string) that has all its n characters."""
        for i in range(len(text)):
            self.add(text, i)
        return self

    def add(self, text, i):
        """Count the n-grams that end at text[i] (each order whose characters
        all lie in `text`)."""
        for n in range(1, min(self.max_order, i + 1) + 1):
            gram = text[i - n + 1:i + 1]
            if _bump(self.raw[n], self.raw_ctx[n], gram) and n > 1:
                # a new n-gram: one more distinct character before its suffix
                _bump(self.cont[n - 1], self.cont_ctx[n - 1], gram[1:])

    def probabilities(self, context, char, orders=ORDERS, discount=0.9):
        """P(char | context) under the model of each order of `orders` (an
        array). A context shorter than order - 1 characters (the start of a
        text) is scored by the highest order it has enough characters for."""
        levels = min(max(orders), len(context) + 1)
        topped = np.empty(levels + 1)      # topped[n]: raw counts at level n on top
        p = 1.0 / self.V                   # below level 1: uniform
        for n in range(1, levels + 1):
            h = context[len(context) - n + 1:] if n > 1 else ""
            topped[n] = _level(self.raw[n], self.raw_ctx[n], h, char, discount, p)
            if n < levels:
                p = _level(self.cont[n], self.cont_ctx[n], h, char, discount, p)
        return topped[[min(n, levels) for n in orders]]

    def prob(self, context, char, order, discount):
        return float(self.probabilities(context, char, (order,), discount)[0])

    def distribution(self, context, vocab, order, discount):
        """P(c | context) for every character c of `vocab`, in its order."""
        return np.array([self.prob(context, c, order, discount) for c in vocab])

    def score(self, text, order, discount, online=False):
        """Bits of each character of `text` after its first, each with the
        context before it in `text` (at most order - 1 characters); with
        `online`, each character is counted right after it is scored."""
        bits = np.empty(max(len(text) - 1, 0))
        orders = (order,)
        if online:
            self.add(text, 0)
        for i in range(1, len(text)):
            context = text[max(0, i - order + 1):i]
            bits[i - 1] = -math.log(self.probabilities(context, text[i], orders,
                                                       discount)[0], 2)
            if online:
                self.add(text, i)
        return bits

    def score_all(self, text, orders=ORDERS, discount=0.9):
        """score() for every order of `orders` at once: [len(orders), chars]."""
        bits = np.empty((len(orders), max(len(text) - 1, 0)))
        for i in range(1, len(text)):
            context = text[max(0, i - max(orders) + 1):i]
            bits[:, i - 1] = -np.log2(self.probabilities(context, text[i], orders,
                                                         discount))
        return bits


def _bump(table, contexts, gram):
    """Add one to `table[gram]` and to its context's total; True if it is new."""
    count = table.get(gram, 0)
    table[gram] = count + 1
    totals = contexts.get(gram[:-1])
    if totals is None:
        totals = contexts[gram[:-1]] = [0, 0]
    totals[0] += 1
    if count == 0:
        totals[1] += 1
    return count == 0


def _level(table, contexts, h, char, discount, lower):
    """One level of the interpolation: the discounted count of h + char, plus
    the mass the discounts freed, spread as the level below says."""
    totals = contexts.get(h)
    if totals is None:                    # an unseen context: the level below
        return lower
    total, types = totals
    return (max(table.get(h + char, 0) - discount, 0.0) + discount * types * lower) / total


Choice = dict


def choose(train_text, val_text, V, orders=ORDERS, discounts=DISCOUNTS):
    """Fit on the training text, choose the order and discount with the
    lowest bits per character on the validation text. Returns the fitted
    model and {order, discount, table: {(order, discount): validation bpc}}."""
    model = KneserNey(V, max(orders)).fit(train_text)
    table = {}
    for discount in discounts:
        for order, bits in zip(orders, model.score_all(val_text, orders, discount)):
            table[(order, discount)] = float(bits.mean())
    order, discount = min(table, key=table.get)
    return model, Choice(order=order, discount=discount, table=table)


def mixture_bits(network_bits, ngram_bits, weight):
    """Bits per character of p = weight x p_network + (1 - weight) x p_ngram."""
    return -np.log2(weight * np.exp2(-network_bits) +
                    (1.0 - weight) * np.exp2(-ngram_bits))


def choose_weight(network_bits, ngram_bits, weights=WEIGHTS):
    """The mixture weight with the lowest bits per character (on validation)."""
    found = [(float(mixture_bits(network_bits, ngram_bits, w).mean()), w)
             for w in weights]
    return float(min(found)[1])


def block_bootstrap(differences, block=BLOCK, resamples=2000, seed=0):
    """Mean of per-character `differences` on one text and a 95% interval from
    a paired block bootstrap: the text is cut into consecutive blocks of
    `block` characters (the last one shorter), since neighbouring characters
    are not independent, and as many blocks are drawn with replacement.
    Returns [mean, low, high]."""
    differences = np.asarray(differences, np.float64)
    starts = np.arange(0, len(differences), block)
    sums = np.add.reduceat(differences, starts)
    sizes = np.diff(np.append(starts, len(differences)))
    rng = np.random.RandomState(seed)
    drawn = rng.randint(len(starts), size=(resamples, len(starts)))
    means = sums[drawn].sum(axis=1) / sizes[drawn].sum(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return [float(differences.mean()), float(low), float(high)]


# ---------------------------------------------------------------------------
# The comparison a run prints and writes to metrics.json
# ---------------------------------------------------------------------------
def compare(data, vocab, network, dynamic=None):
    """The count model beside the network on the held-out parts of `data`
    (char_rnn.Prepared): fitted on the training text, its order and discount
    and the mixture's weight chosen on validation. `network`: the network's
    bits for each character of the validation and test texts after their
    first; `dynamic`: char_rnn.dynamic_evaluation's result, or None.

    Static models (as trained or counted) and adaptive ones (learning while
    they read) are kept apart: the network against the count model and
    their mixture; dynamic evaluation against the counts updated online.
    Returns metrics.json's figures, with `bits` (each model's per-character
    bits, for heldout_bits.npz) and `seconds`."""
    started = time.time()
    texts = (data.val_text, data.test_text)
    model, choice = choose(data.train_text, data.val_text, len(vocab))
    order, discount = choice["order"], choice["discount"]
    ngram = [model.score(text, order, discount) for text in texts]
    weight = choose_weight(network[0], ngram[0])
    mixture = [mixture_bits(n, c, weight) for n, c in zip(network, ngram)]
    # counts updated while reading: each part from the training counts alone
    online = [KneserNey(len(vocab), order).fit(data.train_text).score(
        text, order, discount, online=True) for text in texts]
    seconds = time.time() - started
    bits = {"network": network, "ngram": ngram, "mixture": mixture,
            "ngram_online": online}
    if dynamic is not None:
        bits["dynamic"] = [dynamic["val_bits"], dynamic["test_bits"]]
    figures = {"ngram_order": order, "ngram_discount": discount,
               "mixture_weight": weight}
    for name, (val, test) in bits.items():
        if name != "network":
            figures[name + "_val_bpc"] = float(val.mean())
            figures[name + "_test_bpc"] = float(test.mean())
    pairs = [("network", "ngram"), ("mixture", "network"), ("mixture", "ngram")]
    if dynamic is not None:
        pairs.append(("dynamic", "ngram_online"))
        figures.update(dynamic_rate=dynamic["rate"],
                       dynamic_val_bpc_by_rate=dynamic["val_bpc_by_rate"])
    figures["test_paired_differences"] = {
        "%s_minus_%s" % pair: block_bootstrap(bits[pair[0]][1] - bits[pair[1]][1])
        for pair in pairs}
    figures["seconds"] = {"count_model": round(seconds, 1)}
    if dynamic is not None:
        figures["seconds"]["dynamic_evaluation"] = round(dynamic["seconds"], 1)
    figures["bits"] = {"%s_%s" % (name, part): values[i]
                       for name, values in bits.items()
                       for i, part in enumerate(("val", "test"))}
    return figures


def table(f):
    """The comparison of metrics.json's figures `f`, as a run prints it."""
    rows = [("network (best epoch)", f["val_bpc"], f["test_bpc"]),
            ("count model (%d-gram, discount %g)" % (f["ngram_order"],
                                                     f["ngram_discount"]),
             f["ngram_val_bpc"], f["ngram_test_bpc"]),
            ("mixture (weight %.3g on the network)" % f["mixture_weight"],
             f["mixture_val_bpc"], f["mixture_test_bpc"])]
    lines = ["held-out bits per character (validation decides, test reports):",
             "  %-44s %10s %6s" % ("as trained (static)", "validation", "test")]
    lines += ["    %-42s %10.3f %6.3f" % row for row in rows]
    lines.append("  learning while reading (adaptive)")
    if "dynamic_test_bpc" in f:
        lines.append("    %-42s %10.3f %6.3f" % (
            "network, dynamic evaluation (rate %g)" % f["dynamic_rate"],
            f["dynamic_val_bpc"], f["dynamic_test_bpc"]))
    lines.append("    %-42s %10.3f %6.3f" % ("count model, online counts",
                                             f["ngram_online_val_bpc"],
                                             f["ngram_online_test_bpc"]))
    lines.append("  test differences, paired (blocks of %d characters, 95%%):" % BLOCK)
    for name, (mean, low, high) in f["test_paired_differences"].items():
        lines.append("    %-42s %+.3f (%+.3f to %+.3f)" % (
            name.replace("_minus_", " - ").replace("ngram_online", "online counts")
            .replace("ngram", "count model"), mean, low, high))
    return "\n".join(lines)
