"""A character-level RNN on Shakespeare's *The Tempest*: train, sample, evaluate.

Accompanies "A Gentle Intro to Recurrent Neural Networks in TensorFlow", which
writes Karpathy's min-char-rnn in TensorFlow: the text is read one character at
a time and the network learns to predict the next one. `--cell manual` writes
the recurrence by hand, with the article's names:

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)      y_t = W_hy h_t + b_y

(x_t one-hot of size V, h_t of size H); `--cell rnn|gru|lstm` use
`tf.nn.rnn_cell` cells under `dynamic_rnn`. The default is a 2-layer GRU with
dropout, which learns this small play better than the plain tanh recurrence.
Two of the article's "implementation issues" are fixed: the hidden state is
carried from one window to the next within an epoch (truncated backprop) and
reset at each epoch, and sampling runs on the trained weights (the sampler
shares the training graph's variables).

The file follows the article: hyperparameters, the data (read the text, the
vocabulary, genEpochData), the graph (placeholders, one-hot, the recurrence,
the loss, a one-character sampler), training, sampling and evaluation; the
command line comes last.

Run:  python char_rnn.py                          (train)
      python char_rnn.py --quick                  (seconds)
      python char_rnn.py --sample 500 --prime "MIRANDA."   (print generated text)
      python char_rnn.py --evaluate some.txt      (bits per character of a text)

Output in runs/char_rnn/: metrics.json, samples.txt, vocab.json, training.png,
surprise.png, checkpoints/ (latest), best/ (best validation epoch), tensorboard/.
The article against this script: docs/char_rnn.md.
"""
from __future__ import print_function

import collections
import contextlib
import gzip
import io
import math
import os
import sys
import zlib

import numpy as np

