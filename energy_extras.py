"""What energy_gru.py does beyond the chapter, kept apart so that the script
reads as the chapter; each piece is used there in one line:

- reading the CSV with a one-line error for every problem (`read_table`; the
  chapter reads it with pandas and trusts it), and the RNN_LAYERS flag's type;
- the flags beyond the chapter (`FLAGS`): the protocol, the split, the
  baselines' inputs, the ensemble;
- the strong linear model's engineered inputs, which the default network also
  reads (`history_for_every_row`), and `--base linear` (`base_forecast`);
- the data authors' protocol (`paper_split`, `paper_rows`) and their table;
- the ensemble: several networks, their forecasts averaged (`ensemble`);
- the baselines every forecast is compared with, the scores, and the tables
  and plots that set them side by side (`report`, `print_results`).

Numpy only: importable, and testable, without TensorFlow.
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

import numpy as np

import command_line as cli
import utils

F = cli.Flag
DAY = 144                      # readings per day: one every 10 minutes
STEP = datetime.timedelta(minutes=10)
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


# ---------------------------------------------------------------------------
# Reading the CSV, every problem named; the RNN_LAYERS flag
# ---------------------------------------------------------------------------
Table = collections.namedtuple("Table", "dates times columns values")


def open_text(path):
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return io.open(path, "r", encoding="utf-8", newline="")


def read_table(path, target, max_rows=0):
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
            if target not in header:
                raise utils.DataError(path, "line 1: no %r column (the target) in the "
                                            "header" % target)
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
            layer = {"units": cli.positive_int(units), "keep_prob": cli.probability(keep)}
        except (ValueError, argparse.ArgumentTypeError) as err:
            raise argparse.ArgumentTypeError("%r: want units:keep_prob, e.g. 32:0.9 (%s)"
                                             % (part, err))
        layers.append(layer)
    return Layers(layers)


# ---------------------------------------------------------------------------
# The flags beyond the chapter
# ---------------------------------------------------------------------------
FLAGS = (
    "beyond the chapter: the protocol, the split, baselines' inputs, ensembles",
    F("protocol", "forecast", ("forecast", "paper"),
      "forecast: split by time, past energy use is an input; paper: the data "
      "authors' random 75/25 split of rows, predicted from the sensors"),
    F("train_fraction", 0.6, cli.fraction,
      "forecast: the first part of the period, for training"),
    F("val_fraction", 0.2, cli.fraction,
      "the next part, for validation (model selection); the rest is the test period"),
    F("split_seed", 1, cli.non_negative_int,
      "paper protocol: the seed of the random split of rows; another seed draws "
      "another split, to see how much a figure moves with the rows it is tested on",
      metavar="S"),
    F("keep_random_columns", False, bool,
      "keep rv1 and rv2, the noise columns the authors added"),
    F("max_rows", 0, int, "use only the first N rows (0: all)"),
    F("readings_after", 0, cli.non_negative_int,
      "paper protocol: the window of predictors runs K readings past the predicted "
      "row (an estimate after the fact: the rooms' later readings show what the "
      "appliances did); 0: it ends at the row, as a live model would see it",
      metavar="K"),
    F("features", "engineered", ("engineered", "window"),
      "forecast protocol: engineered also hands the dense layer the strong linear "
      "model's inputs (the last readings, the same time yesterday, rolling means "
      "and deviations, the time); window: the GRU's window alone (the chapter's)"),
    F("base", "none", ("linear", "none"),
      "forecast protocol: linear makes the network learn the correction to the "
      "strong linear model's forecast; none: the reading itself"),
    F("ensemble", 3, cli.positive_int,
      "train N networks (seeds --seed, --seed + 1, ...) and average their forecasts: "
      "the average varies less from seed to seed than one network", metavar="N"),
)
# --protocol paper: longer training (a slower decay, more patience), more
# networks averaged, and the dense layer's dropout, each decided on validation
# in docs/energy_gru.md ("the paper's protocol").
# Its window ends at the row, like for like with the paper's models; a window
# running past the row (--readings-after K) answers another question.
PAPER_PROTOCOL = dict(epochs=120, patience=10, LEARNING_RATE_DECAY_STEPS=3000,
                      ensemble=5, dropout="dense")
# The authors' test-set results (Candanedo et al. 2017, table 7), for comparison.
PAPER = collections.OrderedDict([
    ("linear model", dict(rmse=93.18, r2=0.16)),
    ("SVM radial", dict(rmse=70.74, r2=0.52)),
    ("random forest", dict(rmse=68.48, r2=0.54)),
    ("gradient boosting", dict(rmse=66.65, r2=0.57, mape=38.29)),
])


def problem(args):
    """What these flags must satisfy together (None when they do)."""
    if args.max_rows < 0:
        return "argument --max-rows: must be >= 0, got %d" % args.max_rows
    if args.protocol == "forecast" and args.readings_after:
        return ("argument --readings-after: only with --protocol paper (a forecast "
                "cannot see readings after its origin)")
    if args.protocol == "forecast" and args.split_seed != 1:
        return ("argument --split-seed: only with --protocol paper (the forecast "
                "protocol splits by time)")
    if args.protocol == "forecast" and (args.train_fraction <= 0 or
                                        args.train_fraction + args.val_fraction >= 1):
        return ("--train-fraction and --val-fraction: need 0 < train, and train + val "
                "< 1 to leave a test period (got %g + %g)"
                % (args.train_fraction, args.val_fraction))
    return None


# ---------------------------------------------------------------------------
# The strong linear model's inputs: from the past of each window's origin
# ---------------------------------------------------------------------------
# The last six readings, the same time yesterday of each reading predicted,
# and the mean and standard deviation of the last 6 and the last 18 readings;
# then the predicted time of day and day of week.
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


def history_for_every_row(target, ahead, out_len, times):
    """history_features for every row that has them (NaN for the others); each
    window takes its origin's, and its origin is far enough into its own part
    of the data for all of them to lie inside it."""
    history = np.full((len(target), 10 + out_len + 4), np.nan)
    ok = np.arange(max(HISTORY_NEEDS, DAY - ahead), len(target) - ahead - out_len + 1)
    history[ok] = history_features(target, ok, ahead, out_len, times)
    return history


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


def base_forecast(data, windows, args):
    """With --base linear, the strong linear model's forecast (in the scaled
    target), which the network's output corrects; else 0."""
    if not (args.protocol == "forecast" and args.base == "linear"):
        return 0.0
    return data.scaler.target(np.maximum(data.linear.predict(windows), 0))


