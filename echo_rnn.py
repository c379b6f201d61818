"""Echo-RNN: a recurrent network that learns to echo its input, six ways.

Accompanies "How to build a Recurrent Neural Network in TensorFlow (1/7)"
(Erik Hallstrom) and the parts of the series after it. A random binary series
goes in; the target is the same series shifted `echo_step` steps to the
right, so to answer the network must remember its last `echo_step` inputs in
its state. It is trained with truncated backpropagation: the window slides
`truncated_backprop_length` steps per run and the state one run ends with is
fed in as the `init_state` of the next.

The file follows the article: Setup (the hyperparameters), Generate data,
Building the computational graph (part 1: build_graph, the forward pass by
hand), Visualizing the training, Running a training session; the command line
comes last. --part N (2 to 6) builds the graph of part N of the series
instead (build_graph_of_part and the table PARTS, after part 1's graph);
everything else is the same for all six.

Run:  python echo_rnn.py            (part 1, the article's set-up)
      python echo_rnn.py --part 4   (three LSTM layers)
      python echo_rnn.py --quick    (seconds)
      python echo_rnn.py --show     (redraw the article's figure while training)

Output in runs/echo_rnn/: metrics.json, echo.png (loss and bars), loss.png,
checkpoints/, tensorboard/. The article against this script: docs/echo_rnn.md.
"""
from __future__ import print_function

import collections
import functools
import os
import sys

import numpy as np

import command_line as cli
import utils
# TensorFlow's 1.x graph API: `tensorflow.compat.v1` on TF 2 (v2 behaviour
# off), TensorFlow itself on 1.15; imported on first use (see utils.py).
from utils import tf

F = cli.Flag


# ---------------------------------------------------------------------------
# Setup: the article's hyperparameters, each one a flag of the same name
# ---------------------------------------------------------------------------
HYPERPARAMETERS = (
    "the echo task (the article's Setup)",
    F("total_series_length", 50000, cli.positive_int,
      "length of the random series generated for each epoch"),
    F("truncated_backprop_length", 15, cli.positive_int,
      "time steps per run: the window the error is backpropagated through"),
    F("state_size", 4, cli.positive_int, "units in the RNN state (in each layer)"),
    F("num_classes", 2, int, "distinct input values (2: a binary series)"),
    F("echo_step", 3, cli.positive_int, "how many steps the target lags the input"),
    F("batch_size", 5, cli.positive_int,
      "rows the series is reshaped into, trained side by side"),
    F("learning_rate", 0.3, cli.positive_float, "Adagrad's learning rate",
      resumable=True),
    F("init", "glorot", ("glorot", "uniform"),
      "starting weights of W and W2: uniform is the article's U[0, 1), whose "
      "all-positive weights can leave a seed at chance for good; glorot is centred "
      "on 0 and breaks that symmetry"),
    F("grad_clip", 1.0, float,
      "clip the gradient's global norm to this (0: no clipping, the article's): one "
      "epoch-start window can otherwise throw a learned network back to chance"),
    F("plot_every", 100, cli.positive_int,
      "with --show, redraw the figure every this many steps", resumable=True,
      saved=False),
    "the later parts of the series",
    F("part", 1, (1, 2, 3, 4, 5, 6),
      "which part's graph: 1 the forward pass by hand, 2 BasicRNNCell + static_rnn, "
      "3 an LSTM, 4 MultiRNNCell of LSTMs, 5 dynamic_rnn, 6 DropoutWrapper"),
    F("num_layers", 3, cli.positive_int, "LSTM layers in parts 4-6"),
    F("keep_prob", 0.5, cli.probability,
      "part 6: output keep probability of each layer while training"),
    F("article", False, bool, "the article's exact set-up, starting weights included"),
)


# ---------------------------------------------------------------------------
# Generate data
# ---------------------------------------------------------------------------
def generate_data(total_series_length, echo_step, batch_size, num_classes=2, rng=None):
    """A random series x and its echo y, both reshaped into `batch_size` rows.

    y is x shifted `echo_step` to the right with zeros shifted in. Row r of the
    matrix continues where row r-1 stopped, so the first `echo_step` targets of
    a row echo the last inputs of the row above (see 'the riddle' in the docs).
    """
    rng = np.random if rng is None else rng
    length = total_series_length - total_series_length % batch_size
    x = rng.randint(num_classes, size=length).astype(np.int32)
    y = np.roll(x, echo_step)
    y[:echo_step] = 0
    # x in the placeholder's float32 once here, rather than at every feed
    return x.reshape((batch_size, -1)).astype(np.float32), y.reshape((batch_size, -1))


