"""A character-level RNN on Shakespeare's *The Tempest*: train, sample, evaluate.

Accompanies "A Gentle Intro to Recurrent Neural Networks in TensorFlow"
(Gaurav Menghani), which writes Karpathy's min-char-rnn in TensorFlow: the text
is read one character at a time and the network learns to predict the next
one. Its recurrence, with its names (`--cell manual`):

    h_t = tanh(Wxh x_t + Whh h_{t-1} + bh)      y_t = Why h_t + by

(x_t one-hot of size V, h_t of size H); `--cell rnn|gru|lstm` use the
`tf.nn.rnn_cell` cells under `dynamic_rnn`. Two of the article's
"implementation issues" are fixed: the hidden state is carried from one window
to the next within an epoch (truncated backprop) and reset at each epoch, and
sampling runs on the trained weights (the sampler shares the training graph's
variables).

The file follows the article: the hyperparameters, the data (read the text,
the vocabulary, genEpochData), the graph (placeholders, one-hot, the
recurrence, the loss, the optimizer, a one-character sampler), training
(the session, sess.run per window), the results (samples, bits per
character); the command line comes last. What goes beyond the article is in
char_extras.py (dropout, weight decay, a moving average of the weights,
dynamic evaluation) and char_ngram.py (the count model every run is compared
with, and the mixture of the two).

Run:  python char_rnn.py                          (train, then compare)
      python char_rnn.py --article                (the article's recipe)
      python char_rnn.py --quick                  (seconds)
      python char_rnn.py --sample 500 --prime "MIRANDA."   (print generated text)
      python char_rnn.py --evaluate some.txt      (bits per character of a text)

Output in runs/char_rnn/: metrics.json, samples.txt, vocab.json,
heldout_bits.npz, training.png, surprise.png, checkpoints/ (latest), best/
(best validation epoch), tensorboard/. The article beside this script:
docs/char_rnn.md.
"""
from __future__ import print_function

import collections
import gzip
import io
import math
import os
import sys
import time
import zlib

import numpy as np

import char_extras as extras
import char_ngram
import command_line as cli
import utils
# TensorFlow's 1.x graph API: `tensorflow.compat.v1` on TF 2 (v2 behaviour
# off), TensorFlow itself on 1.15; imported on first use (see utils.py).
from utils import tf

HERE = os.path.dirname(os.path.abspath(__file__))
LN2 = math.log(2.0)
F = cli.Flag


# ---------------------------------------------------------------------------
# Hyperparameters (the article's H is --hidden-size)
# ---------------------------------------------------------------------------
HYPERPARAMETERS = (
    "data",
    F("data", os.path.join(HERE, "data", "tempest.txt"), str,
      "a UTF-8 text file to train on (.gz: gzip-compressed)"),
    F("val_fraction", 0.1, cli.fraction,
      "the part of the text after the training part, held out to choose the best "
      "epoch, to stop early and to choose the count model and the mixture"),
    F("test_fraction", 0.1, cli.fraction,
      "the last part of the text, held out for the figures reported: no decision "
      "looks at it"),
    F("max_chars", 0, int, "use only the first N characters (0: all)"),
    "model and training",
    F("cell", "lstm", ("lstm", "gru", "manual", "rnn"),
      "manual: the article's recurrence written by hand; the others are "
      "tf.nn.rnn_cell cells under dynamic_rnn (an LSTM by default: gated cells "
      "learn this text better than the plain tanh recurrence, and validation "
      "prefers the LSTM to the GRU)"),
    F("hidden_size", 256, cli.positive_int, "H, units in each layer's hidden state"),
    F("num_layers", 2, cli.positive_int, "stacked recurrent layers"),
    F("seq_length", 50, cli.positive_int,
      "characters per window: how far back gradients reach (the state itself "
      "reaches further)"),
    F("batch_size", 32, cli.positive_int,
      "streams the text is cut into, trained side by side: more streams make each "
      "step's matrices larger, which a CPU runs more efficiently, and fewer steps "
      "per epoch (the article's 1 makes one small step per window)"),
    F("optimizer", "adam", ("adam", "adadelta"), "adam, or the article's adadelta"),
    F("learning_rate", 0.003, cli.positive_float, "the optimizer's learning rate",
      resumable=True),
    F("lr_decay", 0.98, cli.probability,
      "the learning rate is multiplied by this after each epoch"),
    F("grad_clip", 5.0, float, "clip gradients to this global norm (0: no clipping)"),
    F("dropout", 0.5, cli.probability,
      "keep probability on each layer's output while training (1: no dropout); on "
      "a text this small it keeps the model from memorising"),
    F("weight_decay", 0.1, cli.non_negative_float,
      "after each step every weight matrix shrinks by learning rate x this "
      "(decoupled weight decay; 0: none): a pull towards small weights"),
    F("average", 0.998, cli.fraction,
      "validation, test and samples use a moving average of the weights that "
      "keeps this fraction of itself at each step (0: the weights as trained; "
      "0.99 averages about the last 100 steps)"),
    F("patience", 10, cli.positive_int,
      "stop after this many epochs without a better validation figure",
      resumable=True),
    F("dynamic_evaluation", "on", ("on", "off"),
      "after training, also score the held-out text while learning from it: a "
      "plain SGD step on each window right after it is scored (its rate chosen on "
      "validation), the trained weights put back afterwards; reported apart, beside "
      "the count model that counts the held-out text as it reads it",
      resumable=True),
    F("article", False, bool, "the article's recipe, its bugs fixed"),
    "sampling and evaluation (no training)",
    F("sample", None, cli.positive_int,
      "print --prime and the N characters the checkpoint in --output-dir "
      "generates after it, and nothing else", saved=False, metavar="N"),
    F("prime", "PROSPERO.", str,
      "text the samples start from (every character must be in the text's "
      "vocabulary)", saved=False),
    F("temperature", 1.0, cli.positive_float,
      "< 1 samples more safely, > 1 more wildly", saved=False),
    F("evaluate", None, str, "print bits_per_char=X for FILE under the checkpoint",
      saved=False, metavar="FILE"),
)


