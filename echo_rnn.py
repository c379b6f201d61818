"""Echo-RNN: a recurrent network written by hand that learns to echo its input.

Accompanies "How to build a Recurrent Neural Network in TensorFlow (1/7)"
(Erik Hallstrom). A random binary series goes in; the target is the same
series shifted `echo_step` steps to the right, so to answer the network must
remember its last `echo_step` inputs in its state. The forward pass is written
out step by step (no RNN API), trained with truncated backpropagation: the
window slides `truncated_backprop_length` steps per run and the last state of
one run is fed in as `init_state` of the next.

Run:  python echo_rnn.py            (the article's set-up, about a minute)
      python echo_rnn.py --quick    (seconds)
      python echo_rnn.py --show     (redraw the article's figure while training)

Output in runs/echo_rnn/: metrics.json, echo.png (loss and bars), loss.png,
checkpoints/, tensorboard/.
"""
from __future__ import print_function

import collections
import os
import sys
import time

import numpy as np

import utils
from utils import tf


# ---------------------------------------------------------------------------
# Hyperparameters ("Setup"): the article's constants, each one a flag
# ---------------------------------------------------------------------------
QUICK = dict(epochs=2, total_series_length=25000)


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
                       help="units in the RNN state")
    group.add_argument("--num-classes", type=int, default=2,
                       help="distinct input values (2: a binary series)")
    group.add_argument("--echo-step", type=utils.positive_int, default=3,
                       help="how many steps the target lags behind the input")
    group.add_argument("--batch-size", type=utils.positive_int, default=5,
                       help="rows the series is reshaped into, trained side by side")
    group.add_argument("--learning-rate", type=utils.positive_float, default=0.3,
                       help="Adagrad learning rate")
    group.add_argument("--plot-every", type=utils.positive_int, default=100,
                       help="with --show, redraw the figure every this many steps")
    args = parser.parse_args(argv)
    if args.quick:
        utils.apply_preset(parser, args, QUICK)
    utils.check_common(parser, args)
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
        "epochs", "total_series_length", "truncated_backprop_length", "state_size",
        "num_classes", "echo_step", "batch_size", "learning_rate", "quick", "device")}


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
# Building the computational graph
# ---------------------------------------------------------------------------
EchoGraph = collections.namedtuple("EchoGraph", [
    "graph", "batchX_placeholder", "batchY_placeholder", "init_state",
    "current_state", "predictions", "total_loss", "accuracy", "train_step",
    "global_step", "summaries", "init"])


def build_graph(truncated_backprop_length, state_size, num_classes, learning_rate,
                seed=0, device="/device:CPU:0"):
    """The echo network in a fresh tf.Graph, following the article's sections."""
    graph = tf.Graph()
    with graph.as_default(), tf.device(device):
        tf.set_random_seed(seed)
        # 'Variables and placeholders': one window of every row, and the state
        # each row ended the previous window with. The batch dimension is left
        # open so that evaluation can use any number of rows.
        batchX_placeholder = tf.placeholder(
            tf.float32, [None, truncated_backprop_length], name="batchX_placeholder")
        batchY_placeholder = tf.placeholder(
            tf.int32, [None, truncated_backprop_length], name="batchY_placeholder")
        init_state = tf.placeholder(tf.float32, [None, state_size], name="init_state")

        # W maps [input, state] to the next state; W2, b2 the state to the
        # classes. Uniform [0, 1) starting weights, as in the article.
        W = tf.Variable(tf.random_uniform([state_size + 1, state_size]), name="W")
        b = tf.Variable(tf.zeros([1, state_size]), name="b")
        W2 = tf.Variable(tf.random_uniform([state_size, num_classes]), name="W2")
        b2 = tf.Variable(tf.zeros([1, num_classes]), name="b2")

        # 'Unpacking': the window's columns become Python lists of time steps.
        inputs_series = tf.unstack(batchX_placeholder, axis=1)
        labels_series = tf.unstack(batchY_placeholder, axis=1)

        # 'Forward pass': input and state concatenated, so the two affine maps
        # (input * Wa + state * Wb) are one matmul; the graph is unrolled over
        # the window, which is where backpropagation is truncated.
        current_state = init_state
        states_series = []
        for current_input in inputs_series:
            current_input = tf.reshape(current_input, [-1, 1])
            input_and_state_concatenated = tf.concat([current_input, current_state], 1)
            next_state = tf.tanh(tf.matmul(input_and_state_concatenated, W) + b)
            states_series.append(next_state)
            current_state = next_state

        # 'Calculating loss': a softmax layer on every state; the sparse
        # cross-entropy takes class ids, not one-hot rows.
        logits_series = [tf.matmul(state, W2) + b2 for state in states_series]
        predictions_series = [tf.nn.softmax(logits) for logits in logits_series]
        losses = [tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                 logits=logits)
                  for logits, labels in zip(logits_series, labels_series)]
        total_loss = tf.reduce_mean(losses, name="total_loss")

        predictions = tf.stack(predictions_series, axis=1, name="predictions")
        correct = tf.equal(tf.argmax(predictions, 2, output_type=tf.int32),
                           batchY_placeholder)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")

        global_step = tf.train.get_or_create_global_step()
        train_step = tf.train.AdagradOptimizer(learning_rate).minimize(
            total_loss, global_step=global_step)

        summaries = tf.summary.merge([
            tf.summary.scalar("loss", total_loss),
            tf.summary.scalar("accuracy", accuracy),
            tf.summary.scalar("learning_rate", tf.constant(learning_rate)),
        ])
        init = tf.global_variables_initializer()
    return EchoGraph(graph, batchX_placeholder, batchY_placeholder, init_state,
                     current_state, predictions, total_loss, accuracy, train_step,
                     global_step, summaries, init)