import command_line as cli
import utils
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
      "a UTF-8 text file to train on"),
    F("val_fraction", 0.1, cli.fraction,
      "the part of the text after the training part, held out to choose the best "
      "epoch and to stop early"),
    F("test_fraction", 0.1, cli.fraction,
      "the last part of the text, held out for the figure reported (test_bpc): no "
      "decision looks at it"),
    F("max_chars", 0, int, "use only the first N characters (0: all)"),
    "model and training",
    F("cell", "gru", ("gru", "manual", "rnn", "lstm"),
      "manual: the article's recurrence written by hand; the others are "
      "tf.nn.rnn_cell cells under dynamic_rnn (a GRU by default: its gates learn "
      "this text better than the plain tanh recurrence)"),
    F("hidden_size", 256, cli.positive_int, "H, units in each layer's hidden state"),
    F("embedding", 0, cli.non_negative_int,
      "0: each character enters as a one-hot vector of size V (the article's x_t); "
      "N: as a learned vector of N numbers, a row of an embedding table"),
    F("num_layers", 2, cli.positive_int, "stacked recurrent layers"),
    F("seq_length", 50, cli.positive_int,
      "characters per window: how far back gradients reach (the state itself "
      "reaches further)"),
    F("batch_size", 16, cli.positive_int,
      "streams the text is cut into, trained side by side (the article's 1 makes "
      "one small step per window)"),
    F("optimizer", "adam", ("adam", "adadelta"), "adam, or the article's adadelta"),
    F("learning_rate", 0.002, cli.positive_float, "the optimizer's learning rate",
      resumable=True),
    F("lr_decay", 0.97, cli.probability,
      "the learning rate is multiplied by this after each epoch"),
    F("grad_clip", 5.0, float, "clip gradients to this global norm (0: no clipping)"),
    F("dropout", 0.5, cli.probability,
      "keep probability on each layer's output while training (1: no dropout); on "
      "a text this small it keeps the model from memorising"),
    F("variational", False, bool,
      "one dropout mask per window: each unit dropped at every step of it or at "
      "none (variational dropout), instead of a new mask at every step"),
    F("weight_decay", 0.1, cli.non_negative_float,
      "after each step every weight matrix shrinks by learning rate x this "
      "(decoupled weight decay; 0: none): a pull towards small weights"),
    F("average", 0.998, cli.fraction,
      "validation, test and samples use a moving average of the weights that "
      "keeps this fraction of itself at each step (0: the weights as trained; "
      "0.99 averages about the last 100 steps)"),
    F("patience", 8, cli.positive_int,
      "stop after this many epochs without a better validation figure",
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


Prepared = collections.namedtuple("Prepared", "vocab train val test val_text test_text")


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
    """Text -> vocab, training, validation and test windows, and the held-out
    texts themselves (for the surprise picture); DataError on bad data."""
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
    return Prepared(vocab, train, val, test, val_text, test_text)


# ---------------------------------------------------------------------------
# Graph: placeholders, one-hot, the recurrence, loss; and a one-step sampler
# ---------------------------------------------------------------------------
CharGraph = collections.namedtuple("CharGraph", [
    "graph", "x", "y", "keep_prob", "init_state", "final_state", "logits", "loss",
    "bpc", "train_op", "global_step", "summaries", "sample_x", "sample_init_state",
    "sample_final_state", "temperature", "sample_probs", "init", "use_average",
    "use_trained", "weights_to_load"])


def build_graph(V, cell="manual", hidden_size=256, num_layers=1, seq_length=50,
                learning_rate=0.002, grad_clip=5.0, seed=0, device="/device:CPU:0",
                lr_decay=1.0, decay_steps=1, optimizer="adam", embedding=0,
                weight_decay=0.0, average=0.0, variational=False):
    """Training graph for windows of seq_length, plus a one-character sampler
    that reuses the very same variables."""
    graph = tf.Graph()
    with graph.as_default(), tf.device(device):
        tf.set_random_seed(seed)
        global_step = tf.train.get_or_create_global_step()
        x = tf.placeholder(tf.int32, [None, seq_length], name="x")
        y = tf.placeholder(tf.int32, [None, seq_length], name="y")
        # 1.0 unless fed: one set of weights serves training, validation and
        # sampling; the masks are a function of the seed and the step.
        keep_prob = tf.placeholder_with_default(1.0, [], name="keep_prob")
        # The article's one-hot inputs; with --embedding, a learned row of
        # numbers per character (the same as one-hot times a weight matrix).
        table = tf.get_variable("embedding", [V, embedding]) if embedding else None

        def inputs_of(ids):
            return tf.one_hot(ids, V) if table is None else \
                tf.nn.embedding_lookup(table, ids)
        x_oh = inputs_of(x)

        rnn = ManualRNN(embedding or V, hidden_size, num_layers) if cell == "manual" else \
            LibraryRNN(cell, hidden_size, num_layers, variational)
        Why = tf.get_variable("Why", [V, hidden_size])
        by = tf.get_variable("by", [V, 1], initializer=tf.zeros_initializer())

        def forward(inputs, state, keep, dropout_seed=None):
            outputs, final = rnn.unroll(inputs, state, keep, dropout_seed)
            # y_t = Why h_t + by, for every row and step at once
            logits = tf.tensordot(outputs, tf.transpose(Why), axes=1) + tf.transpose(by)
            return logits, final

        # The state the window starts from is a feedable tensor (zeros by
        # default): training feeds in the state the previous window ended with.
        init_state = rnn.zero_state(tf.shape(x)[0])
        # One mask per layer and step, or (--variational) per layer for the window.
        logits, final_state = forward(
            x_oh, init_state, keep_prob,
            lambda layer, t: utils.step_seed(global_step, seed,
                                             layer * 1000 + (0 if variational else t)))
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits), name="loss")
        bpc = tf.divide(loss, LN2, name="bpc")

        # Smaller steps as training goes on: one drop per epoch (decay_steps).
        learning_rate = tf.train.exponential_decay(learning_rate, global_step,
                                                   decay_steps, lr_decay, staircase=True)
        optimizer = tf.train.AdamOptimizer(learning_rate) if optimizer == "adam" else \
            tf.train.AdadeltaOptimizer(learning_rate)
        grads, variables = zip(*optimizer.compute_gradients(loss))
        if grad_clip > 0:
            grads, _ = tf.clip_by_global_norm(grads, grad_clip)
        train_op = optimizer.apply_gradients(zip(grads, variables),
                                             global_step=global_step)
        if weight_decay > 0:       # matrices only: biases stay as trained
            with tf.control_dependencies([train_op]):
                train_op = tf.group(*[w.assign_sub(learning_rate * weight_decay * w)
                                      for w in variables if min(w.shape.as_list()) > 1])
        use_average = use_trained = None
        weights_to_load = {w.op.name: w for w in variables}
        if average > 0:
            train_op, use_average, use_trained, weights_to_load = \
                moving_average(variables, average, global_step, train_op)

        # The sampler: one character in, probabilities of the next one out.
        sample_x = tf.placeholder(tf.int32, [1, 1], name="sample_x")
        temperature = tf.placeholder_with_default(1.0, [], name="temperature")
        sample_init_state = rnn.zero_state(1)
        sample_logits, sample_final_state = forward(inputs_of(sample_x),
                                                    sample_init_state, 1.0)
        sample_probs = tf.nn.softmax(sample_logits[0, 0] / temperature)

        summaries = tf.summary.merge([
            tf.summary.scalar("bits_per_char", bpc),
            tf.summary.scalar("learning_rate", learning_rate),
        ])
        init = tf.group(tf.global_variables_initializer(),
                        tf.local_variables_initializer())
    flat = tf.nest.flatten
    return CharGraph(graph, x, y, keep_prob, flat(init_state), flat(final_state),
                     logits, loss, bpc, train_op, global_step, summaries, sample_x,
                     flat(sample_init_state), flat(sample_final_state), temperature,
                     sample_probs, init, use_average, use_trained, weights_to_load)


