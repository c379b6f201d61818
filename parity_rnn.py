"""Parity of bit strings with an RNN: the book's warm-up, actually solved.

Accompanies "Building Your First RNN with TensorFlow" (chapter 2 of a book on
RNNs), which takes OpenAI's Requests for Research 2.0 warm-up: given a string
of 50 bits, say whether it holds an odd number of ones. The book's version
cannot work: its strings are the first 2**20 integers written in 50 bits, so
the first 30 bits are always 0 and no string has more than 20 ones (its own
test string, with 30, can never be learned), and its recipe rarely converges.

Here every bit is drawn at random, the RNN reads the string through
`tf.nn.dynamic_rnn` and a softmax layer reads its last output. Two targets:
`sum` (the book's: classify the number of ones, 0..50, and take it mod 2) and
`parity` (two classes). And two ways of training, OpenAI's two experiments:
`--lengths fixed` (every string 50 bits) stays at chance, `--lengths variable`
(lengths 1..50, given to dynamic_rnn as `sequence_length`) learns the one-bit
update on short strings and carries it to long ones.

Run:  python parity_rnn.py                 (solves it: >= 0.999 in well under a minute)
      python parity_rnn.py --lengths fixed (OpenAI's first experiment: chance)
      python parity_rnn.py --book          (the book's recipe, data fixed)
      python parity_rnn.py --predict 1011 0110011   (uses the trained checkpoint)

Output in runs/parity_rnn/: metrics.json, training.png, accuracy_by_length.png,
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
# Hyperparameters
# ---------------------------------------------------------------------------
QUICK = dict(epochs=2, num_examples=4000, eval_examples=2000)
# The book's final listing: relu BasicRNNCell, the sum as 51 classes, Adam
# 0.001, batches of 1000, 100 epochs, every string 50 bits long (with the
# data fixed).
BOOK = dict(cell="rnn", activation="relu", target="sum", learning_rate=0.001,
            lengths="fixed", epochs=100, batch_size=1000)


def parse_args(argv=None):
    parser = utils.make_parser(__file__, __doc__, default_epochs=20)
    group = parser.add_argument_group("the parity task")
    group.add_argument("--num-examples", type=utils.positive_int, default=100000,
                       help="training strings (the book's num_examples)")
    group.add_argument("--sequence-length", type=utils.positive_int, default=50,
                       help="bits per string, the longest when lengths vary")
    group.add_argument("--lengths", choices=("variable", "fixed"), default="variable",
                       help="training string lengths: variable draws each from "
                            "1..sequence-length (OpenAI's second experiment); fixed "
                            "makes all of them sequence-length (the first, and the "
                            "book's)")
    group.add_argument("--target", choices=("parity", "sum"), default="parity",
                       help="parity: two classes; sum: the number of ones as "
                            "sequence-length + 1 classes, parity = sum mod 2 (the book)")
    group.add_argument("--cell", choices=("lstm", "gru", "rnn"), default="lstm",
                       help="tf.nn.rnn_cell.LSTMCell, GRUCell or BasicRNNCell (the "
                            "book's); LSTM is the default because it solves the task "
                            "reliably in a few epochs")
    group.add_argument("--activation", choices=("tanh", "relu"), default="tanh",
                       help="activation of the rnn cell (the book's final listing "
                            "uses relu)")
    group.add_argument("--num-hidden-units", type=utils.positive_int, default=24,
                       help="units in the cell (the book's num_hidden_units)")
    group.add_argument("--batch-size", type=utils.positive_int, default=100,
                       help="strings per training step (the book's 1000 gives ten "
                            "times fewer updates per epoch: 3-5 epochs to solve "
                            "instead of 1, and some seeds never leave chance)")
    group.add_argument("--learning-rate", type=utils.positive_float, default=0.01,
                       help="Adam's learning rate (the book's 0.001 learns too slowly "
                            "to finish in a minute)")
    group.add_argument("--target-accuracy", type=utils.probability, default=0.999,
                       help="stop once parity accuracy on held-out 50-bit strings "
                            "reaches this (checked after each epoch)")
    group.add_argument("--eval-examples", type=utils.positive_int, default=10000,
                       help="fresh strings in each held-out set")
    group.add_argument("--book", action="store_true",
                       help="the book's recipe (%s), with its data fixed; flags given "
                            "explicitly still win" % ", ".join(
                                "%s=%s" % kv for kv in sorted(BOOK.items())))
    group.add_argument("--predict", nargs="+", metavar="BITS",
                       help="no training: print the parity of each string of 0s and "
                            "1s with the checkpoint in --output-dir")
    args = parser.parse_args(argv)
    if args.book:
        utils.apply_preset(parser, args, BOOK)
    if args.quick:
        utils.apply_preset(parser, args, QUICK)
    utils.check_common(parser, args)
    return args


def num_classes(target, sequence_length):
    """Parity: 0 or 1. Sum: 0..sequence_length ones (the book's 50 classes
    could not say "50")."""
    return 2 if target == "parity" else sequence_length + 1


def config_of(args):
    return {name: getattr(args, name) for name in (
        "epochs", "num_examples", "sequence_length", "lengths", "target", "cell",
        "activation", "num_hidden_units", "batch_size", "learning_rate",
        "target_accuracy", "eval_examples", "book", "quick", "device")}


# ---------------------------------------------------------------------------
# Generating data
# ---------------------------------------------------------------------------
ParityData = collections.namedtuple("ParityData", "X lengths sums")


def generate_data(num_examples, sequence_length, lengths="fixed", rng=None):
    """Random bit strings shaped [num_examples, sequence_length, 1].

    Every bit is a fair coin (the book's first-2**20-integers data is not).
    With lengths="variable" each string's length is uniform in
    1..sequence_length and the bits past it are 0: padding that dynamic_rnn
    never reads, since it gets the lengths.
    """
    rng = np.random if rng is None else rng
    X = rng.randint(2, size=(num_examples, sequence_length)).astype(np.float32)
    if lengths == "variable":
        seq_lengths = rng.randint(1, sequence_length + 1, size=num_examples)
        X[np.arange(sequence_length)[None, :] >= seq_lengths[:, None]] = 0
    else:
        seq_lengths = np.full(num_examples, sequence_length)
    sums = X.sum(axis=1).astype(np.int64)
    return ParityData(X[:, :, None], seq_lengths.astype(np.int32), sums)


def labels_for(data, target):
    """Class ids: the number of ones, or that number mod 2."""
    return data.sums if target == "sum" else data.sums % 2


def one_hot(labels, classes):
    return np.eye(classes, dtype=np.float32)[labels]


def parse_bits(strings, sequence_length):
    """--predict's strings as a ParityData batch; DataError names a bad one."""
    X = np.zeros((len(strings), sequence_length, 1), np.float32)
    for i, text in enumerate(strings):
        if not text:
            raise utils.DataError(repr(text), "an empty string has no parity to predict")
        if set(text) - set("01"):
            raise utils.DataError(text, "only the characters 0 and 1 are allowed")
        if len(text) > sequence_length:
            raise utils.DataError(text, "%d bits, but the model was trained for at "
                                        "most %d" % (len(text), sequence_length))
        X[i, :len(text), 0] = [int(c) for c in text]
    seq_lengths = np.array([len(s) for s in strings], np.int32)
    return ParityData(X, seq_lengths, X[:, :, 0].sum(axis=1).astype(np.int64))


def training_rng(seed):
    return np.random.RandomState([seed % 2 ** 32, 0])


def heldout_rng(seed, which):
    """Streams for the held-out sets, apart from the training stream."""
    return np.random.RandomState([seed % 2 ** 32, 1, which])


# ---------------------------------------------------------------------------
# Building the TensorFlow graph
# ---------------------------------------------------------------------------
ParityGraph = collections.namedtuple("ParityGraph", [
    "graph", "X", "Y", "sequence_length", "outputs", "last_output", "prediction",
    "total_loss", "predicted_class", "predicted_parity", "accuracy", "optimizer",
    "global_step", "summaries", "init"])


def make_cell(cell, num_hidden_units, activation="tanh"):
    """The book's BasicRNNCell (it wrote contrib.rnn), or a gated cell, by name."""
    if cell == "lstm":
        return tf.nn.rnn_cell.LSTMCell(num_hidden_units)
    if cell == "gru":
        return tf.nn.rnn_cell.GRUCell(num_hidden_units)
    return tf.nn.rnn_cell.BasicRNNCell(
        num_hidden_units, activation=tf.nn.relu if activation == "relu" else tf.nn.tanh)


def build_graph(sequence_length=50, target="parity", cell="lstm", activation="tanh",
                num_hidden_units=24, learning_rate=0.01, seed=0, device="/device:CPU:0"):
    """The book's graph with two changes: the class count, and the last output
    taken at each string's own length."""
    classes = num_classes(target, sequence_length)
    graph = tf.Graph()
    with graph.as_default(), tf.device(device):
        tf.set_random_seed(seed)
        X = tf.placeholder(tf.float32, [None, sequence_length, 1], name="X")
        Y = tf.placeholder(tf.float32, [None, classes], name="Y")
        lengths = tf.placeholder(tf.int32, [None], name="sequence_length")

        weights = tf.Variable(tf.truncated_normal([num_hidden_units, classes]),
                              name="weights")
        biases = tf.Variable(tf.truncated_normal([classes]), name="biases")

        rnn_cell = make_cell(cell, num_hidden_units, activation)
        outputs, state = tf.nn.dynamic_rnn(rnn_cell, X, sequence_length=lengths,
                                           dtype=tf.float32)
        # The book transposes and gathers time step 49. With lengths given,
        # dynamic_rnn writes zeros past each string's end, so the last real
        # output sits at index length - 1 of each row instead.
        rows = tf.range(tf.shape(outputs)[0])
        last_output = tf.gather_nd(outputs, tf.stack([rows, lengths - 1], axis=1),
                                   name="last_output")
        prediction = tf.add(tf.matmul(last_output, weights), biases, name="prediction")

        loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=Y, logits=prediction)
        total_loss = tf.reduce_mean(loss, name="total_loss")
        global_step = tf.train.get_or_create_global_step()
        optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(
            total_loss, global_step=global_step)

        predicted_class = tf.argmax(prediction, 1, output_type=tf.int32)
        predicted_parity = tf.mod(predicted_class, 2, name="predicted_parity")
        true_parity = tf.mod(tf.argmax(Y, 1, output_type=tf.int32), 2)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted_parity, true_parity),
                                          tf.float32), name="accuracy")
        summaries = tf.summary.merge([
            tf.summary.scalar("loss", total_loss),
            tf.summary.scalar("batch_parity_accuracy", accuracy),
            tf.summary.scalar("learning_rate", tf.constant(learning_rate)),
        ])
        init = tf.global_variables_initializer()
    return ParityGraph(graph, X, Y, lengths, outputs, last_output, prediction,
                       total_loss, predicted_class, predicted_parity, accuracy,
                       optimizer, global_step, summaries, init)


