"""The energy GRU beside gradient-boosted trees and extra trees, like for like.

    .venv/bin/pip install -r benchmarks/requirements.txt    # scikit-learn
    python benchmarks/energy_trees.py forecast   # the default split, GRU seeds 1-5
    python benchmarks/energy_trees.py rolling    # four later test periods
    python benchmarks/energy_trees.py paper      # the paper's protocol, three splits

Every model sees the rows and windows energy_gru.prepare makes for the GRU,
with the same information: tree models (scikit-learn) are fitted on the
training windows only, their settings chosen on the validation windows, and
scored once on the test windows. The blends a practitioner would try have
equal weights fixed in advance. The GRUs are trained here, in this process,
by energy_gru.train_network (the script's own code and flags), so that every
network's validation and test forecasts are at hand.

  forecast  the default split; the GRUs of seeds 1-5, from which the default
            ensemble of 3 for seeds 1, 2 and 3 (networks s to s + 2) and the
            ensemble sizes 1-5 (every subset) on validation and test
  rolling   four test periods of a tenth of the data each (from the 7th tenth
            to the 10th), each with the tenth before it for validation and
            everything earlier for training; the default ensemble of 3 (seed 1)
  paper     the paper's protocol on splits 1-3 (--split-seed): the row alone,
            the window ending at the row, and the window running 6 readings
            past it (after the fact); one GRU with the preset's training per
            split, the window ending at the row
  paper-training  the paper preset's training against the forecast
            protocol's, and the number of networks to average, on validation
            (split 1, seeds 1-5)
  paper-dropout  the preset's training without dropout, the same split and
            seeds, beside paper-training's rows (which keep dense dropout)
  paper-ensemble  the preset's ensemble of 5 (split 1, seeds 1-5) beside the
            trees on the same rows (gradient boosting with the wider grid of
            paper-gb too); --after 6: both see 6 readings past the row
  paper-gb  gradient boosting with a wider grid beside extra trees, split 1,
            the window ending at the row and 6 readings past it (no GRU)

Each test RMSE carries a moving-block bootstrap interval (blocks of one day,
144 readings, drawn with replacement around the period), and so does the
paired difference between the GRU and the best of the others on validation
(the same days drawn for both). Prints markdown tables and writes
benchmarks/results/energy-<mode>-<date>.json (-tf1 after the date on TF
1.15). Not part of the tests or CI;
`forecast` takes about 5 minutes on 2 cores, `rolling` and `paper` 10-30,
`paper-training` about 40, `paper-dropout` 25.
"""
from __future__ import print_function

import argparse
import datetime
import itertools
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import energy_extras  # noqa: E402
import energy_gru  # noqa: E402
import utils  # noqa: E402
from run import PAPER_BEFORE, fmt, spread  # noqa: E402  (run.py's, beside it)

DAY = 144
# --quick: the script's own tiny preset, and 2 epochs (checks the machinery)
QUICK_FLAGS = ["--quick"]
# name -> (scikit-learn class name, the settings tried on validation)
GRIDS = {
    "gradient boosting": ("HistGradientBoostingRegressor", [
        dict(learning_rate=lr, max_leaf_nodes=leaves, random_state=0)
        for lr in (0.05, 0.1) for leaves in (15, 31)]),
    "extra trees": ("ExtraTreesRegressor", [
        dict(n_estimators=200, min_samples_leaf=leaf, max_features=0.5, n_jobs=2,
             random_state=0) for leaf in (2, 10)]),
}


# ---------------------------------------------------------------------------
# The trees' inputs: the same windows the GRU reads, nothing later
# ---------------------------------------------------------------------------
def forecast_inputs(data, windows, which):
    """"engineered": the strong linear model's features; "window": the
    window's readings of energy use, the last reading of every input, and the
    engineered features."""
    if which == "engineered":
        return windows.history
    energy = data.names.index(energy_gru.TARGET)
    return np.hstack([windows.in_seq[:, :, energy], windows.in_seq[:, -1, :],
                      windows.history])