def num_batches(args):
    """Windows per epoch: each row is cut into truncated_backprop_length pieces."""
    return args.total_series_length // args.batch_size // args.truncated_backprop_length


def epoch_rng(seed, epoch):
    """The data stream of one epoch; the same after --resume, new every epoch."""
    return np.random.RandomState([seed % 2 ** 32, epoch])


def evaluation_rng(seed):
    """A stream no training epoch uses (epochs are numbered from 0)."""
    return np.random.RandomState([seed % 2 ** 32, 2 ** 31])


# ---------------------------------------------------------------------------
# Building the computational graph
# ---------------------------------------------------------------------------
EchoGraph = collections.namedtuple("EchoGraph", [
    "graph", "part", "batchX_placeholder", "batchY_placeholder", "init_state",
    "state_placeholders", "current_state", "keep_prob", "logits", "predictions",
    "total_loss", "accuracy", "train_step", "global_step", "summaries", "init"])


def build_graph(truncated_backprop_length, state_size, num_classes, learning_rate,
                seed=0, device="/device:CPU:0", init="glorot", grad_clip=0.0):
    """Part 1, the article's graph, in a fresh tf.Graph: the forward pass by
    hand, in the article's order."""
    graph = tf.Graph()
    with graph.as_default(), tf.device(device):
        tf.set_random_seed(seed)
        # 'Variables and placeholders': one window of every row, and the
        # state each row ended the previous window with. The batch
        # dimension is open, so evaluation may use any number of rows.
        batchX_placeholder = tf.placeholder(
            tf.float32, [None, truncated_backprop_length], name="batchX_placeholder")
        batchY_placeholder = tf.placeholder(
            tf.int32, [None, truncated_backprop_length], name="batchY_placeholder")
        init_state = tf.placeholder(tf.float32, [None, state_size], name="init_state")
        # W maps [input, state] to the next state; b is its bias.
        W = tf.Variable(starting_weights([state_size + 1, state_size], init), name="W")
        b = tf.Variable(tf.zeros([1, state_size]), name="b")

        # 'Unpacking': the window's columns become a Python list of time steps.
        inputs_series = tf.unstack(batchX_placeholder, axis=1)

        # 'Forward pass': input and state concatenated, so that the two affine
        # maps (input * Wa + state * Wb) are one matmul. The graph is unrolled
        # over the window, which is where backpropagation is truncated.
        current_state = init_state
        states_series = []
        for current_input in inputs_series:
            current_input = tf.reshape(current_input, [-1, 1])
            input_and_state_concatenated = tf.concat([current_input, current_state], 1)
            next_state = tf.tanh(tf.matmul(input_and_state_concatenated, W) + b)
            states_series.append(next_state)
            current_state = next_state

        # 'Calculating loss': a softmax layer (W2, b2) on every state; the
        # sparse cross-entropy takes class ids, not one-hot rows.
        W2 = tf.Variable(starting_weights([state_size, num_classes], init), name="W2")
        b2 = tf.Variable(tf.zeros([1, num_classes]), name="b2")
        logits_series = [tf.matmul(state, W2) + b2 for state in states_series]
        logits = tf.stack(logits_series, axis=1, name="logits")
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=batchY_placeholder, logits=logits)
        total_loss = tf.reduce_mean(losses, name="total_loss")
        train_step, global_step = adagrad_step(total_loss, learning_rate, grad_clip)
    return echo_graph(graph, 1, batchX_placeholder, batchY_placeholder, init_state,
                      [init_state], [current_state], None, logits, total_loss,
                      train_step, global_step, learning_rate)


def starting_weights(shape, init):
    """The article's U[0, 1) or Glorot uniform (see --init)."""
    if init == "uniform":
        return tf.random_uniform(shape)
    return tf.glorot_uniform_initializer()(shape)


