"""Echo-RNN: a recurrent network that learns to echo its input, six ways.

Accompanies "How to build a Recurrent Neural Network in TensorFlow (1/7)"
(Erik Hallstrom) and the parts of the series after it. A random binary series
goes in; the target is the same series shifted `echo_step` steps to the
right, so to answer the network must remember its last `echo_step` inputs in
its state. It is trained with truncated backpropagation: the window slides
`truncated_backprop_length` steps per run and the state one run ends with is
fed in as the `init_state` of the next.

--part N picks the part of the series whose graph is built; the data, the
sliding window, the carried state, evaluation, plots and checkpoints are the
same for all six:

  1  the forward pass written by hand (the default: the article above)
  2  "Using the RNN API": BasicRNNCell unrolled by static_rnn
  3  "Using the LSTM API": an LSTM, its state a (cell, hidden) pair
  4  "Using the Multilayered LSTM API": MultiRNNCell of --num-layers LSTMs, the
     whole state in one placeholder [num_layers, 2, batch_size, state_size]
  5  "Using the DynamicRNN API": dynamic_rnn, logits in one matmul
  6  "Using the Dropout API": DropoutWrapper on each LSTM while training

Run:  python echo_rnn.py            (part 1, the article's set-up, under a minute)
      python echo_rnn.py --part 4   (three LSTM layers)
      python echo_rnn.py --quick    (seconds)
      python echo_rnn.py --show     (redraw the article's figure while training)

Output in runs/echo_rnn/: metrics.json, echo.png (loss and bars), loss.png,
checkpoints/, tensorboard/.
"""
from __future__ import print_function

import collections
import os
import sys

import numpy as np

import utils
from utils import tf


# ---------------------------------------------------------------------------
# Hyperparameters ("Setup"): the article's constants, each one a flag
# ---------------------------------------------------------------------------
PARTS = collections.OrderedDict([
    (1, "forward pass by hand"),
    (2, "BasicRNNCell + static_rnn"),
    (3, "LSTM, (cell, hidden) state"),
    (4, "MultiRNNCell of LSTMs"),
    (5, "dynamic_rnn"),
    (6, "DropoutWrapper"),
])
QUICK = dict(epochs=2, total_series_length=25000)
# The article's exact set-up: everything else already is the article's value.
ARTICLE = dict(init="uniform", grad_clip=0.0)


def parse_args(argv=None):
    parser = utils.make_parser(__file__, __doc__, default_epochs=100)
    group = parser.add_argument_group("the echo task (the article's names)")
    group.add_argument("--total-series-length", type=utils.positive_int, default=50000,
                       help="length of the random series generated for each epoch")
    group.add_argument("--truncated-backprop-length", type=utils.positive_int,
                       default=15,
                       help="time steps per run: the window the error is "
                            "backpropagated through")
    group.add_argument("--state-size", type=utils.positive_int, default=4,
                       help="units in the RNN state (in each layer)")
    group.add_argument("--num-classes", type=int, default=2,
                       help="distinct input values (2: a binary series)")
    group.add_argument("--echo-step", type=utils.positive_int, default=3,
                       help="how many steps the target lags behind the input")
    group.add_argument("--batch-size", type=utils.positive_int, default=5,
                       help="rows the series is reshaped into, trained side by side")
    group.add_argument("--learning-rate", type=utils.positive_float, default=0.3,
                       help="Adagrad learning rate")
    group.add_argument("--init", choices=("glorot", "uniform"), default="glorot",
                       help="starting weights of W (part 1) and W2: uniform is the "
                            "article's U[0, 1), which leaves about one seed in ten "
                            "stuck at chance for good (every weight positive "
                            "saturates the tanh); glorot (Glorot/Xavier uniform, "
                            "centred on 0) learned on every seed tried")
    group.add_argument("--grad-clip", type=float, default=1.0,
                       help="clip the gradients to this global norm (0: no clipping, "
                            "the article's); without it a network that has learned "
                            "the echo is now and then thrown back to chance for good "
                            "by one epoch-start window (one seed in 50 on TF 1.15)")
    group.add_argument("--plot-every", type=utils.positive_int, default=100,
                       help="with --show, redraw the figure every this many steps")
    group = parser.add_argument_group("the later parts of the series")
    group.add_argument("--part", type=int, choices=list(PARTS), default=1,
                       help="which part's graph: %s" % "; ".join(
                           "%d %s" % kv for kv in PARTS.items()))
    group.add_argument("--num-layers", type=utils.positive_int, default=3,
                       help="LSTM layers in parts 4-6 (the series' num_layers)")
    group.add_argument("--keep-prob", type=utils.probability, default=0.5,
                       help="part 6: output keep probability of each layer while "
                            "training (evaluation keeps everything)")
    group.add_argument("--article", action="store_true",
                       help="the article's exact set-up, starting weights included "
                            "(%s); flags given explicitly still win" % ", ".join(
                                "--%s %s" % kv for kv in sorted(ARTICLE.items())))
    args = utils.parse(parser, argv, presets=[("article", ARTICLE), ("quick", QUICK)],
                       resumable=("learning_rate", "plot_every"))
    utils.check_common(parser, args)
    if args.grad_clip < 0 or not np.isfinite(args.grad_clip):
        parser.error("argument --grad-clip: must be >= 0, got %s" % args.grad_clip)
    if args.num_classes < 2:
        parser.error("argument --num-classes: must be >= 2, got %d" % args.num_classes)
    if args.echo_step >= args.truncated_backprop_length:
        parser.error("argument --echo-step: must be smaller than "
                     "--truncated-backprop-length (%d), got %d: the echo's source "
                     "would never be in the same window as its target"
                     % (args.truncated_backprop_length, args.echo_step))
    if num_batches(args) < 1:
        parser.error("argument --total-series-length: %d is too short for one "
                     "window of %d steps in each of %d rows"
                     % (args.total_series_length, args.truncated_backprop_length,
                        args.batch_size))
    return args