def paper_inputs(windows, which, after):
    """"row": the predicted row's own predictors (what the paper's models
    saw); "window": every reading of the window, flattened (it ends `after`
    readings past the row)."""
    if which == "row":
        return windows.in_seq[:, windows.in_seq.shape[1] - 1 - after, :]
    return windows.in_seq.reshape(len(windows.in_seq), -1)


def targets(data):
    """The file's readings each split's windows predict, in Wh."""
    return {k: data.raw_target[w.target_rows[:, 0]] for k, w in data.splits.items()}


def rmse(pred, y):
    return float(np.sqrt(np.mean((np.ravel(pred) - np.ravel(y)) ** 2)))


def fit_trees(x, y, label, grids=None, log=print):
    """For each model of `grids`: every setting fitted on x["train"] alone,
    the one with the lowest validation RMSE kept. Returns {name: {"setting",
    "val", "test", "val_pred", "test_pred"}}; x and y hold "train", "val" and
    "test" (y["test"] is only scored, after the choice). A grid's model is a
    class of sklearn.ensemble by name, or any class with fit and predict."""
    found = {}
    for name, (cls, settings) in (grids or GRIDS).items():
        if not callable(cls):
            import sklearn.ensemble
            cls = getattr(sklearn.ensemble, cls)
        best = None
        for setting in settings:
            started = time.time()
            model = cls(**setting).fit(x["train"], y["train"])
            val_pred = model.predict(x["val"])
            score = rmse(val_pred, y["val"])
            log("  %s on %s: %s validation %.2f (%.0f s)" % (
                name, label, short(setting), score, time.time() - started))
            if best is None or score < best["val"]:
                best = {"setting": short(setting), "val": score, "val_pred": val_pred,
                        "test_pred": model.predict(x["test"])}
        best["test"] = rmse(best["test_pred"], y["test"])
        found["%s, %s" % (name, label)] = best
    return found


def short(setting):
    return ", ".join("%s %s" % kv for kv in sorted(setting.items())
                     if kv[0] not in ("n_jobs", "random_state"))


def blend(found, name, parts, y):
    """The mean of `parts`' forecasts, weights equal and fixed in advance."""
    found[name] = {k: np.mean([np.ravel(found[p][k]) for p in parts], axis=0)
                   for k in ("val_pred", "test_pred")}
    found[name].update(setting="", val=rmse(found[name]["val_pred"], y["val"]),
                       test=rmse(found[name]["test_pred"], y["test"]))


# ---------------------------------------------------------------------------
# Uncertainty: resampling days
# ---------------------------------------------------------------------------
def block_bootstrap(rows, errors, block=DAY, draws=2000, seed=0):
    """RMSE of each model over `draws` resamples of the test period: blocks of
    `block` consecutive readings (by the predicted row, `rows`), their starts
    drawn with replacement and wrapping around the period, as many as fill
    it. The same blocks for every model, so differences are paired. Returns
    {name: array of `draws` RMSEs}."""
    rows = np.asarray(rows)
    order = np.argsort(rows, kind="stable")
    rows = rows[order] - rows.min()
    span = int(rows.max()) + 1
    twice = np.concatenate([rows, rows + span])            # wrapping around
    rng = np.random.RandomState(seed)
    starts = rng.randint(0, span, size=(draws, int(np.ceil(span / float(block)))))
    lo = np.searchsorted(twice, starts)
    hi = np.searchsorted(twice, starts + block)
    count = (hi - lo).sum(axis=1)
    out = {}
    for name, err in errors.items():
        squared = np.ravel(err)[order] ** 2
        cum = np.concatenate([[0.0], np.cumsum(np.concatenate([squared, squared]))])
        out[name] = np.sqrt((cum[hi] - cum[lo]).sum(axis=1) / count)
    return out