def graph_for(config, seed=0, device="/device:CPU:0"):
    return build_graph(config["sequence_length"], config["target"], config["cell"],
                       config["activation"], config["num_hidden_units"],
                       config["learning_rate"], seed, device)


# ---------------------------------------------------------------------------
# Training the RNN
# ---------------------------------------------------------------------------
def feed_for(g, data, target, index=slice(None)):
    classes = g.Y.shape.as_list()[1]
    return {g.X: data.X[index], g.sequence_length: data.lengths[index],
            g.Y: one_hot(labels_for(data, target)[index], classes)}


def train(sess, g, args, train_data, heldout, ckpt, state, writers, stop):
    """Epochs of shuffled mini-batches; stop at --target-accuracy on the
    held-out 50-bit strings. Returns True when stopped by Ctrl-C."""
    batches = int(np.ceil(len(train_data.X) / float(args.batch_size)))
    step = int(sess.run(g.global_step))
    first_epoch, first_batch = divmod(step, batches)
    if state["epochs"] and state["epochs"][-1]["parity_accuracy_fixed"] \
            >= args.target_accuracy:
        return False   # resumed after the target was already reached
    progress = utils.Progress(args.epochs, first_epoch, state["train_seconds"])
    last_save = time.time()
    for epoch in range(first_epoch, args.epochs):
        order = np.random.RandomState([args.seed % 2 ** 32, 2, epoch]).permutation(
            len(train_data.X))
        losses = []
        for batch in range(first_batch if epoch == first_epoch else 0, batches):
            index = order[batch * args.batch_size:(batch + 1) * args.batch_size]
            feed = feed_for(g, train_data, args.target, index)
            if step % 20 == 0:
                current_total_loss, _, summary = sess.run(
                    [g.total_loss, g.optimizer, g.summaries], feed)
                writers["train"].add_summary(summary, step)
            else:
                current_total_loss, _ = sess.run([g.total_loss, g.optimizer], feed)
            step += 1
            utils.check_finite(current_total_loss, step)
            losses.append(float(current_total_loss))
            state["losses"].append(round(float(current_total_loss), 6))
            if stop.requested:
                break
        state["train_seconds"] = progress.elapsed()
        if stop.requested:
            ckpt.save(sess, step, state)
            return True
        figures = evaluate(sess, g, args.target, heldout)
        figures.update(epoch=epoch + 1, step=step, train_loss=float(np.mean(losses)))
        state["epochs"].append(figures)
        utils.scalar_summary(writers["heldout"], step,
                             parity_accuracy_fixed=figures["parity_accuracy_fixed"],
                             parity_accuracy_variable=figures["parity_accuracy_variable"])
        progress.line(epoch, step, loss=figures["train_loss"],
                      fixed=figures["parity_accuracy_fixed"],
                      variable=figures["parity_accuracy_variable"])
        if figures["parity_accuracy_fixed"] >= args.target_accuracy:
            print("held-out parity accuracy %.4f >= %.4f: done after %d epochs"
                  % (figures["parity_accuracy_fixed"], args.target_accuracy, epoch + 1))
            break
        if time.time() - last_save > 30:
            ckpt.save(sess, step, state)
            last_save = time.time()
    ckpt.save(sess, step, state)
    return False