# ---------------------------------------------------------------------------
# Data: read the text, the vocabulary, genEpochData
# ---------------------------------------------------------------------------
def read_text(path):
    """The file's text (gunzipped when the name ends in .gz); DataError for a
    missing, unreadable, empty or non-UTF-8 file."""
    try:
        with (gzip.open if path.endswith(".gz") else io.open)(path, "rb") as handle:
            raw = handle.read()
    except (IOError, OSError, EOFError, zlib.error) as err:
        raise utils.DataError(path, "cannot read it (%s)"
                              % (getattr(err, "strerror", None) or err))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise utils.DataError(path, "not UTF-8 text (byte %d is 0x%02x)"
                              % (err.start, raw[err.start]))
    if not text:
        raise utils.DataError(path, "the file is empty")
    return text


def build_vocab(text):
    """The distinct characters in sorted order: the same ids on every run."""
    return sorted(set(text))


def encode(text, vocab):
    char_to_ix = {ch: i for i, ch in enumerate(vocab)}
    return np.array([char_to_ix[ch] for ch in text], dtype=np.int32)


def split_text(text, val_fraction, test_fraction=0.0):
    """Training text, then validation, then test: consecutive parts, in order."""
    test_cut = len(text) - int(len(text) * test_fraction)
    val_cut = test_cut - int(len(text) * val_fraction)
    return text[:val_cut], text[val_cut:test_cut], text[test_cut:]


def genEpochData(ids, batch_size, seq_length):
    """Cut `ids` into batch_size streams and each stream into windows.

    Returns x, y of shape [windows, batch_size, seq_length]; y is x shifted one
    character on. Window k of stream b continues window k - 1 of stream b,
    which is what lets the state be carried from one window to the next.
    """
    stream_length = len(ids) // batch_size
    windows = (stream_length - 1) // seq_length
    if windows < 1:
        return None
    streams = ids[:batch_size * stream_length].reshape(batch_size, stream_length)
    used = windows * seq_length
    x = streams[:, :used].reshape(batch_size, windows, seq_length)
    y = streams[:, 1:used + 1].reshape(batch_size, windows, seq_length)
    return x.transpose(1, 0, 2), y.transpose(1, 0, 2)


Prepared = collections.namedtuple("Prepared",
                                  "vocab train val test train_text val_text test_text")


def held_out_windows(text, vocab, seq_length, what, args):
    """One stream, read in order: every character scored with all the context
    before it (16 streams would start cold 16 times). None for no text."""
    if not text:
        return None
    windows = genEpochData(encode(text, vocab), 1, seq_length)
    if windows is None:
        raise utils.DataError(args.data, "the %s part (%d characters) is shorter than "
                                         "one window of %d; lower --seq-length or raise "
                                         "--%s-fraction" % (what, len(text), seq_length + 1,
                                                            what[:3] if what[0] == "v"
                                                            else what))
    return windows


