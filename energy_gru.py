"""Forecasting a house's appliance energy use with a multi-layer GRU.

Accompanies "Introduction to Recurrent Neural Network" (chapter 4 of a
TensorFlow tutorial), which trains a many-to-one GRU on the UCI "Appliances
energy prediction" data: a window of 10-minute readings (room temperatures and
humidities, weather, past energy use) goes in, the energy use
OUTPUT_SEQUENCE_STEPS_AHEAD steps later comes out. It keeps the article's
graph (variable scopes `inputs`, `learning_rate`, `recurrent_layer`,
`predictions`; `in_seq`/`out_seq`; an exponentially decaying learning rate;
dropout switched by `training`; L2 on the dense layer; TensorBoard) and fixes
its dropout: the article's `tf.cond` between a `with_dropout` and a
`without_dropout` scope built two sets of GRU weights and evaluated the set that
was never trained. Here one set serves both; the keep probability is a tensor
that is 1.0 when not training.

The results are in watt-hours, on a test period after everything used for
training, next to two baselines computed on exactly the same windows:
persistence (the last reading) and a linear least-squares model.
`--protocol paper` instead reproduces the data authors' set-up (random 75/25
split of rows, no past energy values) to compare with their published table.

Run:  python energy_gru.py                    (a few minutes)
      python energy_gru.py --quick            (seconds)
      python energy_gru.py --protocol paper   (the authors' protocol)

Output in runs/energy_gru/: metrics.json, predictions.csv, week.png,
training.png, checkpoints/, best/, tensorboard/.
"""
from __future__ import print_function

import collections
import csv
import datetime
import gzip
import io
import math
import os
import sys

import numpy as np

import utils
from utils import tf

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = "Appliances"
RANDOM_COLUMNS = ("rv1", "rv2")
STEP = datetime.timedelta(minutes=10)
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# The authors' test-set results (Candanedo et al. 2017, table 7), for comparison.
PAPER = collections.OrderedDict([
    ("linear model", dict(rmse=93.18, r2=0.16)),
    ("SVM radial", dict(rmse=70.74, r2=0.52)),
    ("random forest", dict(rmse=68.48, r2=0.54)),
    ("gradient boosting", dict(rmse=66.65, r2=0.57, mape=38.29)),
])


# ---------------------------------------------------------------------------
# Hyperparameters (the article's names in capitals)
# ---------------------------------------------------------------------------
class Layers(list):
    """RNN_LAYERS: a list of {"units", "keep_prob"}, shown as units:keep_prob,..."""

    def __str__(self):
        return ",".join("%d:%g" % (layer["units"], layer["keep_prob"]) for layer in self)


def rnn_layers(text):
    """argparse type for RNN_LAYERS: "units:keep_prob,units:keep_prob,..."."""
    import argparse
    layers = []
    for part in text.split(","):
        try:
            units, keep = part.split(":") if ":" in part else (part, "1.0")
            layer = {"units": utils.positive_int(units), "keep_prob": utils.probability(keep)}
        except (ValueError, argparse.ArgumentTypeError) as err:
            raise argparse.ArgumentTypeError("%r: want units:keep_prob, e.g. 32:0.9 (%s)"
                                             % (part, err))
        layers.append(layer)
    return Layers(layers)


QUICK = dict(epochs=2, INPUT_SEQUENCE_LENGTH=12, RNN_LAYERS=rnn_layers("8:1.0"),
             max_rows=3000)


