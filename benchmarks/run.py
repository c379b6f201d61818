"""Benchmarks: every figure the docs state, over seeds, on both stacks.

    python benchmarks/run.py                        # every section (hours on 2 cores)
    python benchmarks/run.py --sections defaults    # one or more sections
    python benchmarks/run.py --quick                # a sanity check of the machinery
    make bench / make bench-quick

Sections (each adds its results to benchmarks/results/<date>.json as soon as
it ends, so a long run can be continued section by section; RESULTS.md and
the plots are written from that file):

  defaults     each script's default run, seeds 1-3 (energy 1-5), TF2 and TF1
               interleaved: the task figure as mean, sd and worst seed; wall and
               training seconds, steps/s, peak memory
  echo_seeds   echo's default over seeds 1-50 on each stack (failures counted),
               and the article's starting weights (--article) over the same seeds
  echo_parts   parts 1-6 of the echo series, each stack: steps/s, seconds to a
               training accuracy of 0.999, peak memory, accuracy per epoch
  articles     each script's --article recipe beside its default, over seeds;
               char's at the default's training time (--time-limit); the
               changes we made, one at a time
  energy       the energy levers (what each change did), seeds 1-5, TF2, with
               the validation RMSE beside the test RMSE
  paper        the paper's protocol with --readings-after 0, 6, 12, 18 (chosen on
               validation), then the ensemble of 5 for seeds 1-5, both stacks
  paper_training  the paper's protocol, the window ending at the row: the
               forecast protocol's training against the preset's, TF2
  references   the article's echo loop, the numpy min-char-rnn at equal time
  scaling      seconds per epoch against sequence length and hidden size

Every run is its own process (its wall time and peak RSS are its own). Timing
figures are only worth reading from a run on an otherwise idle machine: the
sections that only count (echo_seeds) run two processes at once and report
no time. Not part of the tests or CI.
"""
from __future__ import print_function

import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

# script -> (its figure, better when higher?, seeds of the default runs)
FIGURE = {"echo_rnn": ("echo_accuracy", True, 3),
          "parity_rnn": ("parity_accuracy_fixed", True, 3),
          "char_rnn": ("test_bpc", False, 3),
          "energy_gru": ("test_rmse_wh", False, 5)}
SECTIONS = ("defaults", "echo_seeds", "echo_parts", "articles", "energy", "paper",
            "paper_training", "references", "scaling")


# ---------------------------------------------------------------------------
# Running scripts
# ---------------------------------------------------------------------------
def save_side_result(prefix, result, script, argv):
    """A side benchmark's result, with its date and the command that made it,
    in benchmarks/results/<prefix>-<date>.json; prints where."""
    result.update(date=datetime.date.today().isoformat(),
                  command="python benchmarks/%s %s" % (script, " ".join(argv)))
    path = os.path.join(HERE, "results", "%s-%s.json" % (prefix, result["date"]))
    with open(path, "w") as handle:
        json.dump(result, handle, indent=2, sort_keys=True)
    print("wrote %s" % os.path.relpath(path, ROOT))
    return path


def stacks():
    """(name, python) of the stacks that are set up, TF2 first."""
    found = []
    for name, venv in (("TF2", ".venv"), ("TF1", ".venv37")):
        python = os.path.join(ROOT, venv, "bin", "python")
        if os.path.exists(python):
            found.append((name, python))
    return found


