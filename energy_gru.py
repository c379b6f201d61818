"""Forecasting a house's appliance energy use with a multi-layer GRU.

Accompanies "Introduction to Recurrent Neural Network" (chapter 4 of a
TensorFlow tutorial), which trains a many-to-one GRU on the UCI "Appliances
energy prediction" data: a window of 10-minute readings (room temperatures and
humidities, weather, past energy use) goes in, the energy use
OUTPUT_SEQUENCE_STEPS_AHEAD steps later comes out. It keeps the chapter's
graph (variable scopes `inputs`, `learning_rate`, `recurrent_layer`,
`predictions`, and `Frobenius_regularization` with --l2; `in_seq`/`out_seq`;
an exponentially decaying learning rate; dropout switched by `training`;
TensorBoard) and fixes its dropout: the chapter's `tf.cond` between a
`with_dropout` and a `without_dropout` scope built two sets of GRU weights and
evaluated the set that was never trained. Here one set serves both; the keep
probability is a tensor that is 1.0 when not training.

Results are in watt-hours on a test period after everything used for
training, beside four baselines on exactly the same windows: persistence
(the last reading), the same time yesterday, a linear model on the window, and
a strong linear model on engineered features (the last six readings, the
same time yesterday, rolling means and deviations, the time). The default
network sees those features too (in its dense layer) and is an average of 3
GRUs (--ensemble). `--article` runs the chapter's recipe; `--protocol paper`
the data authors' set-up (random 75/25 split of rows, no past energy values)
beside their published table.

Run:  python energy_gru.py                    (about 3 minutes)
      python energy_gru.py --quick            (seconds)
      python energy_gru.py --article          (the chapter's recipe)
      python energy_gru.py --protocol paper   (the authors' protocol)

Output in runs/energy_gru/: metrics.json, predictions.csv, week.png,
training.png, checkpoints/, best/, tensorboard/ (and member2/, member3/: the
other GRUs of the ensemble).
"""
from __future__ import print_function

import argparse
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


# Plain gradient descent's starting rate for --article (the chapter's text does
# not give its value; this one trains in the default epochs, see README).
ARTICLE_LEARNING_RATE = 0.03
QUICK = dict(epochs=2, INPUT_SEQUENCE_LENGTH=12, RNN_LAYERS=rnn_layers("8:1.0"),
             max_rows=3000, ensemble=1)
# --protocol paper: the random split leaves every test row between training
# rows; what pays there is a window that runs an hour (6 readings) past the
# row, whose sensors show what the appliances did (K = 6 of 0, 6, 12, 18,
# chosen on validation), long training (a slower decay, more patience) and
# averaging more networks; measured in README ("the paper's protocol").
PAPER_PROTOCOL = dict(epochs=120, patience=10, LEARNING_RATE_DECAY_STEPS=3000,
                      ensemble=5, readings_after=6)
# The chapter's way, wherever its text says what it is: plain gradient descent
# on the decaying rate, dropout through tf.layers.dropout at its default rate
# (0.5) on the dense layer's input (04_01; --dropout rnn is 04_02, --l2 the
# Frobenius_regularization layer of 04_03), every value min-max scaled to
# [0, 1], no time features, the window the only input, a fixed number of
# epochs and the last epoch's weights. Sizes and rates its text does not give
# stay ours; see README.
ARTICLE = dict(optimizer="gd", INITIAL_LEARNING_RATE=ARTICLE_LEARNING_RATE,
               dense_keep_prob=0.5, dropout="dense", target_scale="minmax",
               time_features="off", features="window", base="none", ensemble=1,
               patience=0, weights="last")