def num_batches(args):
    """Windows per epoch: each row is cut into truncated_backprop_length pieces."""
    return args.total_series_length // args.batch_size // args.truncated_backprop_length


def config_of(args):
    return {name: getattr(args, name) for name in (
        "epochs", "seed", "total_series_length", "truncated_backprop_length", "state_size",
        "num_classes", "echo_step", "batch_size", "learning_rate", "grad_clip", "init",
        "part",
        "num_layers", "keep_prob", "article", "quick", "device")}


# ---------------------------------------------------------------------------
# Generate data
# ---------------------------------------------------------------------------
def generate_data(total_series_length, echo_step, batch_size, num_classes=2, rng=None):
    """A random series x and its echo y, both reshaped into `batch_size` rows.

    y is x shifted `echo_step` to the right with zeros shifted in. Row r of the
    matrix continues where row r-1 stopped, so the first `echo_step` targets of
    a row echo the last inputs of the row above (see 'the spikes' in README).
    """
    rng = np.random if rng is None else rng
    length = total_series_length - total_series_length % batch_size
    x = rng.randint(num_classes, size=length).astype(np.int32)
    y = np.roll(x, echo_step)
    y[:echo_step] = 0
    # x in the placeholder's float32 once here, rather than at every feed
    return x.reshape((batch_size, -1)).astype(np.float32), y.reshape((batch_size, -1))


def epoch_rng(seed, epoch):
    """The data stream of one epoch; the same after --resume, new every epoch."""
    return np.random.RandomState([seed % 2 ** 32, epoch])


def evaluation_rng(seed):
    """A stream no training epoch uses (epochs are numbered from 0)."""
    return np.random.RandomState([seed % 2 ** 32, 2 ** 31])


# ---------------------------------------------------------------------------
# Building the computational graph: one forward pass per part
# ---------------------------------------------------------------------------
EchoGraph = collections.namedtuple("EchoGraph", [
    "graph", "part", "batchX_placeholder", "batchY_placeholder", "init_state",
    "state_placeholders", "current_state", "keep_prob", "logits", "predictions",
    "total_loss", "accuracy", "train_step", "global_step", "summaries", "init"])


def starting_weights(shape, init):
    """The article's U[0, 1) or Glorot uniform (see --init)."""
    if init == "uniform":
        return tf.random_uniform(shape)
    return tf.glorot_uniform_initializer()(shape)


