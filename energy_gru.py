"""Forecasting a house's appliance energy use with a multi-layer GRU.

Accompanies "Introduction to Recurrent Neural Network" (chapter 4 of a
TensorFlow tutorial), which trains a many-to-one GRU on the UCI "Appliances
energy prediction" data: a window of 10-minute readings (room temperatures and
humidities, weather, past energy use) goes in, the energy use
OUTPUT_SEQUENCE_STEPS_AHEAD steps later comes out. It keeps the chapter's
graph (variable scopes `inputs`, `learning_rate`, `recurrent_layer`,
`predictions`, and `Frobenius_regularization` with --l2; `in_seq`/`out_seq`;
a MultiRNNCell of GRUCells under dynamic_rnn; an exponentially decaying
learning rate; dropout switched by `training`; TensorBoard) and fixes its
dropout: the chapter's `tf.cond` between a `with_dropout` and a
`without_dropout` scope built two sets of GRU weights and evaluated the set
that was never trained. Here one set serves both; the keep probability is a
tensor that is 1.0 when not training.

The file follows the chapter: hyperparameters, data preparation, the graph,
training and evaluation; the command line comes last. What goes beyond the
chapter is in energy_extras.py beside it, each piece used here in one line:
the checked CSV reader, the flags beyond the chapter, the strong linear
model's inputs, the data authors' protocol, the ensemble, the baselines, the
tables and the plots.

Run:  python energy_gru.py                    (the forecast, with baselines)
      python energy_gru.py --quick            (seconds)
      python energy_gru.py --article          (the chapter's recipe)
      python energy_gru.py --protocol paper   (the authors' protocol)

Output in runs/energy_gru/: metrics.json, predictions.csv, week.png,
training.png, checkpoints/, best/, tensorboard/ (and member2/, member3/: the
other GRUs of the ensemble). The chapter against this script:
docs/energy_gru.md.
"""
from __future__ import print_function

import collections
import math
import os
import sys

import numpy as np

import command_line as cli
import energy_extras as extras
import utils
# TensorFlow's 1.x graph API: `tensorflow.compat.v1` on TF 2 (v2 behaviour
# off), TensorFlow itself on 1.15; imported on first use (see utils.py).
from utils import tf

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = "Appliances"
RANDOM_COLUMNS = ("rv1", "rv2")
F = cli.Flag


# ---------------------------------------------------------------------------
# Hyperparameters (the chapter's names in capitals)
# ---------------------------------------------------------------------------
HYPERPARAMETERS = (
    "data and windows",
    F("data", os.path.join(HERE, "data", "energydata_complete.csv.gz"), str,
      "the UCI CSV, plain or gzip-compressed (.csv.gz)"),
    F("INPUT_SEQUENCE_LENGTH", 36, cli.positive_int,
      "readings per input window (36 = 6 hours)"),
    F("OUTPUT_SEQUENCE_LENGTH", 1, cli.positive_int, "readings predicted per window"),
    F("OUTPUT_SEQUENCE_STEPS_AHEAD", 1, cli.positive_int,
      "how far ahead the first prediction is (1 = the next 10 minutes)"),
    F("target_scale", "wh", ("wh", "log", "minmax"),
      "the loss is the MSE of the standardised target in Wh, the error the RMSE "
      "reports; log: of log(1 + Wh), which tames the peaks but optimises another "
      "error; minmax: Wh scaled to [0, 1] on the training rows (the chapter's)"),
    F("time_features", "on", ("on", "off"),
      "time of day and day of week (sin, cos) and a weekend flag as inputs (the "
      "chapter leaves time out)"),
    "the network and its training",
    F("RNN_LAYERS", extras.rnn_layers("64:0.9,64:0.9"), extras.rnn_layers,
      "GRU layers as units:keep_prob (keep_prob is used with --dropout rnn)"),
    F("dropout", "none", ("none", "dense", "rnn"),
      "none: no dropout (the default, which validation prefers here); dense: on "
      "the dense layer's input (the chapter's first script); rnn: on each GRU's "
      "output, as a DropoutWrapper (its second); one set of weights either way"),
    F("dense_keep_prob", 0.8, cli.probability,
      "keep probability with --dropout dense (the chapter's tf.layers.dropout "
      "drops half)"),
    F("l2", 0.0, float,
      "> 0: the chapter's 04_03, a tanh dense layer (as wide as the last GRU) with "
      "this L2 (Frobenius) scale on its kernel, before the prediction",
      metavar="SCALE"),
    F("batch_size", 64, cli.positive_int, "windows per training step"),
    F("optimizer", "adam", ("adam", "gd"),
      "adam, or the chapter's plain gradient descent (gd), which needs a larger rate "
      "and many more epochs"),
    F("INITIAL_LEARNING_RATE", 0.003, cli.positive_float,
      "the optimizer's starting rate (the chapter's text gives none)", resumable=True),
    F("LEARNING_RATE_DECAY_STEPS", 1000, cli.positive_int,
      "steps between learning-rate drops (staircase)"),
    F("LEARNING_RATE_DECAY_RATE", 0.8, cli.probability, "factor applied at each drop"),
    F("patience", 4, cli.non_negative_int,
      "stop after this many epochs without a better validation RMSE (0: never stop "
      "early, as the chapter)", resumable=True),
    F("weights", "best", ("best", "last"),
      "which weights forecast the test period: those of the epoch with the best "
      "validation RMSE, or those of the last epoch (the chapter's)", resumable=True),
    F("article", False, bool, "the chapter's recipe (04_01)"),
) + extras.FLAGS