# ---------------------------------------------------------------------------
# The paper's protocol: a random split of rows
# ---------------------------------------------------------------------------
def paper_split(n, first_row, seed=1):
    """The authors' random 75/25 split of the rows from `first_row` on (drawn
    with `seed`), a fifth of the 75% kept for validation: (train, val, test)
    rows."""
    order = np.random.RandomState(seed).permutation(np.arange(first_row, n))
    test_n = int(round(len(order) * 0.25))
    test, rest = np.sort(order[:test_n]), order[test_n:]
    val_n = int(len(rest) * 0.2)
    return np.sort(rest[val_n:]), np.sort(rest[:val_n]), test


def paper_rows(rows, L, n, after=0):
    """(in_rows, target_rows) of windows of L predictor readings ending `after`
    readings past each given row, the target at that row. The split of rows is
    the same for every `after`; the file's last `after` rows have no full
    window and are left out."""
    rows = np.asarray(rows)
    rows = rows[rows + after < n]
    return rows[:, None] - (L - 1) + after + np.arange(L)[None, :], rows[:, None]


# ---------------------------------------------------------------------------
# The ensemble: several networks, their forecasts averaged
# ---------------------------------------------------------------------------
def ensemble(train_network, args, data, device):
    """--ensemble N: train N networks with energy_gru's train_network, seeds
    --seed, --seed + 1, ..., the first in --output-dir and the others in
    --output-dir/member2, member3, ... (each its own checkpoints, so that an
    interrupted ensemble resumes network by network). Returns the networks
    trained so far (a stop request ends the ensemble after the network it
    stopped)."""
    networks = []
    for member in range(args.ensemble):
        member_args = argparse.Namespace(**vars(args))
        member_args.seed = args.seed + member
        if member:
            member_args.output_dir = os.path.join(args.output_dir,
                                                  "member%d" % (member + 1))
        if args.ensemble > 1:
            print("== GRU %d of %d (seed %d)" % (member + 1, args.ensemble,
                                                 member_args.seed), flush=True)
        networks.append(train_network(member_args, data, device))
        if networks[-1].loop.interrupted:
            break
    return networks


