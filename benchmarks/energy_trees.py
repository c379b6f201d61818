"""Gradient-boosted trees and extra trees beside the energy GRU, like for like.

    .venv/bin/pip install -r benchmarks/requirements.txt     # scikit-learn
    python benchmarks/energy_trees.py runs/energy_gru        # a default run's folder

The forecast protocol's own split and windows (energy_gru.prepare, default
flags): every model is fitted on the training windows only, its settings
chosen on the validation windows, and scored once on the 3,803 test windows
the GRU's predictions.csv holds. Two inputs, both from the window's past:
the strong linear model's 15 engineered features, and the window's 36
readings of energy use with the last reading of every sensor and the time
beside them. Then the simple blends a practitioner would try, with weights
fixed in advance. Every test RMSE carries a moving-block bootstrap interval
(blocks of one day, 144 windows), and so does the paired difference between
the GRU and the best of the others. Prints a markdown table and writes
benchmarks/results/energy-trees-<date>.json. Not part of the tests or CI.
"""
from __future__ import print_function

import csv
import datetime
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import energy_gru  # noqa: E402


def inputs(data, windows, which):
    """The trees' inputs for `windows`: "engineered" (the strong linear
    model's features) or "window" (36 readings of energy use, the last reading
    of every other input, and the engineered features)."""
    if which == "engineered":
        return windows.history
    energy = data.names.index(energy_gru.TARGET)
    return np.hstack([windows.in_seq[:, :, energy], windows.in_seq[:, -1, :],
                      windows.history])


def block_bootstrap(errors_by_model, block=144, draws=2000, seed=0):
    """RMSE intervals (2.5%, 97.5%) by resampling days: blocks of `block`
    consecutive windows, drawn with replacement (wrapping around)."""
    rng = np.random.RandomState(seed)
    n = len(next(iter(errors_by_model.values())))
    starts = rng.randint(0, n, size=(draws, int(np.ceil(n / float(block)))))
    index = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(draws, -1)
    index = index[:, :n] % n
    return {name: np.sqrt(np.mean(err[index] ** 2, axis=1))
            for name, err in errors_by_model.items()}


def main(argv):
    from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingRegressor
    run_dir = argv[0] if argv else os.path.join(ROOT, "runs", "energy_gru")
    args = energy_gru.parse_args(["--output-dir", run_dir])
    data = energy_gru.prepare(args)
    train, val, test = (data.splits[k] for k in ("train", "val", "test"))
    y_train, y_val = train.out_seq[:, 0, 0], data.raw_target[val.target_rows[:, 0]]
    y_test = data.raw_target[test.target_rows[:, 0]]
    with open(os.path.join(run_dir, "predictions.csv")) as handle:
        rows = list(csv.DictReader(handle))
    gru_test = np.array([float(r["predicted_wh"]) for r in rows])
    assert len(gru_test) == len(y_test)
    gru_val = json.load(open(os.path.join(run_dir, "metrics.json")))["val_rmse_wh"]

    def rmse(pred, y):
        return float(np.sqrt(np.mean((pred - y) ** 2)))

    grids = {
        "gradient boosting": (HistGradientBoostingRegressor, [
            dict(learning_rate=lr, max_leaf_nodes=leaves, random_state=0)
            for lr in (0.05, 0.1) for leaves in (15, 31)]),
        "extra trees": (ExtraTreesRegressor, [
            dict(n_estimators=200, min_samples_leaf=leaf, max_features=0.5, n_jobs=2,
                 random_state=0) for leaf in (2, 10)]),
    }
    found = {}
    for which in ("engineered", "window"):
        x_train, x_val, x_test = (inputs(data, w, which) for w in (train, val, test))
        for name, (model, settings) in grids.items():
            best = None
            for setting in settings:
                started = time.time()
                fitted = model(**setting).fit(x_train, y_train)
                val_rmse = rmse(fitted.predict(x_val), y_val)
                print("%s on %s inputs %s: validation %.2f (%.0f s)" % (
                    name, which, setting, val_rmse, time.time() - started), flush=True)
                if best is None or val_rmse < best[0]:
                    best = (val_rmse, setting, fitted)
            found["%s, %s inputs" % (name, which)] = {
                "val": best[0], "setting": {k: v for k, v in best[1].items()
                                            if k not in ("n_jobs", "random_state")},
                "val_pred": best[2].predict(x_val), "test_pred": best[2].predict(x_test)}
    linear = data.linear
    found["strong linear"] = {"val_pred": linear.predict(val)[:, 0],
                              "test_pred": linear.predict(test)[:, 0]}
    found["strong linear"]["val"] = rmse(found["strong linear"]["val_pred"], y_val)
    # blends with weights fixed in advance (equal), no fitting on validation
    gbt_e, gbt_w = ("gradient boosting, engineered inputs",
                    "gradient boosting, window inputs")
    for name, parts in (("mean of strong linear and gradient boosting (engineered)",
                         ("strong linear", gbt_e)),
                        ("mean of strong linear and both gradient boostings",
                         ("strong linear", gbt_e, gbt_w))):
        found[name] = {key: np.mean([found[p][key] for p in parts], axis=0)
                       for key in ("val_pred", "test_pred")}
        found[name]["val"] = rmse(found[name]["val_pred"], y_val)
    best_other = min(found, key=lambda k: found[k]["val"])      # chosen on validation
    errors = {k: v["test_pred"] - y_test for k, v in found.items()}
    errors["GRU (default, 3 averaged)"] = gru_test - y_test
    boot = block_bootstrap(errors)
    diff = boot["GRU (default, 3 averaged)"] - boot[best_other]   # the same days drawn
    table = ["| model | settings (chosen on validation) | validation RMSE Wh | test RMSE Wh "
             "| 95% interval (one-day blocks) |", "|---|---|---|---|---|"]
    order = sorted(found, key=lambda k: found[k]["val"])
    for name in ["GRU (default, 3 averaged)"] + order:
        val_rmse = gru_val if name.startswith("GRU") else found[name]["val"]
        setting = found.get(name, {}).get("setting", "")
        lo, hi = np.percentile(boot[name], [2.5, 97.5])
        table.append("| %s | %s | %.2f | %.2f | %.1f to %.1f |" % (
            name, ", ".join("%s %s" % kv for kv in sorted(setting.items()))
            if setting else "", val_rmse, rmse(errors[name] + y_test, y_test), lo, hi))
    lo, hi = np.percentile(diff, [2.5, 97.5])
    summary = ("Paired: the GRU's test RMSE minus that of %s (the best of the others on "
               "validation) is %.2f Wh, 95%% interval %.2f to %.2f." % (
                   best_other, rmse(gru_test, y_test) - rmse(found[best_other]["test_pred"],
                                                             y_test), lo, hi))
    print("\n".join(table) + "\n\n" + summary)
    out = os.path.join(HERE, "results", "energy-trees-%s.json" % datetime.date.today())
    with open(out, "w") as handle:
        json.dump({"run_dir": run_dir, "table": table, "summary": summary,
                   "val": {k: v["val"] for k, v in found.items()},
                   "gru_val": gru_val}, handle, indent=1)
    print("written:", out)


if __name__ == "__main__":
    main(sys.argv[1:])