# ---------------------------------------------------------------------------
# Data preparation
# ---------------------------------------------------------------------------
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
    features = table.values[:, index]
    if args.time_features == "on":
        features = np.concatenate([features, time_features(table.times)], axis=1)
        names += ["day_sin", "day_cos", "week_sin", "week_cos", "weekend"]
    target = table.values[:, table.columns.index(TARGET)]
    return names, features, target


class Scaler(object):
    """Feature scaling to [0, 1] (min-max) and target scaling, both fitted on
    training rows only. The scaled target is (t - t_shift) / t_scale, where t
    is Wh, or log(1 + Wh) with --target-scale log: standardised (wh, log:
    the shift is the mean, the scale the standard deviation), or min-max to
    [0, 1] (minmax, the chapter's: the minimum and the range)."""

    def __init__(self, features, target, scale):
        self.log = scale == "log"
        self.f_min, self.f_span = _min_span(features)
        t = self._forward_target(target)
        if scale == "minmax":
            self.t_shift, self.t_scale = float(t.min()), float(max(np.ptp(t), 1e-9))
        else:
            self.t_shift, self.t_scale = float(t.mean()), float(max(t.std(), 1e-9))

    def _forward_target(self, target):
        return np.log1p(np.maximum(target, 0)) if self.log else target

    def features(self, x):
        return (x - self.f_min) / self.f_span

    def target(self, y):
        return (self._forward_target(y) - self.t_shift) / self.t_scale

    def target_wh(self, scaled):
        t = np.asarray(scaled, np.float64) * self.t_scale + self.t_shift
        return np.expm1(t) if self.log else t


def _min_span(x):
    lo, hi = x.min(axis=0), x.max(axis=0)
    return lo, np.where(hi > lo, hi - lo, 1.0)


Windows = collections.namedtuple("Windows", "in_seq out_seq in_rows target_rows history")


def windows_at(features, target, in_rows, target_rows, history=None):
    """The windows whose inputs are the rows `in_rows` [windows, L] and whose
    targets are `target_rows` [windows, out_len] (history: rows of the
    engineered features at each origin, or None)."""
    return Windows(features[in_rows].astype(np.float32),
                   target[target_rows][:, :, None].astype(np.float32), in_rows,
                   target_rows, None if history is None else history[in_rows[:, -1]])


def origins_in(rows, L, out_len, ahead, needs):
    """The window ends (origins) inside the consecutive `rows` whose window of
    L readings, `needs` readings of history and targets all lie in `rows`."""
    first = rows[0] + max(L - 1, needs)
    return np.arange(first, rows[-1] - ahead - out_len + 2)


def make_windows(features, target, rows, L, out_len, ahead, history=None):
    """Sliding windows over consecutive `rows` only, so none crosses a split
    (nor does any feature: the first windows of a part wait until the history
    features have their readings inside it).

    in_seq[i] = features of the L rows ending at origin o; out_seq[i] = target
    at the out_len rows starting `ahead` after o; history[i] = rows of
    `history` at the origins (None: none).
    """
    rows = np.asarray(rows)
    needs = max(extras.HISTORY_NEEDS, extras.DAY - ahead) \
        if history is not None else 0
    origins = origins_in(rows, L, out_len, ahead, needs)
    return windows_at(features, target, origins[:, None] - (L - 1) + np.arange(L)[None, :],
                      origins[:, None] + ahead + np.arange(out_len)[None, :], history)