def adagrad_step(total_loss, learning_rate, grad_clip):
    """The article's Adagrad step on total_loss (and the step counter).

    With grad_clip > 0 the gradient's global norm is clipped first: a
    confident wrong guess in an epoch's first window (see 'the riddle') can
    give a gradient large enough to throw a network that had learned the
    echo into saturation for good."""
    global_step = tf.train.get_or_create_global_step()
    optimizer = tf.train.AdagradOptimizer(learning_rate)
    if grad_clip <= 0:
        return optimizer.minimize(total_loss, global_step=global_step), global_step
    grads, variables = zip(*optimizer.compute_gradients(total_loss))
    grads, _ = tf.clip_by_global_norm(grads, grad_clip)
    return optimizer.apply_gradients(zip(grads, variables),
                                     global_step=global_step), global_step


def echo_graph(graph, part, batchX_placeholder, batchY_placeholder, init_state,
               state_placeholders, current_state, keep_prob, logits, total_loss,
               train_step, global_step, learning_rate):
    """The EchoGraph of a built graph, with what training and the plots read
    besides: the predictions, the batch accuracy, the summaries, the
    initializer."""
    with graph.as_default():
        predictions = tf.nn.softmax(logits, name="predictions")
        correct = tf.equal(tf.argmax(logits, 2, output_type=tf.int32),
                           batchY_placeholder)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="batch_accuracy")
        summaries = tf.summary.merge([
            tf.summary.scalar("loss", total_loss),
            tf.summary.scalar("accuracy", accuracy),
            tf.summary.scalar("learning_rate", tf.constant(learning_rate)),
        ])
        init_op = tf.global_variables_initializer()
    return EchoGraph(graph, part, batchX_placeholder, batchY_placeholder, init_state,
                     state_placeholders, current_state, keep_prob, logits, predictions,
                     total_loss, accuracy, train_step, global_step, summaries, init_op)


# ---------------------------------------------------------------------------
# Parts 2 to 6 of the series: the same task, TensorFlow's cells
# ---------------------------------------------------------------------------
def build_graph_of_part(part, truncated_backprop_length, state_size, num_classes,
                        learning_rate, seed=0, device="/device:CPU:0", num_layers=3,
                        init="glorot", grad_clip=0.0):
    """The echo network of part 2-6 (the table PARTS: the state it feeds in,
    its cell, how the cell is unrolled), in a fresh tf.Graph."""
    _, state_of, cell_of, unroll = PARTS[part]
    graph = tf.Graph()
    with graph.as_default(), tf.device(device):
        tf.set_random_seed(seed)
        # the window, as in part 1
        batchX_placeholder, batchY_placeholder = (tf.placeholder(
            dtype, [None, truncated_backprop_length], name=name) for dtype, name in (
                (tf.float32, "batchX_placeholder"), (tf.int32, "batchY_placeholder")))
        # the state each row ended the previous window with, shaped as the
        # part's cell wants it, and how to fetch the one it ends this window with
        placeholders, init_state, carry = state_of(state_size, num_layers)
        # Part 6's keep probability: the value fed while training, 1.0 otherwise,
        # so evaluation runs the very same weights without dropout.
        keep_prob = tf.placeholder_with_default(1.0, [], name="keep_prob")
        W2 = tf.Variable(starting_weights([state_size, num_classes], init), name="W2")
        b2 = tf.Variable(tf.zeros([1, num_classes]), name="b2")
        states_series, current_state = unroll(
            cell_of(state_size, num_layers, keep_prob), batchX_placeholder, init_state,
            truncated_backprop_length)
        # Parts 2-4 give a list of states, one matmul each; parts 5-6 one
        # [batch, time, state] tensor, reshaped to [batch * time, state] so
        # that the logits are one matmul.
        if isinstance(states_series, list):
            logits = tf.stack([tf.matmul(state, W2) + b2 for state in states_series],
                              axis=1)
        else:
            states_series = tf.reshape(states_series, [-1, state_size])
            logits = tf.reshape(tf.matmul(states_series, W2) + b2,
                                [-1, truncated_backprop_length, num_classes])
        logits = tf.identity(logits, name="logits")
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=batchY_placeholder, logits=logits)
        total_loss = tf.reduce_mean(losses, name="total_loss")
        train_step, global_step = adagrad_step(total_loss, learning_rate, grad_clip)
    return echo_graph(graph, part, batchX_placeholder, batchY_placeholder, init_state,
                      placeholders, carry(current_state), keep_prob, logits, total_loss,
                      train_step, global_step, learning_rate)


