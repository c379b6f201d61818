"""Levers of char_rnn.py, decided on validation, against the count model.

    python benchmarks/char_levers.py                      # every lever, seed 1
    python benchmarks/char_levers.py --seeds 2 3 --only lstm lstm-k4
    python benchmarks/char_levers.py --collect runs/levers   # table from finished runs

Every run is `char_rnn.py` with BASE (one thread), --seed S and the lever's
flags, which spell out the whole recipe (so that a run reads the same after
the defaults change): stopped by --patience on validation, the best
validation epoch's weights scored once on the test text. Two runs go side by
side, one core each (one thread per run: a run on two threads is barely
faster), so that the 2-core machine does two runs in the time of one; the
seconds in the table are those of a run sharing the machine so, not the
default's time on an idle machine (benchmarks/run.py measures that). The
count model to clear is the Kneser-Ney n-gram of char_ngram.py on the same
split: 2.402 validation, 2.288 test bits per character (order 6, discount
0.9). Writes benchmarks/results/char-levers-<date>.json (with the commit the
runs were made with, --commit) and prints a markdown table with validation
(which decides) beside test (which reports). Not part of the tests or CI.
"""
from __future__ import print_function

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import run

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

BASE = ["--threads", "1"]
# The regularisation every lever keeps (decided on 2026-12-02 with the GRU):
# keep 0.5, decoupled weight decay 0.1, validation on a moving average of the
# weights; and the 2026-12-02 default's shape, 2 x 256.
KEPT = ["--dropout", "0.5", "--weight-decay", "0.1", "--average", "0.998",
        "--hidden-size", "256", "--num-layers", "2", "--seq-length", "50"]
B64 = KEPT + ["--batch-size", "64", "--learning-rate", "0.004", "--lr-decay", "0.99",
              "--patience", "10", "--epochs", "80"]
RECIPE = B64          # every lever: these flags, then its own

# (name, flags, what it tries). The default of 2026-12-02 (16 streams of a GRU,
# Adam 0.002) is in that day's results: seed 1, validation 2.451. An LSTM of
# 2 x 384 (keep 0.4) was stopped: at its pace it could not finish within the
# time budget.
LEVERS = [
    ("gru-b64", ["--cell", "gru"],
     "64 streams (the 2026-12-02 default had 16): larger matrices per step, fewer "
     "steps per epoch; Adam 0.004, a slower decay, more epochs"),
    ("gru-b64-lr8", ["--cell", "gru", "--learning-rate", "0.008"],
     "the same, Adam 0.008"),
    ("gru-b32", ["--cell", "gru", "--batch-size", "32", "--learning-rate", "0.003",
                 "--lr-decay", "0.98", "--epochs", "60"], "32 streams, Adam 0.003"),
    ("gru-b64-384", ["--cell", "gru", "--hidden-size", "384", "--dropout", "0.4"],
     "wider: 2 x 384, keep 0.4"),
    ("gru-b64-128", ["--cell", "gru", "--hidden-size", "128", "--dropout", "0.7"],
     "smaller: 2 x 128, keep 0.7"),
    ("lstm-b64", ["--cell", "lstm"], "LSTM cells, 64 streams"),
    ("lstm-b64-k4", ["--cell", "lstm", "--dropout", "0.4"], "LSTM, keep 0.4"),
    ("lstm-b32", ["--cell", "lstm", "--batch-size", "32", "--learning-rate",
                  "0.003", "--lr-decay", "0.98", "--epochs", "60"],
     "LSTM, 32 streams, Adam 0.003"),
    ("lstm-b32-seq100", ["--cell", "lstm", "--batch-size", "32", "--seq-length", "100"],
     "LSTM, 32 streams of windows of 100: as many characters a step as 64 x 50"),
]


def launch(python, name, flags, seed, folder):
    out = os.path.join(folder, "%s-seed%d" % (name, seed))
    argv = [python, os.path.join(ROOT, "char_rnn.py")] + BASE + RECIPE + flags + [
        "--seed", str(seed), "--output-dir", out]
    start = time.time()
    with open(out + ".log", "w") as log:
        code = subprocess.call(argv, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    print("  %s seed %d: exit %d, %.0f s" % (name, seed, code, time.time() - start),
          flush=True)
    return out


def figures(folder, name, flags, seed):
    path = os.path.join(folder, "%s-seed%d" % (name, seed), "metrics.json")
    if not os.path.exists(path):
        return None
    m = json.load(open(path))
    # The run must be this lever's: every flag the lever spells out as it says.
    given = dict(zip(flags[::2], flags[1::2]))
    differ = sorted(flag for flag, value in given.items()
                    if str(m["config"].get(flag[2:].replace("-", "_"))) != value and
                    float_or(m["config"].get(flag[2:].replace("-", "_"))) != float_or(value))
    if differ:
        raise SystemExit("%s: not the run of %s (%s differ)" % (path, name, ", ".join(differ)))
    return {k: m.get(k) for k in ("val_bpc", "test_bpc", "best_epoch", "epochs_run",
                                  "train_seconds", "steps")}


def float_or(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--only", nargs="+", help="lever names")
    parser.add_argument("--folder", default=os.path.join(ROOT, "runs", "levers"))
    parser.add_argument("--collect", metavar="FOLDER",
                        help="only read the runs already in FOLDER")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--commit", help="the commit the runs were made with (default: "
                                         "this checkout's)")
    args = parser.parse_args(argv)
    levers = [lv for lv in LEVERS if not args.only or lv[0] in args.only]
    folder = args.collect or args.folder
    if not args.collect:
        os.makedirs(folder, exist_ok=True)
        jobs = [(name, flags, seed) for name, flags, _ in levers for seed in args.seeds]
        with ThreadPoolExecutor(args.parallel) as pool:
            list(pool.map(lambda job: launch(sys.executable, job[0], job[1], job[2], folder),
                          jobs))
    rows = []
    for name, flags, what in levers:
        per_seed = {seed: figures(folder, name, RECIPE + flags, seed) for seed in args.seeds}
        rows.append({"lever": name, "flags": flags, "what": what,
                     "per_seed": {str(s): f for s, f in per_seed.items() if f}})
    table = ["Every lever: `%s`, then its own flags." % " ".join(RECIPE), "",
             "| lever | its flags | what it tries | seeds | validation bits/char (decides) "
             "| test bits/char | best epoch | training s |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        runs = list(row["per_seed"].values())
        if not runs:
            continue

        def mean(key, digits=3):
            values = [r[key] for r in runs if r[key] is not None]
            text = ("%%.%df" % digits) % np.mean(values)
            return text + (" ± %.3f" % np.std(values, ddof=1) if len(values) > 1 else "")
        table.append("| %s | `%s` | %s | %s | %s | %s | %s | %s |" % (
            row["lever"], " ".join(row["flags"]) or "(none)", row["what"],
            ",".join(row["per_seed"]), mean("val_bpc"), mean("test_bpc"),
            mean("best_epoch", 0).split(" ")[0], mean("train_seconds", 0).split(" ")[0]))
    print("\n" + "\n".join(table))
    commit = args.commit or subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, stdout=subprocess.PIPE,
        universal_newlines=True).stdout.strip()
    run.save_side_result("char-levers", {"base_flags": BASE, "commit": commit,
                                         "seeds": args.seeds, "python": sys.executable,
                                         "levers": rows, "markdown": "\n".join(table)},
                         "char_levers.py", sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