def parse_args(argv=None):
    parser = utils.make_parser(__file__, __doc__, default_epochs=40)
    group = parser.add_argument_group("data")
    group.add_argument("--data", default=os.path.join(HERE, "data",
                                                      "energydata_complete.csv.gz"),
                       help="the UCI CSV, plain or gzip-compressed (.csv.gz)")
    group.add_argument("--protocol", choices=("forecast", "paper"), default="forecast",
                       help="forecast: split by time, past energy use is an input; "
                            "paper: the authors' random 75/25 split of rows, no past "
                            "energy use")
    group.add_argument("--train-fraction", type=utils.fraction, default=0.6,
                       help="forecast: the first part of the period, for training")
    group.add_argument("--val-fraction", type=utils.fraction, default=0.2,
                       help="the next part, for validation (model selection); "
                            "the rest is the test period")
    group.add_argument("--keep-random-columns", action="store_true",
                       help="keep rv1 and rv2, the noise columns the authors added")
    group.add_argument("--max-rows", type=int, default=0,
                       help="use only the first N rows (0: all)")
    group.add_argument("--INPUT_SEQUENCE_LENGTH", "--input-sequence-length",
                       type=utils.positive_int, default=36, dest="INPUT_SEQUENCE_LENGTH",
                       help="readings per input window (36 = 6 hours)")
    group.add_argument("--OUTPUT_SEQUENCE_LENGTH", "--output-sequence-length",
                       type=utils.positive_int, default=1, dest="OUTPUT_SEQUENCE_LENGTH",
                       help="readings predicted per window")
    group.add_argument("--OUTPUT_SEQUENCE_STEPS_AHEAD", "--output-sequence-steps-ahead",
                       type=utils.positive_int, default=1,
                       dest="OUTPUT_SEQUENCE_STEPS_AHEAD",
                       help="how far ahead the first prediction is (1 = the next 10 "
                            "minutes)")
    group.add_argument("--no-log-target", dest="log_target", action="store_false",
                       help="scale the target linearly instead of log(1 + Wh): energy "
                            "use is skewed (median 60 Wh, peaks over 1000), and the "
                            "log scale keeps the peaks from dominating the MSE")
    group = parser.add_argument_group("model and training")
    group.add_argument("--RNN_LAYERS", "--rnn-layers", type=rnn_layers,
                       default=rnn_layers("32:0.9,32:0.9"),
                       dest="RNN_LAYERS",
                       help="GRU layers as units:keep_prob (keep_prob is used with "
                            "--dropout rnn)")
    group.add_argument("--dropout", choices=("dense", "rnn", "none"), default="dense",
                       help="dense: dropout on the dense layer's input (the article's "
                            "first script); rnn: a DropoutWrapper on each GRU's output "
                            "(its second); one set of weights either way")
    group.add_argument("--dense-keep-prob", type=utils.probability, default=0.8,
                       help="keep probability with --dropout dense")
    group.add_argument("--l2", type=float, default=0.0, metavar="SCALE",
                       help="L2 (Frobenius) regularisation scale on the dense kernel")
    group.add_argument("--batch-size", type=utils.positive_int, default=64,
                       help="windows per training step")
    group.add_argument("--INITIAL_LEARNING_RATE", "--initial-learning-rate",
                       type=utils.positive_float, default=0.003,
                       dest="INITIAL_LEARNING_RATE", help="Adam's starting learning rate")
    group.add_argument("--LEARNING_RATE_DECAY_STEPS", "--learning-rate-decay-steps",
                       type=utils.positive_int, default=1000,
                       dest="LEARNING_RATE_DECAY_STEPS",
                       help="steps between learning-rate drops (staircase)")
    group.add_argument("--LEARNING_RATE_DECAY_RATE", "--learning-rate-decay-rate",
                       type=utils.probability, default=0.8,
                       dest="LEARNING_RATE_DECAY_RATE",
                       help="factor applied at each drop")
    group.add_argument("--patience", type=utils.positive_int, default=6,
                       help="stop after this many epochs without a better validation "
                            "RMSE")
    args = utils.parse(parser, argv, presets=[("quick", QUICK)],
                       resumable=("patience", "INITIAL_LEARNING_RATE"))
    utils.check_common(parser, args)
    if args.max_rows < 0:
        parser.error("argument --max-rows: must be >= 0, got %d" % args.max_rows)
    if args.l2 < 0 or not math.isfinite(args.l2):
        parser.error("argument --l2: must be >= 0, got %s" % args.l2)
    if args.protocol == "forecast" and (args.train_fraction <= 0 or
                                        args.train_fraction + args.val_fraction >= 1):
        parser.error("--train-fraction and --val-fraction: need 0 < train, and train + "
                     "val < 1 to leave a test period (got %g + %g)"
                     % (args.train_fraction, args.val_fraction))
    return args