def split_rows(n, args):
    """Row indices of training, validation and test: consecutive periods in
    time order (forecast), or the authors' random split of rows (paper)."""
    if args.protocol == "forecast":
        a = int(n * args.train_fraction)
        b = int(n * (args.train_fraction + args.val_fraction))
        return np.arange(a), np.arange(a, b), np.arange(b, n)
    return extras.paper_split(n, args.INPUT_SEQUENCE_LENGTH - 1, args.split_seed)


Prepared = collections.namedtuple(
    "Prepared", "table names scaler splits raw_target linear history_scale")


def prepare(args):
    """Read, select, split, scale and window the data, and fit the strong
    linear baseline on the training windows (numpy only)."""
    table = extras.read_table(args.data, TARGET, args.max_rows)
    names, features, target = select_features(table, args)
    train_rows, val_rows, test_rows = split_rows(len(target), args)
    forecast = args.protocol == "forecast"
    scaler = Scaler(features[train_rows], target[train_rows], args.target_scale)
    scaled_x = scaler.features(features)
    L, ahead, out_len = (args.INPUT_SEQUENCE_LENGTH, args.OUTPUT_SEQUENCE_STEPS_AHEAD,
                         args.OUTPUT_SEQUENCE_LENGTH)
    history = extras.history_for_every_row(
        target, ahead, out_len, time_features(table.times)) if forecast else None
    splits = collections.OrderedDict()
    for name, rows in (("train", train_rows), ("val", val_rows), ("test", test_rows)):
        if forecast:
            w = make_windows(scaled_x, target, rows, L, out_len, ahead, history)
        else:
            w = windows_at(scaled_x, target, *extras.paper_rows(
                rows, L, len(target), args.readings_after))
        if len(w.in_seq) == 0:
            raise utils.DataError(args.data, "the %s part (%d rows) is too short for one "
                                             "window of %d readings%s" % (
                                                 name, len(rows), L, " and a day of "
                                                 "history" if forecast else ""))
        splits[name] = w
    linear, history_scale = None, None
    if forecast:
        linear = extras.LinearModel(splits["train"])
        h = splits["train"].history
        history_scale = (h.mean(axis=0), np.where(h.std(axis=0) > 0, h.std(axis=0), 1.0))
    return Prepared(table, names, scaler, splits, target, linear, history_scale)


# ---------------------------------------------------------------------------
# Graph construction
# ---------------------------------------------------------------------------
# Where each dropout mask is drawn (the `site` of utils.step_seed): every mask
# comes from the seed, the step and its site, so that a resumed run drops the
# same units. GRU layer i is site GRU_DROPOUT_SITE + i; the dense layer's
# input has a site of its own, past any number of layers.
GRU_DROPOUT_SITE, DENSE_DROPOUT_SITE = 0, 100

EnergyGraph = collections.namedtuple("EnergyGraph", [
    "graph", "in_seq", "out_seq", "history", "training", "global_step",
    "learning_rate", "prediction", "truth", "mse", "loss", "train_step", "summaries",
    "init"])