def state_placeholders(part, state_size, num_layers):
    """The state fed in at each run, in each part's own shape and names.

    Returns (the placeholders, in the order the carried state is fed, and the
    state as the forward pass takes it). The batch dimension is left open so
    that evaluation can use any number of rows.
    """
    if part in (1, 2):
        init_state = tf.placeholder(tf.float32, [None, state_size], name="init_state")
        return [init_state], init_state
    if part == 3:
        # An LSTM carries two tensors: the cell state and the hidden state.
        cell_state = tf.placeholder(tf.float32, [None, state_size], name="cell_state")
        hidden_state = tf.placeholder(tf.float32, [None, state_size], name="hidden_state")
        return ([cell_state, hidden_state],
                tf.nn.rnn_cell.LSTMStateTuple(cell_state, hidden_state))
    # Parts 4-6: every layer's (cell, hidden) pair in ONE placeholder,
    # unstacked into the tuple of LSTMStateTuples that MultiRNNCell expects.
    init_state = tf.placeholder(tf.float32, [num_layers, 2, None, state_size],
                                name="init_state")
    state_per_layer_list = tf.unstack(init_state, axis=0)
    rnn_tuple_state = tuple(
        tf.nn.rnn_cell.LSTMStateTuple(state_per_layer_list[idx][0],
                                      state_per_layer_list[idx][1])
        for idx in range(num_layers))
    return [init_state], rnn_tuple_state


def state_to_carry(part, current_state):
    """The final state as tensors shaped like state_placeholders(part)."""
    if part in (1, 2):
        return [current_state]
    if part == 3:
        return [current_state.c, current_state.h]
    return [tf.stack([tf.stack([layer.c, layer.h]) for layer in current_state])]


def make_cell(part, state_size, num_layers, keep_prob):
    """The article's tf.contrib.rnn cells, under their tf.nn.rnn_cell names."""
    if part == 2:
        return tf.nn.rnn_cell.BasicRNNCell(state_size)
    if part == 3:
        return tf.nn.rnn_cell.BasicLSTMCell(state_size, state_is_tuple=True)
    cells = [tf.nn.rnn_cell.BasicLSTMCell(state_size, state_is_tuple=True)
             for _ in range(num_layers)]
    if part == 6:
        # keep_prob is a tensor: the value fed while training, 1.0 otherwise,
        # so evaluation runs the very same weights without dropout.
        cells = [tf.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=keep_prob)
                 for cell in cells]
    return tf.nn.rnn_cell.MultiRNNCell(cells, state_is_tuple=True)


def forward_by_hand(batchX_placeholder, init_state, state_size, init):
    """Part 1's 'Forward pass': one matmul per step on [input, state].

    Returns (states_series: the state after each step, the final state).
    """
    # W maps [input, state] to the next state; b is its bias.
    W = tf.Variable(starting_weights([state_size + 1, state_size], init), name="W")
    b = tf.Variable(tf.zeros([1, state_size]), name="b")
    # 'Unpacking': the window's columns become a Python list of time steps.
    inputs_series = tf.unstack(batchX_placeholder, axis=1)
    # Input and state concatenated, so the two affine maps (input * Wa +
    # state * Wb) are one matmul; the graph is unrolled over the window,
    # which is where backpropagation is truncated.
    current_state = init_state
    states_series = []
    for current_input in inputs_series:
        current_input = tf.reshape(current_input, [-1, 1])
        input_and_state_concatenated = tf.concat([current_input, current_state], 1)
        next_state = tf.tanh(tf.matmul(input_and_state_concatenated, W) + b)
        states_series.append(next_state)
        current_state = next_state
    return states_series, current_state


def forward_static_rnn(cell, batchX_placeholder, init_state, truncated_backprop_length):
    """Parts 2-4: the cell unrolled over the list of the window's columns
    ([batch, 1] each) by static_rnn (the article's tf.nn.rnn)."""
    inputs_series = tf.split(batchX_placeholder, truncated_backprop_length, axis=1)
    return tf.nn.static_rnn(cell, inputs_series, init_state)


def forward_dynamic_rnn(cell, batchX_placeholder, init_state, dropout=False):
    """Parts 5-6: dynamic_rnn over the 3-D input [batch, time, 1]; a loop
    inside the graph instead of one copy of the cell per time step.

    With dropout (part 6), parallel_iterations=1 runs the loop's steps one
    after the other: DropoutWrapper draws its masks from a stateful random op
    inside the loop, and steps run side by side would take its numbers in a
    varying order (the same seed would not give the same figures).
    """
    return tf.nn.dynamic_rnn(cell, tf.expand_dims(batchX_placeholder, -1),
                             initial_state=init_state,
                             parallel_iterations=1 if dropout else 32)