def prepare(args):
    """Text -> vocab, training, validation and test windows, and the three
    parts' texts; DataError on bad data."""
    text = read_text(args.data)
    if args.max_chars:
        text = text[:args.max_chars]
    train_text, val_text, test_text = split_text(text, args.val_fraction,
                                                 args.test_fraction)
    vocab = build_vocab(text)
    need = args.batch_size * (args.seq_length + 1)
    train = genEpochData(encode(train_text, vocab), args.batch_size, args.seq_length)
    if train is None:
        raise utils.DataError(args.data, "too short: %d characters to train on, one "
                                         "batch needs batch_size x (seq_length + 1) = "
                                         "%d" % (len(train_text), need))
    val = held_out_windows(val_text, vocab, args.seq_length, "validation", args)
    test = held_out_windows(test_text, vocab, args.seq_length, "test", args)
    return Prepared(vocab, train, val, test, train_text, val_text, test_text)


# ---------------------------------------------------------------------------
# Graph: placeholders, one-hot, the recurrence, the loss, the optimizer
# ---------------------------------------------------------------------------
CharGraph = collections.namedtuple("CharGraph", [
    "graph", "x", "y", "keep_prob", "init_state", "final_state", "logits", "char_bits",
    "loss", "bpc", "train_op", "global_step", "summaries", "sample_x",
    "sample_init_state", "sample_final_state", "temperature", "sample_probs", "init",
    "averaged", "dynamic", "weights"])


def build_graph(V, cell="manual", hidden_size=100, num_layers=1, seq_length=25,
                optimizer="adadelta", learning_rate=0.2, grad_clip=0.0, seed=0,
                device="/device:CPU:0", lr_decay=1.0, steps_per_epoch=1,
                weight_decay=0.0, average=0.0):
    """The article's graph for windows of seq_length (its recipe by default),
    and a one-character sampler on the very same variables. The arguments
    after `device` turn on what char_extras.py adds."""
    graph = tf.Graph()
    with graph.as_default(), tf.device(device):
        tf.set_random_seed(seed)
        global_step = tf.train.get_or_create_global_step()    # the optimizer counts in it
        # 'Light-weight intro to TensorFlow': placeholders for a batch of
        # windows (y is x one character on), and their one-hot rows x_oh.
        x = tf.placeholder(tf.int32, [None, seq_length], name="x")
        y = tf.placeholder(tf.int32, [None, seq_length], name="y")
        keep_prob = tf.placeholder_with_default(1.0, [], name="keep_prob")  # 1: none
        x_oh = tf.one_hot(x, V)

        # 'Simple RNN using TF': the cells, h_t from x_t and h_{t-1}, and
        # y_t = Why h_t + by for every row and step at once.
        cells = make_cells(cell, V, hidden_size, num_layers)
        Why = tf.get_variable("Why", [V, hidden_size])
        by = tf.get_variable("by", [V, 1], initializer=tf.zeros_initializer())

        def output_layer(h):
            return tf.tensordot(h, tf.transpose(Why), axes=1) + tf.transpose(by)
        # The state the window starts from is a feedable tensor (zeros by
        # default): training feeds in the state the previous window ended with.
        init_state = zero_state(cells, tf.shape(x)[0])
        outputs, final_state = unroll(
            cells, x_oh, init_state, extras.repeatable_dropout(keep_prob, global_step, seed))
        logits = output_layer(outputs)

        # The loss: the cross-entropy of every next character (in bits per
        # character: nats / ln 2), and its mean over the batch.
        char_nats = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                   logits=logits)
        loss = tf.reduce_mean(char_nats, name="loss")
        bpc = tf.divide(loss, LN2, name="bpc")
        char_bits = tf.divide(char_nats, LN2, name="char_bits")

        # TensorFlow computes the gradients; the optimizer takes the step.
        rate = extras.decayed(learning_rate, global_step, lr_decay, steps_per_epoch)
        optimizer = tf.train.AdamOptimizer(rate) if optimizer == "adam" else \
            tf.train.AdadeltaOptimizer(rate)
        grads, weights = zip(*optimizer.compute_gradients(loss))
        if grad_clip > 0:
            grads, _ = tf.clip_by_global_norm(grads, grad_clip)
        train_op = optimizer.apply_gradients(zip(grads, weights), global_step=global_step)
        train_op = extras.decay_weights(train_op, weights, rate, weight_decay)
        train_op, averaged = extras.moving_average(train_op, weights, average, global_step)
        dynamic = extras.dynamic_step(loss, weights)

        # The sampler: one character in, the probabilities of the next one out.
        sample_x = tf.placeholder(tf.int32, [1, 1], name="sample_x")
        temperature = tf.placeholder_with_default(1.0, [], name="temperature")
        sample_init_state = zero_state(cells, 1)
        sample_outputs, sample_final_state = unroll(cells, tf.one_hot(sample_x, V),
                                                    sample_init_state)
        sample_probs = tf.nn.softmax(output_layer(sample_outputs)[0, 0] / temperature)

        summaries = tf.summary.merge([tf.summary.scalar("bits_per_char", bpc),
                                      tf.summary.scalar("learning_rate", rate)])
        init = tf.group(tf.global_variables_initializer(),
                        tf.local_variables_initializer())
    flat = tf.nest.flatten
    return CharGraph(graph, x, y, keep_prob, flat(init_state), flat(final_state), logits,
                     char_bits, loss, bpc, train_op, global_step, summaries, sample_x,
                     flat(sample_init_state), flat(sample_final_state), temperature,
                     sample_probs, init, averaged, dynamic, list(weights))