def config_of(args):
    config = {name: getattr(args, name) for name in (
        "epochs", "seed", "data", "protocol", "train_fraction", "val_fraction",
        "keep_random_columns", "max_rows", "INPUT_SEQUENCE_LENGTH",
        "OUTPUT_SEQUENCE_LENGTH", "OUTPUT_SEQUENCE_STEPS_AHEAD", "log_target",
        "RNN_LAYERS", "dropout", "dense_keep_prob", "l2", "batch_size",
        "INITIAL_LEARNING_RATE", "LEARNING_RATE_DECAY_STEPS", "LEARNING_RATE_DECAY_RATE",
        "patience", "quick", "device")}
    config["RNN_LAYERS"] = str(args.RNN_LAYERS)    # as written on the command line
    return config


# ---------------------------------------------------------------------------
# Data preparation
# ---------------------------------------------------------------------------
Table = collections.namedtuple("Table", "dates times columns values")


def open_text(path):
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return io.open(path, "r", encoding="utf-8", newline="")


def read_table(path, max_rows=0):
    """The CSV as dates (the file's own strings), datetimes, column names and a
    float matrix. Every problem is a DataError naming the file and the line."""
    if not os.path.isfile(path):
        raise utils.DataError(path, "no such file")
    try:
        with open_text(path) as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                raise utils.DataError(path, "the file is empty")
            if not header or header[0] != "date":
                raise utils.DataError(path, "line 1: the first column must be 'date', "
                                            "found %r" % (header[0] if header else ""))
            if TARGET not in header:
                raise utils.DataError(path, "line 1: no %r column (the target) in the "
                                            "header" % TARGET)
            dates, times, rows = [], [], []
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) != len(header):
                    raise utils.DataError(path, "line %d: %d fields, the header has %d"
                                          % (line, len(row), len(header)))
                try:
                    when = datetime.datetime.strptime(row[0], DATE_FORMAT)
                except ValueError:
                    raise utils.DataError(path, "line %d: %r is not a date like "
                                                "2016-01-11 17:00:00" % (line, row[0]))
                if times and when - times[-1] != STEP:
                    raise utils.DataError(path, "line %d: %s does not follow %s by 10 "
                                                "minutes" % (line, row[0], dates[-1]))
                try:
                    numbers = [float(v) for v in row[1:]]
                except ValueError:
                    bad = next(i for i, v in enumerate(row[1:], 1) if not _is_number(v))
                    raise utils.DataError(path, "line %d: column %s: %r is not a number"
                                          % (line, header[bad], row[bad]))
                if not all(math.isfinite(v) for v in numbers):
                    raise utils.DataError(path, "line %d: a value is not finite" % line)
                dates.append(row[0])
                times.append(when)
                rows.append(numbers)
                if max_rows and len(rows) >= max_rows:
                    break
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as err:
        raise utils.DataError(path, "cannot read it as CSV text (%s)" % err)
    if not rows:
        raise utils.DataError(path, "no data rows after the header")
    return Table(dates, times, header[1:], np.array(rows, dtype=np.float64))


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def time_features(times):
    """Time of day and day of week as points on circles (no jump at midnight)."""
    minutes = np.array([t.hour * 60 + t.minute for t in times], np.float64)
    weekday = np.array([t.weekday() for t in times], np.float64)
    day = 2 * np.pi * minutes / 1440.0
    week = 2 * np.pi * weekday / 7.0
    return np.stack([np.sin(day), np.cos(day), np.sin(week), np.cos(week),
                     (weekday >= 5).astype(np.float64)], axis=1)


def select_features(table, args):
    """Input columns: sensors and weather (and past energy use in the forecast
    protocol), plus time features; rv1/rv2 only on request."""
    names = [c for c in table.columns
             if (args.keep_random_columns or c not in RANDOM_COLUMNS)
             and (args.protocol == "forecast" or c != TARGET)]
    index = [table.columns.index(c) for c in names]
    features = np.concatenate([table.values[:, index], time_features(table.times)], axis=1)
    names += ["day_sin", "day_cos", "week_sin", "week_cos", "weekend"]
    target = table.values[:, table.columns.index(TARGET)]
    return names, features, target