def build_graph(INPUT_FEATURES, INPUT_SEQUENCE_LENGTH=36, OUTPUT_SEQUENCE_LENGTH=1,
                RNN_LAYERS=({"units": 32, "keep_prob": 1.0},), dropout="dense",
                dense_keep_prob=0.8, l2=0.0, INITIAL_LEARNING_RATE=0.003,
                LEARNING_RATE_DECAY_STEPS=1000, LEARNING_RATE_DECAY_RATE=0.8,
                optimizer="adam", seed=0, device="/device:CPU:0", HISTORY_FEATURES=0):
    """The chapter's graph. HISTORY_FEATURES > 0 adds one input beyond it,
    `history`, which the dense layer reads beside the GRUs' final states."""
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
            history = tf.placeholder(tf.float32, [None, HISTORY_FEATURES],
                                     name="history") if HISTORY_FEATURES else None
            with tf.variable_scope("learning_rate"):
                global_step = tf.Variable(0, trainable=False, name="global_step")
                learning_rate = tf.train.exponential_decay(
                    INITIAL_LEARNING_RATE, global_step, LEARNING_RATE_DECAY_STEPS,
                    LEARNING_RATE_DECAY_RATE, staircase=True, name="learning_rate")

        def keep(p):
            """p while training, 1.0 otherwise: the fix for the chapter's tf.cond,
            which switched between two separately built (and trained) networks."""
            return 1.0 - (1.0 - p) * tf.cast(training, tf.float32)

        with tf.variable_scope("recurrent_layer"):
            cells = [tf.nn.rnn_cell.GRUCell(num_units=layer["units"])
                     for layer in RNN_LAYERS]
            if dropout == "rnn":      # the chapter's second script
                cells = [RepeatableDropoutWrapper(
                    cell, keep(layer["keep_prob"]),
                    utils.step_seed(global_step, seed, GRU_DROPOUT_SITE + i))
                    for i, (cell, layer) in enumerate(zip(cells, RNN_LAYERS))]
            multi_cell = tf.nn.rnn_cell.MultiRNNCell(cells)
            rnn_output, rnn_state = tf.nn.dynamic_rnn(multi_cell, in_seq,
                                                      dtype=tf.float32)

        with tf.variable_scope("predictions"):
            # The chapter's option 2: the final states of all layers together.
            output = tf.concat(values=rnn_state, axis=1)
            if dropout == "dense":    # its first: tf.layers.dropout, masks that repeat
                output = utils.dropout(output, keep(dense_keep_prob),
                                       utils.step_seed(global_step, seed, DENSE_DROPOUT_SITE))
            if history is not None:
                output = tf.concat([output, history], axis=1)
            if l2 > 0:
                # The chapter's 04_03: a tanh layer with L2 on its kernel
                # (contrib.layers.l2_regularizer in TF 1.x: scale * l2_loss).
                with tf.variable_scope("Frobenius_regularization"):
                    output = tf.layers.dense(
                        inputs=output, units=RNN_LAYERS[-1]["units"], activation=tf.tanh,
                        kernel_regularizer=lambda w: l2 * tf.nn.l2_loss(w))
            prediction = tf.layers.dense(inputs=output,
                                         units=OUTPUT_SEQUENCE_LENGTH * OUTPUT_FEATURES,
                                         name="prediction")
            truth = tf.squeeze(input=out_seq, axis=2)
            mse = tf.losses.mean_squared_error(labels=truth, predictions=prediction)
            reg_losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
            loss = tf.add_n([mse] + reg_losses, name="loss")
            # Adam by default: the chapter's plain gradient descent (gd) needs
            # many more epochs; the decaying rate applies to either.
            optimizer = tf.train.AdamOptimizer(learning_rate) if optimizer == "adam" \
                else tf.train.GradientDescentOptimizer(learning_rate)
            train_step = optimizer.minimize(loss, global_step=global_step)
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
    return EnergyGraph(graph, in_seq, out_seq, history, training, global_step,
                       learning_rate, prediction, truth, mse, loss, train_step,
                       summaries, init)


class RepeatableDropoutWrapper(object):
    """Stands for the chapter's tf.nn.rnn_cell.DropoutWrapper(cell,
    output_keep_prob=...), with the same interface to MultiRNNCell and
    dynamic_rnn, but masks that repeat: DropoutWrapper draws from a stateful
    random op, whose stream restarts with every session (a resumed run would
    drop other units) and, inside dynamic_rnn's loop, hands out numbers in an
    order that varies. This one's mask comes from utils.dropout, a function of
    the seed and the step; it is drawn once per window and kept at every time
    step (what DropoutWrapper calls variational_recurrent)."""

    def __init__(self, cell, output_keep_prob, seed):
        self.cell, self.output_keep_prob, self.seed = cell, output_keep_prob, seed

    @property
    def state_size(self):
        return self.cell.state_size

    @property
    def output_size(self):
        return self.cell.output_size

    def zero_state(self, batch_size, dtype):
        return self.cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        output, new_state = self.cell(inputs, state, scope=scope)
        return utils.dropout(output, self.output_keep_prob, self.seed), new_state