class ManualRNNCell(object):
    """The article's rnn_cell, written by hand: Wxh, Whh, bh of one layer.

    The variables have the article's names and shapes (Wxh is H x V: the
    article writes column vectors); the code keeps a batch of rows, so each
    product is the article's one transposed, x_t Wxh^T, and a whole batch is
    one matmul.
    """

    def __init__(self, V, H):
        self.Wxh = tf.get_variable("Wxh", [H, V])
        self.Whh = tf.get_variable("Whh", [H, H], initializer=tf.orthogonal_initializer())
        self.bh = tf.get_variable("bh", [H, 1], initializer=tf.zeros_initializer())
        self.state_size = H

    def zero_state(self, batch, dtype=tf.float32):
        return tf.zeros([batch, self.state_size], dtype)

    def unroll(self, inputs, h):
        """The window's steps one after the other: (h_t of every step
        [batch, T, H], the last h_t)."""
        hs = []
        for x_t in tf.unstack(inputs, axis=1):
            # h_t = tanh(Wxh x_t + Whh h_{t-1} + bh), for rows
            h = tf.tanh(tf.matmul(x_t, self.Wxh, transpose_b=True) +
                        tf.matmul(h, self.Whh, transpose_b=True) + tf.transpose(self.bh))
            hs.append(h)
        return tf.stack(hs, axis=1), h


def make_cells(cell, V, H, num_layers):
    """One cell per layer: the article's by hand (its variables under
    rnn_cell, rnn_cell_1, ...), or tf.nn.rnn_cell's (the article's
    tf.contrib.rnn names) whose weights are made on their first call."""
    if cell != "manual":
        kind = {"rnn": tf.nn.rnn_cell.BasicRNNCell, "gru": tf.nn.rnn_cell.GRUCell,
                "lstm": tf.nn.rnn_cell.LSTMCell}[cell]
        return [kind(H) for _ in range(num_layers)]
    cells = []
    for layer in range(num_layers):
        with tf.variable_scope("rnn_cell" if layer == 0 else "rnn_cell_%d" % layer):
            cells.append(ManualRNNCell(V if layer == 0 else H, H))
    return cells


def zero_state(cells, batch):
    return tuple(cell.zero_state(batch, tf.float32) for cell in cells)


def unroll(cells, inputs, state, dropout=None):
    """Run the window through the layers, one after the other: each layer
    reads the outputs of the one below over the whole window. Returns the
    last layer's outputs [batch, T, H] and each layer's final state.
    dropout(outputs, layer), if given, masks each layer's outputs."""
    final = []
    for layer, cell in enumerate(cells):
        if isinstance(cell, ManualRNNCell):
            inputs, last = cell.unroll(inputs, state[layer])
        else:
            with tf.variable_scope("rnn/cell_%d" % layer, reuse=tf.AUTO_REUSE):
                inputs, last = tf.nn.dynamic_rnn(cell, inputs,
                                                 initial_state=state[layer])
        if dropout is not None:
            inputs = dropout(inputs, layer)
        final.append(last)
    return inputs, tuple(final)


def graph_for(model, V, args, device, steps_per_epoch=1):
    """The graph of a model described by `model` (vocab.json or the flags)."""
    return build_graph(V, model["cell"], model["hidden_size"], model["num_layers"],
                       model["seq_length"], args.optimizer, args.learning_rate,
                       args.grad_clip, args.seed, device, args.lr_decay, steps_per_epoch,
                       args.weight_decay, model.get("average", 0.0))


# ---------------------------------------------------------------------------
# Training: windows in order, state carried, reset each epoch
# ---------------------------------------------------------------------------
def with_state(feed, tensors, values):
    """Add a carried state (list of arrays) to a feed dict; None = zeros."""
    if values is not None:
        feed.update(zip(tensors, values))
    return feed


