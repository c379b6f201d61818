"""parity_rnn.py's default with each cell: is the book's cell as good?

    python benchmarks/parity_cells.py                 # seeds 1-5, both stacks
    python benchmarks/parity_cells.py --seeds 1 2 --stacks TF2

The book builds a BasicRNNCell (tanh in its first listing, relu in its
last); the default has an LSTM. Each cell runs the default recipe otherwise
unchanged, on every seed and stack, one thread per run, and the table says
what validation says: how many epochs each needed to reach the validation
target (training stops there; the cap is the default's 20 epochs), and its
validation accuracy on 50-bit strings when it stopped; the test strings'
accuracy is reported beside it. The rule: the book's cell becomes the
default if it reaches the target on every seed of both stacks in no more
epochs, on average, than the LSTM. Two runs go side by side, so the seconds
are those of a shared machine. Writes
benchmarks/results/parity-cells-<date>.json. Not part of the tests or CI.
"""
from __future__ import print_function

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import run

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STACKS = {"TF2": ".venv", "TF1": ".venv37"}
CELLS = [("LSTM (the default)", ["--cell", "lstm"]),
         ("BasicRNNCell, tanh (the book's first listing)", ["--cell", "rnn",
                                                            "--activation", "tanh"]),
         ("BasicRNNCell, relu (the book's last listing)", ["--cell", "rnn",
                                                           "--activation", "relu"])]


def one_run(stack, flags, seed, folder):
    out = os.path.join(folder, "%s-%s-%d" % (stack, "-".join(flags[1::2]), seed))
    python = os.path.join(ROOT, STACKS[stack], "bin", "python")
    subprocess.call([python, "parity_rnn.py", "--threads", "1", "--seed", str(seed),
                     "--output-dir", out] + flags, cwd=ROOT, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
    m = json.load(open(os.path.join(out, "metrics.json")))
    return {k: m[k] for k in ("epochs_run", "val_accuracy", "parity_accuracy_fixed",
                              "parity_accuracy_variable", "train_seconds")}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--stacks", nargs="+", default=["TF2", "TF1"], choices=STACKS)
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="parity-cells-")
    jobs = [(stack, label, flags, seed) for stack in args.stacks
            for label, flags in CELLS for seed in args.seeds]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda j: one_run(j[0], j[2], j[3], folder), jobs))
    runs = {}
    for (stack, label, _, seed), found in zip(jobs, done):
        runs.setdefault(label, {}).setdefault(stack, {})[str(seed)] = found
    lines = ["| cell | flags | stack | seeds at the validation target | epochs to it "
             "(mean, most) | validation accuracy at the stop | test accuracy, 50 bits "
             "(worst) | training s |", "|---|---|---|---|---|---|---|---|"]
    for label, flags in CELLS:
        for stack in args.stacks:
            per = runs[label][stack].values()
            epochs = [r["epochs_run"] for r in per]
            reached = sum(1 for r in per if r["val_accuracy"] >= 0.999)
            lines.append("| %s | `%s` | %s | %d of %d | %.1f, %d | %.4f | %.4f (%.4f) | %.0f |"
                         % (label, " ".join(flags), stack, reached, len(epochs),
                            np.mean(epochs), max(epochs),
                            np.mean([r["val_accuracy"] for r in per]),
                            np.mean([r["parity_accuracy_fixed"] for r in per]),
                            min(r["parity_accuracy_fixed"] for r in per),
                            np.mean([r["train_seconds"] for r in per])))
    print("\n".join(lines))
    run.save_side_result("parity-cells", {"seeds": args.seeds, "runs": runs, "cells": CELLS,
                                          "markdown": "\n".join(lines)},
                         "parity_cells.py", sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