def interval(draws):
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return "%.1f to %.1f" % (lo, hi)


# ---------------------------------------------------------------------------
# GRUs, trained here
# ---------------------------------------------------------------------------
def train_grus(flags, networks, opts, workdir, log=print):
    """energy_gru.py's data and `networks` GRUs (seeds 1, 2, ...) for
    `flags`: (data, [each network's validation and test forecasts in Wh and
    its epochs])."""
    out_dir = tempfile.mkdtemp(prefix="gru-", dir=workdir)
    args = energy_gru.parse_args(QUICK_FLAGS * opts.quick + flags + [
        "--seed", "1", "--ensemble", str(networks), "--threads", str(opts.threads), "--output-dir",
        out_dir])
    data = energy_gru.prepare(args)
    device = utils.start_run(args)
    forecasts, y = [], targets(data)

    def one_network(member_args, data, device):
        started = time.time()
        net = energy_gru.train_network(member_args, data, device)
        forecasts.append((net.val[:, 0], net.test[:, 0], len(net.log["epochs"])))
        log("  GRU seed %d: %d epochs, validation %.2f, test %.2f (%.0f s)" % (
            net.seed, len(net.log["epochs"]), rmse(net.val, y["val"]),
            rmse(net.test, y["test"]), time.time() - started))
        return net
    energy_extras.ensemble(one_network, args, data, device)
    return data, forecasts


def gru_entry(forecasts, y, label):
    val = np.mean([f[0] for f in forecasts], axis=0)
    test = np.mean([f[1] for f in forecasts], axis=0)
    return {"setting": label, "val_pred": val, "test_pred": test,
            "val": rmse(val, y["val"]), "test": rmse(test, y["test"])}


def compare(found, gru_names, rows, y, title):
    """The markdown table of `found` (GRUs first, then the others by
    validation RMSE), each test RMSE with its interval, and the paired
    difference of each GRU with the best of the others on validation."""
    errors = {k: v["test_pred"] - y["test"] for k, v in found.items()}
    boot = block_bootstrap(rows, errors)
    others = sorted((k for k in found if k not in gru_names), key=lambda k: found[k]["val"])
    best = others[0]
    lines = ["%s" % title, "", "| model | settings (chosen on validation) | validation "
             "RMSE Wh | test RMSE Wh | 95% interval (one-day blocks) |",
             "|---|---|---|---|---|"]
    for name in list(gru_names) + others:
        f = found[name]
        lines.append("| %s | %s | %.2f | %.2f | %s |" % (
            name, f["setting"], f["val"], f["test"], interval(boot[name])))
    paired = {}
    for name in gru_names:
        diff = boot[name] - boot[best]
        paired[name] = {"vs": best, "test": found[name]["test"] - found[best]["test"],
                        "val": found[name]["val"] - found[best]["val"],
                        "interval": [float(v) for v in np.percentile(diff, [2.5, 97.5])]}
        lines.append("")
        lines.append("Paired, %s minus %s (the best of the others on validation): "
                     "validation %+.2f Wh, test %+.2f Wh, 95%% interval %+.2f to %+.2f." % (
                         name, best, paired[name]["val"], paired[name]["test"],
                         paired[name]["interval"][0], paired[name]["interval"][1]))
    return lines, paired, best, boot


def summary(found):
    return {k: {"val": v["val"], "test": v["test"], "setting": v["setting"]}
            for k, v in found.items()}