def graph_for(args, data, seed, device):
    return build_graph(len(data.names), args.INPUT_SEQUENCE_LENGTH,
                       args.OUTPUT_SEQUENCE_LENGTH, args.RNN_LAYERS, args.dropout,
                       args.dense_keep_prob, args.l2, args.INITIAL_LEARNING_RATE,
                       args.LEARNING_RATE_DECAY_STEPS, args.LEARNING_RATE_DECAY_RATE,
                       args.optimizer, seed, device,
                       len(data.history_scale[0]) if uses_history(args) else 0)


def uses_history(args):
    return args.protocol == "forecast" and args.features == "engineered"


# ---------------------------------------------------------------------------
# Training and evaluation
# ---------------------------------------------------------------------------
def network_inputs(g, data, windows):
    """What the network is fed for `windows`, target aside: the windows, and the
    history features (standardised on training windows)."""
    feed = {g.in_seq: windows.in_seq}
    if g.history is not None:
        mean, std = data.history_scale
        feed[g.history] = ((windows.history - mean) / std).astype(np.float32)
    return feed


def evaluate(sess, g, data, windows, args, inputs=None, batch=2048):
    """The network's forecast for `windows` in Wh (no dropout), and its scores
    against the file's readings (`inputs`: network_inputs of the windows, when
    already computed)."""
    inputs = network_inputs(g, data, windows) if inputs is None else inputs
    scaled = np.concatenate([
        sess.run(g.prediction, {t: v[i:i + batch] for t, v in inputs.items()})
        for i in range(0, len(windows.in_seq), batch)]) + extras.base_forecast(data, windows, args)
    forecast = data.scaler.target_wh(scaled)
    return forecast, extras.scores(data.raw_target[windows.target_rows], forecast)


def train(sess, g, args, data, loop, writer):
    """Epochs of shuffled mini-batches with dropout on (`training` fed True);
    the validation RMSE in Wh after each, which picks the best epoch."""
    train_windows, val_windows = data.splits["train"], data.splits["val"]
    inputs = network_inputs(g, data, train_windows)
    target = (data.scaler.target(train_windows.out_seq[:, :, 0]) -
              extras.base_forecast(data, train_windows, args))[:, :, None].astype(np.float32)
    val_target = data.scaler.target(val_windows.out_seq[:, :, 0])
    val_inputs = network_inputs(g, data, val_windows)
    num_batches = batches_per_epoch(args, data)
    for epoch_idx in range(loop.first_epoch, args.epochs):
        if loop.should_stop():            # --patience epochs without a better one
            break
        order = np.random.RandomState([args.seed % 2 ** 32, epoch_idx]).permutation(
            len(target))
        for batch_idx in range(loop.first_batch(epoch_idx), num_batches):
            index = order[batch_idx * args.batch_size:(batch_idx + 1) * args.batch_size]
            feed = {t: v[index] for t, v in inputs.items()}
            feed.update({g.out_seq: target[index], g.training: True})
            fetches = [g.loss, g.train_step]
            if loop.summary_due:
                fetches.append(g.summaries)
            results = sess.run(fetches, feed)
            # the run log, the NaN guard, checkpoints, Ctrl-C
            loop.step_done(results[0], results[2] if len(results) > 2 else None)
        forecast, found = evaluate(sess, g, data, val_windows, args, val_inputs)
        # on the scaled target, beside training's MSE and RMSE; and in Wh
        val_mse = float(np.mean((data.scaler.target(forecast) - val_target) ** 2))
        utils.scalar_summary(writer, loop.step, MSE=val_mse, RMSE=np.sqrt(val_mse),
                             RMSE_wh=found["rmse"])
        loop.epoch_done(epoch_idx, train_loss=float(np.mean(loop.epoch_losses(epoch_idx))),
                        val_rmse_wh=found["rmse"])


def batches_per_epoch(args, data):
    """Training steps per epoch; a last, smaller batch takes the windows left."""
    return int(np.ceil(len(data.splits["train"].in_seq) / float(args.batch_size)))


Network = collections.namedtuple("Network", "seed val test log steps loop")