class Scaler(object):
    """Min-max scaling to [0, 1], fitted on training rows only; the target
    optionally through log(1 + Wh) first."""

    def __init__(self, features, target, log_target):
        self.log = log_target
        self.f_min, self.f_span = _min_span(features)
        t = self._forward_target(target)
        self.t_min, self.t_span = float(t.min()), float(max(t.max() - t.min(), 1e-9))

    def _forward_target(self, target):
        return np.log1p(target) if self.log else target

    def features(self, x):
        return (x - self.f_min) / self.f_span

    def target(self, y):
        return (self._forward_target(y) - self.t_min) / self.t_span

    def target_wh(self, scaled):
        t = np.asarray(scaled, np.float64) * self.t_span + self.t_min
        return np.expm1(t) if self.log else t


def _min_span(x):
    lo, hi = x.min(axis=0), x.max(axis=0)
    return lo, np.where(hi > lo, hi - lo, 1.0)


Windows = collections.namedtuple("Windows", "in_seq out_seq in_rows target_rows")


def make_windows(features, target, rows, L, out_len, ahead):
    """Sliding windows over consecutive `rows` only, so none crosses a split.

    in_seq[i] = features[rows[i : i+L]]; out_seq[i] = target at the out_len
    rows starting `ahead` after the window's last row.
    """
    rows = np.asarray(rows)
    count = len(rows) - L - ahead - out_len + 2
    if count < 1:
        return Windows(np.zeros((0, L, features.shape[1]), np.float32),
                       np.zeros((0, out_len, 1), np.float32),
                       np.zeros((0, L), int), np.zeros((0, out_len), int))
    starts = np.arange(count)
    in_rows = rows[starts[:, None] + np.arange(L)[None, :]]
    target_rows = rows[starts[:, None] + L - 1 + ahead + np.arange(out_len)[None, :]]
    return Windows(features[in_rows].astype(np.float32),
                   target[target_rows][:, :, None].astype(np.float32),
                   in_rows, target_rows)


def split_rows(n, args):
    """Row indices of training, validation and test.

    forecast: consecutive periods in time order. paper: the authors' random 75/25
    split of rows (fixed seed), with a fifth of the 75% kept for validation;
    each row is then predicted from the window of predictors ending at it.
    """
    if args.protocol == "forecast":
        a = int(n * args.train_fraction)
        b = int(n * (args.train_fraction + args.val_fraction))
        return np.arange(a), np.arange(a, b), np.arange(b, n)
    order = np.random.RandomState(1).permutation(np.arange(args.INPUT_SEQUENCE_LENGTH - 1, n))
    test_n = int(round(len(order) * 0.25))
    test, rest = np.sort(order[:test_n]), order[test_n:]
    val_n = int(len(rest) * 0.2)
    return np.sort(rest[val_n:]), np.sort(rest[:val_n]), test


def paper_windows(features, target, rows, L):
    """Windows of predictors ending at each given row, target at that row."""
    rows = np.asarray(rows)
    in_rows = rows[:, None] - (L - 1) + np.arange(L)[None, :]
    return Windows(features[in_rows].astype(np.float32),
                   target[rows][:, None, None].astype(np.float32), in_rows, rows[:, None])


Prepared = collections.namedtuple("Prepared", "table names scaler splits raw_target")


def prepare(args):
    """Read, select, split, scale and window the data (numpy only)."""
    table = read_table(args.data, args.max_rows)
    names, features, target = select_features(table, args)
    train_rows, val_rows, test_rows = split_rows(len(target), args)
    scaler = Scaler(features[train_rows], target[train_rows], args.log_target)
    scaled_x, scaled_y = scaler.features(features), scaler.target(target)
    L = args.INPUT_SEQUENCE_LENGTH
    splits = collections.OrderedDict()
    for name, rows in (("train", train_rows), ("val", val_rows), ("test", test_rows)):
        if args.protocol == "forecast":
            w = make_windows(scaled_x, scaled_y, rows, L, args.OUTPUT_SEQUENCE_LENGTH,
                             args.OUTPUT_SEQUENCE_STEPS_AHEAD)
        else:
            w = paper_windows(scaled_x, scaled_y, rows, L)
        if len(w.in_seq) == 0:
            raise utils.DataError(args.data, "the %s part (%d rows) is too short for one "
                                             "window of %d readings" % (name, len(rows), L))
        splits[name] = w
    return Prepared(table, names, scaler, splits, target)


