"""char_rnn.py on the larger corpus, tiny shakespeare, over seeds, beside the
count model and their mixture.

    python benchmarks/char_corpus.py                 # seeds 1-3, the recipe below
    python benchmarks/char_corpus.py --seeds 1 --folder runs/tiny

The recipe is the default model for RECIPE's passes over the corpus's first
80%: about as long as the reference point it is set beside (nanoGPT's CPU
configuration, about 3 minutes on its author's laptop). Validation is the
next 10%, test the last 10%: the same characters nanoGPT reports its
validation loss on. Every run also fits the count model (a Kneser-Ney
n-gram, order and discount chosen on validation), mixes the two (weight
chosen on validation) and scores the adaptive pair (dynamic evaluation,
online counts). Runs one after the other on TensorFlow's threads: run it on
an otherwise idle machine. Prints a markdown table and the start of seed 1's
sample, and writes benchmarks/results/char-corpus-<date>.json. Not part of
the tests or CI.
"""
from __future__ import print_function

import argparse
import io
import json
import math
import os
import subprocess
import sys
import time

import run

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RECIPE = ["--data", os.path.join("data", "tinyshakespeare.txt.gz"), "--epochs", "2"]
KEYS = ("val_bpc", "test_bpc", "train_bpc", "train_seconds", "steps", "ngram_order",
        "ngram_discount", "ngram_val_bpc", "ngram_test_bpc", "mixture_weight",
        "mixture_val_bpc", "mixture_test_bpc", "dynamic_val_bpc", "dynamic_test_bpc",
        "ngram_online_val_bpc", "ngram_online_test_bpc", "test_paired_differences",
        "seconds")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--folder", default=os.path.join(ROOT, "runs", "tiny"))
    args = parser.parse_args(argv)
    runs = []
    for seed in args.seeds:
        out = os.path.join(args.folder, "seed%d" % seed)
        start = time.time()
        code = subprocess.call([sys.executable, "char_rnn.py"] + RECIPE +
                               ["--seed", str(seed), "--output-dir", out], cwd=ROOT)
        m = json.load(open(os.path.join(out, "metrics.json")))
        runs.append(dict(seed=seed, exit=code, wall_seconds=time.time() - start,
                         **{k: m.get(k) for k in KEYS}))
    table = ["| seed | model | validation bits/char | test bits/char (nats) |",
             "|---|---|---|---|"]
    for r in runs:
        for label, key in (("network", ""), ("count model (%d-gram)" % r["ngram_order"],
                                             "ngram_"),
                           ("mixture (weight %.3g)" % r["mixture_weight"], "mixture_"),
                           ("network, dynamic evaluation", "dynamic_"),
                           ("count model, online counts", "ngram_online_")):
            table.append("| %d | %s | %.3f | %.3f (%.3f) |" % (
                r["seed"], label, r[key + "val_bpc"], r[key + "test_bpc"],
                r[key + "test_bpc"] * math.log(2)))
    table += ["", "| seed | training s | whole run s | wall s |", "|---|---|---|---|"]
    for r in runs:
        table.append("| %d | %.0f | %.0f | %.0f |" % (
            r["seed"], r["train_seconds"], r["seconds"]["whole_run"], r["wall_seconds"]))
    print("\n" + "\n".join(table))
    with io.open(os.path.join(args.folder, "seed%d" % args.seeds[0], "samples.txt"),
                 encoding="utf-8") as handle:
        sample = handle.read()[:600]
    print("\nsample (seed %d):\n%s" % (args.seeds[0], sample))
    run.save_side_result("char-corpus", {"recipe": RECIPE, "python": sys.executable,
                                         "runs": runs, "sample": sample,
                                         "markdown": "\n".join(table)},
                         "char_corpus.py", sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