def run_child(python, argv):
    """Run one command; its wall seconds, peak RSS (MiB) and exit status."""
    with tempfile.TemporaryFile() as err:
        start = time.time()
        proc = subprocess.Popen([python] + argv, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.time() - start
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        if code != 0:
            err.seek(0)
            print("  ! %s exited %d: %s" % (" ".join(argv), code,
                                            err.read().decode()[-500:]), flush=True)
    return {"wall_seconds": wall, "peak_rss_mib": usage.ru_maxrss / 1024.0, "exit": code}


def run_script(python, script, args, workdir, tag):
    """One run of a script in its own output dir; adds its metrics.json."""
    out = os.path.join(workdir, tag)
    result = run_child(python, [script + ".py"] + args + ["--output-dir", out])
    path = os.path.join(out, "metrics.json")
    result["metrics"] = json.load(open(path)) if os.path.exists(path) else {}
    result["output_dir"] = out
    return result


def version_of(python):
    code = ("import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'; import tensorflow as t; "
            "import platform; print(t.__version__, platform.python_version())")
    out = subprocess.run([python, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, universal_newlines=True).stdout.split()
    return {"tensorflow": out[0], "python": out[1]} if len(out) == 2 else {}


def spread(values):
    """mean, sd (n - 1), min, max and n of a list of numbers."""
    values = [float(v) for v in values if v is not None]
    if not values:
        return None
    return {"mean": float(np.mean(values)),
            "sd": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values), "n": len(values)}


def summarise(runs, key, higher_better):
    """The figure `key` over seeds (and its worst seed), with the timings."""
    figures = [r["metrics"].get(key) for r in runs]
    good = [(f, r) for f, r in zip(figures, runs) if f is not None]
    worst = (min if higher_better else max)(good, key=lambda fr: fr[0]) if good else None
    train = [r["metrics"].get("train_seconds") for r in runs]
    steps = [r["metrics"].get("steps") for r in runs]
    rates = [s / t for s, t in zip(steps, train) if s and t]
    return {"figure": key, "value": spread(figures),
            "worst": {"value": worst[0], "seed": worst[1]["metrics"].get("seed")}
            if worst else None,
            "per_seed": {str(r["metrics"].get("seed")): f for f, r in good},
            "wall_seconds": spread([r["wall_seconds"] for r in runs]),
            "train_seconds": spread(train), "steps_per_second": spread(rates),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "failed": sum(1 for r in runs if r["exit"] != 0)}


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------
def bench_defaults(found, workdir, quick, seeds_of):
    """Each script's default run over its seeds, stacks interleaved."""
    out = {}
    for script, (key, higher, n) in FIGURE.items():
        if script not in SCRIPTS[0]:
            continue
        raw = {name: [] for name, _ in found}
        for seed in seeds_of(n):
            for name, python in found:
                print("[defaults] %s seed %d on %s" % (script, seed, name), flush=True)
                raw[name].append(run_script(
                    python, script, ["--seed", str(seed)] + (["--quick"] if quick else []),
                    workdir, "%s-%s-%d" % (script, name, seed)))
        out[script] = {}
        for name, runs in raw.items():
            s = summarise(runs, key, higher)
            extra = {"echo_rnn": ("epoch_start_loss", "final_loss"),
                     "parity_rnn": ("parity_accuracy_variable", "epochs_run"),
                     "char_rnn": ("val_bpc", "best_epoch", "epochs_run") + CHAR_COMPARED,
                     "energy_gru": ("test_mae_wh", "strong_linear_rmse_wh",
                                    "strong_linear_mae_wh", "persistence_rmse_wh",
                                    "persistence_mae_wh", "seasonal_naive_rmse_wh",
                                    "seasonal_naive_mae_wh", "window_linear_rmse_wh",
                                    "window_linear_mae_wh")}[script]
            s["also"] = {k: spread([r["metrics"].get(k) for r in runs]) for k in extra}
            if script == "char_rnn":
                s["paired"] = char_paired(runs)
                s["whole_run_seconds"] = spread([r["metrics"].get("seconds", {}).get(
                    "whole_run") for r in runs])
            if script == "energy_gru":
                s["beats_strong_linear"] = sum(
                    1 for r in runs if r["metrics"].get("test_rmse_wh") is not None and
                    r["metrics"]["test_rmse_wh"] < r["metrics"]["strong_linear_rmse_wh"])
            out[script][name] = s
            keep_docs(script, name, runs)
    return out


# char_rnn's comparison with the count model, each over the seeds
CHAR_COMPARED = ("ngram_val_bpc", "ngram_test_bpc", "ngram_order", "mixture_weight",
                 "mixture_val_bpc", "mixture_test_bpc", "dynamic_val_bpc",
                 "dynamic_test_bpc", "dynamic_rate", "ngram_online_val_bpc",
                 "ngram_online_test_bpc")


def char_paired(runs):
    """Paired differences on the test text, per character, over the seeds:
    each seed's block-bootstrap interval (from its metrics.json), and one for
    the seeds' mean difference at each character (the count model's bits are
    the same in every run, the networks' differ)."""
    import char_ngram
    found = {}
    bits = [np.load(os.path.join(r["output_dir"], "heldout_bits.npz")) for r in runs
            if os.path.exists(os.path.join(r["output_dir"], "heldout_bits.npz"))]
    for name in ("network_minus_ngram", "mixture_minus_network", "mixture_minus_ngram",
                 "dynamic_minus_ngram_online"):
        a, b = name.split("_minus_")
        entry = {"per_seed": {str(r["metrics"]["seed"]): r["metrics"][
            "test_paired_differences"][name] for r in runs
            if name in r["metrics"].get("test_paired_differences", {})}}
        if bits and all(a + "_test" in f and b + "_test" in f for f in bits):
            entry["seeds_mean"] = char_ngram.block_bootstrap(np.mean(
                [f[a + "_test"] - f[b + "_test"] for f in bits], axis=0))
        found[name] = entry
    return found


def keep_docs(script, stack, runs):
    """Copy the first seed's plots of the default runs on TF2 into docs/ for
    the docs (only from a full run)."""
    if stack != "TF2" or not runs or QUICK[0]:
        return
    names = {"echo_rnn": ["echo.png"], "parity_rnn": ["training.png"],
             "char_rnn": ["training.png", "surprise.png", "samples.txt"],
             "energy_gru": ["week.png", "training.png"]}[script]
    prefix = {"echo_rnn": "echo", "parity_rnn": "parity", "char_rnn": "char",
              "energy_gru": "energy"}[script]
    for name in names:
        source = os.path.join(runs[0]["output_dir"], name)
        if os.path.exists(source):
            target = name if script == "echo_rnn" else "%s_%s" % (prefix, name)
            shutil.copy(source, os.path.join(ROOT, "docs", target))


QUICK = [False]
SCRIPTS = [tuple(FIGURE)]     # --scripts: the scripts the defaults and articles run


ECHO_ARTICLE_EPOCHS = 20   # enough to tell a seed stuck at chance from one that learns


def bench_echo_seeds(found, workdir, quick):
    """Echo's default over seeds 1-50 per stack, all its 100 epochs (a network
    can learn and later be thrown back to chance), and --article's for
    ECHO_ARTICLE_EPOCHS epochs (its failure is never leaving chance). Two
    processes at a time: what counts here is which seeds learn, not time."""
    seeds = list(range(1, 6 if quick else 51))
    out = {}

    def sweep(name, python, label, extra):
        runs = {}
        for seed in seeds:
            r = run_script(python, "echo_rnn", ["--seed", str(seed)] + epochs + extra,
                           workdir, "seeds-%s-%s-%d" % (name, label, seed))
            m = r["metrics"]
            # the first epoch whose mean training accuracy reached 0.999
            reached = next((e["epoch"] for e in m.get("history", [])
                            if e["accuracy"] >= 0.999), None)
            runs[seed] = (m.get("echo_accuracy"), reached)
            shutil.rmtree(r["output_dir"], ignore_errors=True)
        return runs

    for label, extra in (("default", []), ("article", ["--article"])):
        epochs = ["--epochs", "3" if quick else
                  ("100" if label == "default" else str(ECHO_ARTICLE_EPOCHS))]
        results = {}
        threads = [threading.Thread(target=lambda n=n, p=p: results.__setitem__(
            n, sweep(n, p, label, extra))) for n, p in found]
        print("[echo_seeds] %s, seeds %d-%d, %s" % (
            label, seeds[0], seeds[-1], " and ".join(n for n, _ in found)), flush=True)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name, runs in results.items():
            accuracy = {s: a for s, (a, _) in runs.items()}
            failed = sorted(s for s, a in accuracy.items() if a is None or a < 0.999)
            reached = [r for _, r in runs.values() if r is not None]
            out.setdefault(name, {})[label] = {
                "seeds": len(runs), "epochs": int(epochs[1]), "failed": len(failed),
                "failed_seeds": failed, "accuracy": spread(accuracy.values()),
                "per_seed": {str(s): a for s, a in accuracy.items()},
                "epoch_reached_0999": spread(reached),
                "stuck_at_chance": sorted(s for s, a in accuracy.items()
                                          if a is not None and a < 0.6)}
    return out


def bench_echo_parts(found, workdir, quick):
    """Parts 1-6 of the echo series, one default run each per stack."""
    out = {}
    for part in range(1, 7):
        for name, python in found:
            print("[echo_parts] part %d on %s" % (part, name), flush=True)
            r = run_script(python, "echo_rnn", ["--part", str(part)] +
                           (["--quick"] if quick else []), workdir,
                           "part%d-%s" % (part, name))
            m = r["metrics"]
            history = m.get("history", [])
            per_epoch = m["train_seconds"] / len(history) if history else None
            reached = next((e["epoch"] for e in history if e["accuracy"] >= 0.999), None)
            out.setdefault(str(part), {})[name] = {
                "echo_accuracy": m.get("echo_accuracy"),
                "steps_per_second": m["steps"] / m["train_seconds"] if history else None,
                "epochs_to_0999": reached,
                "seconds_to_0999": reached * per_epoch if reached else None,
                "train_seconds": m.get("train_seconds"),
                "wall_seconds": r["wall_seconds"], "peak_rss_mib": r["peak_rss_mib"],
                "accuracy_per_epoch": [e["accuracy"] for e in history]}
    return out


def plot_echo_parts(parts, path):
    import utils
    plt = utils.pyplot(False)
    fig, ax = plt.subplots(figsize=(8, 4))
    for part, per in sorted(parts.items()):
        acc = per.get("TF2", next(iter(per.values())))["accuracy_per_epoch"]
        ax.plot(np.arange(1, len(acc) + 1), acc, label="part %s" % part, linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training accuracy (epoch mean)")
    ax.set_ylim(0.45, 1.01)
    ax.axhline(0.999, color="grey", linestyle=":")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    ax.set_title("The six parts of the echo series (TF2, seed 42)")
    return utils.save_figure(fig, path)


# script -> [(label, flags, seeds, stacks)]: the article's recipe, then single
# changes. stacks "all" or "TF2". Parity's changes are made to our default one
# at a time, capped at 10 epochs (the default stops after 1-2 when it solves
# the task); energy's walk from the chapter's recipe to ours, one change per
# row. Char's rows all train for the default's mean training time.
ARTICLE_ROWS = {
    "echo_rnn": [("article (U[0,1) starting weights)", ["--article"], [1, 2, 3], "all")],
    "parity_rnn": [
        ("book (data fixed)", ["--article"], [1, 2, 3], "all"),
        ("default, target sum (the book's)", ["--target", "sum", "--epochs", "10"],
         [1, 2, 3], "TF2"),
        ("default, relu BasicRNNCell (the book's)", ["--cell", "rnn", "--activation",
                                                     "relu", "--epochs", "10"],
         [1, 2, 3], "TF2"),
        ("default, fixed lengths (the book's)", ["--lengths", "fixed", "--epochs", "10"],
         [1, 2, 3], "TF2"),
        ("default, Adam 0.001 (the book's)", ["--learning-rate", "0.001", "--epochs",
                                              "10"], [1, 2, 3], "TF2"),
        ("default, batch 1000 (the book's)", ["--batch-size", "1000", "--epochs", "10"],
         [1, 2, 3], "TF2")],
    "char_rnn": [("article (min-char-rnn in TF)", ["--article"], [1, 2, 3], "all")],
    "energy_gru": [
        ("chapter 04_01", ["--article"], [1, 2, 3], "all"),
        ("chapter 04_02 (dropout on the GRUs)", ["--article", "--dropout", "rnn"],
         [1, 2, 3], "TF2"),
        ("chapter 04_03 (Frobenius layer, L2 0.001)", ["--article", "--l2", "0.001"],
         [1, 2, 3], "TF2"),
        ("04_01 + Adam 0.003", ["--article", "--optimizer", "adam",
                                "--INITIAL_LEARNING_RATE", "0.003"], [1, 2, 3], "TF2"),
        ("+ early stopping, best epoch's weights", [
            "--article", "--optimizer", "adam", "--INITIAL_LEARNING_RATE", "0.003",
            "--patience", "4", "--weights", "best"], [1, 2, 3], "TF2"),
        ("+ time features", [
            "--article", "--optimizer", "adam", "--INITIAL_LEARNING_RATE", "0.003",
            "--patience", "4", "--weights", "best", "--time-features", "on"],
         [1, 2, 3], "TF2"),
        ("+ standardised Wh target", [
            "--article", "--optimizer", "adam", "--INITIAL_LEARNING_RATE", "0.003",
            "--patience", "4", "--weights", "best", "--time-features", "on",
            "--target-scale", "wh"], [1, 2, 3], "TF2"),
        ("+ dense keep 0.8", [
            "--article", "--optimizer", "adam", "--INITIAL_LEARNING_RATE", "0.003",
            "--patience", "4", "--weights", "best", "--time-features", "on",
            "--target-scale", "wh", "--dense-keep-prob", "0.8"], [1, 2, 3], "TF2"),
        ("+ engineered inputs (our network, one of it)",
         ["--ensemble", "1", "--dropout", "dense"], [1, 2, 3], "TF2")],
}


def bench_articles(found, workdir, quick, defaults):
    """Each script's article recipe and single changes (ARTICLE_ROWS). Char's
    rows train for the mean training time of its default runs on TF2
    (--time-limit), so that every char figure is at equal time."""
    out = {}
    for script, rows in ARTICLE_ROWS.items():
        if script not in SCRIPTS[0]:
            continue
        key, higher, _ = FIGURE[script]
        budget = None
        if script == "char_rnn":
            runs = (defaults or {}).get("char_rnn", {}).get("TF2")
            budget = runs["train_seconds"]["mean"] if runs else (20 if quick else 360)
        for i, (label, flags, seeds, where) in enumerate(rows):
            for name, python in (found if where == "all" else
                                 [f for f in found if f[0] == where]):
                runs = []
                for seed in (seeds[:1] if quick else seeds):
                    extra = ["--time-limit", "%.0f" % budget, "--epochs", "10000",
                             "--patience", "10000"] if budget else []
                    if quick:
                        extra += ["--quick"]
                    print("[articles] %s: %s, seed %d on %s" % (script, label, seed, name),
                          flush=True)
                    runs.append(run_script(python, script, flags + extra +
                                           ["--seed", str(seed)], workdir,
                                           "art-%s-%d-%s-%d" % (script, i, name, seed)))
                s = summarise(runs, key, higher)
                s["flags"] = flags + (["--time-limit", "%.0f" % budget] if budget else [])
                if script == "char_rnn":
                    path = os.path.join(runs[0]["output_dir"], "samples.txt")
                    s["samples"] = open(path).read()[:600] if os.path.exists(path) else ""
                    s["also"] = {"val_bpc": spread([r["metrics"].get("val_bpc")
                                                    for r in runs]),
                                 "epochs_run": spread([r["metrics"].get("epochs_run")
                                                       for r in runs])}
                if script == "parity_rnn":
                    s["also"] = {k: spread([r["metrics"].get(k) for r in runs]) for k in
                                 ("sum_accuracy", "parity_accuracy_variable",
                                  "epochs_run")}
                if script == "echo_rnn":
                    s["also"] = {"epoch_reached_0999": spread([next(
                        (e["epoch"] for e in r["metrics"].get("history", [])
                         if e["accuracy"] >= 0.999), None) for r in runs])}
                out.setdefault(script, {}).setdefault(label, {})[name] = s
    return out


# label -> flags: what each lever did to the energy forecast
ENERGY_LEVERS = [
    ("window only, log(1 + Wh) loss (before)", ["--features", "window",
                                                "--target-scale", "log"]),
    ("window only, Wh loss", ["--features", "window"]),
    ("+ engineered inputs to the dense layer (default network)", []),
    ("+ learn the correction to the strong linear model", ["--base", "linear"]),
    ("dense dropout, keep 0.8 (the default until 2026-12-02)", ["--dropout", "dense"]),
    ("window 18", ["--INPUT_SEQUENCE_LENGTH", "18"]),
    ("window 72", ["--INPUT_SEQUENCE_LENGTH", "72"]),
    ("GRU 2 x 32", ["--RNN_LAYERS", "32:0.9,32:0.9"]),
    ("patience 12", ["--patience", "12"]),
]
# The paper's protocol, one network per run: the forecast protocol's training
# length (before) and the paper preset's (epochs 120, patience 10, slower decay)
PAPER_BEFORE = ["--protocol", "paper", "--epochs", "40", "--patience", "4",
                "--LEARNING_RATE_DECAY_STEPS", "1000", "--dropout", "dense"]
PAPER_ENSEMBLE = 5


def bench_energy(found, workdir, quick):
    """Each lever over seeds 1-5 on TF2, as single networks (--ensemble 1),
    with the validation RMSE that decides beside the test RMSE. (How many
    networks to average is decided in energy_trees.py, which keeps every
    network's validation forecasts.)"""
    name, python = found[0]
    out = {"levers": {}}
    seeds = [1, 2] if quick else [1, 2, 3, 4, 5]
    for i, (label, flags) in enumerate(ENERGY_LEVERS):
        runs = energy_singles(python, workdir, "lever-%d" % i, flags, seeds, quick)
        s = summarise(runs, "test_rmse_wh", False)
        s["flags"] = flags
        s["also"] = {key: spread([r["metrics"].get(key) for r in runs])
                     for key in ("val_rmse_wh", "test_mae_wh")}
        out["levers"][label] = s
    return out


def energy_singles(python, workdir, tag, flags, seeds, quick):
    """energy_gru.py with `flags`, one network per run, for each seed."""
    runs = []
    for seed in seeds:
        print("[energy] %s, seed %d" % (tag, seed), flush=True)
        runs.append(run_script(python, "energy_gru", flags + [
            "--ensemble", "1", "--seed", str(seed)] + (["--quick"] if quick else []),
            workdir, "%s-%d" % (tag, seed)))
    return runs


def bench_paper_training(found, workdir, quick):
    """The paper's protocol with the window ending at the row, on TF2: single
    networks with the forecast protocol's training length (before) and with
    the preset's, and the preset's ensemble of 5 for seeds 1-5 made of single
    runs of seeds 1-9 (member m of seed s is the run of seed s + m: the same
    graph seed, data order and dropout masks; tests/test_energy.py checks that
    an ensemble's forecast is its members' mean)."""
    name, python = found[0]
    seeds = [1, 2] if quick else [1, 2, 3, 4, 5]
    before = energy_singles(python, workdir, "paper-before", PAPER_BEFORE, seeds, quick)
    last = seeds[-1] + PAPER_ENSEMBLE - 1 if not quick else 3
    after = energy_singles(python, workdir, "paper-long", ["--protocol", "paper"],
                           list(range(1, last + 1)), quick)
    k = PAPER_ENSEMBLE if not quick else 2
    folders = [r["output_dir"] for r in after]
    ensemble = seed_ensembles(folders, [s for s in seeds if s - 1 + k <= len(folders)], k)
    return {
        "one network, 40 epochs (before)": summarise(before, "test_rmse_wh", False),
        "one network, the preset's training": summarise(after[:len(seeds)],
                                                        "test_rmse_wh", False),
        "ensemble": ensemble,
        "ensembles": ensembles(folders[:len(seeds)]),
        "r2_of_the_ensemble": ensemble["r2"],
    }


# --readings-after values tried for the paper's protocol (chosen on validation)
PAPER_AFTER = (0, 6, 12, 18)


def bench_paper(found, workdir, quick):
    """The paper's protocol with the window of predictors running K readings
    past the predicted row: single networks of seeds 1-3 for each K in
    PAPER_AFTER on each stack; K chosen by the mean validation RMSE over
    every stack and seed (the test rows decide nothing); then seeds 4-9 of
    that K, and the preset's ensemble of 5 for seeds 1-5 made of single runs
    (as in bench_energy). Both stacks at once, one process each: RMSE is what
    counts here, not time."""
    choose = [1, 2] if quick else [1, 2, 3]
    last = 3 if quick else 5 + PAPER_ENSEMBLE - 1
    k = 2 if quick else PAPER_ENSEMBLE
    extra = ["--quick"] if quick else []
    runs = {name: {} for name, _ in found}       # stack -> (K, seed) -> run

    def single(name, python, after, seed):
        print("[paper] %s, --readings-after %d, seed %d" % (name, after, seed), flush=True)
        runs[name][after, seed] = run_script(python, "energy_gru", [
            "--protocol", "paper", "--readings-after", str(after), "--ensemble", "1",
            "--seed", str(seed)] + extra, workdir, "paper-%s-%d-%d" % (name, after, seed))

    def both(jobs):
        threads = [threading.Thread(target=lambda n=n, p=p: [
            single(n, p, after, seed) for after, seed in jobs]) for n, p in found]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    both([(after, seed) for after in PAPER_AFTER for seed in choose])
    val = {after: spread([runs[n][after, s]["metrics"].get("val_rmse_wh")
                          for n, _ in found for s in choose]) for after in PAPER_AFTER}
    chosen = min(PAPER_AFTER, key=lambda a: val[a]["mean"])
    both([(chosen, seed) for seed in range(choose[-1] + 1, last + 1)])
    out = {"chosen": chosen, "validation": {str(a): v for a, v in val.items()},
           "seeds_choosing": choose, "ensemble_size": k, "stacks": {}}
    for name, _ in found:
        single_runs = {str(a): summarise([runs[name][a, s] for s in choose],
                                         "test_rmse_wh", False) for a in PAPER_AFTER}
        folders = [runs[name][chosen, s]["output_dir"] for s in range(1, last + 1)]
        out["stacks"][name] = {
            "single": single_runs,
            "ensemble": seed_ensembles(folders, range(1, last - k + 2), k),
            "window_linear_rmse_wh": {str(a): runs[name][a, choose[0]]["metrics"].get(
                "window_linear_rmse_wh") for a in PAPER_AFTER}}
    out["sensors_next_hour"] = paper_sensors_next_hour()
    return out


def paper_sensors_next_hour(after=6):
    """Which sensors' next readings carry the energy use (numpy, no training):
    test RMSE of least squares on the row's own predictors, then with the
    next `after` readings of one predictor at a time added; the paper's
    split, fitted on its training rows."""
    import energy_extras
    import energy_gru
    args = energy_gru.parse_args(["--protocol", "paper"])
    table = energy_extras.read_table(args.data, energy_gru.TARGET)
    names, features, target = energy_gru.select_features(table, args)
    train, _, test = energy_gru.split_rows(len(target), args)
    train, test = (r[r + after < len(target)] for r in (train, test))
    x = energy_gru.Scaler(features[train], target[train], "wh").features(features)

    def rmse(columns):
        def design(rows):
            return np.concatenate([x[rows], np.ones((len(rows), 1))] + [
                x[rows[:, None] + np.arange(1, after + 1), c] for c in columns], axis=1)
        coef = np.linalg.lstsq(design(train), target[train], rcond=None)[0]
        return float(np.sqrt(np.mean((design(test).dot(coef) - target[test]) ** 2)))
    return {"row_only": rmse([]), "all": rmse(range(len(names))),
            "one_at_a_time": {name: rmse([c]) for c, name in enumerate(names)}}


def read_forecasts(folders):
    """The test readings and each run's forecast, from its predictions.csv."""
    import csv
    preds, actual = [], None
    for folder in folders:
        with open(os.path.join(folder, "predictions.csv")) as handle:
            rows = list(csv.DictReader(handle))
        actual = np.array([float(r["actual_wh"]) for r in rows])
        preds.append(np.array([float(r["predicted_wh"]) for r in rows]))
    return actual, preds


def seed_ensembles(folders, seeds, k):
    """The ensemble of k for each seed s, made of the single runs of seeds s
    to s + k - 1 (folders[0] is seed 1's): test RMSE per seed with its spread
    and worst, and each ensemble's R2 and MAE."""
    actual, preds = read_forecasts(folders)
    rmse, r2, mae = {}, {}, {}
    for s in seeds:
        err = np.mean(preds[s - 1:s - 1 + k], axis=0) - actual
        rmse[str(s)] = float(np.sqrt(np.mean(err ** 2)))
        r2[str(s)] = float(1 - np.sum(err ** 2) / np.sum((actual - actual.mean()) ** 2))
        mae[str(s)] = float(np.mean(np.abs(err)))
    return {"size": k, "value": spread(rmse.values()), "per_seed": rmse,
            "worst": {"value": max(rmse.values()), "seed": max(rmse, key=rmse.get)},
            "r2": r2, "mae": mae}


def ensembles(folders):
    """Test RMSE of the mean forecast of k runs, for every k and subset."""
    import itertools
    actual, preds = read_forecasts(folders)
    out = {}
    for k in range(1, len(preds) + 1):
        values = [float(np.sqrt(np.mean((np.mean([preds[i] for i in c], axis=0)
                                         - actual) ** 2)))
                  for c in itertools.combinations(range(len(preds)), k)]
        out[str(k)] = spread(values)
    return out


def bench_references(found, workdir, quick, defaults):
    out = {"echo_loops": {}}
    for name, python in found:
        print("[references] the article's echo loop against ours on %s" % name,
              flush=True)
        args = ["200", "2"] if quick else ["1000", "3"]
        proc = subprocess.run([python, os.path.join(HERE, "echo_loops.py")] + args,
                              cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, universal_newlines=True)
        out["echo_loops"][name] = json.loads(proc.stdout.strip().splitlines()[-1])
    runs = (defaults or {}).get("char_rnn", {}).get("TF2")
    seconds = runs["train_seconds"]["mean"] if runs else (20 if quick else 360)
    print("[references] numpy min-char-rnn for %.0f s" % seconds, flush=True)
    out["min_char_rnn"] = bench_min_char(min(seconds, 20) if quick else seconds)
    return out


def bench_min_char(seconds, seed=42):
    """The numpy min-char-rnn for `seconds` on the training text, scored on
    the same test text as char_rnn.py's test_bpc (and on its validation text)."""
    import char_rnn
    from min_char_rnn import MinCharRNN
    text = char_rnn.read_text(os.path.join(ROOT, "data", "tempest.txt"))
    train, val, test = char_rnn.split_text(text, 0.1, 0.1)
    vocab = char_rnn.build_vocab(text)
    model = MinCharRNN(len(vocab), seed=seed)
    steps = model.train_for(char_rnn.encode(train, vocab), seconds)
    return {"seconds": seconds, "steps": steps,
            "val_bpc": model.bits_per_char(char_rnn.encode(val, vocab)),
            "test_bpc": model.bits_per_char(char_rnn.encode(test, vocab))}


def bench_scaling(found, workdir, quick):
    """Seconds per epoch against sequence length (parity) and hidden size (char)."""
    python = found[0][1]
    out = {"parity_T": {}, "char_hidden": {}}
    for T in ((25, 50, 100) if quick else (25, 50, 100, 200)):
        print("[scaling] parity T=%d" % T, flush=True)
        r = run_script(python, "parity_rnn", [
            "--sequence-length", str(T), "--lengths", "fixed", "--num-examples",
            "2000" if quick else "10000", "--epochs", "2", "--eval-examples", "500",
            "--target-accuracy", "1.0"], workdir, "scale-T%d" % T)
        m = r["metrics"]
        out["parity_T"][T] = m["train_seconds"] / m["epochs_run"]
    for H in ((32, 64, 128) if quick else (64, 128, 256, 512)):
        print("[scaling] char hidden=%d" % H, flush=True)
        r = run_script(python, "char_rnn", [
            "--hidden-size", str(H), "--num-layers", "1", "--epochs", "1",
            "--max-chars", "20000" if quick else "98332"], workdir, "scale-H%d" % H)
        m = r["metrics"]
        out["char_hidden"][H] = m["train_seconds"] / m["epochs_run"]
    return out


def plot_scaling(scaling, path):
    import matplotlib.ticker
    import utils
    plt = utils.pyplot(False)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label, power in ((left, "parity_T", "sequence length T (parity)", 1),
                                  (right, "char_hidden", "hidden units H (char)", 2)):
        xs = sorted(int(k) for k in scaling[key])
        ys = [scaling[key][str(x)] if str(x) in scaling[key] else scaling[key][x]
              for x in xs]
        ax.loglog(xs, ys, marker="o", label="measured")
        ref = [ys[-1] * (x / float(xs[-1])) ** power for x in xs]
        ax.loglog(xs, ref, linestyle=":", color="grey",
                  label="~ %s" % ("T" if power == 1 else "H^2"))
        # label the measured sizes only, in plain numbers
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(xs))
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel(label)
        ax.set_ylabel("seconds per epoch")
        ax.legend()
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("Cost per epoch on this machine")
    return utils.save_figure(fig, path)


# ---------------------------------------------------------------------------
# RESULTS.md
# ---------------------------------------------------------------------------
def fmt(s, digits=4):
    """mean +/- sd (n) of a spread, or -."""
    if not s:
        return "-"
    return "%.*f ± %.*f" % (digits, s["mean"], digits, s["sd"])


DIGITS = {"echo_rnn": 4, "parity_rnn": 4, "char_rnn": 3, "energy_gru": 2}


def md_defaults(result):
    """RESULTS.md's lines for the section defaults."""
    lines = []
    lines += ["## Default runs", "",
              "| script | stack | figure | mean ± sd | worst (seed) | seeds | "
              "training s | wall s | steps/s | peak RSS MiB |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for script, per in result["defaults"].items():
        d = DIGITS[script]
        for stack, s in per.items():
            lines.append("| %s | %s | %s | %s | %.*f (%s) | %d | %s | %s | %.0f | %.0f |"
                         % (script, stack, s["figure"], fmt(s["value"], d), d,
                            s["worst"]["value"], s["worst"]["seed"],
                            s["value"]["n"], fmt(s["train_seconds"], 1),
                            fmt(s["wall_seconds"], 1),
                            s["steps_per_second"]["mean"], s["peak_rss_mib"]))
    lines.append("")
    lines += ["Other figures of the same runs:", ""]
    for script, per in result["defaults"].items():
        for stack, s in per.items():
            lines.append("- %s %s: %s" % (script, stack, "; ".join(
                "%s %s" % (k, fmt(v, DIGITS[script])) for k, v in s["also"].items())
                + ("; beats the strong linear model on %d of %d seeds"
                   % (s["beats_strong_linear"], s["value"]["n"])
                   if "beats_strong_linear" in s else "")))
    lines.append("")
    return lines


def md_echo_seeds(result):
    """RESULTS.md's lines for the section echo_seeds."""
    lines = []
    lines += ["## Echo over seeds 1-50", "",
              "Below 0.999: echo_accuracy on the fresh series under 0.999 at the "
              "end of the run.", "",
              "| stack | starting weights | epochs | runs | below 0.999 (seeds) | stuck at "
              "chance (seeds) | echo_accuracy mean ± sd | first epoch at 0.999: "
              "mean ± sd, latest |", "|---|---|---|---|---|---|---|---|"]
    for stack, per in result["echo_seeds"].items():
        for label, s in per.items():
            reached = s.get("epoch_reached_0999")
            lines.append("| %s | %s | %s | %d | %d (%s) | %s | %s | %s |" % (
                stack, {"default": "Glorot, clipped (default)",
                        "article": "U[0, 1), no clipping (--article)"}[label],
                s.get("epochs", "-"), s["seeds"],
                s["failed"], ", ".join(map(str, s["failed_seeds"])) or "none",
                ", ".join(map(str, s["stuck_at_chance"])) or "none",
                fmt(s["accuracy"]),
                "%s, %d" % (fmt(reached, 1), reached["max"]) if reached else "-"))
    lines.append("")
    return lines


def md_echo_parts(result):
    """RESULTS.md's lines for the section echo_parts."""
    lines = []
    lines += ["## The echo series, parts 1-6 (seed 42, default flags)", "",
              "![accuracy per epoch](echo_parts.png)", "",
              "| part | stack | echo_accuracy | steps/s | epochs to 0.999 | "
              "seconds to 0.999 | training s | peak RSS MiB |",
              "|---|---|---|---|---|---|---|---|"]
    for part, per in sorted(result["echo_parts"].items()):
        for stack, s in per.items():
            lines.append("| %s | %s | %.4f | %.0f | %s | %s | %.0f | %.0f |" % (
                part, stack, s["echo_accuracy"], s["steps_per_second"] or 0,
                s["epochs_to_0999"] or "-",
                "%.1f" % s["seconds_to_0999"] if s["seconds_to_0999"] else "-",
                s["train_seconds"], s["peak_rss_mib"]))
    lines.append("")
    return lines


def md_articles(result):
    """RESULTS.md's lines for the section articles."""
    lines = ["## The articles' recipes beside ours", ""]
    for script in result["articles"]:
        lines += ["### %s" % script, ""] + articles_table(result, script) + [""]
    return lines


def articles_table(result, script):
    """One script's rows of the articles section: each recipe on each stack."""
    rows, d = result["articles"][script], DIGITS[script]
    lines = ["| recipe | flags | stack | %s mean ± sd | worst (seed) | training s | "
             "other figures |" % FIGURE[script][0], "|---|---|---|---|---|---|---|"]
    order = [row[0] for row in ARTICLE_ROWS.get(script, [])]
    for label, per in sorted(rows.items(), key=lambda kv: order.index(kv[0])
                             if kv[0] in order else len(order)):
        for stack, s in sorted(per.items(), reverse=True):
            lines.append("| %s | `%s` | %s | %s | %.*f (%s) | %s | %s |" % (
                label, " ".join(s["flags"]), stack, fmt(s["value"], d), d,
                s["worst"]["value"], s["worst"]["seed"],
                fmt(s["train_seconds"], 0), "; ".join(
                    "%s %s" % (k, fmt(v, 3))
                    for k, v in s.get("also", {}).items() if v)))
    return lines


def md_energy(result):
    """RESULTS.md's lines for the section energy."""
    lines = []
    e = result["energy"]
    has_val = all("val_rmse_wh" in s["also"] for s in e["levers"].values())
    lines += ["## Energy: what each lever did (TF2, seeds 1-5, one network each)", "",
              "| lever | flags |%s test RMSE Wh | worst (seed) | test MAE Wh |" % (
                  " validation RMSE Wh (decides) |" if has_val else ""),
              "|---|---|---|---|---|%s" % ("---|" if has_val else "")]
    order = [label for label, _ in ENERGY_LEVERS]
    for label, s in sorted(e["levers"].items(), key=lambda kv: order.index(kv[0])
                           if kv[0] in order else len(order)):
        lines.append("| %s | `%s` |%s %s | %.2f (%s) | %s |" % (
            label, " ".join(s["flags"]) or "(default network)",
            " %s |" % fmt(s["also"]["val_rmse_wh"], 2) if has_val else "",
            fmt(s["value"], 2), s["worst"]["value"], s["worst"]["seed"],
            fmt(s["also"]["test_mae_wh"], 2)))
    lines.append("")
    if not has_val:
        lines += ["These ran before the validation RMSE was recorded: test only.", ""]
    for k, s in e.get("ensembles", {}).items():     # files from before 2026-12-02
        if k == "1":
            lines += ["Averaging the default network's forecasts over k of those "
                      "5 seeds (every subset of k):", "", "| k | test RMSE Wh | worst |",
                      "|---|---|---|"]
        lines.append("| %s | %s | %.2f |" % (k, fmt(s, 2), s["max"]))
    if e.get("ensembles"):
        lines.append("")
    return lines


def md_paper_training(result):
    """RESULTS.md's lines for the section paper_training."""
    lines = []
    p = result.get("paper_training") or result.get("energy", {}).get("paper")
    if not p:
        return []
    lines += ["### The paper's protocol, the window ending at the row "
              "(TF2, `--readings-after 0`)", "",
              "| recipe | test RMSE Wh | worst (seed) | seeds |", "|---|---|---|---|"]
    for label in ("one network, 40 epochs (before)",
                  "one network, the preset's training"):
        s = p[label]
        lines.append("| %s | %s | %.2f (%s) | %d |" % (
            label, fmt(s["value"], 2), s["worst"]["value"], s["worst"]["seed"],
            s["value"]["n"]))
    s = p["ensemble"]
    lines.append("| `--protocol paper --readings-after 0` (the mean of %d such "
                 "networks) | %s | "
                 "%.2f (%s) | %d |" % (s["size"], fmt(s["value"], 2),
                                       s["worst"]["value"], s["worst"]["seed"],
                                       s["value"]["n"]))
    lines += ["", "R2 of the ensembles: %s." % ", ".join(
        "seed %s %.3f" % kv for kv in sorted(p["r2_of_the_ensemble"].items())),
        "", "Averaging k of the 5 single networks of seeds 1-5 (every subset):",
        "", "| k | test RMSE Wh | worst |", "|---|---|---|"]
    for k, s in p["ensembles"].items():
        lines.append("| %s | %s | %.2f |" % (k, fmt(s, 2), s["max"]))
    lines.append("")
    return lines


def md_paper(result):
    """RESULTS.md's lines for the section paper."""
    lines = []
    p = result["paper"]
    lines += ["## The paper's protocol: readings after the row", "",
              "Single networks (`--protocol paper --ensemble 1 --readings-after K`), "
              "seeds %s; K is chosen on the mean validation RMSE over both stacks "
              "and these seeds (chosen: %d). Run with both stacks at once: RMSE "
              "only, no timing." % ("%d-%d" % (p["seeds_choosing"][0],
                                               p["seeds_choosing"][-1]), p["chosen"]), "",
              "| K | validation RMSE Wh (decides) | %s |" % " | ".join(
                  "%s test RMSE Wh" % n for n in p["stacks"]), "|---|---|%s" % (
                  "---|" * len(p["stacks"]))]
    for after, v in sorted(p["validation"].items(), key=lambda kv: int(kv[0])):
        lines.append("| %s | %s | %s |" % (after, fmt(v, 2), " | ".join(
            "%s, worst %.2f" % (fmt(st["single"][after]["value"], 2),
                                st["single"][after]["worst"]["value"])
            for st in p["stacks"].values())))
    n = len(next(iter(p["stacks"].values()))["ensemble"]["per_seed"])
    if "sensors_next_hour" in p:
        sn = p["sensors_next_hour"]
        top = sorted(sn["one_at_a_time"].items(), key=lambda kv: kv[1])[:6]
        lines += ["", "Which sensors carry it (least squares, no training): the "
                  "row's own predictors give %.2f Wh on the test rows, all of them "
                  "plus the next 6 readings of each %.2f; the next 6 readings of one "
                  "predictor at a time: %s." % (sn["row_only"], sn["all"], ", ".join(
                      "%s %.2f" % kv for kv in top))]
    lines += ["", "The ensemble of %d (`--protocol paper`, K = %d) for seeds 1-%d, "
              "made of single runs of seeds 1-%d:" % (
                  p["ensemble_size"], p["chosen"], n, n + p["ensemble_size"] - 1), "",
              "| stack | test RMSE Wh | worst (seed) | MAE Wh | R2 |", "|---|---|---|---|---|"]
    for name, st in p["stacks"].items():
        e = st["ensemble"]
        lines.append("| %s | %s | %.2f (%s) | %.2f | %.3f |" % (
            name, fmt(e["value"], 2), e["worst"]["value"], e["worst"]["seed"],
            np.mean(list(e["mae"].values())), np.mean(list(e["r2"].values()))))
    lines.append("")
    return lines


def md_echo_loops(result):
    """The echo half of the section references: our loop against the article's."""
    lines = ["Echo: training steps per second, our loop against the article's (which "
             "fetches the predictions every step and redraws its figure every 100 "
             "steps):", "", "| stack | ours | article's | ours / article's |",
             "|---|---|---|---|"]
    for stack, e in result["references"]["echo_loops"].items():
        lines.append("| %s | %.0f | %.0f | %.2f |" % (
            stack, e["ours"], e["article"], e["ratio_ours_over_article"]))
    return lines


def md_min_char(result):
    """The char half of the section references: the numpy min-char-rnn."""
    mc = result["references"]["min_char_rnn"]
    return ["Char: the numpy min-char-rnn (vanilla RNN, 100 units, 25-step windows, "
            "Adagrad) trained for %.0f s (the mean training time of that day's "
            "char_rnn.py default), scored on the same texts: validation %.3f, test "
            "%.3f bits per character." % (mc["seconds"], mc["val_bpc"], mc["test_bpc"])]


def md_references(result):
    """RESULTS.md's lines for the section references."""
    return ["## References", ""] + md_echo_loops(result) + [""] + md_min_char(result) + [""]


def md_scaling(result):
    """RESULTS.md's lines for the section scaling."""
    lines = []
    sc = result["scaling"]
    lines += ["## Scaling (current stack)", "", "![scaling](scaling.png)", "",
              "| parity T | s/epoch | | char H | s/epoch |", "|---|---|---|---|---|"]
    ts, hs = list(sc["parity_T"].items()), list(sc["char_hidden"].items())
    for i in range(max(len(ts), len(hs))):
        t = ts[i] if i < len(ts) else ("", None)
        h = hs[i] if i < len(hs) else ("", None)
        lines.append("| %s | %s | | %s | %s |" % (
            t[0], "%.2f" % t[1] if t[1] else "", h[0], "%.2f" % h[1] if h[1] else ""))
    lines.append("")
    return lines


# (the section each renders: it is left out where the results lack it, renderer)
MARKDOWN_SECTIONS = (("defaults", md_defaults), ("echo_seeds", md_echo_seeds),
                     ("echo_parts", md_echo_parts), ("articles", md_articles),
                     ("energy", md_energy), ("paper_training", md_paper_training),
                     ("paper", md_paper), ("references", md_references),
                     ("scaling", md_scaling))


def merged_results():
    """Every section of benchmarks/run.py from the newest results file that
    holds it (defaults and articles script by script), as one result, with
    the day each was measured and the files it came from."""
    merged = {"section_dates": {}, "name": [], "quick": False}
    for path in sorted(glob.glob(os.path.join(HERE, "results", "20[0-9][0-9]-[0-9][0-9]-"
                                                               "[0-9][0-9].json"))):
        found = json.load(open(path))
        dates = found.get("section_dates", {})
        used = False
        for section in SECTIONS:
            if section not in found:
                continue
            used = True
            if section in ("defaults", "articles"):
                merged.setdefault(section, {}).update(found[section])
                for script in found[section]:
                    merged["section_dates"]["%s (%s)" % (section, script)] = dates.get(
                        "%s (%s)" % (section, script), dates.get(section, found["date"]))
            else:
                merged[section] = found[section]
                merged["section_dates"][section] = dates.get(section, found["date"])
        if used:
            merged["name"].append(os.path.basename(path))
            merged.update((k, found[k]) for k in ("stacks", "machine", "cores", "date"))
    merged["name"] = ", ".join(merged["name"])
    return merged


def write_markdown(result, path):
    stacks_text = ", ".join("%s = TensorFlow %s on Python %s"
                            % (n, v.get("tensorflow"), v.get("python"))
                            for n, v in result["stacks"].items())
    dates = dict((section, result["date"]) for section in SECTIONS if section in result)
    dates.update(result.get("section_dates", {}))
    for section in ("defaults", "articles"):     # dated script by script instead
        if any(key.startswith(section + " (") for key in dates):
            dates.pop(section, None)
    lines = ["# Benchmark results", "",
             "%s, %d cores; %s. Produced by `python benchmarks/run.py%s`; raw "
             "figures in `benchmarks/results/` (%s). Figures are mean ± standard "
             "deviation over seeds, with the worst seed beside them. Each section "
             "was measured on the day it names: %s." % (
                 result["machine"], result["cores"], stacks_text,
                 " --quick" if result["quick"] else "", result["name"] + (
                     "" if result["name"].endswith(".json") else ".json"),
                 ", ".join("%s %s" % kv for kv in sorted(dates.items()))), ""]
    for section, render in MARKDOWN_SECTIONS:
        lines += render(result) if section in result or section == "paper_training" \
            else []
    lines += side_benchmarks()
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")


# Side benchmarks in RESULTS.md: (title, results files[, "every": each file,
# not only the newest]).
SIDE_RESULTS = (
    ("parity_rnn: the book's cell against the default's", "parity-cells-*.json"),
    ("char_rnn levers (decided on validation)", "char-levers-*.json", "every"),
    ("char_rnn speed, TF2", "char-speed-*-tf2.json"),
    ("char_rnn speed, TF1", "char-speed-*-tf1.json"),
    ("char_rnn on tiny shakespeare", "char-corpus-*.json"),
    ("energy_gru against trees: the forecast, TF2", "energy-forecast-2*[0-9].json"),
    ("energy_gru against trees: the forecast, TF1", "energy-forecast-*-tf1.json"),
    ("energy_gru against trees: four later test periods", "energy-rolling-2*[0-9].json"),
    ("energy_gru against trees: the paper's protocol", "energy-paper-2*[0-9].json"),
    ("energy_gru: the paper preset's training", "energy-paper-training-2*[0-9].json"),
    ("energy_gru: the paper preset without dropout", "energy-paper-dropout-2*[0-9].json"),
    ("energy_gru: the paper preset's ensemble against trees",
     "energy-paper-ensemble-2*[0-9].json"),
    ("energy_gru's paper protocol: gradient boosting with a wider grid",
     "energy-paper-gb-2*[0-9].json"),
    ("energy_gru: the paper preset's ensemble against trees, 6 readings past the row "
     "(after the fact)", "energy-paper-ensemble-after6-2*[0-9].json"),
)


def side_benchmarks():
    """The newest result of each side benchmark (char_levers.py, char_speed.py
    on each stack, char_corpus.py, energy_trees.py's modes), as the tables it
    printed, with its command."""
    lines = []
    for title, pattern, *rest in SIDE_RESULTS:
        found = sorted(glob.glob(os.path.join(HERE, "results", pattern)))
        # The levers' searches all stay: a lever that left the script keeps
        # its measurement here, with the code it was measured on.
        every = "every" in rest
        for path in (found if every else found[-1:]):
            lines += side_section(title, path, dated=every)
    return lines


def side_section(title, path, dated=False):
    """One side result's tables under `title` (with its date when `dated`),
    with its command, its date and a commit: the one whose code it measured
    where the file names it, else the commit that added the file."""
    side = json.load(open(path))
    if "markdown" not in side:
        return []
    if dated:
        title += ", the search of %s" % side["date"]
    measured = side.get("commit")
    commit = measured or subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%h", "--",
         os.path.relpath(path, ROOT)], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, universal_newlines=True).stdout.strip()
    lines = ["## %s" % title, "", "`%s`, %s%s; raw figures in `benchmarks/results/%s`."
             % (side["command"].strip(), side["date"],
                ", %s `%s`" % ("the code of commit" if measured
                               else "added in commit", commit) if commit else "",
                os.path.basename(path)), "", side["markdown"], ""]
    for period, fold in sorted(side.get("folds", {}).items()):
        table = [row for row in fold["table"] if row]
        lines += ["Test period %s (`%s`):" % (period, " ".join(fold["flags"])), ""] + \
            [row if row.startswith("|") else "\n" + row for row in table] + [""]
    return lines