# --- the state each part feeds in: (placeholders, state, final state -> carry)
def one_state(state_size, num_layers):
    """Part 2: the state is one [batch, state_size] tensor, init_state."""
    init_state = tf.placeholder(tf.float32, [None, state_size], name="init_state")
    return [init_state], init_state, lambda current_state: [current_state]


def lstm_state(state_size, num_layers):
    """Part 3: an LSTM carries two tensors, the cell state and the hidden state."""
    cell_state = tf.placeholder(tf.float32, [None, state_size], name="cell_state")
    hidden_state = tf.placeholder(tf.float32, [None, state_size], name="hidden_state")
    return ([cell_state, hidden_state],
            tf.nn.rnn_cell.LSTMStateTuple(cell_state, hidden_state),
            lambda current_state: [current_state.c, current_state.h])


def layers_state(state_size, num_layers):
    """Parts 4-6: every layer's (cell, hidden) pair in ONE placeholder, unstacked
    into the tuple of LSTMStateTuples that MultiRNNCell expects."""
    init_state = tf.placeholder(tf.float32, [num_layers, 2, None, state_size],
                                name="init_state")
    state_per_layer_list = tf.unstack(init_state, axis=0)
    rnn_tuple_state = tuple(
        tf.nn.rnn_cell.LSTMStateTuple(state_per_layer_list[idx][0],
                                      state_per_layer_list[idx][1])
        for idx in range(num_layers))
    return [init_state], rnn_tuple_state, lambda current_state: [
        tf.stack([tf.stack([layer.c, layer.h]) for layer in current_state])]


# --- the cells: the article's tf.contrib.rnn ones, under their tf.nn.rnn_cell names
def basic_rnn_cell(state_size, num_layers, keep_prob):
    return tf.nn.rnn_cell.BasicRNNCell(state_size)


def lstm_cell(state_size, num_layers, keep_prob):
    return tf.nn.rnn_cell.BasicLSTMCell(state_size, state_is_tuple=True)


def stacked_lstm_cells(state_size, num_layers, keep_prob, dropout=False):
    """One new LSTM per layer (the series' [cell] * num_layers would share one
    cell, and its weights, between layers of different input widths)."""
    cells = [tf.nn.rnn_cell.BasicLSTMCell(state_size, state_is_tuple=True)
             for _ in range(num_layers)]
    if dropout:
        cells = [tf.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=keep_prob)
                 for cell in cells]
    return tf.nn.rnn_cell.MultiRNNCell(cells, state_is_tuple=True)


# --- how the cell is unrolled over the window
def forward_static_rnn(cell, batchX_placeholder, init_state, truncated_backprop_length):
    """Parts 2-4: the cell unrolled over the list of the window's columns
    ([batch, 1] each) by static_rnn (the article's tf.nn.rnn)."""
    inputs_series = tf.split(batchX_placeholder, truncated_backprop_length, axis=1)
    return tf.nn.static_rnn(cell, inputs_series, init_state)


def forward_dynamic_rnn(cell, batchX_placeholder, init_state, truncated_backprop_length,
                        parallel_iterations=32):
    """Parts 5-6: dynamic_rnn over the 3-D input [batch, time, 1]; a loop
    inside the graph instead of one copy of the cell per time step.

    Part 6 runs the loop's steps one after the other (parallel_iterations=1):
    DropoutWrapper draws its masks from a stateful random op inside the loop,
    and steps run side by side would take its numbers in a varying order.
    """
    return tf.nn.dynamic_rnn(cell, tf.expand_dims(batchX_placeholder, -1),
                             initial_state=init_state,
                             parallel_iterations=parallel_iterations)