# ---------------------------------------------------------------------------
# Graph construction
# ---------------------------------------------------------------------------
EnergyGraph = collections.namedtuple("EnergyGraph", [
    "graph", "in_seq", "out_seq", "training", "global_step", "learning_rate",
    "prediction", "truth", "mse", "loss", "train_step", "summaries", "init"])


def build_graph(INPUT_FEATURES, INPUT_SEQUENCE_LENGTH=36, OUTPUT_SEQUENCE_LENGTH=1,
                RNN_LAYERS=({"units": 32, "keep_prob": 1.0},), dropout="dense",
                dense_keep_prob=0.8, l2=0.0, INITIAL_LEARNING_RATE=0.003,
                LEARNING_RATE_DECAY_STEPS=1000, LEARNING_RATE_DECAY_RATE=0.8,
                seed=0, device="/device:CPU:0"):
    OUTPUT_FEATURES = 1
    graph = tf.Graph()
    with graph.as_default(), tf.device(device):
        tf.set_random_seed(seed)
        with tf.variable_scope("inputs"):
            in_seq = tf.placeholder(tf.float32, [None, INPUT_SEQUENCE_LENGTH,
                                                 INPUT_FEATURES], name="predictors")
            out_seq = tf.placeholder(tf.float32, [None, OUTPUT_SEQUENCE_LENGTH,
                                                  OUTPUT_FEATURES], name="target")
            training = tf.placeholder_with_default(False, shape=[], name="dropout_switch")
            with tf.variable_scope("learning_rate"):
                global_step = tf.Variable(0, trainable=False, name="global_step")
                learning_rate = tf.train.exponential_decay(
                    INITIAL_LEARNING_RATE, global_step, LEARNING_RATE_DECAY_STEPS,
                    LEARNING_RATE_DECAY_RATE, staircase=True, name="learning_rate")

        def keep(p):
            """p while training, 1.0 otherwise: the fix for the article's tf.cond,
            which switched between two separately built (and trained) networks."""
            return 1.0 - (1.0 - p) * tf.cast(training, tf.float32)

        with tf.variable_scope("recurrent_layer"):
            gru_cells = [tf.nn.rnn_cell.GRUCell(num_units=layer["units"])
                         for layer in RNN_LAYERS]
            # The chapter's MultiRNNCell under dynamic_rnn, one layer after the
            # other; with --dropout rnn each layer's output is dropped as its
            # DropoutWrapper would, with masks that repeat (utils.dropout).
            rnn_output, rnn_state = utils.rnn_layers(
                gru_cells, in_seq, [keep(layer["keep_prob"]) for layer in RNN_LAYERS],
                (lambda i: utils.step_seed(global_step, seed, i))
                if dropout == "rnn" else None)

        with tf.variable_scope("predictions"):
            # The article's option 2: the final states of all layers together.
            output = tf.concat(values=rnn_state, axis=1)
            if dropout == "dense":
                output = utils.dropout(output, keep(dense_keep_prob),
                                       utils.step_seed(global_step, seed, 100))
            # L2 on the dense kernel, as contrib.layers.l2_regularizer did in TF 1.x.
            regularizer = (lambda w: l2 * tf.nn.l2_loss(w)) if l2 > 0 else None
            prediction = tf.layers.dense(inputs=output,
                                         units=OUTPUT_SEQUENCE_LENGTH * OUTPUT_FEATURES,
                                         kernel_regularizer=regularizer, name="prediction")
            truth = tf.squeeze(input=out_seq, axis=2)
            mse = tf.losses.mean_squared_error(labels=truth, predictions=prediction)
            reg_losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
            loss = tf.add_n([mse] + reg_losses, name="loss")
            # Adam instead of the article's plain gradient descent: it reaches a
            # good model in a few epochs; the decaying rate still applies.
            train_step = tf.train.AdamOptimizer(learning_rate).minimize(
                loss, global_step=global_step)
        # The chapter's TensorBoard scalars, under plain names outside the
        # scopes (inside, "learning_rate" is taken and becomes learning_rate_1);
        # the validation writer writes MSE and RMSE under the same names.
        summaries = tf.summary.merge([
            tf.summary.scalar("learning_rate", learning_rate),
            tf.summary.scalar("global_step", global_step),
            tf.summary.scalar("MSE", mse),
            tf.summary.scalar("RMSE", tf.sqrt(mse)),
        ])
        init = tf.global_variables_initializer()
    return EnergyGraph(graph, in_seq, out_seq, training, global_step, learning_rate,
                       prediction, truth, mse, loss, train_step, summaries, init)