# ---------------------------------------------------------------------------
# Scores and the tables
# ---------------------------------------------------------------------------
def scores(actual, predicted):
    """RMSE, MAE, MAPE (%) and R2, all on watt-hours."""
    actual, predicted = np.ravel(actual), np.ravel(predicted)
    err = predicted - actual
    return {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": float(np.mean(np.abs(err))),
            "mape": float(100 * np.mean(np.abs(err) / actual)),
            "r2": float(1 - np.sum(err ** 2) / np.sum((actual - actual.mean()) ** 2))}


def compare(data, members, args):
    """The figures of metrics.json: the ensemble (the mean of its members'
    forecasts, so far if stopped) and every baseline on the same test windows;
    plus the forecasts themselves, for predictions.csv and the plots."""
    test, val = data.splits["test"], data.splits["val"]
    # Actual values straight from the file, not round-tripped through the scaler.
    actual, val_actual = data.raw_target[test.target_rows], data.raw_target[val.target_rows]
    val_pred = np.mean([m.val for m in members], axis=0)
    test_pred = np.mean([m.test for m in members], axis=0)
    fitted = baselines(data)
    others = collections.OrderedDict(
        (name, predict(test)) for name, predict in fitted.items())
    val_baselines = collections.OrderedDict(
        (name, scores(val_actual, predict(val))["rmse"])
        for name, predict in fitted.items() if name != "seasonal_naive")
    gru, log = scores(actual, test_pred), members[0].log
    used = np.concatenate([data.splits["train"].target_rows.ravel(),
                           val.target_rows.ravel()])
    best = min(log["epochs"], key=lambda e: e["val_rmse_wh"]) if log["epochs"] else None
    figures = collections.OrderedDict([
        ("test_rmse_wh", gru["rmse"]), ("test_mae_wh", gru["mae"]),
        ("test_mape_pct", gru["mape"]), ("test_r2", gru["r2"]),
        ("val_rmse_wh", scores(val_actual, val_pred)["rmse"])])
    for name in ("persistence", "seasonal_naive", "strong_linear", "window_linear"):
        found = scores(actual, others[name]) if name in others else {}
        for key in ("rmse", "mae", "r2"):
            figures["%s_%s%s" % (name, key, "" if key == "r2" else "_wh")] = \
                found.get(key)
    figures.update([
        ("best_epoch", best["epoch"] if best else None),
        ("epochs_run", len(log["epochs"])),
        ("train_end_date", data.table.dates[int(used.max())]),
        ("protocol", args.protocol), ("test_windows", int(len(actual))),
        ("members", [{"seed": m.seed, "steps": m.steps, "epochs_run": len(m.log["epochs"]),
                      "val_rmse_wh": scores(val_actual, m.val)["rmse"],
                      "test_rmse_wh": scores(actual, m.test)["rmse"]} for m in members]),
    ])
    return figures, actual, test_pred, others, val_baselines


def report(data, networks, args):
    """compare(), then predictions.csv, week.png (forecast protocol) and
    training.png in --output-dir; returns the figures for metrics.json."""
    figures, actual, test_pred, others, val_baselines = compare(data, networks, args)
    first = data.splits["test"].target_rows[:, 0]
    write_predictions(os.path.join(args.output_dir, "predictions.csv"),
                      [data.table.dates[i] for i in first], actual[:, 0], test_pred[:, 0],
                      collections.OrderedDict((k, v[:, 0]) for k, v in others.items()))
    if args.protocol == "forecast":
        plot_week(os.path.join(args.output_dir, "week.png"),
                  [data.table.times[i] for i in first], actual[:, 0], test_pred[:, 0],
                  others["strong_linear"][:, 0], args.show)
    if networks[0].log["epochs"]:
        plot_training(os.path.join(args.output_dir, "training.png"), networks[0].log,
                      val_baselines, args.show)
    return figures


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