# ---------------------------------------------------------------------------
# The three comparisons
# ---------------------------------------------------------------------------
def forecast_baselines(data, y, log=print):
    """The trees on both inputs, the strong linear model, and the blends."""
    x = {which: {k: forecast_inputs(data, w, which) for k, w in data.splits.items()}
         for which in ("engineered", "window")}
    found = {}
    for which in ("engineered", "window"):
        found.update(fit_trees(x[which], y, "%s inputs" % which, log=log))
    found["strong linear"] = {"setting": "", "val_pred": data.linear.predict(
        data.splits["val"])[:, 0], "test_pred": data.linear.predict(data.splits["test"])[:, 0]}
    for k in ("val", "test"):
        found["strong linear"][k] = rmse(found["strong linear"][k + "_pred"], y[k])
    blend(found, "mean of strong linear and gradient boosting (engineered)",
          ("strong linear", "gradient boosting, engineered inputs"), y)
    blend(found, "mean of strong linear and both gradient boostings",
          ("strong linear", "gradient boosting, engineered inputs",
           "gradient boosting, window inputs"), y)
    return found


def mode_forecast(opts, workdir):
    data, nets = train_grus([], 5, opts, workdir)
    y = targets(data)
    found = forecast_baselines(data, y)
    names = []
    for s in (1, 2, 3):
        name = "GRU, default ensemble of 3, seed %d" % s
        found[name] = gru_entry(nets[s - 1:s + 2], y, "networks of seeds %d-%d" % (s, s + 2))
        names.append(name)
    # the GRU next to the strongest tree model: does the network add to it?
    tree = min((k for k in found if k.startswith("gradient") or k.startswith("extra")),
               key=lambda k: found[k]["val"])
    blend(found, "mean of the GRU (seed 1) and %s" % tree, (names[0], tree), y)
    rows = data.splits["test"].target_rows[:, 0]
    lines, paired, best, _ = compare(found, names, rows, y, "### The forecast, the "
                                     "default split (%d test windows)" % len(rows))
    k_lines = size_table(nets, y, "the GRUs of seeds 1-5")
    return lines + [""] + k_lines[0], {"found": summary(found), "paired": paired,
                                       "best_other": best, "ensemble_sizes": k_lines[1]}


def size_table(nets, y, which):
    """Validation (which decides) and test RMSE of the mean of k of `nets`,
    over every subset of k, for each k."""
    lines = ["### How many networks to average (%s, every subset of k)" % which, "",
             "| networks averaged | validation RMSE Wh (decides) | worst | test RMSE Wh "
             "| worst |", "|---|---|---|---|---|"]
    sizes = {}
    for k in range(1, len(nets) + 1):
        entries = [gru_entry([nets[i] for i in c], y, "")
                   for c in itertools.combinations(range(len(nets)), k)]
        val, test = [e["val"] for e in entries], [e["test"] for e in entries]
        sizes[k] = {"val": spread(val), "test": spread(test)}
        lines.append("| %d | %s | %.2f | %s | %.2f |" % (
            k, fmt(sizes[k]["val"], 2), max(val), fmt(sizes[k]["test"], 2), max(test)))
    return lines, sizes


# the paper protocol's training, each row one way to train single networks
# (split 1, seeds 1-5); the preset keeps dense dropout, which it was measured
# with, and the last row asks validation whether it should drop it too
PAPER_TRAININGS = [
    ("the forecast protocol's: 40 epochs, patience 4, decay every 1,000 steps",
     PAPER_BEFORE),                                       # run.py's paper_training
    ("the preset's: 120 epochs, patience 10, decay every 3,000 steps",
     ["--protocol", "paper"]),
    ("the preset's, without dropout (the forecast's default)",
     ["--protocol", "paper", "--dropout", "none"]),
]