def non_negative_int(text):
    """argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not an integer" % text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0, got %s" % text)
    return value


def parse_args(argv=None):
    parser = utils.make_parser(__file__, __doc__, default_epochs=40)
    group = parser.add_argument_group("data")
    group.add_argument("--data", default=os.path.join(HERE, "data",
                                                      "energydata_complete.csv.gz"),
                       help="the UCI CSV, plain or gzip-compressed (.csv.gz)")
    group.add_argument("--protocol", choices=("forecast", "paper"), default="forecast",
                       help="forecast: split by time, past energy use is an input; "
                            "paper: the authors' random 75/25 split of rows, no past "
                            "energy use, and its own defaults (%s; flags given still "
                            "win)" % ", ".join("%s=%s" % kv
                                               for kv in sorted(PAPER_PROTOCOL.items())))
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
    group.add_argument("--readings-after", type=non_negative_int, default=0, metavar="K",
                       help="paper protocol: the window of predictors runs K readings "
                            "past the predicted row (sensors and weather only, never "
                            "energy: an estimate after the fact); 0: it ends at the row, "
                            "as a model running live would see it")
    group.add_argument("--OUTPUT_SEQUENCE_LENGTH", "--output-sequence-length",
                       type=utils.positive_int, default=1, dest="OUTPUT_SEQUENCE_LENGTH",
                       help="readings predicted per window")
    group.add_argument("--OUTPUT_SEQUENCE_STEPS_AHEAD", "--output-sequence-steps-ahead",
                       type=utils.positive_int, default=1,
                       dest="OUTPUT_SEQUENCE_STEPS_AHEAD",
                       help="how far ahead the first prediction is (1 = the next 10 "
                            "minutes)")
    group.add_argument("--target-scale", choices=("wh", "log", "minmax"), default="wh",
                       help="the loss is the MSE of the standardised target in Wh, "
                            "the error the RMSE reports; log: of log(1 + Wh), which "
                            "tames the peaks but optimises another error; minmax: Wh "
                            "scaled to [0, 1] on the training rows (the chapter's)")
    group.add_argument("--time-features", choices=("on", "off"), default="on",
                       help="time of day and day of week (sin, cos) and a weekend "
                            "flag as inputs (the chapter leaves time out)")
    group = parser.add_argument_group("model and training")
    group.add_argument("--features", choices=("engineered", "window"),
                       default="engineered",
                       help="forecast protocol: engineered also hands the dense layer "
                            "the strong linear model's inputs (the last readings, "
                            "the same time yesterday, rolling means and deviations, "
                            "the time); window: the GRU's window alone")
    group.add_argument("--base", choices=("linear", "none"), default="none",
                       help="forecast protocol: linear makes the network learn the "
                            "correction to the strong linear model's forecast; none: "
                            "the reading itself")
    group.add_argument("--ensemble", type=utils.positive_int, default=3, metavar="N",
                       help="train N networks (seeds --seed, --seed + 1, ...) and "
                            "average their forecasts")
    group.add_argument("--RNN_LAYERS", "--rnn-layers", type=rnn_layers,
                       default=rnn_layers("64:0.9,64:0.9"),
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
                       help="> 0: the chapter's 04_03, a tanh dense layer (as wide as "
                            "the last GRU) with this L2 (Frobenius) scale on its "
                            "kernel, in the Frobenius_regularization scope, before "
                            "the prediction")
    group.add_argument("--batch-size", type=utils.positive_int, default=64,
                       help="windows per training step")
    group.add_argument("--optimizer", choices=("adam", "gd"), default="adam",
                       help="adam, or the chapter's plain gradient descent (gd), "
                            "which needs a larger rate and many more epochs")
    group.add_argument("--INITIAL_LEARNING_RATE", "--initial-learning-rate",
                       type=utils.positive_float, default=0.003,
                       dest="INITIAL_LEARNING_RATE",
                       help="the optimizer's starting rate (--article: 0.03 for plain "
                            "gradient descent, our value: the chapter's text gives none)")
    group.add_argument("--LEARNING_RATE_DECAY_STEPS", "--learning-rate-decay-steps",
                       type=utils.positive_int, default=1000,
                       dest="LEARNING_RATE_DECAY_STEPS",
                       help="steps between learning-rate drops (staircase)")
    group.add_argument("--LEARNING_RATE_DECAY_RATE", "--learning-rate-decay-rate",
                       type=utils.probability, default=0.8,
                       dest="LEARNING_RATE_DECAY_RATE",
                       help="factor applied at each drop")
    group.add_argument("--patience", type=non_negative_int, default=4,
                       help="stop after this many epochs without a better validation "
                            "RMSE (0: never stop early, as the chapter)")
    group.add_argument("--weights", choices=("best", "last"), default="best",
                       help="which weights forecast the test period: those of the "
                            "epoch with the best validation RMSE, or those of the "
                            "last epoch (the chapter's)")
    group.add_argument("--article", action="store_true",
                       help="the chapter's recipe (%s); flags given explicitly still "
                            "win" % ", ".join("%s=%s" % kv for kv in sorted(ARTICLE.items())))
    args = utils.parse(parser, argv, presets=[(("protocol", "paper"), PAPER_PROTOCOL),
                                              ("article", ARTICLE), ("quick", QUICK)],
                       resumable=("patience", "INITIAL_LEARNING_RATE", "weights"))
    utils.check_common(parser, args)
    if args.max_rows < 0:
        parser.error("argument --max-rows: must be >= 0, got %d" % args.max_rows)
    if args.l2 < 0 or not math.isfinite(args.l2):
        parser.error("argument --l2: must be >= 0, got %s" % args.l2)
    if args.protocol == "forecast" and \
            args.OUTPUT_SEQUENCE_STEPS_AHEAD + args.OUTPUT_SEQUENCE_LENGTH - 1 > DAY:
        parser.error("--OUTPUT_SEQUENCE_STEPS_AHEAD and --OUTPUT_SEQUENCE_LENGTH: the "
                     "forecast protocol predicts at most a day (%d readings) ahead, so "
                     "that yesterday's reading is known" % DAY)
    if args.protocol == "forecast" and args.readings_after:
        parser.error("argument --readings-after: only with --protocol paper (a forecast "
                     "cannot see readings after its origin)")
    if args.protocol == "forecast" and (args.train_fraction <= 0 or
                                        args.train_fraction + args.val_fraction >= 1):
        parser.error("--train-fraction and --val-fraction: need 0 < train, and train + "
                     "val < 1 to leave a test period (got %g + %g)"
                     % (args.train_fraction, args.val_fraction))
    return args


def config_of(args):
    config = {name: getattr(args, name) for name in (
        "epochs", "seed", "data", "protocol", "train_fraction", "val_fraction",
        "keep_random_columns", "max_rows", "INPUT_SEQUENCE_LENGTH", "readings_after",
        "OUTPUT_SEQUENCE_LENGTH", "OUTPUT_SEQUENCE_STEPS_AHEAD", "target_scale",
        "features", "base", "ensemble", "time_features", "optimizer", "article",
        "RNN_LAYERS", "dropout", "dense_keep_prob", "l2", "batch_size",
        "INITIAL_LEARNING_RATE", "LEARNING_RATE_DECAY_STEPS", "LEARNING_RATE_DECAY_RATE",
        "patience", "weights", "quick", "device")}
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
    features = table.values[:, index]
    if args.time_features == "on":
        features = np.concatenate([features, time_features(table.times)], axis=1)
        names += ["day_sin", "day_cos", "week_sin", "week_cos", "weekend"]
    target = table.values[:, table.columns.index(TARGET)]
    return names, features, target


class Scaler(object):
    """Feature scaling to [0, 1] (min-max) and target scaling, both fitted on
    training rows only: standardised (wh), through log(1 + Wh) first and then
    standardised (log), or min-max to [0, 1] (minmax)."""

    def __init__(self, features, target, scale):
        self.log = scale == "log"
        self.f_min, self.f_span = _min_span(features)
        t = self._forward_target(target)
        if scale == "minmax":      # the chapter's: [0, 1] over the training rows
            self.t_mean, self.t_std = float(t.min()), float(max(np.ptp(t), 1e-9))
        else:                      # standardised
            self.t_mean, self.t_std = float(t.mean()), float(max(t.std(), 1e-9))

    def _forward_target(self, target):
        return np.log1p(np.maximum(target, 0)) if self.log else target

    def features(self, x):
        return (x - self.f_min) / self.f_span

    def target(self, y):
        return (self._forward_target(y) - self.t_mean) / self.t_std

    def target_wh(self, scaled):
        t = np.asarray(scaled, np.float64) * self.t_std + self.t_mean
        return np.expm1(t) if self.log else t


def _min_span(x):
    lo, hi = x.min(axis=0), x.max(axis=0)
    return lo, np.where(hi > lo, hi - lo, 1.0)


# The strong linear baseline's inputs, computed from the past of each window's
# last reading (its origin): the last six readings, the same time yesterday of
# each reading predicted, and the mean and standard deviation of the last 6 and
# the last 18 readings; then the predicted time of day and day of week.
DAY = 144                      # readings per day
HISTORY_NAMES = (["reading_%d_back" % k for k in range(6)] + ["mean_6", "std_6",
                 "mean_18", "std_18"])
HISTORY_NEEDS = 17             # readings before the origin the rolling ones need


def history_features(target, origins, ahead, out_len, times):
    """[windows, features]: HISTORY_NAMES, the reading DAY steps before each
    predicted one, and the predicted reading's time of day and day of week
    (sin, cos). Only readings up to the origin are used (and yesterday's)."""
    origins = np.asarray(origins)
    lags = np.stack([target[origins - k] for k in range(6)], axis=1)
    last6 = np.stack([target[origins - k] for k in range(6)], axis=1)
    last18 = np.stack([target[origins - k] for k in range(18)], axis=1)
    first_target = origins + ahead
    yesterday = np.stack([target[first_target + j - DAY] for j in range(out_len)], axis=1)
    return np.column_stack([lags, last6.mean(1), last6.std(1), last18.mean(1),
                            last18.std(1), yesterday, times[first_target, :4]])


Windows = collections.namedtuple("Windows", "in_seq out_seq in_rows target_rows history")


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
    needs = max(HISTORY_NEEDS, DAY - ahead) if history is not None else 0
    origins = origins_in(rows, L, out_len, ahead, needs)
    in_rows = origins[:, None] - (L - 1) + np.arange(L)[None, :]
    target_rows = origins[:, None] + ahead + np.arange(out_len)[None, :]
    return Windows(features[in_rows].astype(np.float32),
                   target[target_rows][:, :, None].astype(np.float32),
                   in_rows, target_rows, None if history is None else history[origins])


def split_rows(n, args):
    """Row indices of training, validation and test.

    forecast: consecutive periods in time order. paper: the authors' random 75/25
    split of rows (fixed seed), with a fifth of the 75% kept for validation;
    each row is then predicted from a window of predictors ending at it, or
    --readings-after readings past it.
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


def paper_windows(features, target, rows, L, after=0):
    """Windows of L predictor readings ending `after` readings past each given
    row, target at that row. The split of rows is the same for every `after`;
    the file's last `after` rows have no full window and are left out."""
    rows = np.asarray(rows)
    rows = rows[rows + after < len(features)]
    in_rows = rows[:, None] - (L - 1) + after + np.arange(L)[None, :]
    return Windows(features[in_rows].astype(np.float32),
                   target[rows][:, None, None].astype(np.float32), in_rows, rows[:, None],
                   None)


Prepared = collections.namedtuple(
    "Prepared", "table names scaler splits raw_target linear history_scale")


def prepare(args):
    """Read, select, split, scale and window the data, and fit the strong
    linear baseline on the training windows (numpy only)."""
    table = read_table(args.data, args.max_rows)
    names, features, target = select_features(table, args)
    train_rows, val_rows, test_rows = split_rows(len(target), args)
    forecast = args.protocol == "forecast"
    scaler = Scaler(features[train_rows], target[train_rows], args.target_scale)
    scaled_x = scaler.features(features)
    L, ahead, out_len = (args.INPUT_SEQUENCE_LENGTH, args.OUTPUT_SEQUENCE_STEPS_AHEAD,
                         args.OUTPUT_SEQUENCE_LENGTH)
    history = None
    if forecast:
        # computed for every row; each window only takes its origin's, and its
        # origin is far enough into its own part for all of them to be inside
        history = np.full((len(target), 10 + out_len + 4), np.nan)
        ok = np.arange(max(HISTORY_NEEDS, DAY - ahead), len(target) - ahead - out_len + 1)
        history[ok] = history_features(target, ok, ahead, out_len,
                                       time_features(table.times))
    splits = collections.OrderedDict()
    for name, rows in (("train", train_rows), ("val", val_rows), ("test", test_rows)):
        if forecast:
            w = make_windows(scaled_x, target, rows, L, out_len, ahead, history)
        else:
            w = paper_windows(scaled_x, target, rows, L, args.readings_after)
        if len(w.in_seq) == 0:
            raise utils.DataError(args.data, "the %s part (%d rows) is too short for one "
                                             "window of %d readings%s" % (
                                                 name, len(rows), L, " and a day of "
                                                 "history" if forecast else ""))
        splits[name] = w
    linear = LinearModel(splits["train"]) if forecast else None
    history_scale = None
    if forecast:
        h = splits["train"].history
        history_scale = (h.mean(axis=0), np.where(h.std(axis=0) > 0, h.std(axis=0), 1.0))
    return Prepared(table, names, scaler, splits, target, linear, history_scale)


class LinearModel(object):
    """The strong linear baseline: least squares from the history features
    (plus a bias) to each predicted reading in Wh, fitted on the training
    windows only."""

    def __init__(self, train):
        self.coef = np.linalg.lstsq(self._design(train), train.out_seq[:, :, 0],
                                    rcond=None)[0]

    @staticmethod
    def _design(windows):
        return np.column_stack([windows.history, np.ones(len(windows.history))])

    def predict(self, windows):
        return self._design(windows).dot(self.coef)


# ---------------------------------------------------------------------------
# Graph construction
# ---------------------------------------------------------------------------
EnergyGraph = collections.namedtuple("EnergyGraph", [
    "graph", "in_seq", "out_seq", "history", "base", "training", "global_step",
    "learning_rate", "prediction", "truth", "mse", "loss", "train_step", "summaries",
    "init"])


def build_graph(INPUT_FEATURES, INPUT_SEQUENCE_LENGTH=36, OUTPUT_SEQUENCE_LENGTH=1,
                RNN_LAYERS=({"units": 32, "keep_prob": 1.0},), dropout="dense",
                dense_keep_prob=0.8, l2=0.0, INITIAL_LEARNING_RATE=0.003,
                LEARNING_RATE_DECAY_STEPS=1000, LEARNING_RATE_DECAY_RATE=0.8,
                seed=0, device="/device:CPU:0", HISTORY_FEATURES=0, base=False,
                optimizer="adam"):
    """The chapter's graph. HISTORY_FEATURES > 0 adds a `history` input that
    the dense layer reads beside the GRU's states; base=True adds a `base`
    input (a forecast, standardised) to the dense layer's output, so that the
    network learns the correction to it."""
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
            base_forecast = tf.placeholder(tf.float32, [None, OUTPUT_SEQUENCE_LENGTH],
                                           name="base") if base else None
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
            if base_forecast is not None:
                prediction = prediction + base_forecast
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
    return EnergyGraph(graph, in_seq, out_seq, history, base_forecast, training,
                       global_step, learning_rate, prediction, truth, mse, loss,
                       train_step, summaries, init)


def uses_history(args):
    return args.protocol == "forecast" and args.features == "engineered"


def uses_base(args):
    return args.protocol == "forecast" and args.base == "linear"


def graph_from_args(args, data, seed, device):
    return build_graph(len(data.names), args.INPUT_SEQUENCE_LENGTH,
                       args.OUTPUT_SEQUENCE_LENGTH, args.RNN_LAYERS, args.dropout,
                       args.dense_keep_prob, args.l2, args.INITIAL_LEARNING_RATE,
                       args.LEARNING_RATE_DECAY_STEPS, args.LEARNING_RATE_DECAY_RATE,
                       seed, device,
                       len(data.history_scale[0]) if uses_history(args) else 0,
                       uses_base(args), args.optimizer)


# ---------------------------------------------------------------------------
# Training and evaluation
# ---------------------------------------------------------------------------
def network_inputs(g, data, windows):
    """What the network is fed for `windows`, target aside: the windows, the
    history features (standardised on training windows) and the base forecast
    (the strong linear model's, in the target's scale)."""
    feed = {g.in_seq: windows.in_seq}
    if g.history is not None:
        mean, std = data.history_scale
        feed[g.history] = ((windows.history - mean) / std).astype(np.float32)
    if g.base is not None:
        feed[g.base] = data.scaler.target(
            np.maximum(data.linear.predict(windows), 0)).astype(np.float32)
    return feed


def predict_scaled(sess, g, inputs, batch=2048):
    """The network's forecasts (standardised) for a whole feed of windows."""
    count = len(inputs[g.in_seq])
    out = [sess.run(g.prediction, {t: v[i:i + batch] for t, v in inputs.items()})
           for i in range(0, count, batch)]
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
    train_windows, val_windows = data.splits["train"], data.splits["val"]
    inputs = network_inputs(g, data, train_windows)
    target = data.scaler.target(train_windows.out_seq).astype(np.float32)
    val_inputs = network_inputs(g, data, val_windows)
    val_target = data.scaler.target(val_windows.out_seq[:, :, 0])
    for epoch in loop.epochs():
        order = np.random.RandomState([args.seed % 2 ** 32, epoch]).permutation(
            len(target))
        for b in loop.batches():
            index = order[b * args.batch_size:(b + 1) * args.batch_size]
            feed = {t: v[index] for t, v in inputs.items()}
            feed.update({g.out_seq: target[index], g.training: True})
            fetches = [g.loss, g.train_step]
            if loop.summary_due:
                fetches.append(g.summaries)
            results = sess.run(fetches, feed)
            loop.step_done(results[0], results[2] if len(results) > 2 else None)
        val_scaled = predict_scaled(sess, g, val_inputs)
        val_rmse_wh = scores(val_windows.out_seq[:, :, 0],
                             data.scaler.target_wh(val_scaled))["rmse"]
        # on the scaled target, beside training's MSE and RMSE; and in Wh
        val_mse = float(np.mean((val_scaled - val_target) ** 2))
        utils.scalar_summary(writer, loop.step, MSE=val_mse, RMSE=np.sqrt(val_mse),
                             RMSE_wh=val_rmse_wh)
        loop.epoch_done(train_loss=float(np.mean(loop.epoch_losses())),
                        val_rmse_wh=val_rmse_wh)


Member = collections.namedtuple("Member", "seed val test log steps interrupted ckpts")


def train_member(args, data, member, device):
    """Train network `member` (from 0) of the ensemble, seed --seed + member,
    in --output-dir (the first) or --output-dir/member<N>; return its
    validation and test forecasts in Wh from its best epoch."""
    member_args = argparse.Namespace(**vars(args))
    member_args.seed = args.seed + member
    if member:
        member_args.output_dir = os.path.join(args.output_dir, "member%d" % (member + 1))
    g = graph_from_args(args, data, member_args.seed, device)
    ckpts = utils.Checkpoints(g.graph, member_args.output_dir, keep_best=True)
    with utils.make_session(g.graph, args.threads) as sess:
        sess.run(g.init)
        log = ckpts.resume_or_start(sess, args.resume, config_of(member_args))
        writers = utils.summary_writers(member_args.output_dir, g.graph,
                                        ("train", "validation"),
                                        int(sess.run(g.global_step)))
        batches = int(np.ceil(len(data.splits["train"].in_seq) / float(args.batch_size)))
        with utils.TrainingLoop(sess, g.global_step, member_args, ckpts, log, batches,
                                writers["train"], best_key="val_rmse_wh",
                                patience=args.patience,
                                rate_flag="--INITIAL_LEARNING_RATE") as loop:
            train(sess, g, member_args, data, loop, writers["validation"])
        if args.weights == "best" and ckpts.saved(best=True):
            ckpts.restore(sess, best=True)    # forecasts from the best epoch
        val, test = (data.scaler.target_wh(predict_scaled(
            sess, g, network_inputs(g, data, data.splits[name]))) for name in ("val", "test"))
    for writer in writers.values():
        writer.close()
    return Member(member_args.seed, val, test, log, loop.step, loop.interrupted, ckpts)


def _window_design(windows):
    flat = windows.in_seq.reshape(len(windows.in_seq), -1).astype(np.float64)
    return np.hstack([flat, np.ones((len(flat), 1))])


def baselines(data):
    """{name: forecast function of windows (Wh)}, each fitted, if at all, on
    the training windows only. Past readings are inputs of the forecast
    protocol only, so the paper's protocol has the window linear model alone."""
    train = data.splits["train"]
    coef = np.linalg.lstsq(_window_design(train), train.out_seq[:, :, 0], rcond=None)[0]
    found = collections.OrderedDict()
    if data.linear is not None:
        # the last reading of the window, the same time yesterday, the strong
        # linear model
        found["persistence"] = lambda w: np.repeat(
            data.raw_target[w.in_rows[:, -1]][:, None], w.target_rows.shape[1], axis=1)
        found["seasonal_naive"] = lambda w: data.raw_target[w.target_rows - DAY]
        found["strong_linear"] = data.linear.predict
    # least squares on the flattened window of scaled inputs (plus a bias)
    found["window_linear"] = lambda w: _window_design(w).dot(coef)
    return found


# ---------------------------------------------------------------------------
# Plots and files
# ---------------------------------------------------------------------------
def write_predictions(path, dates, actual, predicted, others):
    """One row per test window: the predicted reading's date, the file's value,
    the GRU's forecast and each baseline's (`others`: {name: forecasts})."""
    with io.open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["date", "actual_wh", "predicted_wh"] +
                     ["%s_wh" % name for name in others])
        for i, date in enumerate(dates):
            out.writerow([date, "%g" % actual[i], "%.3f" % predicted[i]] +
                         ["%.3f" % values[i] for values in others.values()])