def graph_from_args(args, features, device):
    return build_graph(features, args.INPUT_SEQUENCE_LENGTH, args.OUTPUT_SEQUENCE_LENGTH,
                       args.RNN_LAYERS, args.dropout, args.dense_keep_prob, args.l2,
                       args.INITIAL_LEARNING_RATE, args.LEARNING_RATE_DECAY_STEPS,
                       args.LEARNING_RATE_DECAY_RATE, args.seed, device)


# ---------------------------------------------------------------------------
# Training and evaluation
# ---------------------------------------------------------------------------
def predict_scaled(sess, g, windows, batch=2048):
    out = [sess.run(g.prediction, {g.in_seq: windows.in_seq[i:i + batch]})
           for i in range(0, len(windows.in_seq), batch)]
    return np.concatenate(out)


def scores(actual, predicted):
    """RMSE, MAE, MAPE (%) and R2, all on watt-hours."""
    actual, predicted = np.ravel(actual), np.ravel(predicted)
    err = predicted - actual
    return {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": float(np.mean(np.abs(err))),
            "mape": float(100 * np.mean(np.abs(err) / actual)),
            "r2": float(1 - np.sum(err ** 2) / np.sum((actual - actual.mean()) ** 2))}


def train(sess, g, args, data, loop, writer):
    """Epochs of shuffled mini-batches with dropout on (`training` fed True);
    the validation RMSE in Wh after each, which picks the best epoch."""
    x, y = data.splits["train"].in_seq, data.splits["train"].out_seq
    val_actual = data.raw_target[data.splits["val"].target_rows]
    for epoch in loop.epochs():
        order = np.random.RandomState([args.seed % 2 ** 32, epoch]).permutation(len(x))
        for b in loop.batches():
            index = order[b * args.batch_size:(b + 1) * args.batch_size]
            feed = {g.in_seq: x[index], g.out_seq: y[index], g.training: True}
            fetches = [g.loss, g.train_step]
            if loop.summary_due:
                fetches.append(g.summaries)
            results = sess.run(fetches, feed)
            loop.step_done(results[0], results[2] if len(results) > 2 else None)
        val_scaled = predict_scaled(sess, g, data.splits["val"])
        val_rmse_wh = scores(val_actual, data.scaler.target_wh(val_scaled))["rmse"]
        # on the scaled target, beside training's MSE and RMSE; and in Wh
        val_mse = float(np.mean((val_scaled - data.splits["val"].out_seq[:, :, 0]) ** 2))
        utils.scalar_summary(writer, loop.step, MSE=val_mse, RMSE=np.sqrt(val_mse),
                             RMSE_wh=val_rmse_wh)
        loop.epoch_done(train_loss=float(np.mean(loop.epoch_losses())),
                        val_rmse_wh=val_rmse_wh)


def _design(windows):
    flat = windows.in_seq.reshape(len(windows.in_seq), -1).astype(np.float64)
    return np.hstack([flat, np.ones((len(flat), 1))])