# Parts 2-6 of the series: (title, the state fed in, the cell, its unrolling)
PARTS = collections.OrderedDict([
    (2, ("BasicRNNCell + static_rnn", one_state, basic_rnn_cell, forward_static_rnn)),
    (3, ("LSTM, a (cell, hidden) state", lstm_state, lstm_cell, forward_static_rnn)),
    (4, ("MultiRNNCell of LSTMs", layers_state, stacked_lstm_cells,
         forward_static_rnn)),
    (5, ("dynamic_rnn", layers_state, stacked_lstm_cells, forward_dynamic_rnn)),
    (6, ("DropoutWrapper", layers_state,
         functools.partial(stacked_lstm_cells, dropout=True),
         functools.partial(forward_dynamic_rnn, parallel_iterations=1))),
])
TITLES = dict([(1, "the forward pass by hand")] +
              [(part, row[0]) for part, row in PARTS.items()])


def graph_for(args, device):
    """The graph of the run's --part."""
    if args.part == 1:
        return build_graph(args.truncated_backprop_length, args.state_size,
                           args.num_classes, args.learning_rate, args.seed, device,
                           args.init, args.grad_clip)
    return build_graph_of_part(args.part, args.truncated_backprop_length,
                               args.state_size, args.num_classes, args.learning_rate,
                               args.seed, device, args.num_layers, args.init,
                               args.grad_clip)


def zero_state(g, rows):
    """An all-zero state for `rows` rows, shaped like the part's placeholders."""
    return [np.zeros([rows if d is None else d for d in p.shape.as_list()], np.float32)
            for p in g.state_placeholders]


def window_feed(g, x, y, batch_idx, tbl, carried):
    """The feed of one run: window `batch_idx` of every row, and the state."""
    start_idx = batch_idx * tbl
    feed = {g.batchX_placeholder: x[:, start_idx:start_idx + tbl],
            g.batchY_placeholder: y[:, start_idx:start_idx + tbl]}
    feed.update(zip(g.state_placeholders, carried))
    return feed