def train(sess, g, args, data, loop, writer, vocab):
    """The article's loop, fixed: the windows in order, the state carried
    from each window to the next of its stream and reset at each epoch;
    validation after each epoch."""
    x, y = data.train
    num_batches = len(x)
    for epoch_idx in range(loop.first_epoch, args.epochs):
        if loop.should_stop():            # --patience epochs without a better one
            break
        # None: the epoch starts from zeros (unless a resumed run stopped in it).
        epoch_state = loop.resumed_state()
        for batch_idx in range(loop.first_batch(epoch_idx), num_batches):
            feed = with_state({g.x: x[batch_idx], g.y: y[batch_idx],
                               g.keep_prob: args.dropout}, g.init_state, epoch_state)
            fetches = [g.bpc, g.train_op, g.final_state]
            if loop.summary_due:
                fetches.append(g.summaries)
            results = sess.run(fetches, feed)
            epoch_state = results[2]
            # the run log, the NaN guard, checkpoints, Ctrl-C
            loop.step_done(results[0], results[3] if len(results) > 3 else None,
                           epoch_state)
        figures = {"train_bpc": float(np.mean(loop.epoch_losses(epoch_idx)))}
        with extras.averaged_weights(sess, g.averaged):
            if data.val is not None:
                figures["val_bpc"] = float(np.mean(held_out_bits(
                    sess, g, data.val, encode(data.val_text, vocab))))
            rng = np.random.RandomState([args.seed % 2 ** 32, epoch_idx])
            text = sample(sess, g, vocab, args.prime[-1], 70, 1.0, rng)
        if "val_bpc" in figures:
            utils.scalar_summary(writer, loop.step, bits_per_char=figures["val_bpc"])
        loop.epoch_done(epoch_idx, **figures)
        print("  sample: %r" % text)


# ---------------------------------------------------------------------------
# Results: samples, and bits per character of held-out text
# ---------------------------------------------------------------------------
def sample(sess, g, vocab, prime, n, temperature, rng):
    """n characters generated after `prime`, one at a time, state carried."""
    ids = encode(prime, vocab)
    state, probs = None, None
    for i in ids:      # read the prime: its last step gives the first probabilities
        feed = with_state({g.sample_x: [[i]], g.temperature: temperature},
                          g.sample_init_state, state)
        probs, state = sess.run([g.sample_probs, g.sample_final_state], feed)
    out = []
    for _ in range(n):
        p = probs.astype(np.float64)
        i = rng.choice(len(vocab), p=p / p.sum())
        out.append(vocab[i])
        feed = with_state({g.sample_x: [[i]], g.temperature: temperature},
                          g.sample_init_state, state)
        probs, state = sess.run([g.sample_probs, g.sample_final_state], feed)
    return "".join(out)


def held_out_bits(sess, g, windows, ids, dynamic_rate=0.0):
    """Bits the model pays for each character of one held-out stream after
    its first, no dropout: the windows read in order with the state carried,
    then the characters after the last whole window one at a time through the
    sampler (which shares the weights), so that each is scored with all the
    context before it. With a `dynamic_rate`, dynamic evaluation: after each
    window is scored, one SGD step on its loss (the caller puts the weights
    back)."""
    x, y = windows
    state, bits = None, []
    fetches = [g.char_bits, g.final_state]
    for k in range(len(x)):
        feed = with_state({g.x: x[k], g.y: y[k]}, g.init_state, state)
        if dynamic_rate:
            feed[g.dynamic.rate] = dynamic_rate
        window_bits, state = sess.run(fetches + ([g.dynamic.step] if dynamic_rate
                                                 else []), feed)[:2]
        bits.append(window_bits.ravel())
    for i in range(x.size, len(ids) - 1):
        feed = with_state({g.sample_x: [[ids[i]]]}, g.sample_init_state, state)
        probs, state = sess.run([g.sample_probs, g.sample_final_state], feed)
        bits.append([-math.log(max(float(probs[ids[i + 1]]), 1e-12), 2)])
    return np.concatenate(bits).astype(np.float64)