def linear_baseline(splits, scaler):
    """Least squares from the flattened input window (plus a bias) to Wh,
    fitted on the training windows; returns a predict(windows) function."""
    train_wh = scaler.target_wh(splits["train"].out_seq[:, :, 0])
    coef = np.linalg.lstsq(_design(splits["train"]), train_wh, rcond=None)[0]
    return lambda windows: _design(windows).dot(coef)


def persistence_baseline(raw_target, windows):
    """The last reading of each input window, repeated for every output step."""
    last = raw_target[windows.in_rows[:, -1]]
    return np.repeat(last[:, None], windows.target_rows.shape[1], axis=1)


# ---------------------------------------------------------------------------
# Plots and files
# ---------------------------------------------------------------------------
def write_predictions(path, dates, actual, predicted, persistence):
    with io.open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["date", "actual_wh", "predicted_wh", "persistence_wh"])
        for i, date in enumerate(dates):
            out.writerow([date, "%g" % actual[i], "%.3f" % predicted[i],
                          "" if persistence is None else "%g" % persistence[i]])


def plot_week(path, times, actual, predicted, persistence, show=False):
    plt = utils.pyplot(show)
    n = min(len(times), 7 * 144)
    fig, ax = plt.subplots(figsize=(12, 4))
    ax.plot(times[:n], actual[:n], color="black", linewidth=0.8, label="actual")
    if persistence is not None:
        ax.plot(times[:n], persistence[:n], color="tab:blue", linewidth=0.6, alpha=0.6,
                label="persistence (last reading)")
    ax.plot(times[:n], predicted[:n], color="tab:red", linewidth=0.8, label="GRU")
    ax.set_ylabel("appliances (Wh per 10 minutes)")
    ax.set_title("The first week of the test period")
    ax.legend(loc="upper right")
    fig.autofmt_xdate()
    return utils.save_figure(fig, path, show)