# ---------------------------------------------------------------------------
# Evaluating the predictions
# ---------------------------------------------------------------------------
def predict(sess, g, data, batch_size=2000):
    """(predicted class, predicted parity) for every string of `data`."""
    classes, parities = [], []
    for start in range(0, len(data.X), batch_size):
        part = slice(start, start + batch_size)
        c, p = sess.run([g.predicted_class, g.predicted_parity],
                        {g.X: data.X[part], g.sequence_length: data.lengths[part]})
        classes.append(c)
        parities.append(p)
    return np.concatenate(classes), np.concatenate(parities)


def evaluate(sess, g, target, heldout):
    """Parity accuracy on both held-out sets; sum accuracy with target sum."""
    figures = {}
    for name, data in heldout.items():
        classes, parities = predict(sess, g, data)
        figures["parity_accuracy_" + name] = float(np.mean(parities == data.sums % 2))
        if target == "sum" and name == "fixed":
            figures["sum_accuracy"] = float(np.mean(classes == data.sums))
    return figures


def accuracy_by_length(sess, g, data):
    """Parity accuracy for each string length in `data`."""
    _, parities = predict(sess, g, data)
    right = parities == data.sums % 2
    lengths = np.unique(data.lengths)
    return lengths, np.array([right[data.lengths == n].mean() for n in lengths])


