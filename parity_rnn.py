"""Parity of bit strings with an RNN: the book's warm-up, actually solved.

Accompanies "Building Your First RNN with TensorFlow" (chapter 2 of a book on
RNNs), which takes OpenAI's Requests for Research 2.0 warm-up: given a string
of 50 bits, say whether it holds an odd number of ones. The book's version
cannot work: its strings are the first 2**20 integers written in 50 bits, so
the first 30 bits are always 0 and no string has more than 20 ones, and its
own test string can never be learned.

Here every bit is drawn at random, the RNN reads the string through
`tf.nn.dynamic_rnn` and a softmax layer reads its last output. Two targets:
`sum` (the book's: classify the number of ones and take it mod 2) and `parity`
(two classes). And OpenAI's two ways of training: `--lengths fixed` (every
string 50 bits) stays at chance, `--lengths variable` (lengths 1..50, given to
dynamic_rnn as `sequence_length`) learns the one-bit update on short strings
and carries it to long ones.

The file follows the chapter: hyperparameters, generating data, building the
graph, training, evaluating the predictions; the command line comes last.

Run:  python parity_rnn.py                 (solves it)
      python parity_rnn.py --lengths fixed (OpenAI's first experiment: chance)
      python parity_rnn.py --article       (the book's recipe, data fixed)
      python parity_rnn.py --predict 1011 0110011   (uses the trained checkpoint)

Output in runs/parity_rnn/: metrics.json, training.png, accuracy_by_length.png,
checkpoints/, tensorboard/. The book against this script: docs/parity_rnn.md.
"""
from __future__ import print_function

import collections
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
# Hyperparameters (the book's names, but one: its num_classes)
# ---------------------------------------------------------------------------
# The book's num_classes (50) is two numbers at once: the time steps of a
# string and the count of classes. They differ here (the sum of 50 bits has
# 51 values; parity has 2), so the steps are --sequence-length and the class
# count comes from classes_for().
HYPERPARAMETERS = (
    "the parity task",
    F("num_examples", 100000, cli.positive_int, "training strings"),
    F("sequence_length", 50, cli.positive_int,
      "bits per string, the longest when lengths vary (the book's num_classes, as "
      "the number of time steps)"),
    F("lengths", "variable", ("variable", "fixed"),
      "training string lengths: variable draws each from 1..sequence-length "
      "(OpenAI's second experiment); fixed makes all of them sequence-length (the "
      "first, and the book's)"),
    F("target", "parity", ("parity", "sum"),
      "parity: two classes; sum: the number of ones as sequence-length + 1 classes, "
      "parity = sum mod 2 (the book's)"),
    F("cell", "lstm", ("lstm", "gru", "rnn"),
      "tf.nn.rnn_cell.LSTMCell, GRUCell or BasicRNNCell (the book's)"),
    F("activation", "tanh", ("tanh", "relu"),
      "activation of the rnn cell (the book's final listing uses relu)"),
    F("num_hidden_units", 24, cli.positive_int, "units in the cell"),
    F("batch_size", 100, cli.positive_int,
      "strings per training step (the book's 1000 makes ten times fewer updates "
      "per epoch)"),
    F("learning_rate", 0.01, cli.positive_float,
      "Adam's learning rate (the book's 0.001 needs more epochs)", resumable=True),
    F("target_accuracy", 0.999, cli.probability,
      "stop once parity accuracy on the validation strings (fresh, of the longest "
      "length) reaches this; the figures reported come from other strings, the test "
      "sets", resumable=True),
    F("eval_examples", 10000, cli.positive_int,
      "fresh strings in each validation and test set"),
    F("article", False, bool, "the book's recipe, with its data fixed"),
    "no training",
    F("predict", None, str, "print the parity of each string of 0s and 1s with the "
                            "checkpoint in --output-dir", saved=False, nargs="+",
      metavar="BITS"),
)


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


def classes_for(target, sequence_length):
    """The book's num_classes, as the number of classes. Parity: 0 or 1.
    Sum: 0..sequence_length ones (the book's 50 classes could not say "50")."""
    return 2 if target == "parity" else sequence_length + 1


def labels_for(data, target):
    """Class ids: the number of ones, or that number mod 2."""
    return data.sums if target == "sum" else data.sums % 2