def moving_average(weights, decay, global_step, train_op):
    """After each training step, fold the weights into a moving average of
    them (tf.train.ExponentialMovingAverage, saved with the checkpoints).
    Returns the new train_op; an op that puts the averages in the weights'
    place (keeping the trained values aside) and one that puts the trained
    values back; and the checkpoint names to load the averages from."""
    ema = tf.train.ExponentialMovingAverage(decay, num_updates=global_step)
    with tf.control_dependencies([train_op]):
        train_op = ema.apply(weights)
    aside = [tf.get_variable("trained/" + w.op.name, w.shape, trainable=False,
                             collections=[tf.GraphKeys.LOCAL_VARIABLES],
                             initializer=tf.zeros_initializer()) for w in weights]
    with tf.control_dependencies([a.assign(w) for a, w in zip(aside, weights)]):
        use_average = tf.group(*[w.assign(ema.average(w)) for w in weights])
    use_trained = tf.group(*[w.assign(a) for a, w in zip(aside, weights)])
    return train_op, use_average, use_trained, {ema.average_name(w): w for w in weights}


@contextlib.contextmanager
def averaged_weights(sess, g):
    """Inside the block the graph's weights are the moving average (when
    --average is on); after it, the trained weights again."""
    if g.use_average is None:
        yield
        return
    sess.run(g.use_average)
    try:
        yield
    finally:
        sess.run(g.use_trained)


def graph_for(model, V, args, device, decay_steps=1):
    """The graph of a model described by `model` (vocab.json or the flags)."""
    return build_graph(V, model["cell"], model["hidden_size"], model["num_layers"],
                       model["seq_length"], args.learning_rate, args.grad_clip,
                       args.seed, device, args.lr_decay, decay_steps, args.optimizer,
                       model.get("embedding", 0), args.weight_decay,
                       model.get("average", 0.0), args.variational)