def paper_training(opts, workdir, rows):
    """Single networks for each of `rows` (PAPER_TRAININGS), on validation
    (which decides) and test, and how many of the last row's networks to
    average."""
    lines = ["### The paper's protocol: the preset's training, decided on validation "
             "(split 1, the window ending at the row, one network per seed 1-5)", "",
             "| training | flags | validation RMSE Wh (decides) | test RMSE Wh | worst "
             "test | epochs |", "|---|---|---|---|---|---|"]
    found = {}
    for label, flags in rows:
        data, nets = train_grus(flags, 5, opts, workdir)
        y = targets(data)
        entries = [gru_entry([n], y, "") for n in nets]
        val, test = spread([e["val"] for e in entries]), spread([e["test"] for e in entries])
        epochs = spread([n[2] for n in nets])
        lines.append("| %s | `%s` | %s | %s | %.2f | %.0f ± %.0f |" % (
            label, " ".join(flags), fmt(val, 2), fmt(test, 2), test["max"], epochs["mean"],
            epochs["sd"]))
        found[label] = {"val": val, "test": test, "epochs": epochs, "nets": nets, "y": y}
    last = found[list(found)[-1]]
    k_lines, sizes = size_table(last["nets"], last["y"],
                                "the networks of seeds 1-5 of the last row")
    return lines + [""] + k_lines, {"training": {k: {kk: vv for kk, vv in v.items()
                                                     if kk in ("val", "test", "epochs")}
                                                 for k, v in found.items()},
                                    "ensemble_sizes": sizes}


def mode_paper_training(opts, workdir):
    """The paper preset's training against the forecast protocol's, and how
    many networks to average, decided on validation."""
    return paper_training(opts, workdir, PAPER_TRAININGS[:2])


def mode_paper_dropout(opts, workdir):
    """The preset's training without dropout, to set beside paper-training's
    rows (which trained with the preset's dense dropout)."""
    return paper_training(opts, workdir, PAPER_TRAININGS[2:])


# the rolling origin: test periods of a tenth of the rows each
FOLDS = (7, 8, 9, 10)


def fold_flags(n, tenth):
    """The flags whose split tests tenth `tenth` (1-10) of `n` rows, validates
    on the one before it and trains on everything earlier."""
    size = n // 10
    rows = n if tenth == 10 else tenth * size
    return ["--max-rows", str(rows), "--train-fraction", repr((rows - 2 * size + 0.5) / rows),
            "--val-fraction", repr(size / float(rows))]


def mode_rolling(opts, workdir):
    n = len(energy_extras.read_table(energy_gru.parse_args([]).data, energy_gru.TARGET,
                                     3000 if opts.quick else 0).values)
    lines = ["### The forecast over four later test periods (rolling origin)", "",
             "| test period | test windows | GRU (ensemble of 3, seed 1): validation, test "
             "RMSE Wh | best other on validation | its validation, test RMSE Wh | "
             "paired test difference, 95% interval |", "|---|---|---|---|---|---|"]
    folds = {}
    for tenth in FOLDS:
        print("== fold: test period %d of 10" % tenth, flush=True)
        data, nets = train_grus(fold_flags(n, tenth), 3, opts, workdir)
        y = targets(data)
        found = forecast_baselines(data, y)
        found["GRU"] = gru_entry(nets, y, "seeds 1-3")
        test = data.splits["test"]
        rows = test.target_rows[:, 0]
        table, paired, best, _ = compare(found, ["GRU"], rows, y, "")
        period = "%s to %s" % (data.table.dates[int(rows.min())][:10],
                               data.table.dates[int(rows.max())][:10])
        folds[period] = {"found": summary(found), "paired": paired["GRU"],
                         "table": table, "tenth": tenth, "flags": fold_flags(n, tenth)}
        p = paired["GRU"]
        lines.append("| %s | %d | %.2f, %.2f | %s | %.2f, %.2f | %+.2f (%+.2f to %+.2f) |" % (
            period, len(rows), found["GRU"]["val"], found["GRU"]["test"], best,
            found[best]["val"], found[best]["test"], p["test"], p["interval"][0],
            p["interval"][1]))
        print("\n".join(table), flush=True)
    return lines, {"folds": folds}


SPLITS = (1, 2, 3)
PAPER_INPUTS = {"row": "the row alone", "window": "the window ending at the row"}


def window_after(after):
    """The label of the window running `after` readings past the row (0: the
    window ending at it), and the flags that give energy_gru that window."""
    flags = ["--protocol", "paper"] + (["--readings-after", str(after)] if after else [])
    label = "the window to %d readings after the row" % after if after else \
        PAPER_INPUTS["window"]
    return label, flags