def one_hot(labels, classes):
    return np.eye(classes, dtype=np.float32)[labels]


def number_of_batches(args):
    """Training steps per epoch (the book's name); a last, smaller batch takes
    the strings left over."""
    return int(np.ceil(args.num_examples / float(args.batch_size)))


def training_rng(seed):
    return np.random.RandomState([seed % 2 ** 32, 0])


def heldout_rng(seed, which):
    """Streams for the held-out sets, apart from the training stream."""
    return np.random.RandomState([seed % 2 ** 32, 1, which])


def heldout_sets(args, split):
    """Fresh strings of the longest length ("fixed") and of every length
    ("variable"): split "validation" decides when training stops, split "test"
    gives the figures reported, which no decision saw."""
    first = {"validation": 0, "test": 2}[split]
    return collections.OrderedDict(
        (lengths, generate_data(args.eval_examples, args.sequence_length, lengths,
                                heldout_rng(args.seed, first + i)))
        for i, lengths in enumerate(("fixed", "variable")))


# ---------------------------------------------------------------------------
# Building the TensorFlow graph
# ---------------------------------------------------------------------------
ParityGraph = collections.namedtuple("ParityGraph", [
    "graph", "X", "Y", "lengths", "outputs", "last_output", "prediction",
    "total_loss", "predicted_class", "predicted_parity", "accuracy", "optimizer",
    "global_step", "summaries", "init"])


def build_graph(sequence_length=50, target="parity", cell="lstm", activation="tanh",
                num_hidden_units=24, learning_rate=0.01, seed=0, device="/device:CPU:0"):
    """The book's graph with two changes: the class count, and the last output
    taken at each string's own length."""
    classes = classes_for(target, sequence_length)
    graph = tf.Graph()
    with graph.as_default(), tf.device(device):
        tf.set_random_seed(seed)
        X = tf.placeholder(tf.float32, [None, sequence_length, 1], name="X")
        Y = tf.placeholder(tf.float32, [None, classes], name="Y")
        # Each string's own length (dynamic_rnn's sequence_length argument;
        # --sequence-length is the longest).
        lengths = tf.placeholder(tf.int32, [None], name="lengths")

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
            tf.summary.scalar("parity_accuracy", accuracy),
            tf.summary.scalar("learning_rate", tf.constant(learning_rate)),
        ])
        init = tf.global_variables_initializer()
    return ParityGraph(graph, X, Y, lengths, outputs, last_output, prediction,
                       total_loss, predicted_class, predicted_parity, accuracy,
                       optimizer, global_step, summaries, init)


def make_cell(cell, num_hidden_units, activation="tanh"):
    """The book's BasicRNNCell (it wrote contrib.rnn), or a gated cell, by name."""
    if cell == "lstm":
        return tf.nn.rnn_cell.LSTMCell(num_hidden_units)
    if cell == "gru":
        return tf.nn.rnn_cell.GRUCell(num_hidden_units)
    return tf.nn.rnn_cell.BasicRNNCell(
        num_hidden_units, activation=tf.nn.relu if activation == "relu" else tf.nn.tanh)


def graph_for(config, seed=0, device="/device:CPU:0"):
    """The graph of a run's config (the flags, or a checkpoint's)."""
    return build_graph(config["sequence_length"], config["target"], config["cell"],
                       config["activation"], config["num_hidden_units"],
                       config["learning_rate"], seed, device)