def build_graph(truncated_backprop_length, state_size, num_classes, learning_rate,
                seed=0, device="/device:CPU:0", part=1, num_layers=3, init="glorot",
                grad_clip=0.0):
    """The echo network of one part of the series, in a fresh tf.Graph."""
    graph = tf.Graph()
    with graph.as_default(), tf.device(device):
        tf.set_random_seed(seed)
        # 'Variables and placeholders': one window of every row, the state
        # each row ended the previous window with, and (part 6) the keep
        # probability, 1.0 unless fed.
        batchX_placeholder = tf.placeholder(
            tf.float32, [None, truncated_backprop_length], name="batchX_placeholder")
        batchY_placeholder = tf.placeholder(
            tf.int32, [None, truncated_backprop_length], name="batchY_placeholder")
        placeholders, init_state = state_placeholders(part, state_size, num_layers)
        keep_prob = tf.placeholder_with_default(1.0, [], name="keep_prob")
        # W2, b2: the softmax layer from the state to the classes.
        W2 = tf.Variable(starting_weights([state_size, num_classes], init), name="W2")
        b2 = tf.Variable(tf.zeros([1, num_classes]), name="b2")

        if part == 1:
            states_series, current_state = forward_by_hand(
                batchX_placeholder, init_state, state_size, init)
        elif part <= 4:
            states_series, current_state = forward_static_rnn(
                make_cell(part, state_size, num_layers, keep_prob), batchX_placeholder,
                init_state, truncated_backprop_length)
        else:
            states_series, current_state = forward_dynamic_rnn(
                make_cell(part, state_size, num_layers, keep_prob), batchX_placeholder,
                init_state, dropout=part == 6)

        # 'Calculating loss': a softmax layer on every state. Parts 1-4 have a
        # list of states, one matmul each; parts 5-6 one [batch, time, state]
        # tensor, reshaped to [batch * time, state] so the logits are one matmul.
        if part <= 4:
            logits = tf.stack([tf.matmul(state, W2) + b2 for state in states_series],
                              axis=1)
        else:
            states_series = tf.reshape(states_series, [-1, state_size])
            logits = tf.reshape(tf.matmul(states_series, W2) + b2,
                                [-1, truncated_backprop_length, num_classes])
        logits = tf.identity(logits, name="logits")
        predictions = tf.nn.softmax(logits, name="predictions")
        # The sparse cross-entropy takes class ids, not one-hot rows.
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=batchY_placeholder, logits=logits)
        total_loss = tf.reduce_mean(losses, name="total_loss")
        correct = tf.equal(tf.argmax(logits, 2, output_type=tf.int32),
                           batchY_placeholder)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="batch_accuracy")

        global_step = tf.train.get_or_create_global_step()
        optimizer = tf.train.AdagradOptimizer(learning_rate)
        if grad_clip > 0:
            # A confident wrong guess in an epoch's first window (see 'the
            # spikes') can give a gradient large enough to throw a network
            # that had learned the echo into saturation for good; clipping
            # the global norm bounds that step (see --grad-clip).
            grads, variables = zip(*optimizer.compute_gradients(total_loss))
            grads, _ = tf.clip_by_global_norm(grads, grad_clip)
            train_step = optimizer.apply_gradients(zip(grads, variables),
                                                   global_step=global_step)
        else:
            train_step = optimizer.minimize(total_loss, global_step=global_step)

        summaries = tf.summary.merge([
            tf.summary.scalar("loss", total_loss),
            tf.summary.scalar("accuracy", accuracy),
            tf.summary.scalar("learning_rate", tf.constant(learning_rate)),
        ])
        init_op = tf.global_variables_initializer()
    return EchoGraph(graph, part, batchX_placeholder, batchY_placeholder, init_state,
                     placeholders, state_to_carry(part, current_state), keep_prob,
                     logits, predictions, total_loss, accuracy, train_step, global_step,
                     summaries, init_op)