def dynamic_evaluation(sess, g, data, vocab):
    """Dynamic evaluation of the held-out parts, each from the weights in
    `sess`, which are put back afterwards: the rate with the lowest
    validation bits per character, then the test text at that rate. Returns
    {rate, val_bits, test_bits, val_bpc_by_rate, seconds}."""
    started, tried = time.time(), {}
    val_ids, test_ids = encode(data.val_text, vocab), encode(data.test_text, vocab)
    for rate in extras.DYNAMIC_RATES:
        with extras.kept_weights(sess, g.weights):
            tried[rate] = held_out_bits(sess, g, data.val, val_ids, rate)
    best = min(tried, key=lambda rate: tried[rate].mean())
    with extras.kept_weights(sess, g.weights):
        test_bits = held_out_bits(sess, g, data.test, test_ids, best)
    return dict(rate=best, val_bits=tried[best], test_bits=test_bits,
                val_bpc_by_rate={str(r): float(b.mean()) for r, b in tried.items()},
                seconds=time.time() - started)


def plot_surprise(path, text, bits, show=False, width=64, most=8.0):
    """Held-out text, each character after the first shaded by the bits the
    model paid for it (white text where the shade is dark), with a colour bar."""
    plt = utils.pyplot(show)
    text = text[1:]
    lines = [text[i:i + width] for i in range(0, len(text), width)]
    fig, ax = plt.subplots(figsize=(width * 0.14 + 1.2, len(lines) * 0.3 + 0.8))
    cmap = plt.get_cmap("Reds")
    for row, line in enumerate(lines):
        for col, ch in enumerate(line):
            shade = min(bits[row * width + col] / most, 1.0)
            ax.text(col, -row, ch if ch != "\n" else "\u21b5", family="monospace",
                    ha="center", va="center", fontsize=9,
                    color="white" if shade > 0.55 else "black",
                    bbox=dict(boxstyle="square,pad=0.1", lw=0, fc=cmap(shade)))
    ax.set_xlim(-1, width)
    ax.set_ylim(-len(lines), 1)
    ax.axis("off")
    bar = fig.colorbar(plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, most)),
                       ax=ax, fraction=0.02, pad=0.01, extend="max")
    bar.set_label("bits for the character")
    ax.set_title("bits the model paid per character of this excerpt: mean %.2f over "
                 "its %d characters" % (np.mean(bits[:len(text)]), len(text)))
    return utils.save_figure(fig, path, show)


