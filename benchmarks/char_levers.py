"""Levers of char_rnn.py, each alone against the default, decided on validation.

    python benchmarks/char_levers.py                      # every lever, seed 1
    python benchmarks/char_levers.py --seeds 1 2 3 --only default candidate
    python benchmarks/char_levers.py --collect runs/levers   # table from finished runs

Every run is `char_rnn.py` with BASE (the default of 2026-12-01, one thread,
at most 10 minutes of training, up to 100 epochs), --seed S and the lever's
flags: stopped by --patience on validation, the best validation epoch's weights
scored once on the test text. Two runs go side by side, one core each (one
thread per run: a run on two threads is barely faster, see char_speed.py),
so that the 2-core machine does two runs in the time of one; the seconds in
the table are those of a run sharing the machine so. Run it on an otherwise
idle machine. Writes benchmarks/results/char-levers-<date>-tf<N>.json and
prints a markdown table with validation (which decides) beside test (which
reports). Not part of the tests or CI.
"""
from __future__ import print_function

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import char_rnn  # noqa: E402

# The levers were tried against the default of 2026-12-01 (the flags after
# --epochs restore it); a lever's own flags come after and override them.
BASE = ["--threads", "1", "--time-limit", "600", "--epochs", "100",
        "--lr-decay", "0.95", "--patience", "4", "--average", "0", "--weight-decay", "0"]

# (name, flags, what it tries); the default first.
LEVERS = [
    ("default", [], "the default of 2026-12-01: 2 x 256 GRU, keep 0.5, Adam 0.002 "
                    "x 0.95 per epoch, patience 4"),
    ("slower-decay", ["--patience", "10", "--lr-decay", "0.97"],
     "more of the 10 minutes used: the rate decays slower, patience 10"),
    ("keep-0.35", ["--dropout", "0.35"], "stronger dropout"),
    ("weight-decay", ["--weight-decay", "0.1"], "decoupled weight decay 0.1"),
    ("average", ["--average", "0.995"],
     "validation, test and samples on a moving average of the weights"),
    ("average-0.998-slower", ["--average", "0.998", "--lr-decay", "0.97",
                              "--patience", "8"], "a longer average, a slower decay"),
    ("variational", ["--variational"], "one dropout mask per window"),
    ("embedding", ["--embedding", "32"], "a learned vector of 32 per character"),
    ("lstm", ["--cell", "lstm"], "LSTM cells instead of GRU"),
    ("wider", ["--hidden-size", "384", "--dropout", "0.35"], "2 x 384, keep 0.35"),
    ("batch-8", ["--batch-size", "8"], "8 streams: twice the steps per epoch"),
    ("average+variational", ["--average", "0.995", "--variational"], ""),
    ("average+weight-decay", ["--average", "0.995", "--weight-decay", "0.1"], ""),
    ("lstm+average", ["--cell", "lstm", "--average", "0.995"], ""),
    ("average-0.998-slower+weight-decay", ["--average", "0.998", "--lr-decay", "0.97",
                                           "--patience", "8", "--weight-decay", "0.1"],
     "the new default (with --epochs 32)"),
]


def run(python, name, flags, seed, folder):
    out = os.path.join(folder, "%s-seed%d" % (name, seed))
    argv = [python, os.path.join(ROOT, "char_rnn.py")] + BASE + flags + [
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
    # The run must be this lever's: every saved flag as the command sets it.
    want = vars(char_rnn.parse_args(BASE + flags + ["--seed", str(seed)]))
    differ = sorted(k for k, v in m["config"].items()
                    if k not in ("output_dir", "data") and want.get(k) != v)
    if differ:
        raise SystemExit("%s: not the run of %s %s (%s differ)"
                         % (path, name, " ".join(flags), ", ".join(differ)))
    return {k: m.get(k) for k in ("val_bpc", "test_bpc", "best_epoch", "epochs_run",
                                  "train_seconds", "steps")}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--only", nargs="+", help="lever names")
    parser.add_argument("--folder", default=os.path.join(ROOT, "runs", "levers"))
    parser.add_argument("--collect", metavar="FOLDER",
                        help="only read the runs already in FOLDER")
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args(argv)
    levers = [lv for lv in LEVERS if not args.only or lv[0] in args.only]
    folder = args.collect or args.folder
    if not args.collect:
        os.makedirs(folder, exist_ok=True)
        jobs = [(name, flags, seed) for name, flags, _ in levers for seed in args.seeds]
        with ThreadPoolExecutor(args.parallel) as pool:
            list(pool.map(lambda job: run(sys.executable, job[0], job[1], job[2], folder),
                          jobs))
    rows = []
    for name, flags, what in levers:
        per_seed = {seed: figures(folder, name, flags, seed) for seed in args.seeds}
        rows.append({"lever": name, "flags": flags, "what": what,
                     "per_seed": {str(s): f for s, f in per_seed.items() if f}})
    table = ["| lever | flags | seeds | validation bits/char (decides) | test bits/char "
             "| best epoch | training s |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        runs = list(row["per_seed"].values())
        if not runs:
            continue

        def mean(key, digits=3):
            values = [r[key] for r in runs if r[key] is not None]
            text = ("%%.%df" % digits) % np.mean(values)
            return text + (" ± %.3f" % np.std(values, ddof=1) if len(values) > 1 else "")
        table.append("| %s | `%s` | %s | %s | %s | %s | %s |" % (
            row["lever"], " ".join(row["flags"]) or "(none)",
            ",".join(row["per_seed"]), mean("val_bpc"), mean("test_bpc"),
            mean("best_epoch", 0).split(" ")[0], mean("train_seconds", 0).split(" ")[0]))
    print("\n" + "\n".join(table))
    result = {"date": datetime.date.today().isoformat(), "base_flags": BASE,
              "seeds": args.seeds, "python": sys.executable, "levers": rows,
              "command": "python benchmarks/char_levers.py",
              "markdown": "\n".join(table)}
    path = os.path.join(HERE, "results", "char-levers-%s.json" % result["date"])
    with open(path, "w") as handle:
        json.dump(result, handle, indent=2, sort_keys=True)
    print("wrote %s" % os.path.relpath(path, ROOT))


if __name__ == "__main__":
    main()