# ---------------------------------------------------------------------------
# Visualizing the training
# ---------------------------------------------------------------------------
class EchoFigure(object):
    """The article's figure: the loss (top left) and, for each row of a window,
    bars of the input (blue), the echo target (red) and the prediction (green).
    The loss panel marks where each epoch starts (see 'the riddle')."""

    def __init__(self, batch_size, steps_per_epoch, show=False):
        self.plt = utils.pyplot(show)
        self.show, self.steps_per_epoch = show, steps_per_epoch
        self.rows = min(batch_size, 5)
        self.fig, axes = self.plt.subplots(2, 3, figsize=(12, 6))
        self.axes = axes.ravel()
        if show:
            self.plt.ion()
            self.plt.show()

    def draw(self, losses, batchX, batchY, predictions, live=False, title=None):
        ax = self.axes[0]
        ax.cla()
        ax.plot(np.arange(1, len(losses) + 1), losses, linewidth=0.5)
        starts = np.arange(0, len(losses), self.steps_per_epoch)
        for i, start in enumerate(starts):
            ax.axvline(start, color="tab:orange", linewidth=0.8,
                       alpha=0.8 if len(starts) <= 20 else 0.25,
                       label="an epoch starts" if i == 0 else None)
        ax.set_yscale("log")
        ax.set_title("loss per step")
        ax.set_xlabel("training step")
        ax.set_ylabel("cross-entropy (nats)")
        ax.legend(loc="upper right", fontsize=8)
        steps = np.arange(batchX.shape[1])
        lanes = (("input", batchX, "tab:blue", 2), ("echo target", batchY, "tab:red", 1),
                 ("prediction", None, "tab:green", 0))
        for row in range(self.rows):
            ax = self.axes[row + 1]
            ax.cla()
            # One lane each, so that no bar hides another.
            for label, values, color, lane in lanes:
                values = predictions[row].argmax(axis=1) if values is None else values[row]
                ax.bar(steps, values * 0.8, bottom=lane, width=0.9, color=color,
                       label=label)
            ax.set_ylim(-0.1, 3)
            ax.set_yticks([0.4, 1.4, 2.4])
            ax.set_yticklabels(["prediction", "target", "input"])
            ax.set_xticks(steps[::-(-len(steps) // 8)])      # at most 8 labels
            ax.set_xlabel("time step in the window")
            ax.set_title("row %d of the window" % row)
        for ax in self.axes[self.rows + 1:]:
            ax.axis("off")
        if title:
            self.fig.suptitle(title)
        self.fig.tight_layout()
        if live:
            self.fig.canvas.draw_idle()
            self.plt.pause(0.001)

    def save(self, path):
        if self.show:
            self.plt.ioff()
        return utils.save_figure(self.fig, path, self.show)


def plot_loss(path, losses, title, show=False):
    """The training loss of every step, on a log scale (loss.png)."""
    plt = utils.pyplot(show)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(np.arange(1, len(losses) + 1), losses, linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats)")
    utils.log_scale(ax)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return utils.save_figure(fig, path, show)


# ---------------------------------------------------------------------------
# Running a training session
# ---------------------------------------------------------------------------
def train(sess, g, args, loop, figure=None):
    """Slide the window over each epoch's new series, carrying the state."""
    # the keep probability, for a graph that reads it (part 6's DropoutWrapper)
    dropout = {g.keep_prob: args.keep_prob} if g.keep_prob is not None and \
        g.keep_prob.consumers() else {}
    for epoch_idx in range(loop.first_epoch, args.epochs):
        x, y = generate_data(args.total_series_length, args.echo_step, args.batch_size,
                             args.num_classes, epoch_rng(args.seed, epoch_idx))
        # A new series: every row starts from a zero state (or from where an
        # interrupted run stopped inside this epoch).
        _current_state = loop.resumed_state() or zero_state(g, args.batch_size)
        for batch_idx in range(loop.first_batch(epoch_idx), num_batches(args)):
            feed = window_feed(g, x, y, batch_idx, args.truncated_backprop_length,
                               _current_state)
            feed.update(dropout)
            fetches = [g.total_loss, g.train_step, g.current_state, g.accuracy]
            if loop.summary_due:
                fetches.append(g.summaries)
            results = sess.run(fetches, feed)
            _total_loss, _, _current_state, _accuracy = results[:4]
            # the run log, the NaN guard, checkpoints, Ctrl-C
            loop.step_done(_total_loss, results[4] if len(results) > 4 else None,
                           _current_state, accuracy=_accuracy)
            if figure is not None and loop.step % args.plot_every == 0:
                _predictions = sess.run(g.predictions, feed)
                figure.draw(loop.log["losses"], feed[g.batchX_placeholder],
                            feed[g.batchY_placeholder], _predictions, live=True)
        # The first window of each epoch against the whole (see 'the riddle').
        epoch_losses = loop.epoch_losses(epoch_idx)
        loop.epoch_done(epoch_idx, mean_loss=float(np.mean(epoch_losses)),
                        first_batch_loss=epoch_losses[0],
                        accuracy=float(np.mean(loop.epoch_losses(epoch_idx, "accuracy"))))


def evaluate(sess, g, args, rng):
    """Run a freshly generated series through the trained network.

    The state is carried across windows exactly as in training, but nothing is
    learned (and part 6 drops nothing). Returns (accuracy, loss, last window).
    The accuracy leaves out the first `echo_step` positions of each row: their
    echo source is at the end of the row above, which this row's state has
    never seen.
    """
    x, y = generate_data(args.total_series_length, args.echo_step, args.batch_size,
                         args.num_classes, rng)
    _current_state = zero_state(g, x.shape[0])
    predicted, losses = [], []
    for batch_idx in range(num_batches(args)):
        feed = window_feed(g, x, y, batch_idx, args.truncated_backprop_length,
                           _current_state)
        _total_loss, _predictions, _current_state = sess.run(
            [g.total_loss, g.predictions, g.current_state], feed)
        predicted.append(_predictions.argmax(axis=2))
        losses.append(_total_loss)
    predicted = np.concatenate(predicted, axis=1)
    target = y[:, :predicted.shape[1]]
    accuracy = echo_accuracy(predicted, target, args.echo_step)
    window = (feed[g.batchX_placeholder], feed[g.batchY_placeholder], _predictions)
    return accuracy, float(np.mean(losses)), window


def echo_accuracy(predicted, target, echo_step):
    """Share of positions predicted right, leaving out each row's first echo_step."""
    return float(np.mean(predicted[:, echo_step:] == target[:, echo_step:]))


# ---------------------------------------------------------------------------
# The command line: presets, checks, and the run from start to end
# ---------------------------------------------------------------------------
QUICK = dict(epochs=2, total_series_length=25000)
ARTICLE = dict(init="uniform", grad_clip=0.0)   # everything else already is the article's


def check(args):
    """What the flags must satisfy together (None when they do)."""
    if args.grad_clip < 0 or not np.isfinite(args.grad_clip):
        return "argument --grad-clip: must be >= 0, got %s" % args.grad_clip
    if args.num_classes < 2:
        return "argument --num-classes: must be >= 2, got %d" % args.num_classes
    if args.echo_step >= args.truncated_backprop_length:
        return ("argument --echo-step: must be smaller than --truncated-backprop-length "
                "(%d), got %d: the echo's source would never be in the same window as "
                "its target" % (args.truncated_backprop_length, args.echo_step))
    if num_batches(args) < 1:
        return ("argument --total-series-length: %d is too short for one window of %d "
                "steps in each of %d rows" % (
                    args.total_series_length, args.truncated_backprop_length,
                    args.batch_size))
    return None


def parse_args(argv=None):
    return cli.parse(__file__, __doc__, HYPERPARAMETERS, argv, epochs=100,
                     presets=[("article", ARTICLE), ("quick", QUICK)], check=check)


def run(args):
    device = utils.start_run(args)
    g = graph_for(args, device)
    ckpts = utils.Checkpoints(g.graph, args.output_dir)
    figure = EchoFigure(args.batch_size, num_batches(args), show=True) if args.show \
        else None
    with utils.make_session(g.graph, args.threads) as sess:
        sess.run(g.init)
        log = ckpts.resume_or_start(sess, args)
        writers = utils.summary_writers(args.output_dir, g.graph, ("train", "evaluation"),
                                        int(sess.run(g.global_step)))
        print("part %d (%s): %s x %d windows of %d steps, %d rows, state size %d"
              % (args.part, TITLES[args.part], utils.plural(args.epochs, "epoch"),
                 num_batches(args), args.truncated_backprop_length, args.batch_size,
                 args.state_size), flush=True)
        with utils.TrainingLoop(sess, g.global_step, args, ckpts, log, num_batches(args),
                                writers["train"]) as loop:
            train(sess, g, args, loop, figure)
        accuracy, eval_loss, window = evaluate(sess, g, args, evaluation_rng(args.seed))
    # the fresh series' figures, in the same charts as training's
    utils.scalar_summary(writers["evaluation"], loop.step, accuracy=accuracy,
                         loss=eval_loss)
    for writer in writers.values():
        writer.close()

    figure = figure or EchoFigure(args.batch_size, num_batches(args))
    figure.draw(log["losses"], *window,
                title="part %d, echo_step %d, state_size %d: accuracy %.4f on a fresh "
                      "series" % (args.part, args.echo_step, args.state_size, accuracy))
    figure.save(os.path.join(args.output_dir, "echo.png"))
    plot_loss(os.path.join(args.output_dir, "loss.png"), log["losses"],
              "Echo-RNN part %d: training loss" % args.part)
    last = log["epochs"][-1] if log["epochs"] else None
    figures = {
        "part": args.part,
        "final_loss": last["mean_loss"] if last else None,
        "echo_accuracy": accuracy,
        "eval_loss": eval_loss,
        # The article's riddle in numbers: the first window of an epoch
        # against the epoch as a whole.
        "epoch_start_loss": last["first_batch_loss"] if last else None,
        "epochs_run": len(log["epochs"]),
    }
    utils.write_metrics(args, figures, loop.step, log["train_seconds"],
                        interrupted=loop.interrupted, history=log["epochs"])
    print("echo_accuracy %.4f on a fresh series after %d steps; final loss %s; %.1f s "
          "of training" % (accuracy, loop.step, "%.3g" % figures["final_loss"]
                           if last else "-", log["train_seconds"]))
    utils.finish(loop, args)


def main(argv=None):
    return utils.main(__file__, parse_args, run, argv)


if __name__ == "__main__":
    sys.exit(main())