class ManualRNN(object):
    """The article's rnn_cell, written by hand: one (Wxh, Whh, bh) per layer.

    The variables have the article's names and shapes (Wxh is H x V: the
    article writes column vectors); the code keeps a batch of rows, so each
    product is the article's one transposed, x_t Wxh^T, and a whole batch is
    one matmul.
    """

    def __init__(self, V, H, num_layers):
        self.layers = []
        for layer in range(num_layers):
            with tf.variable_scope("rnn_cell" if layer == 0 else "rnn_cell_%d" % layer):
                self.layers.append((
                    tf.get_variable("Wxh", [H, V if layer == 0 else H]),
                    tf.get_variable("Whh", [H, H], initializer=tf.orthogonal_initializer()),
                    tf.get_variable("bh", [H, 1], initializer=tf.zeros_initializer())))
        self.H = H

    def zero_state(self, batch):
        return tuple(tf.zeros([batch, self.H]) for _ in self.layers)

    def unroll(self, x_oh, state, keep_prob, dropout_seed=None):
        """Run the window's steps; returns (outputs [batch, T, H], final state).
        dropout_seed(layer, t) seeds the mask on layer's output at step t
        (None: no dropout, as when sampling)."""
        state = list(state)
        outputs = []
        for t, x_t in enumerate(tf.unstack(x_oh, axis=1)):
            inp = x_t
            for i, (Wxh, Whh, bh) in enumerate(self.layers):
                # h_t = tanh(Wxh x_t + Whh h_{t-1} + bh), for rows
                state[i] = tf.tanh(tf.matmul(inp, Wxh, transpose_b=True) +
                                   tf.matmul(state[i], Whh, transpose_b=True) +
                                   tf.transpose(bh))
                inp = state[i] if dropout_seed is None else \
                    utils.dropout(state[i], keep_prob, dropout_seed(i, t))
            outputs.append(inp)
        return tf.stack(outputs, axis=1), tuple(state)


class LibraryRNN(object):
    """tf.nn.rnn_cell cells (the article's contrib.rnn ones) under dynamic_rnn,
    layer after layer, with dropout on each layer's output (see rnn_layers)."""

    def __init__(self, cell, H, num_layers, variational=False):
        kind = {"rnn": tf.nn.rnn_cell.BasicRNNCell, "gru": tf.nn.rnn_cell.GRUCell,
                "lstm": tf.nn.rnn_cell.LSTMCell}[cell]
        self.cells = [kind(H) for _ in range(num_layers)]
        self.variational = variational

    def zero_state(self, batch):
        return tuple(cell.zero_state(batch, tf.float32) for cell in self.cells)

    def unroll(self, x_oh, state, keep_prob, dropout_seed=None):
        layer_seed = None if dropout_seed is None else (lambda i: dropout_seed(i, 0))
        with tf.variable_scope("rnn", reuse=tf.AUTO_REUSE):
            return rnn_layers(self.cells, x_oh, keep_prob, layer_seed, state,
                              self.variational)


def rnn_layers(cells, inputs, keep_prob=1.0, layer_seed=None, initial_state=None,
               variational=False):
    """Stacked recurrent layers under dynamic_rnn, with dropout on each layer's
    output: what MultiRNNCell([DropoutWrapper(cell, output_keep_prob=keep_prob),
    ...]) computes, run one layer after the other so that each mask covers a
    layer's whole output sequence and comes from `dropout`. layer_seed(i) is
    layer i's seed (None: no dropout); keep_prob is one value or one per layer;
    `variational`: one mask per row for all steps.
    Returns (last layer's outputs [batch, time, units], tuple of each layer's
    final state)."""
    outputs, states = inputs, []
    for i, cell in enumerate(cells):
        with tf.variable_scope("cell_%d" % i):
            outputs, state = tf.nn.dynamic_rnn(
                cell, outputs, dtype=tf.float32,
                initial_state=None if initial_state is None else initial_state[i])
        if layer_seed is not None:
            keep = keep_prob[i] if isinstance(keep_prob, (list, tuple)) else keep_prob
            shape = tf.shape(outputs)
            outputs = utils.dropout(outputs, keep, layer_seed(i),
                                    tf.stack([shape[0], 1, shape[2]]) if variational
                                    else None)
        states.append(state)
    return outputs, tuple(states)


# ---------------------------------------------------------------------------
# Training: windows in order, state carried, reset each epoch
# ---------------------------------------------------------------------------
def with_state(feed, tensors, values):
    """Add a carried state (list of arrays) to a feed dict; None = zeros."""
    if values is not None:
        feed.update(zip(tensors, values))
    return feed