# ---------------------------------------------------------------------------
# Running a training session
# ---------------------------------------------------------------------------
SUMMARY_EVERY = 50        # steps between TensorBoard points
CHECKPOINT_SECONDS = 30   # at most this much training is lost on a crash


def train(sess, g, args, ckpt, state, writer, stop, figure=None):
    """Slide the window over each epoch's new series, carrying the state.

    `state` is the side state of a restored checkpoint (or a fresh one); it is
    updated in place: step losses, epoch summaries, seconds trained.
    Returns True when it stopped early on Ctrl-C.
    """
    tbl = args.truncated_backprop_length
    batches = num_batches(args)
    step = int(sess.run(g.global_step))
    first_epoch, first_batch = divmod(step, batches)
    progress = utils.Progress(args.epochs, first_epoch, state["train_seconds"])
    last_save = time.time()
    for epoch_idx in range(first_epoch, args.epochs):
        x, y = generate_data(args.total_series_length, args.echo_step, args.batch_size,
                             args.num_classes, epoch_rng(args.seed, epoch_idx))
        # A new series: the state starts from zero (or from where an
        # interrupted run left this epoch).
        if epoch_idx == first_epoch and state.get("current_state") is not None:
            _current_state = np.array(state["current_state"], dtype=np.float32)
        else:
            _current_state = np.zeros((args.batch_size, args.state_size), np.float32)
        start_batch = first_batch if epoch_idx == first_epoch else 0
        for batch_idx in range(start_batch, batches):
            start_idx = batch_idx * tbl
            feed = {g.batchX_placeholder: x[:, start_idx:start_idx + tbl],
                    g.batchY_placeholder: y[:, start_idx:start_idx + tbl],
                    g.init_state: _current_state}
            if step % SUMMARY_EVERY == 0:
                _total_loss, _, _current_state, summary = sess.run(
                    [g.total_loss, g.train_step, g.current_state, g.summaries], feed)
                writer.add_summary(summary, step)
            else:
                _total_loss, _, _current_state = sess.run(
                    [g.total_loss, g.train_step, g.current_state], feed)
            step += 1
            utils.check_finite(_total_loss, step)
            state["losses"].append(round(float(_total_loss), 6))
            if figure is not None and step % args.plot_every == 0:
                _predictions = sess.run(g.predictions, feed)
                figure.draw(state["losses"], feed[g.batchX_placeholder],
                            feed[g.batchY_placeholder], _predictions, live=True)
            if stop.requested:
                break
        state["current_state"] = _current_state.tolist()
        state["train_seconds"] = progress.elapsed()
        if stop.requested:
            ckpt.save(sess, step, state)
            return True
        state["current_state"] = None   # the next epoch starts from zero
        epoch_losses = state["losses"][-(batches - start_batch):]
        state["epochs"].append({"epoch": epoch_idx + 1, "step": step,
                                "first_batch_loss": epoch_losses[0],
                                "mean_loss": float(np.mean(epoch_losses))})
        progress.line(epoch_idx, step, loss=float(np.mean(epoch_losses)),
                      first_batch_loss=epoch_losses[0])
        if time.time() - last_save > CHECKPOINT_SECONDS:
            ckpt.save(sess, step, state)
            last_save = time.time()
    ckpt.save(sess, step, state)
    return False