def graph_from_args(args, device="/device:CPU:0"):
    return build_graph(args.truncated_backprop_length, args.state_size,
                       args.num_classes, args.learning_rate, args.seed, device,
                       args.part, args.num_layers, args.init, args.grad_clip)


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
# Running a training session
# ---------------------------------------------------------------------------
def train(sess, g, args, loop, figure=None):
    """Slide the window over each epoch's new series, carrying the state."""
    for epoch_idx in loop.epochs():
        x, y = generate_data(args.total_series_length, args.echo_step, args.batch_size,
                             args.num_classes, epoch_rng(args.seed, epoch_idx))
        # A new series: every row starts from a zero state (or from where an
        # interrupted run stopped inside this epoch).
        _current_state = loop.carried_state() or zero_state(g, args.batch_size)
        for batch_idx in loop.batches():
            feed = window_feed(g, x, y, batch_idx, args.truncated_backprop_length,
                               _current_state)
            if g.part == 6:
                feed[g.keep_prob] = args.keep_prob
            fetches = [g.total_loss, g.train_step, g.current_state, g.accuracy]
            if loop.summary_due:
                fetches.append(g.summaries)
            results = sess.run(fetches, feed)
            _total_loss, _, _current_state, _accuracy = results[:4]
            loop.step_done(_total_loss, results[4] if len(results) > 4 else None,
                           _current_state, accuracy=_accuracy)
            if figure is not None and loop.step % args.plot_every == 0:
                _predictions = sess.run(g.predictions, feed)
                figure.draw(loop.log["losses"], feed[g.batchX_placeholder],
                            feed[g.batchY_placeholder], _predictions, live=True)
        # The first window of each epoch against the whole (see 'the spikes').
        epoch_losses = loop.epoch_losses()
        loop.epoch_done(mean_loss=float(np.mean(epoch_losses)),
                        first_batch_loss=epoch_losses[0],
                        accuracy=float(np.mean(loop.epoch_losses("accuracy"))))


# ---------------------------------------------------------------------------
# Evaluation and plots
# ---------------------------------------------------------------------------
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


class EchoFigure(object):
    """The article's figure: the loss (top left) and, for each row of a window,
    bars of the input (blue), the echo target (red) and the prediction (green).
    """

    def __init__(self, batch_size, show=False):
        self.plt = utils.pyplot(show)
        self.show = show
        self.rows = min(batch_size, 5)
        self.fig, axes = self.plt.subplots(2, 3, figsize=(12, 6))
        self.axes = axes.ravel()
        if show:
            self.plt.ion()
            self.plt.show()

    def draw(self, losses, batchX, batchY, predictions, live=False, title=None):
        ax = self.axes[0]
        ax.cla()
        ax.plot(losses, linewidth=0.5)
        ax.set_yscale("log")
        ax.set_title("loss per step")
        ax.set_xlabel("step")
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
            ax.set_yticklabels(["prediction", "target", "input"] if row % 3 == 0 else [])
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
    ax.set_yscale("log")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return utils.save_figure(fig, path, show)


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
def run(args):
    config = config_of(args)
    utils.refuse_changed_flags(args, config)
    device = utils.start_run(__file__, args)
    g = graph_from_args(args, device)
    ckpts = utils.Checkpoints(g.graph, args.output_dir)
    figure = EchoFigure(args.batch_size, show=True) if args.show else None
    with utils.make_session(g.graph, args.threads) as sess:
        sess.run(g.init)
        log = ckpts.resume_or_start(sess, args.resume, config)
        writers = utils.summary_writers(args.output_dir, g.graph, ("train", "evaluation"),
                                        int(sess.run(g.global_step)))
        print("part %d (%s): %d epochs x %d windows of %d steps, %d rows, state size %d"
              % (args.part, PARTS[args.part], args.epochs, num_batches(args),
                 args.truncated_backprop_length, args.batch_size, args.state_size),
              flush=True)
        with utils.TrainingLoop(sess, g.global_step, args, ckpts, log, num_batches(args),
                                writers["train"]) as loop:
            train(sess, g, args, loop, figure)
        steps = loop.step
        accuracy, eval_loss, window = evaluate(sess, g, args, evaluation_rng(args.seed))
    # the fresh series' figures, in the same charts as training's
    utils.scalar_summary(writers["evaluation"], steps, accuracy=accuracy, loss=eval_loss)
    for writer in writers.values():
        writer.close()

    figure = figure or EchoFigure(args.batch_size)
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
    utils.write_metrics(args, __file__, figures, steps, log["train_seconds"], config,
                        interrupted=loop.interrupted, history=log["epochs"])
    print("echo_accuracy %.4f (fresh series, %d steps), final_loss %s, "
          "%.1f s training" % (accuracy, steps, figures["final_loss"],
                               log["train_seconds"]))
    if args.show:
        figure.plt.show()
    utils.stop_if_interrupted(loop.interrupted, steps, ckpts)


def main(argv=None):
    args = parse_args(argv)
    return utils.run_guarded(__file__, run, args)


if __name__ == "__main__":
    sys.exit(main())