def plot_training(path, log, baselines, show=False):
    plt = utils.pyplot(show)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = [e["epoch"] for e in log["epochs"]]
    left.plot(epochs, [e["train_loss"] for e in log["epochs"]], marker="o")
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_title("training loss (MSE on the scaled target)")
    right.plot(epochs, [e["val_rmse_wh"] for e in log["epochs"]], marker="o",
               label="GRU, validation")
    for name, value in baselines.items():
        if value is not None:
            right.axhline(value, linestyle=":", color="grey")
            right.annotate("%s %.1f" % (name, value), (epochs[0], value),
                           fontsize=8, va="bottom")
    right.set_xlabel("epoch")
    right.set_title("validation RMSE (Wh), with the baselines on it")
    right.legend()
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return utils.save_figure(fig, path, show)


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
def run(args):
    config = config_of(args)
    utils.refuse_changed_flags(args, config)
    data = prepare(args)
    splits = data.splits
    device = utils.start_run(__file__, args)
    print("%s protocol: %d input features, windows of %d readings; %d training, %d "
          "validation, %d test windows" % (args.protocol, len(data.names),
                                           args.INPUT_SEQUENCE_LENGTH,
                                           len(splits["train"].in_seq),
                                           len(splits["val"].in_seq),
                                           len(splits["test"].in_seq)), flush=True)
    g = graph_from_args(args, len(data.names), device)
    ckpts = utils.Checkpoints(g.graph, args.output_dir, keep_best=True)
    with utils.make_session(g.graph, args.threads) as sess:
        sess.run(g.init)
        log = ckpts.resume_or_start(sess, args.resume, config)
        writers = utils.summary_writers(args.output_dir, g.graph, ("train", "validation"),
                                        int(sess.run(g.global_step)))
        batches = int(np.ceil(len(splits["train"].in_seq) / float(args.batch_size)))
        with utils.TrainingLoop(sess, g.global_step, args, ckpts, log, batches,
                                writers["train"], best_key="val_rmse_wh",
                                patience=args.patience) as loop:
            train(sess, g, args, data, loop, writers["validation"])
        steps = loop.step
        if ckpts.latest(best=True):          # test figures from the best epoch
            ckpts.restore(sess, best=True)
        test_pred = data.scaler.target_wh(predict_scaled(sess, g, splits["test"]))
        val_pred = data.scaler.target_wh(predict_scaled(sess, g, splits["val"]))
    for writer in writers.values():
        writer.close()

    test = splits["test"]
    # Actual values straight from the file, not round-tripped through the scaler.
    actual = data.raw_target[test.target_rows]
    val_actual = data.raw_target[splits["val"].target_rows]
    linear = linear_baseline(splits, data.scaler)
    forecast = args.protocol == "forecast"   # no past readings in the paper's protocol
    persistence = persistence_baseline(data.raw_target, test) if forecast else None
    # the same baselines on the validation period, for the training plot
    val_baselines = {"linear": scores(val_actual, linear(splits["val"]))["rmse"]}
    if forecast:
        val_baselines["persistence"] = scores(
            val_actual, persistence_baseline(data.raw_target, splits["val"]))["rmse"]
    linear = linear(test)
    gru = scores(actual, test_pred)
    used = np.concatenate([splits["train"].target_rows.ravel(),
                           splits["val"].target_rows.ravel()])
    best = loop.best()
    figures = collections.OrderedDict([
        ("test_rmse_wh", gru["rmse"]), ("test_mae_wh", gru["mae"]),
        ("test_mape_pct", gru["mape"]), ("test_r2", gru["r2"]),
        ("val_rmse_wh", scores(val_actual, val_pred)["rmse"]),
        ("persistence_rmse_wh", scores(actual, persistence)["rmse"]
         if persistence is not None else None),
        ("linear_rmse_wh", scores(actual, linear)["rmse"]),
        ("linear_r2", scores(actual, linear)["r2"]),
        ("best_epoch", best["epoch"] if best else None),
        ("epochs_run", len(log["epochs"])),
        ("train_end_date", data.table.dates[int(used.max())]),
        ("protocol", args.protocol),
        ("test_windows", int(len(actual))),
    ])
    first = test.target_rows[:, 0]
    write_predictions(os.path.join(args.output_dir, "predictions.csv"),
                      [data.table.dates[i] for i in first], actual[:, 0], test_pred[:, 0],
                      None if persistence is None else persistence[:, 0])
    if forecast:
        plot_week(os.path.join(args.output_dir, "week.png"),
                  [data.table.times[i] for i in first], actual[:, 0], test_pred[:, 0],
                  persistence[:, 0], args.show)
    if log["epochs"]:
        plot_training(os.path.join(args.output_dir, "training.png"), log,
                      val_baselines, args.show)
    utils.write_metrics(args, __file__, figures, steps, log["train_seconds"], config,
                        interrupted=loop.interrupted, history=log["epochs"])
    print_results(figures, args)
    if args.show:
        utils.pyplot(True).show()
    utils.stop_if_interrupted(loop.interrupted, steps, ckpts)


def print_results(f, args):
    if args.protocol == "paper":
        print("\ntest share: %d rows drawn at random from the whole period"
              % f["test_windows"])
    else:
        print("\ntest period: %d windows after %s"
              % (f["test_windows"], f["train_end_date"]))
    print("  %-22s RMSE %7.2f Wh   MAE %6.2f Wh   R2 %5.2f   MAPE %5.1f%%"
          % ("GRU (best epoch %s)" % f["best_epoch"], f["test_rmse_wh"], f["test_mae_wh"],
             f["test_r2"], f["test_mape_pct"]))
    if f["persistence_rmse_wh"] is not None:
        print("  %-22s RMSE %7.2f Wh" % ("persistence", f["persistence_rmse_wh"]))
    print("  %-22s RMSE %7.2f Wh   R2 %5.2f" % ("linear least squares",
                                                f["linear_rmse_wh"], f["linear_r2"]))
    if args.protocol == "paper":
        print("the paper's test-set figures (Candanedo et al. 2017, their own split):")
        for name, p in PAPER.items():
            print("  %-22s RMSE %7.2f Wh   R2 %5.2f%s" % (
                name, p["rmse"], p["r2"], "   MAPE %5.1f%%" % p["mape"] if "mape" in p
                else ""))


def main(argv=None):
    args = parse_args(argv)
    return utils.run_guarded(__file__, run, args)


if __name__ == "__main__":
    sys.exit(main())