# ---------------------------------------------------------------------------
# Evaluation and plots
# ---------------------------------------------------------------------------
def evaluate(sess, g, args, rng):
    """Run a freshly generated series through the trained network.

    The state is carried across windows exactly as in training, but nothing is
    learned. Returns (accuracy, loss, last window). The accuracy leaves out the
    first `echo_step` positions of each row: their echo source is at the end
    of the row above, which this row's state has never seen.
    """
    tbl = args.truncated_backprop_length
    x, y = generate_data(args.total_series_length, args.echo_step, args.batch_size,
                         args.num_classes, rng)
    _current_state = np.zeros((x.shape[0], args.state_size), np.float32)
    predicted, losses = [], []
    for batch_idx in range(num_batches(args)):
        start_idx = batch_idx * tbl
        feed = {g.batchX_placeholder: x[:, start_idx:start_idx + tbl],
                g.batchY_placeholder: y[:, start_idx:start_idx + tbl],
                g.init_state: _current_state}
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


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
def run(args):
    device = utils.start_run(__file__, args)
    g = build_graph(args.truncated_backprop_length, args.state_size, args.num_classes,
                    args.learning_rate, seed=args.seed, device=device)
    ckpt = utils.Checkpoints(g.graph, args.output_dir)
    writer = utils.summary_writers(args.output_dir, g.graph)["train"]
    figure = EchoFigure(args.batch_size, show=True) if args.show else None
    with utils.make_session(g.graph, args.threads) as sess, utils.StopRequest() as stop:
        sess.run(g.init)
        state = ckpt.resume_or_start(sess, args.resume, {
            "losses": [], "epochs": [], "train_seconds": 0.0, "current_state": None})
        print("%d epochs x %d windows of %d steps, %d rows, state size %d"
              % (args.epochs, num_batches(args), args.truncated_backprop_length,
                 args.batch_size, args.state_size), flush=True)
        interrupted = train(sess, g, args, ckpt, state, writer, stop, figure)
        steps = int(sess.run(g.global_step))
        accuracy, eval_loss, window = evaluate(sess, g, args, evaluation_rng(args.seed))
    utils.scalar_summary(writer, steps, echo_accuracy=accuracy)
    writer.close()

    figure = figure or EchoFigure(args.batch_size)
    figure.draw(state["losses"], *window,
                title="echo_step %d, state_size %d: accuracy %.4f on a fresh series"
                % (args.echo_step, args.state_size, accuracy))
    figure.save(os.path.join(args.output_dir, "echo.png"))
    utils.plot_curves(os.path.join(args.output_dir, "loss.png"),
                      {"loss per step": (np.arange(1, len(state["losses"]) + 1),
                                         state["losses"])},
                      "step", "cross-entropy (nats)", "Echo-RNN training loss",
                      logy=True)
    last = state["epochs"][-1] if state["epochs"] else None
    figures = {
        "final_loss": last["mean_loss"] if last else None,
        "echo_accuracy": accuracy,
        "eval_loss": eval_loss,
        # The article's riddle in numbers: the first window of an epoch
        # against the epoch as a whole.
        "epoch_start_loss": last["first_batch_loss"] if last else None,
        "epochs_run": len(state["epochs"]),
    }
    utils.write_metrics(args, __file__, figures, steps, state["train_seconds"],
                        config_of(args), interrupted=interrupted)
    print("echo_accuracy %.4f (fresh series, %d steps), final_loss %s, "
          "%.1f s training" % (accuracy, steps, figures["final_loss"],
                               state["train_seconds"]))
    if args.show:
        figure.plt.show()
    utils.stop_if_interrupted(interrupted, steps, ckpt)


def main(argv=None):
    args = parse_args(argv)
    return utils.run_guarded(__file__, run, args)


if __name__ == "__main__":
    sys.exit(main())