def plot_week(path, times, actual, predicted, linear, show=False):
    plt = utils.pyplot(show)
    n = min(len(times), 7 * DAY)
    fig, ax = plt.subplots(figsize=(12, 4))
    ax.plot(times[:n], actual[:n], color="black", linewidth=0.8, label="actual")
    ax.plot(times[:n], linear[:n], color="tab:blue", linewidth=0.6, alpha=0.7,
            label="strong linear baseline")
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
    print("%s protocol: %d input features%s, windows of %d readings; %d training, %d "
          "validation, %d test windows; %s" % (
              args.protocol, len(data.names),
              " and %d history features" % len(data.history_scale[0])
              if uses_history(args) else "", args.INPUT_SEQUENCE_LENGTH,
              len(splits["train"].in_seq), len(splits["val"].in_seq),
              len(splits["test"].in_seq),
              "an ensemble of %d GRUs" % args.ensemble if args.ensemble > 1 else "one GRU"),
          flush=True)
    members = []
    for member in range(args.ensemble):
        if args.ensemble > 1:
            print("== GRU %d of %d (seed %d)" % (member + 1, args.ensemble,
                                                 args.seed + member), flush=True)
        members.append(train_member(args, data, member, device))
        if members[-1].interrupted:
            break
    # The ensemble's forecast: the mean of its members' (so far, if stopped).
    val_pred = np.mean([m.val for m in members], axis=0)
    test_pred = np.mean([m.test for m in members], axis=0)
    first_log = members[0].log
    interrupted = members[-1].interrupted

    test, val = splits["test"], splits["val"]
    # Actual values straight from the file, not round-tripped through the scaler.
    actual = data.raw_target[test.target_rows]
    val_actual = data.raw_target[val.target_rows]
    others = collections.OrderedDict(
        (name, predict(test)) for name, predict in baselines(data).items())
    val_baselines = collections.OrderedDict(
        (name, scores(val_actual, predict(val))["rmse"])
        for name, predict in baselines(data).items() if name != "seasonal_naive")
    gru = scores(actual, test_pred)
    used = np.concatenate([splits["train"].target_rows.ravel(), val.target_rows.ravel()])
    best = min(first_log["epochs"], key=lambda e: e["val_rmse_wh"]) \
        if first_log["epochs"] else None
    figures = collections.OrderedDict([
        ("test_rmse_wh", gru["rmse"]), ("test_mae_wh", gru["mae"]),
        ("test_mape_pct", gru["mape"]), ("test_r2", gru["r2"]),
        ("val_rmse_wh", scores(val_actual, val_pred)["rmse"]),
    ])
    for name in ("persistence", "seasonal_naive", "strong_linear", "window_linear"):
        found = scores(actual, others[name]) if name in others else {}
        for key in ("rmse", "mae", "r2"):
            figures["%s_%s%s" % (name, key, "" if key == "r2" else "_wh")] = \
                found.get(key)
    figures.update([
        ("best_epoch", best["epoch"] if best else None),
        ("epochs_run", len(first_log["epochs"])),
        ("train_end_date", data.table.dates[int(used.max())]),
        ("protocol", args.protocol),
        ("test_windows", int(len(actual))),
        ("members", [{"seed": m.seed, "steps": m.steps,
                      "epochs_run": len(m.log["epochs"]),
                      "val_rmse_wh": scores(val_actual, m.val)["rmse"],
                      "test_rmse_wh": scores(actual, m.test)["rmse"]} for m in members]),
    ])
    first = test.target_rows[:, 0]
    write_predictions(os.path.join(args.output_dir, "predictions.csv"),
                      [data.table.dates[i] for i in first], actual[:, 0], test_pred[:, 0],
                      collections.OrderedDict((k, v[:, 0]) for k, v in others.items()))
    if args.protocol == "forecast":
        plot_week(os.path.join(args.output_dir, "week.png"),
                  [data.table.times[i] for i in first], actual[:, 0], test_pred[:, 0],
                  others["strong_linear"][:, 0], args.show)
    if first_log["epochs"]:
        plot_training(os.path.join(args.output_dir, "training.png"), first_log,
                      val_baselines, args.show)
    steps = sum(m.steps for m in members)
    utils.write_metrics(args, __file__, figures, steps,
                        sum(m.log["train_seconds"] for m in members), config,
                        interrupted=interrupted, history=first_log["epochs"])
    print_results(figures, args)
    if args.show:
        utils.pyplot(True).show()
    utils.stop_if_interrupted(interrupted, steps, members[-1].ckpts)