# ---------------------------------------------------------------------------
# Training the RNN
# ---------------------------------------------------------------------------
def train(sess, g, args, train_data, validation, loop, writer):
    """Epochs of shuffled mini-batches; after each, parity accuracy on the
    validation strings (training stops at --target-accuracy)."""
    for epoch_idx in range(loop.first_epoch, args.epochs):
        if loop.should_stop():            # validation reached --target-accuracy
            break
        order = np.random.RandomState([args.seed % 2 ** 32, 2, epoch_idx]).permutation(
            len(train_data.X))
        for batch_idx in range(loop.first_batch(epoch_idx), number_of_batches(args)):
            index = order[batch_idx * args.batch_size:(batch_idx + 1) * args.batch_size]
            # the book's names: one batch of strings and its one-hot labels
            training_x = train_data.X[index]
            training_y = one_hot(labels_for(train_data, args.target)[index],
                                 g.Y.shape.as_list()[1])
            fetches = [g.total_loss, g.optimizer]
            if loop.summary_due:
                fetches.append(g.summaries)
            results = sess.run(fetches, {g.X: training_x, g.Y: training_y,
                                         g.lengths: train_data.lengths[index]})
            current_total_loss = results[0]
            # the run log, the NaN guard, checkpoints, Ctrl-C
            loop.step_done(current_total_loss, results[2] if len(results) > 2 else None)
        figures = evaluate(sess, g, args.target, validation)
        utils.scalar_summary(writer, loop.step,
                             parity_accuracy=figures["parity_accuracy_fixed"])
        loop.epoch_done(epoch_idx, train_loss=float(np.mean(loop.epoch_losses(epoch_idx))),
                        val_accuracy=figures["parity_accuracy_fixed"],
                        val_accuracy_variable=figures["parity_accuracy_variable"])


def target_reached(target_accuracy):
    """TrainingLoop's `finished`: stop once validation reaches the target."""
    def finished(records):
        if records and records[-1]["val_accuracy"] >= target_accuracy:
            return ("validation parity accuracy %.4f >= %.4f: done after %s"
                    % (records[-1]["val_accuracy"], target_accuracy,
                       utils.plural(len(records), "epoch")))
        return None
    return finished


# ---------------------------------------------------------------------------
# Evaluating the predictions
# ---------------------------------------------------------------------------
def predict(sess, g, data, batch_size=2000):
    """(predicted class, predicted parity) for every string of `data`."""
    classes, parities = [], []
    for start in range(0, len(data.X), batch_size):
        part = slice(start, start + batch_size)
        c, p = sess.run([g.predicted_class, g.predicted_parity],
                        {g.X: data.X[part], g.lengths: data.lengths[part]})
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


def run_predict(args):
    """--predict: the checkpoint's model on the given strings, no training."""
    folder = os.path.join(args.output_dir, "checkpoints")
    log = utils.read_json(os.path.join(folder, utils.LOG_FILE))
    missing = utils.DataError(folder, "no checkpoint: train first with python "
                                      "parity_rnn.py --output-dir %s" % args.output_dir)
    if log is None:
        raise missing
    config = log["config"]
    test_example = parse_bits(args.predict, config["sequence_length"])
    g = graph_for(config, device=utils.resolve_device(args.device))
    with utils.make_session(g.graph, args.threads) as sess:
        if utils.Checkpoints(g.graph, args.output_dir).restore(sess) is None:
            raise missing
        # The book's last step: the scores of each string's classes ...
        prediction_result = sess.run(g.prediction, {g.X: test_example.X,
                                                    g.lengths: test_example.lengths})
    # ... and the index of the largest: the class (a sum, or the parity itself).
    largest_number_index = prediction_result.argmax(axis=1)
    for text, c in zip(args.predict, largest_number_index):
        if config["target"] == "sum":
            print("%s sum %d parity %d" % (text, c, c % 2))
        else:
            print("%s parity %d" % (text, c))