LABELS = collections.OrderedDict([
    ("strong_linear", "strong linear"), ("persistence", "persistence"),
    ("seasonal_naive", "same time yesterday"), ("window_linear", "linear on the window")])


def print_results(f, args):
    if args.protocol == "paper":
        print("\ntest share: %d rows drawn at random from the whole period"
              % f["test_windows"])
    else:
        print("\ntest period: %d windows after %s" % (f["test_windows"],
                                                      f["train_end_date"]))
    print("  %-24s RMSE %7.2f Wh   MAE %6.2f Wh   R2 %5.2f   MAPE %5.1f%%"
          % ("GRU" + (" (%d averaged)" % args.ensemble if args.ensemble > 1 else
                      " (best epoch %s)" % f["best_epoch"] if args.weights == "best" else
                      " (last epoch %s)" % f["epochs_run"]),
             f["test_rmse_wh"], f["test_mae_wh"], f["test_r2"], f["test_mape_pct"]))
    for name, label in LABELS.items():
        if f[name + "_rmse_wh"] is not None:
            print("  %-24s RMSE %7.2f Wh   MAE %6.2f Wh   R2 %5.2f"
                  % (label, f[name + "_rmse_wh"], f[name + "_mae_wh"], f[name + "_r2"]))
    if args.protocol == "paper" and args.readings_after:
        print("an estimate after the fact: each window runs %d readings past its row, "
              "whose sensors show what the appliances did; the paper's models saw the "
              "row alone, so its table answers another question (not shown)"
              % args.readings_after)
    elif args.protocol == "paper":
        print("the paper's test-set figures (Candanedo et al. 2017, their own random "
              "split, each row's predictors alone):")
        for name, p in PAPER.items():
            print("  %-24s RMSE %7.2f Wh   R2 %5.2f%s" % (
                name, p["rmse"], p["r2"], "   MAPE %5.1f%%" % p["mape"] if "mape" in p
                else ""))


# ---------------------------------------------------------------------------
# Plots: the GRU beside the baselines
# ---------------------------------------------------------------------------
def plot_week(path, times, actual, predicted, linear, show=False):
    plt = utils.pyplot(show)
    n = min(len(times), 7 * DAY)
    fig, ax = plt.subplots(figsize=(12, 4))
    ax.plot(times[:n], actual[:n], color="black", linewidth=0.8, label="actual")
    ax.plot(times[:n], linear[:n], color="tab:blue", linewidth=0.6, alpha=0.7,
            label=LABELS["strong_linear"])
    ax.plot(times[:n], predicted[:n], color="tab:red", linewidth=0.8, label="GRU")
    ax.set_ylabel("appliances (Wh per 10 minutes)")
    ax.set_title("The first week of the test period: %s to %s" % (
        times[0].strftime("%a %d %b %Y %H:%M"), times[n - 1].strftime("%a %d %b %Y %H:%M")))
    ax.legend(loc="upper right")
    fig.autofmt_xdate()
    return utils.save_figure(fig, path, show)


def plot_training(path, log, baselines, show=False):
    """Training loss and validation RMSE per epoch, each baseline's validation
    RMSE as a line of its own in the legend (names as the console prints them)."""
    from matplotlib.ticker import MaxNLocator
    plt = utils.pyplot(show)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    epochs = [e["epoch"] for e in log["epochs"]]
    left.plot(epochs, [e["train_loss"] for e in log["epochs"]], marker="o")
    utils.log_scale(left)
    left.set_ylabel("MSE on the scaled target")
    left.set_title("training loss")
    right.plot(epochs, [e["val_rmse_wh"] for e in log["epochs"]], marker="o",
               color="tab:red", label="GRU")
    styles = iter([("tab:blue", "--"), ("tab:green", ":"), ("tab:purple", "-."),
                   ("tab:brown", "--")])
    for name, value in baselines.items():
        color, style = next(styles)
        right.axhline(value, linestyle=style, color=color,
                      label="%s %.1f" % (LABELS.get(name, name), value))
    right.set_ylabel("RMSE (Wh)")
    right.set_title("validation RMSE, the baselines' on the same windows")
    right.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=9)
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    return utils.save_figure(fig, path, show)