def evaluate_bpc(sess, g, windows, ids=None):
    """Bits per character, no dropout, over one stream of `windows` read in
    order with the state carried; with the stream's `ids`, also every
    character after the last whole window, one at a time through the sampler
    (which shares the weights), so that each character after the first is
    scored with all the context before it."""
    x, y = windows
    state, nats = None, 0.0
    for k in range(len(x)):
        feed = with_state({g.x: x[k], g.y: y[k]}, g.init_state, state)
        loss, state = sess.run([g.loss, g.final_state], feed)
        nats += loss * x.shape[2]
    scored = x.size
    for i in range(scored, len(ids) - 1 if ids is not None else scored):
        feed = with_state({g.sample_x: [[ids[i]]]}, g.sample_init_state, state)
        probs, state = sess.run([g.sample_probs, g.sample_final_state], feed)
        nats -= math.log(max(float(probs[ids[i + 1]]), 1e-12))
        scored += 1
    return nats / scored / LN2


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


def train(sess, g, args, data, loop, writer, vocab):
    """Epochs over the windows in order, the state carried from each window to
    the next of its stream and reset at each epoch; validation after each."""
    x, y = data.train
    for epoch in loop.epochs():
        # None: the epoch starts from zeros (unless a resumed run stopped in it).
        epoch_state = loop.carried_state()
        for k in loop.batches():
            feed = with_state({g.x: x[k], g.y: y[k], g.keep_prob: args.dropout},
                              g.init_state, epoch_state)
            fetches = [g.bpc, g.train_op, g.final_state]
            if loop.summary_due:
                fetches.append(g.summaries)
            results = sess.run(fetches, feed)
            epoch_state = results[2]
            loop.step_done(results[0], results[3] if len(results) > 3 else None,
                           epoch_state)
        figures = {"train_bpc": float(np.mean(loop.epoch_losses()))}
        with averaged_weights(sess, g):
            if data.val is not None:
                figures["val_bpc"] = evaluate_bpc(sess, g, data.val,
                                                  encode(data.val_text, vocab))
            rng = np.random.RandomState([args.seed % 2 ** 32, epoch])
            text = sample(sess, g, vocab, args.prime[-1], 70, 1.0, rng)
        if "val_bpc" in figures:
            utils.scalar_summary(writer, loop.step, bits_per_char=figures["val_bpc"])
        loop.epoch_done(**figures)
        print("  sample: %r" % text)


# ---------------------------------------------------------------------------
# Evaluation and plots
# ---------------------------------------------------------------------------
def surprise(sess, g, vocab, text):
    """Bits the model pays for each character of `text` (state carried)."""
    ids = encode(text, vocab)
    bits, state, probs = [], None, None
    for i in ids:
        if probs is not None:
            bits.append(-math.log(max(float(probs[i]), 1e-12), 2))
        feed = with_state({g.sample_x: [[i]]}, g.sample_init_state, state)
        probs, state = sess.run([g.sample_probs, g.sample_final_state], feed)
    return np.array(bits)


def plot_surprise(path, text, bits, show=False, width=64, most=8.0):
    """Held-out text, each character shaded by the bits the model paid for it
    (white text where the shade is dark), with a colour bar."""
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
    ax.set_title("bits per character the model paid on held-out text: mean %.2f"
                 % bits.mean())
    return utils.save_figure(fig, path, show)


def plot_training(path, log, args):
    plt = utils.pyplot(args.show)
    fig, ax = plt.subplots(figsize=(8, 4))
    windows = log["epochs"][0]["step"] if log["epochs"] else 1
    steps = np.arange(1, len(log["losses"]) + 1) / float(windows)
    ax.plot(steps, log["losses"], linewidth=0.5, alpha=0.5, label="training, per step")
    epochs = [e["epoch"] for e in log["epochs"]]
    ax.plot(epochs, [e["train_bpc"] for e in log["epochs"]], marker="o",
            label="training, epoch mean%s" % (
                " (with dropout)" if args.dropout < 1 else ""))
    if log["epochs"] and "val_bpc" in log["epochs"][0]:
        ax.plot(epochs, [e["val_bpc"] for e in log["epochs"]], marker="o",
                label="validation%s" % (", averaged weights" if args.average else ""))
    ax.set_xlabel("epoch")
    ax.set_ylabel("bits per character")
    ax.set_ylim(top=min(6.5, max(log["losses"][:1] + [3.0])))
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("%s cell, %d x %d, seq %d, %s" % (
        args.cell, args.num_layers, args.hidden_size, args.seq_length,
        "keep %.2f" % args.dropout if args.dropout < 1 else "no dropout"))
    return utils.save_figure(fig, path, args.show)