def print_results(f, args):
    if args.protocol == "paper":
        print("\ntest share: %d rows drawn at random from the whole period"
              % f["test_windows"])
    else:
        print("\ntest period: %d windows after %s"
              % (f["test_windows"], f["train_end_date"]))
    print("  %-24s RMSE %7.2f Wh   MAE %6.2f Wh   R2 %5.2f   MAPE %5.1f%%"
          % ("GRU" + (" (%d averaged)" % args.ensemble if args.ensemble > 1 else
                      " (best epoch %s)" % f["best_epoch"] if args.weights == "best" else
                      " (last epoch %s)" % f["epochs_run"]),
             f["test_rmse_wh"], f["test_mae_wh"], f["test_r2"], f["test_mape_pct"]))
    for name, label in (("strong_linear", "strong linear"),
                        ("persistence", "persistence"),
                        ("seasonal_naive", "same time yesterday"),
                        ("window_linear", "linear on the window")):
        if f[name + "_rmse_wh"] is not None:
            print("  %-24s RMSE %7.2f Wh   MAE %6.2f Wh   R2 %5.2f"
                  % (label, f[name + "_rmse_wh"], f[name + "_mae_wh"], f[name + "_r2"]))
    if args.protocol == "paper":
        print("the paper's test-set figures (Candanedo et al. 2017, their own split):")
        for name, p in PAPER.items():
            print("  %-24s RMSE %7.2f Wh   R2 %5.2f%s" % (
                name, p["rmse"], p["r2"], "   MAPE %5.1f%%" % p["mape"] if "mape" in p
                else ""))


def main(argv=None):
    args = parse_args(argv)
    return utils.run_guarded(__file__, run, args)


if __name__ == "__main__":
    sys.exit(main())