def mode_paper(opts, workdir):
    lines = ["### The paper's protocol, three random splits", "",
             "| split | model | inputs | validation RMSE Wh | test RMSE Wh | 95% interval "
             "(one-day blocks) |", "|---|---|---|---|---|---|"]
    splits = {}
    for split in SPLITS:
        print("== split %d" % split, flush=True)
        flags = ["--protocol", "paper", "--split-seed", str(split)]
        data, nets = train_grus(flags, 1, opts, workdir)
        y = targets(data)
        found = {"GRU (the preset's training, one network)": gru_entry(
            nets, y, "window ending at the row")}
        x = {which: {k: paper_inputs(w, which, 0) for k, w in data.splits.items()}
             for which in ("row", "window")}
        for which, label in PAPER_INPUTS.items():
            found.update(fit_trees(x[which], y, label))
        late_label, late_flags = window_after(6)
        after = energy_gru.prepare(energy_gru.parse_args(
            QUICK_FLAGS * opts.quick + late_flags + flags[2:]))
        ya = targets(after)
        xa = {k: paper_inputs(w, "window", 6) for k, w in after.splits.items()}
        late = fit_trees(xa, ya, late_label)
        rows = data.splits["test"].target_rows[:, 0]
        gru = list(found)[0]
        table, paired, best, boot = compare(found, [gru], rows, y, "")
        boot.update(block_bootstrap(after.splits["test"].target_rows[:, 0], {
            k: v["test_pred"] - ya["test"] for k, v in late.items()}))
        both = dict(found, **{k + " (after the fact)": v for k, v in late.items()})
        boot.update({k + " (after the fact)": boot[k] for k in late})
        for name in [gru] + sorted((k for k in both if k != gru),
                                   key=lambda k: ("after the fact" in k, both[k]["val"])):
            model, inputs = (name, both[name]["setting"]) if name == gru else \
                name.split(", ", 1)
            lines.append("| %d | %s | %s | %.2f | %.2f | %s |" % (
                split, model, inputs, both[name]["val"], both[name]["test"],
                interval(boot[name])))
        p = paired[list(found)[0]]
        lines.append("| %d | paired: the GRU minus %s | | %+.2f | %+.2f | %+.1f to %+.1f |" % (
            split, best, p["val"], p["test"], p["interval"][0], p["interval"][1]))
        print("\n".join(table), flush=True)
        splits[str(split)] = {"found": summary(found), "after_the_fact": summary(late),
                              "paired": p, "test_rows": int(len(rows))}
    return lines, {"splits": splits}


def mode_paper_ensemble(opts, workdir):
    """The paper preset's ensemble of 5 (seeds 1-5, split 1), the figure the
    docs lead with, beside the trees with the same information: the row or
    the window ending at it, or with --after K the window running K readings
    past the row (after the fact)."""
    after = opts.after
    label, flags = window_after(after)
    data, nets = train_grus(flags, 5, opts, workdir)
    y = targets(data)
    name = "GRU, the preset's ensemble of 5"
    found = {name: gru_entry(nets, y, "networks of seeds 1-5")}
    for which in (("window",) if after else ("row", "window")):
        found.update(fit_trees({k: paper_inputs(w, which, after)
                                for k, w in data.splits.items()}, y,
                               label if which == "window" else PAPER_INPUTS[which],
                               dict(GRIDS, **WIDE_GB)))
    rows = data.splits["test"].target_rows[:, 0]
    table, paired, best, _ = compare(found, [name], rows, y, "### The paper's protocol, "
                                     "split 1, `%s` (%d test rows)" % (" ".join(flags),
                                                                       len(rows)))
    k_lines, sizes = size_table(nets, y, "the same networks")
    return table + [""] + k_lines, {"found": summary(found), "paired": paired[name],
                                    "best_other": best, "ensemble_sizes": sizes,
                                    "flags": flags}