def plot_training(path, state, args):
    plt = utils.pyplot(args.show)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = state["epochs"]
    x = [e["epoch"] for e in epochs]
    left.plot(np.arange(1, len(state["losses"]) + 1), state["losses"], linewidth=1)
    left.set_xlabel("step")
    left.set_ylabel("training cross-entropy (nats)")
    left.set_yscale("log")
    left.set_title("loss per step")
    for key, label in (("parity_accuracy_fixed", "fresh %d-bit strings"
                        % args.sequence_length),
                       ("parity_accuracy_variable", "fresh strings of 1..%d bits"
                        % args.sequence_length)):
        right.plot(x, [e[key] for e in epochs], marker="o", label=label)
    right.axhline(0.5, color="grey", linestyle=":", label="chance")
    right.set_ylim(0.4, 1.02)
    right.set_xlabel("epoch")
    right.set_title("held-out parity accuracy")
    right.legend(loc="lower right")
    fig.suptitle("%s, %d units, %s lengths, target %s" % (
        args.cell, args.num_hidden_units, args.lengths, args.target))
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return utils.save_figure(fig, path, args.show)


def plot_by_length(path, lengths, accuracy, args):
    plt = utils.pyplot(args.show)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(lengths, accuracy, width=0.8)
    ax.axhline(0.5, color="grey", linestyle=":")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("string length (bits)")
    ax.set_ylabel("parity accuracy")
    ax.set_title("held-out accuracy by length (%s lengths in training)" % args.lengths)
    return utils.save_figure(fig, path, args.show)


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
def run_predict(args):
    """--predict: the checkpoint's model on the given strings, no training."""
    folder = os.path.join(args.output_dir, "checkpoints")
    state = utils.read_json(os.path.join(folder, "state.json"))
    if state is None or not utils.tf.train.latest_checkpoint(folder):
        raise utils.DataError(folder, "no checkpoint: train first with "
                                      "python parity_rnn.py --output-dir %s"
                              % args.output_dir)
    config = state["config"]
    data = parse_bits(args.predict, config["sequence_length"])
    g = graph_for(config, device=utils.resolve_device(args.device))
    with utils.make_session(g.graph, args.threads) as sess:
        utils.Checkpoints(g.graph, args.output_dir).restore(sess)
        classes, parities = predict(sess, g, data)
    for text, c, p in zip(args.predict, classes, parities):
        if config["target"] == "sum":
            print("%s sum %d parity %d" % (text, c, p))
        else:
            print("%s parity %d" % (text, p))