def plot_training(path, log, args):
    plt = utils.pyplot(args.show)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = log["epochs"]
    x = [e["epoch"] for e in epochs]
    left.plot(np.arange(1, len(log["losses"]) + 1), log["losses"], linewidth=1)
    left.set_xlabel("step")
    left.set_ylabel("training cross-entropy (nats)")
    utils.log_scale(left)
    left.set_title("loss per step")
    for key, label in (("val_accuracy", "fresh %d-bit strings (decides the stop)"
                        % args.sequence_length),
                       ("val_accuracy_variable", "fresh strings of 1..%d bits"
                        % args.sequence_length)):
        right.plot(x, [e[key] for e in epochs], marker="o", label=label)
    right.axhline(0.5, color="grey", linestyle=":", label="chance")
    right.set_ylim(0.4, 1.02)
    right.set_xlim(0.5, len(x) + 0.5)      # whole epochs, also for a run of one
    right.set_xticks(x if len(x) <= 12 else x[::max(1, len(x) // 10)])
    right.set_xlabel("epoch")
    right.set_ylabel("parity accuracy")
    right.set_title("validation parity accuracy")
    right.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=9)   # off the data
    fig.suptitle("%s, %d units, %s lengths, target %s" % (
        args.cell, args.num_hidden_units, args.lengths, args.target))
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return utils.save_figure(fig, path, args.show)


def plot_by_length(path, lengths, accuracy, args):
    plt = utils.pyplot(args.show)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(lengths, accuracy, width=0.8, label="test strings of that length")
    ax.axhline(0.5, color="black", linestyle=":", label="chance (0.5)")
    ax.set_ylim(0, 1.25)                  # room for the legend above the bars
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.legend(loc="upper center", ncol=2, fontsize=9)
    ax.set_xlabel("string length (bits)")
    ax.set_ylabel("parity accuracy")
    ax.set_title("test accuracy by length (%s lengths in training)" % args.lengths)
    return utils.save_figure(fig, path, args.show)


# ---------------------------------------------------------------------------
# The command line: presets, and the run from start to end
# ---------------------------------------------------------------------------
QUICK = dict(epochs=2, num_examples=4000, eval_examples=2000)
# The book's final listing: relu BasicRNNCell, the sum as 51 classes, Adam
# 0.001, batches of 1000, 100 epochs, every string 50 bits long (with the
# data fixed).
ARTICLE = dict(cell="rnn", activation="relu", target="sum", learning_rate=0.001,
               lengths="fixed", epochs=100, batch_size=1000)


def parse_args(argv=None):
    return cli.parse(__file__, __doc__, HYPERPARAMETERS, argv, epochs=20,
                     presets=[("article", ARTICLE), ("quick", QUICK)])


def run(args):
    if args.predict:
        return run_predict(args)
    device = utils.start_run(args)
    train_data = generate_data(args.num_examples, args.sequence_length, args.lengths,
                               training_rng(args.seed))
    validation, test = heldout_sets(args, "validation"), heldout_sets(args, "test")
    g = graph_for(vars(args), args.seed, device)
    ckpts = utils.Checkpoints(g.graph, args.output_dir)
    with utils.make_session(g.graph, args.threads) as sess:
        sess.run(g.init)
        log = ckpts.resume_or_start(sess, args)
        writers = utils.summary_writers(args.output_dir, g.graph, ("train", "validation"),
                                        int(sess.run(g.global_step)))
        print("%d strings of %s length (max %d), target %s, %s cell of %d units, "
              "batch %d, Adam %g" % (args.num_examples, args.lengths,
                                     args.sequence_length, args.target, args.cell,
                                     args.num_hidden_units, args.batch_size,
                                     args.learning_rate), flush=True)
        with utils.TrainingLoop(sess, g.global_step, args, ckpts, log,
                                number_of_batches(args), writers["train"],
                                finished=target_reached(args.target_accuracy)) as loop:
            train(sess, g, args, train_data, validation, loop, writers["validation"])
        figures = evaluate(sess, g, args.target, test)
        by_length = accuracy_by_length(sess, g, test["variable"])
    for writer in writers.values():
        writer.close()

    if log["epochs"]:
        plot_training(os.path.join(args.output_dir, "training.png"), log, args)
    plot_by_length(os.path.join(args.output_dir, "accuracy_by_length.png"),
                   by_length[0], by_length[1], args)
    figures["val_accuracy"] = log["epochs"][-1]["val_accuracy"] if log["epochs"] else None
    figures["epochs_run"] = len(log["epochs"])
    figures["accuracy_by_length"] = {int(n): round(float(a), 4)
                                     for n, a in zip(*by_length)}
    utils.write_metrics(args, figures, loop.step, log["train_seconds"],
                        interrupted=loop.interrupted, history=log["epochs"])
    print("parity accuracy on fresh test strings: %.4f (%d bits), %.4f (1..%d bits); "
          "%d steps, %.1f s of training"
          % (figures["parity_accuracy_fixed"], args.sequence_length,
             figures["parity_accuracy_variable"], args.sequence_length, loop.step,
             log["train_seconds"]))
    utils.finish(loop, args)


def main(argv=None):
    return utils.main(__file__, parse_args, run, argv)


if __name__ == "__main__":
    sys.exit(main())