def plot_training(path, log, args, ngram_val_bpc=None):
    """Bits per character per epoch: training (with dropout), validation, and
    the count model's validation figure as a line to clear."""
    plt = utils.pyplot(args.show)
    fig, ax = plt.subplots(figsize=(8, 4))
    windows = log["epochs"][0]["step"] if log["epochs"] else 1
    steps = np.arange(1, len(log["losses"]) + 1) / float(windows)
    ax.plot(steps, log["losses"], linewidth=0.5, alpha=0.5, label="training, per step")
    epochs = [e["epoch"] for e in log["epochs"]]
    ax.plot(epochs, [e["train_bpc"] for e in log["epochs"]], marker="o", markersize=3,
            label="training, epoch mean%s" % (
                " (with dropout)" if args.dropout < 1 else ""))
    if log["epochs"] and "val_bpc" in log["epochs"][0]:
        ax.plot(epochs, [e["val_bpc"] for e in log["epochs"]], marker="o", markersize=3,
                label="validation%s" % (", averaged weights" if args.average else ""))
    if ngram_val_bpc is not None:
        ax.axhline(ngram_val_bpc, color="black", linestyle="--", linewidth=1,
                   label="count model (Kneser-Ney n-gram), validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("bits per character")
    ax.set_ylim(top=min(6.5, max(log["losses"][:1] + [3.0])))
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("%s cell, %d x %d, seq %d, %d streams, %s" % (
        args.cell, args.num_layers, args.hidden_size, args.seq_length, args.batch_size,
        "keep %.2f" % args.dropout if args.dropout < 1 else "no dropout"))
    return utils.save_figure(fig, path, args.show)


# ---------------------------------------------------------------------------
# The command line: presets, checks, sampling, evaluation, and the run
# ---------------------------------------------------------------------------
QUICK = dict(epochs=2, hidden_size=32, num_layers=1, seq_length=20,
             max_chars=20000)
# The article's recipe (its min-char-rnn in TensorFlow), with its known issues
# fixed (the state carried across an epoch's windows, sampling from the
# trained weights): one hand-written tanh layer of 100, windows of 25, one
# sequence per step, Adadelta at 0.2, no dropout, no clipping, 500 epochs.
ARTICLE = dict(cell="manual", num_layers=1, hidden_size=100, seq_length=25,
               batch_size=1, optimizer="adadelta", learning_rate=0.2, lr_decay=1.0,
               grad_clip=0.0, dropout=1.0, weight_decay=0.0, average=0.0, epochs=500,
               patience=500)
MODEL_KEYS = ("cell", "hidden_size", "num_layers", "seq_length",
              "average")  # in vocab.json: what --sample and --evaluate rebuild


def check(args):
    """What the flags must satisfy together (None when they do)."""
    if args.max_chars < 0:
        return "argument --max-chars: must be >= 0, got %d" % args.max_chars
    if args.grad_clip < 0 or not math.isfinite(args.grad_clip):
        return "argument --grad-clip: must be >= 0, got %s" % args.grad_clip
    if args.val_fraction + args.test_fraction >= 1:
        return ("--val-fraction and --test-fraction: together they must leave text to "
                "train on (got %g + %g)" % (args.val_fraction, args.test_fraction))
    if args.sample and args.evaluate:
        return "--sample and --evaluate: choose one"
    if not args.prime:
        return "argument --prime: must not be empty"
    return None


def parse_args(argv=None):
    return cli.parse(__file__, __doc__, HYPERPARAMETERS, argv, epochs=30,
                     presets=[("article", ARTICLE), ("quick", QUICK)], check=check)


def load_trained(args):
    """For --sample and --evaluate: vocab, graph and a session on the best
    checkpoint (or the latest when there is no best)."""
    model = utils.read_json(os.path.join(args.output_dir, "vocab.json"))
    found = [path for path in (utils.saved_checkpoint(os.path.join(args.output_dir, name))
                               for name in ("best", "checkpoints")) if path]
    if model is None or not found:
        raise utils.DataError(args.output_dir, "no trained model here: train first "
                                               "with python char_rnn.py --output-dir %s"
                              % args.output_dir)
    vocab = model["vocab"]
    g = graph_for(model, len(vocab), args, utils.resolve_device(args.device))
    sess = utils.make_session(g.graph, args.threads)
    sess.run(g.init)
    with g.graph.as_default():
        # The weights only (their moving average with --average): whichever
        # optimizer trained them, its slots stay behind.
        names = g.averaged.names if g.averaged else {w.op.name: w for w in g.weights}
        tf.train.Saver(names).restore(sess, found[0])
    return vocab, g, sess


def check_prime(prime, vocab, what):
    """DataError naming --prime when a character of it is not in `vocab`."""
    missing = sorted(set(prime) - set(vocab))
    if missing:
        raise utils.DataError("--prime", "characters not in %s: %s"
                              % (what, " ".join(repr(c) for c in missing)))


def run_sample(args):
    vocab, g, sess = load_trained(args)
    check_prime(args.prime, vocab, "the model's vocabulary")
    with sess:
        text = sample(sess, g, vocab, args.prime, args.sample, args.temperature,
                      np.random.RandomState(args.seed))
    sys.stdout.write(args.prime + text)       # the prime, then what follows it
    sys.stdout.flush()


def run_evaluate(args):
    vocab, g, sess = load_trained(args)
    text = read_text(args.evaluate)
    known = set(vocab)
    unknown = collections.Counter(c for c in text if c not in known)
    kept = "".join(c for c in text if c in known)
    # One stream read in order, as for validation: every character scored.
    ids = encode(kept, vocab)
    windows = genEpochData(ids, 1, g.x.shape.as_list()[1])
    if windows is None:
        raise utils.DataError(args.evaluate, "too short: %d characters in the "
                                             "vocabulary, one window needs %d"
                              % (len(kept), g.x.shape.as_list()[1] + 1))
    with sess:
        bpc = float(np.mean(held_out_bits(sess, g, windows, ids)))
    print("bits_per_char=%.4f" % bpc)
    print("characters=%d scored=%d out_of_vocabulary=%d%s" % (
        len(text), len(ids) - 1, sum(unknown.values()),
        (" (left out: %s)" % ", ".join("%r x%d" % kv for kv in unknown.most_common(10)))
        if unknown else ""))


def run(args):
    if args.sample:
        return run_sample(args)
    if args.evaluate:
        return run_evaluate(args)
    started = time.time()
    data = prepare(args)
    vocab = data.vocab
    # Checked before training, so that a bad prime costs no training time.
    check_prime(args.prime, vocab, "the vocabulary of %s" % args.data)
    vocab_path = os.path.join(args.output_dir, "vocab.json")
    if args.resume:
        saved = utils.read_json(vocab_path)
        if saved is not None and saved["vocab"] != vocab:
            raise utils.DataError(args.data, "its vocabulary (%d characters) differs "
                                             "from the checkpoint's (%d) in %s: train "
                                             "afresh in another --output-dir"
                                  % (len(vocab), len(saved["vocab"]), args.output_dir))
    device = utils.start_run(args)
    model = {k: getattr(args, k) for k in MODEL_KEYS}
    utils.write_json_atomic(vocab_path, dict(model, vocab=vocab))
    windows = len(data.train[0])
    g = graph_for(model, len(vocab), args, device, steps_per_epoch=windows)
    ckpts = utils.Checkpoints(g.graph, args.output_dir, keep_best=True)
    with utils.make_session(g.graph, args.threads) as sess:
        sess.run(g.init)
        log = ckpts.resume_or_start(sess, args)
        writers = utils.summary_writers(args.output_dir, g.graph, ("train", "validation"),
                                        int(sess.run(g.global_step)))
        print("%d characters (%d distinct): %d windows of %d x %d per epoch, %d "
              "validation and %d test windows; %s cell, %d x %d units"
              % (len(data.val_text) + len(data.test_text) + data.train[0].size,
                 len(vocab), windows, args.batch_size, args.seq_length,
                 len(data.val[0]) if data.val else 0,
                 len(data.test[0]) if data.test else 0, args.cell, args.num_layers,
                 args.hidden_size), flush=True)
        with utils.TrainingLoop(sess, g.global_step, args, ckpts, log, windows,
                                writers["train"], patience=args.patience,
                                best_key="val_bpc" if data.val else "train_bpc") as loop:
            train(sess, g, args, data, loop, writers["validation"], vocab)
        steps, best = loop.step, loop.best()
        # Everything below from the best epoch's weights, chosen on validation;
        # the test text is scored once, here.
        if best is not None and ckpts.saved(best=True):
            ckpts.restore(sess, best=True)
        if g.averaged is not None:
            sess.run(g.averaged.use)          # from here on, the averaged weights
        bits, dynamic = {}, None
        if data.val is not None and data.test is not None and not loop.interrupted:
            bits["network"] = [held_out_bits(sess, g, windows_, encode(text, vocab))
                               for windows_, text in ((data.val, data.val_text),
                                                      (data.test, data.test_text))]
            if args.dynamic_evaluation == "on":
                dynamic = dynamic_evaluation(sess, g, data, vocab)
        elif data.test is not None:
            bits["network"] = [None, held_out_bits(sess, g, data.test,
                                                   encode(data.test_text, vocab))]
        text = sample(sess, g, vocab, args.prime, 2000, 1.0,
                      np.random.RandomState(args.seed))
    for writer in writers.values():
        writer.close()
    # The count model, the mixture, and the adaptive pair, on the same characters.
    compared = char_ngram.compare(data, vocab, bits["network"], dynamic) \
        if bits.get("network", [None])[0] is not None else {}
    with io.open(os.path.join(args.output_dir, "samples.txt"), "w",
                 encoding="utf-8") as handle:
        handle.write(args.prime + text + "\n")
    if log["epochs"]:
        plot_training(os.path.join(args.output_dir, "training.png"), log, args,
                      compared.get("ngram_val_bpc"))
    if bits:
        shown = data.test_text[:640]
        plot_surprise(os.path.join(args.output_dir, "surprise.png"), shown,
                      bits["network"][1], args.show)
    figures = {
        "test_bpc": float(np.mean(bits["network"][1])) if bits else None,
        "train_bpc": best["train_bpc"] if best else None,
        "val_bpc": best.get("val_bpc") if best else None,
        "best_epoch": best["epoch"] if best else None,
        "vocab_size": len(vocab),
        "epochs_run": len(log["epochs"]),
    }
    figures.update((k, v) for k, v in compared.items() if k != "bits")
    figures["seconds"] = dict(compared.get("seconds", {}), whole_run=round(
        time.time() - started, 1), training=round(log["train_seconds"], 1))
    if "bits" in compared:
        np.savez_compressed(os.path.join(args.output_dir, "heldout_bits.npz"),
                            **compared["bits"])
    utils.write_metrics(args, figures, steps, log["train_seconds"],
                        interrupted=loop.interrupted, history=log["epochs"])
    if best:
        print("best epoch %d of %d, %d steps, %.0f s of training"
              % (best["epoch"], len(log["epochs"]), steps, log["train_seconds"]))
    if compared:
        print(char_ngram.table(figures))
    print("the whole run: %s" % ", ".join("%s %.0f s" % (k.replace("_", " "), v)
                                          for k, v in figures["seconds"].items()))
    print("sample (from the best checkpoint):\n%s%s" % (args.prime, text[:400]))
    utils.finish(loop, args)


def main(argv=None):
    return utils.main(__file__, parse_args, run, argv)


if __name__ == "__main__":
    sys.exit(main())