# ---------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny configurations: checks the machinery, measures nothing")
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS)
    parser.add_argument("--scripts", nargs="+", choices=list(FIGURE), default=list(FIGURE),
                        help="the scripts whose defaults and articles sections run")
    parser.add_argument("--results", help="add to this results JSON instead of "
                                          "benchmarks/results/<date>.json")
    args = parser.parse_args(argv)
    QUICK[0] = args.quick
    SCRIPTS[0] = tuple(args.scripts)
    found = stacks()
    if not found:
        parser.error("no stack set up: run make setup (and make setup-classic)")
    date = datetime.date.today().isoformat()
    name = date + ("-quick" if args.quick else "")
    path = args.results or os.path.join(HERE, "results", name + ".json")
    result = json.load(open(path)) if os.path.exists(path) else {
        "date": date, "quick": args.quick, "name": name,
        "machine": "%s %s" % (platform.system(), platform.machine()),
        "cores": os.cpu_count()}
    result["stacks"] = {n: version_of(p) for n, p in found}
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    workdir = tempfile.mkdtemp(prefix="rnn-bench-")

    def seeds_of(n):
        return list(range(1, (2 if args.quick else n) + 1))
    sections = {
        "defaults": lambda: bench_defaults(found, workdir, args.quick, seeds_of),
        "echo_seeds": lambda: bench_echo_seeds(found, workdir, args.quick),
        "echo_parts": lambda: bench_echo_parts(found, workdir, args.quick),
        "articles": lambda: bench_articles(found, workdir, args.quick,
                                           result.get("defaults")),
        "energy": lambda: bench_energy(found, workdir, args.quick),
        "paper": lambda: bench_paper(found, workdir, args.quick),
        "paper_training": lambda: bench_paper_training(found, workdir, args.quick),
        "references": lambda: bench_references(found, workdir, args.quick,
                                               result.get("defaults")),
        "scaling": lambda: bench_scaling(found, workdir, args.quick),
    }
    try:
        for section in args.sections:
            started = time.time()
            found_now = sections[section]()
            if section in ("defaults", "articles") and isinstance(result.get(section), dict):
                result[section].update(found_now)    # --scripts: the others stay
            else:
                result[section] = found_now
            result.setdefault("seconds", {})[section] = time.time() - started
            # A section run for some scripts only dates those scripts' figures.
            partial = section in ("defaults", "articles") and \
                set(SCRIPTS[0]) != set(FIGURE)
            result.setdefault("section_dates", {})[
                "%s (%s)" % (section, ", ".join(SCRIPTS[0])) if partial else section] = date
            with open(path, "w") as handle:
                json.dump(result, handle, indent=1, sort_keys=True)
            print("[%s] done in %.0f s" % (section, time.time() - started), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if "scaling" in result:
        plot_scaling(result["scaling"], os.path.join(HERE, "scaling.png"))
    if "echo_parts" in result and not args.quick:
        plot_echo_parts(result["echo_parts"], os.path.join(HERE, "echo_parts.png"))
        shutil.copy(os.path.join(HERE, "echo_parts.png"), os.path.join(ROOT, "docs"))
    write_markdown(result if args.quick else merged_results(),
                   os.path.join(HERE, "RESULTS-quick.md" if args.quick else "RESULTS.md"))
    print("benchmarks: %s" % path)


if __name__ == "__main__":
    main()