def run(args):
    if args.predict:
        return run_predict(args)
    device = utils.start_run(__file__, args)
    train_data = generate_data(args.num_examples, args.sequence_length, args.lengths,
                               training_rng(args.seed))
    heldout = collections.OrderedDict([
        ("fixed", generate_data(args.eval_examples, args.sequence_length, "fixed",
                                heldout_rng(args.seed, 0))),
        ("variable", generate_data(args.eval_examples, args.sequence_length, "variable",
                                   heldout_rng(args.seed, 1))),
    ])
    g = build_graph(args.sequence_length, args.target, args.cell, args.activation,
                    args.num_hidden_units, args.learning_rate, args.seed, device)
    ckpt = utils.Checkpoints(g.graph, args.output_dir)
    writers = utils.summary_writers(args.output_dir, g.graph, ("train", "heldout"))
    with utils.make_session(g.graph, args.threads) as sess, utils.StopRequest() as stop:
        sess.run(g.init)
        state = ckpt.resume_or_start(sess, args.resume,
                                     {"epochs": [], "losses": [], "train_seconds": 0.0})
        state["config"] = config_of(args)
        print("%d strings of %s length (max %d), target %s, %s cell of %d units, "
              "batch %d, Adam %g" % (args.num_examples, args.lengths,
                                     args.sequence_length, args.target, args.cell,
                                     args.num_hidden_units, args.batch_size,
                                     args.learning_rate), flush=True)
        interrupted = train(sess, g, args, train_data, heldout, ckpt, state, writers, stop)
        steps = int(sess.run(g.global_step))
        figures = evaluate(sess, g, args.target, heldout)
        by_length = accuracy_by_length(sess, g, heldout["variable"])
    for writer in writers.values():
        writer.close()

    if state["epochs"]:
        plot_training(os.path.join(args.output_dir, "training.png"), state, args)
    plot_by_length(os.path.join(args.output_dir, "accuracy_by_length.png"),
                   by_length[0], by_length[1], args)
    figures["epochs_run"] = len(state["epochs"])
    figures["accuracy_by_length"] = {int(n): round(float(a), 4)
                                     for n, a in zip(*by_length)}
    utils.write_metrics(args, __file__, figures, steps, state["train_seconds"],
                        config_of(args), interrupted=interrupted,
                        history=state["epochs"])
    print("parity accuracy on fresh strings: %.4f (%d bits), %.4f (1..%d bits); "
          "%d steps, %.1f s training"
          % (figures["parity_accuracy_fixed"], args.sequence_length,
             figures["parity_accuracy_variable"], args.sequence_length, steps,
             state["train_seconds"]))
    if args.show:
        utils.pyplot(True).show()
    utils.stop_if_interrupted(interrupted, steps, ckpt)


def main(argv=None):
    args = parse_args(argv)
    return utils.run_guarded(__file__, run, args)


if __name__ == "__main__":
    sys.exit(main())