# Gradient boosting trails extra trees on the paper's protocol with the small
# grid above; a wider one (more and larger trees) checks that it is not merely
# under-fitted there
WIDE_GB = {"gradient boosting, wider grid": ("HistGradientBoostingRegressor", [
    dict(learning_rate=lr, max_leaf_nodes=leaves, max_iter=iterations, random_state=0)
    for lr in (0.05, 0.1) for leaves in (31, 63) for iterations in (300, 1000)])}


def mode_paper_gb(opts, workdir):
    """Gradient boosting with WIDE_GB beside extra trees on split 1 of the
    paper's protocol, the window ending at the row and the one running 6
    readings past it: the trees alone (the GRU's figures on the same rows are
    paper-ensemble's)."""
    lines = ["### The paper's protocol, split 1: gradient boosting with a wider grid",
             "", "| model | inputs | settings (chosen on validation) | validation RMSE Wh | "
             "test RMSE Wh | 95% interval (one-day blocks) |", "|---|---|---|---|---|---|"]
    out = {}
    for after in (0, 6):
        label, flags = window_after(after)
        data = energy_gru.prepare(energy_gru.parse_args(QUICK_FLAGS * opts.quick + flags))
        y = targets(data)
        found = fit_trees({k: paper_inputs(w, "window", after) for k, w in data.splits.items()},
                          y, label, dict(WIDE_GB, **{"extra trees": GRIDS["extra trees"]}))
        boot = block_bootstrap(data.splits["test"].target_rows[:, 0], {
            k: v["test_pred"] - y["test"] for k, v in found.items()})
        for name in sorted(found, key=lambda k: found[k]["val"]):
            model, inputs = name.split(", the ", 1)
            lines.append("| %s | the %s | %s | %.2f | %.2f | %s |" % (
                model, inputs, found[name]["setting"], found[name]["val"],
                found[name]["test"], interval(boot[name])))
        out[label] = summary(found)
    return lines, {"found": out}


MODES = {"forecast": mode_forecast, "rolling": mode_rolling, "paper": mode_paper,
         "paper-training": mode_paper_training, "paper-dropout": mode_paper_dropout,
         "paper-ensemble": mode_paper_ensemble, "paper-gb": mode_paper_gb}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=list(MODES))
    parser.add_argument("--after", type=int, default=0, metavar="K",
                        help="paper-ensemble: the GRU's and the trees' window runs K "
                             "readings past the row (energy_gru's --readings-after)")
    parser.add_argument("--threads", type=int, default=0,
                        help="TensorFlow threads per GRU (0: TensorFlow's choice)")
    parser.add_argument("--quick", action="store_true",
                        help="energy_gru's --quick networks on 3,000 rows: checks the "
                             "machinery, measures nothing (writes no results file)")
    opts = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="energy-trees-")
    started = time.time()
    try:
        lines, found = MODES[opts.mode](opts, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    markdown = "\n".join(lines)
    print("\n" + markdown)
    if opts.quick:
        return
    date = datetime.date.today().isoformat()
    tf_version = utils.tensorflow_version()
    tag = opts.mode + ("-after%d" % opts.after if opts.after else "")
    stack = "-tf1" if tf_version.startswith("1.") else ""      # TF2's files have none
    out = os.path.join(HERE, "results", "energy-%s-%s%s.json" % (tag, date, stack))
    with open(out, "w") as handle:
        json.dump(dict(found, markdown=markdown, date=date, seconds=time.time() - started,
                       tensorflow=tf_version, python=sys.version.split()[0],
                       command="python benchmarks/energy_trees.py %s" % " ".join(
                           argv if argv is not None else sys.argv[1:])),
                  handle, indent=1, sort_keys=True)
    print("written:", out)


if __name__ == "__main__":
    main()