def train_network(args, data, device):
    """Train one GRU (seed --seed, in --output-dir); return its validation and
    test forecasts in Wh, from its best epoch (or its last, --weights last)."""
    g = graph_for(args, data, args.seed, device)
    ckpts = utils.Checkpoints(g.graph, args.output_dir, keep_best=True)
    with utils.make_session(g.graph, args.threads) as sess:
        sess.run(g.init)
        log = ckpts.resume_or_start(sess, args)
        writers = utils.summary_writers(args.output_dir, g.graph, ("train", "validation"),
                                        int(sess.run(g.global_step)))
        with utils.TrainingLoop(sess, g.global_step, args, ckpts, log,
                                batches_per_epoch(args, data), writers["train"],
                                best_key="val_rmse_wh", patience=args.patience,
                                rate_flag="--INITIAL_LEARNING_RATE") as loop:
            train(sess, g, args, data, loop, writers["validation"])
        if args.weights == "best" and ckpts.saved(best=True):
            ckpts.restore(sess, best=True)    # forecasts from the best epoch
        val, test = (evaluate(sess, g, data, data.splits[name], args)[0]
                     for name in ("val", "test"))
    for writer in writers.values():
        writer.close()
    return Network(args.seed, val, test, log, loop.step, loop)


# ---------------------------------------------------------------------------
# The command line: presets, checks, and the run from start to end
# ---------------------------------------------------------------------------
QUICK = dict(epochs=2, INPUT_SEQUENCE_LENGTH=12, RNN_LAYERS=extras.rnn_layers("8:1.0"),
             max_rows=3000, ensemble=1)
# The chapter's way, wherever its text says what it is: plain gradient descent
# on the decaying rate (its text gives no rate: 0.03 moves in the default
# epochs), dropout through tf.layers.dropout at its default rate (0.5) on the
# dense layer's input (04_01; --dropout rnn is 04_02, --l2 the
# Frobenius_regularization layer of 04_03), every value min-max scaled to
# [0, 1], no time features, the window the only input, a fixed number of
# epochs and the last epoch's weights. Sizes its text does not give stay ours.
ARTICLE = dict(optimizer="gd", INITIAL_LEARNING_RATE=0.03, dense_keep_prob=0.5,
               dropout="dense", target_scale="minmax", time_features="off",
               features="window", base="none", ensemble=1, patience=0, weights="last")


def check(args):
    """What the flags must satisfy together (None when they do)."""
    if args.l2 < 0 or not math.isfinite(args.l2):
        return "argument --l2: must be >= 0, got %s" % args.l2
    if args.protocol == "forecast" and \
            args.OUTPUT_SEQUENCE_STEPS_AHEAD + args.OUTPUT_SEQUENCE_LENGTH - 1 > \
            extras.DAY:
        return ("--OUTPUT_SEQUENCE_STEPS_AHEAD and --OUTPUT_SEQUENCE_LENGTH: the "
                "forecast protocol predicts at most a day (%d readings) ahead, so that "
                "yesterday's reading is known" % extras.DAY)
    return extras.problem(args)


def parse_args(argv=None):
    return cli.parse(__file__, __doc__, HYPERPARAMETERS, argv, epochs=40, check=check,
                     presets=[(("protocol", "paper"), extras.PAPER_PROTOCOL),
                              ("article", ARTICLE), ("quick", QUICK)])


def run(args):
    data = prepare(args)
    splits = data.splits
    device = utils.start_run(args)
    print("%s protocol: %d input features%s, windows of %d readings; %d training, %d "
          "validation, %d test windows; %s" % (
              args.protocol, len(data.names),
              " and %d history features" % len(data.history_scale[0])
              if uses_history(args) else "", args.INPUT_SEQUENCE_LENGTH,
              len(splits["train"].in_seq), len(splits["val"].in_seq),
              len(splits["test"].in_seq),
              "an ensemble of %d GRUs" % args.ensemble if args.ensemble > 1 else "one GRU"),
          flush=True)
    # --ensemble N networks, one after the other (one, as the chapter, with 1)
    networks = extras.ensemble(train_network, args, data, device)
    figures = extras.report(data, networks, args)
    utils.write_metrics(args, figures, sum(n.steps for n in networks),
                        sum(n.log["train_seconds"] for n in networks),
                        interrupted=networks[-1].loop.interrupted,
                        history=networks[0].log["epochs"])
    extras.print_results(figures, args)
    utils.finish(networks[-1].loop, args)


def main(argv=None):
    return utils.main(__file__, parse_args, run, argv)


if __name__ == "__main__":
    sys.exit(main())