# ---------------------------------------------------------------------------
# The command line: presets, checks, sampling, evaluation, and the run
# ---------------------------------------------------------------------------
QUICK = dict(epochs=2, hidden_size=32, num_layers=1, seq_length=20, max_chars=20000)
# The article's recipe (its min-char-rnn in TensorFlow), with its known issues
# fixed (the state carried across an epoch's windows, sampling from the
# trained weights): one hand-written tanh layer of 100, windows of 25, one
# sequence per step, Adadelta at 0.2, no dropout, no clipping, 500 epochs.
ARTICLE = dict(cell="manual", num_layers=1, hidden_size=100, seq_length=25,
               batch_size=1, optimizer="adadelta", learning_rate=0.2, lr_decay=1.0,
               grad_clip=0.0, dropout=1.0, weight_decay=0.0, average=0.0, epochs=500,
               patience=500)
MODEL_KEYS = ("cell", "hidden_size", "num_layers", "seq_length", "embedding",
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
    return cli.parse(__file__, __doc__, HYPERPARAMETERS, argv, epochs=32,
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
        tf.train.Saver(g.weights_to_load).restore(sess, found[0])
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
        bpc = evaluate_bpc(sess, g, windows, ids)
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
    g = graph_for(model, len(vocab), args, device, decay_steps=windows)
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
        steps = loop.step
        best = loop.best()
        # Everything below from the best epoch's weights, chosen on validation;
        # the test text is scored once, here.
        if best is not None and ckpts.saved(best=True):
            ckpts.restore(sess, best=True)
        if g.use_average is not None:
            sess.run(g.use_average)          # from here on, the averaged weights
        test_bpc = evaluate_bpc(sess, g, data.test, encode(data.test_text, vocab)) \
            if data.test else None
        text = sample(sess, g, vocab, args.prime, 2000, 1.0,
                      np.random.RandomState(args.seed))
        shown = (data.test_text or data.val_text)[:640]
        bits = surprise(sess, g, vocab, shown) if len(shown) > 1 else None
    for writer in writers.values():
        writer.close()
    with io.open(os.path.join(args.output_dir, "samples.txt"), "w",
                 encoding="utf-8") as handle:
        handle.write(args.prime + text + "\n")
    if log["epochs"]:
        plot_training(os.path.join(args.output_dir, "training.png"), log, args)
    if bits is not None:
        plot_surprise(os.path.join(args.output_dir, "surprise.png"), shown, bits,
                      args.show)
    figures = {
        "test_bpc": test_bpc,
        "train_bpc": best["train_bpc"] if best else None,
        "val_bpc": best.get("val_bpc") if best else None,
        "best_epoch": best["epoch"] if best else None,
        "vocab_size": len(vocab),
        "epochs_run": len(log["epochs"]),
    }
    utils.write_metrics(args, figures, steps, log["train_seconds"],
                        interrupted=loop.interrupted, history=log["epochs"])
    if best:
        print("best epoch %d (on validation, %.3f bits per character): test %s bits "
              "per character; %d steps, %.0f s training"
              % (best["epoch"], best.get("val_bpc", float("nan")),
                 "%.3f" % test_bpc if test_bpc is not None else "-", steps,
                 log["train_seconds"]))
    print("sample (from the best checkpoint):\n%s%s" % (args.prime, text[:400]))
    utils.finish(loop, args)


def main(argv=None):
    return utils.main(__file__, parse_args, run, argv)


if __name__ == "__main__":
    sys.exit(main())
