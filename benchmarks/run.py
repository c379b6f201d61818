"""Benchmarks: every script side by side on both stacks, the original recipes,
the baselines, and how the cost grows with sequence length and hidden size.

    python benchmarks/run.py              # the full set (about an hour on 2 cores)
    python benchmarks/run.py --quick      # a sanity check in under 3 minutes
    make bench / make bench-quick         # the same, through the Makefile

Each script runs as its own process, so its wall time, peak memory (RSS, from
the kernel's accounting of that child) and metrics.json are its own. Runs are
interleaved (script by script, TF2 then TF1, repeated), so a noisy shared
machine slows both stacks alike; ratios are taken within one run of this file.
Writes benchmarks/results/<date>.json, benchmarks/RESULTS.md and
benchmarks/scaling.png. Not part of the tests or CI.
"""
from __future__ import print_function

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

# script -> (the figure that says whether the task was done, better when higher?)
FIGURE = {"echo_rnn": ("echo_accuracy", True),
          "parity_rnn": ("parity_accuracy_fixed", True),
          "char_rnn": ("val_bpc", False),
          "energy_gru": ("test_rmse_wh", False)}


def stacks():
    """Python interpreters of the stacks that are set up, TF2 first."""
    found = []
    for name, venv in (("TF2", ".venv"), ("TF1", ".venv37")):
        python = os.path.join(ROOT, venv, "bin", "python")
        if os.path.exists(python):
            found.append((name, python))
    return found


def run_child(python, argv, workdir):
    """Run one command; return wall seconds, peak RSS (MiB), exit status."""
    with tempfile.TemporaryFile() as err:
        start = time.time()
        proc = subprocess.Popen([python] + argv, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.time() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode()[-500:]
            print("  ! %s exited %d: %s" % (" ".join(argv), proc.returncode, tail),
                  flush=True)
    return {"wall_seconds": wall, "peak_rss_mib": usage.ru_maxrss / 1024.0,
            "exit": proc.returncode}


def run_script(python, script, args, workdir, tag):
    out = os.path.join(workdir, tag)
    result = run_child(python, [script + ".py"] + args + ["--output-dir", out], workdir)
    path = os.path.join(out, "metrics.json")
    result["metrics"] = json.load(open(path)) if os.path.exists(path) else {}
    return result


def version_of(python):
    code = ("import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'; import tensorflow as t; "
            "import platform; print(t.__version__, platform.python_version())")
    out = subprocess.run([python, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, universal_newlines=True).stdout.split()
    return {"tensorflow": out[0], "python": out[1]} if len(out) == 2 else {}


def summarise(runs):
    walls = [r["wall_seconds"] for r in runs]
    m = runs[-1]["metrics"]
    train = [r["metrics"].get("train_seconds") for r in runs if r["metrics"]]
    steps = m.get("steps")
    return {"wall_median": float(np.median(walls)), "wall_min": min(walls),
            "wall_max": max(walls), "runs": len(runs),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "train_seconds_median": float(np.median(train)) if train else None,
            "steps": steps,
            "steps_per_second": steps / float(np.median(train)) if train and steps else None,
            "figures": [r["metrics"] for r in runs]}


# ---------------------------------------------------------------------------
def bench_defaults(found, scripts, repeats, quick, workdir):
    """Each script's default (or --quick) configuration on every stack."""
    raw = {s: {name: [] for name, _ in found} for s in scripts}
    for rep in range(repeats):
        for script in scripts:
            for name, python in found:
                print("[defaults] %s on %s, run %d/%d" % (script, name, rep + 1, repeats),
                      flush=True)
                raw[script][name].append(run_script(
                    python, script, ["--quick"] if quick else [], workdir,
                    "%s-%s-%d" % (script, name, rep)))
    return {s: {n: summarise(r) for n, r in per.items()} for s, per in raw.items()}


def bench_echo_loops(found, quick):
    out = {}
    for name, python in found:
        print("[echo] the article's loop against ours on %s" % name, flush=True)
        args = ["200", "2"] if quick else ["1000", "3"]
        proc = subprocess.run([python, os.path.join(HERE, "echo_loops.py")] + args,
                              cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, universal_newlines=True)
        out[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def bench_parity_recipes(python, workdir):
    """The book's recipe and OpenAI's fixed-length training, current stack."""
    recipes = {"book": ["--book"],
               "fixed lengths (OpenAI 1)": ["--lengths", "fixed", "--epochs", "10"],
               "variable lengths (OpenAI 2, default)": []}
    out = {}
    for label, args in recipes.items():
        print("[parity] %s" % label, flush=True)
        r = run_script(python, "parity_rnn", args, workdir, "parity-" + label[:5])
        m = r["metrics"]
        out[label] = {k: m.get(k) for k in ("parity_accuracy_fixed",
                                            "parity_accuracy_variable", "sum_accuracy",
                                            "epochs_run", "train_seconds")}
        out[label]["config"] = {k: m.get("config", {}).get(k) for k in (
            "cell", "target", "lengths", "learning_rate", "batch_size")}
    return out


def bench_min_char(seconds, seed=42):
    import char_rnn
    from min_char_rnn import MinCharRNN
    text = char_rnn.read_text(os.path.join(ROOT, "data", "tempest.txt"))
    train, val = char_rnn.split_text(text, 0.1)
    vocab = char_rnn.build_vocab(text)
    model = MinCharRNN(len(vocab), seed=seed)
    print("[char] numpy min-char-rnn for %.0f s" % seconds, flush=True)
    steps = model.train_for(char_rnn.encode(train, vocab), seconds)
    return {"seconds": seconds, "steps": steps,
            "val_bpc": model.bits_per_char(char_rnn.encode(val, vocab))}


def bench_paper(python, workdir, quick):
    print("[energy] the paper's protocol", flush=True)
    args = ["--protocol", "paper"] + (["--quick"] if quick else [])
    r = run_script(python, "energy_gru", args, workdir, "energy-paper")
    return {k: r["metrics"].get(k) for k in ("test_rmse_wh", "test_r2", "test_mae_wh",
                                             "test_mape_pct", "linear_rmse_wh",
                                             "linear_r2", "train_seconds")}


def bench_scaling(python, workdir, quick):
    """Seconds per epoch against sequence length (parity) and hidden size (char)."""
    out = {"parity_T": {}, "char_hidden": {}}
    lengths = (25, 50, 100) if quick else (25, 50, 100, 200)
    for T in lengths:
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
    import utils
    plt = utils.pyplot(False)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label, power in ((left, "parity_T", "sequence length T (parity)", 1),
                                  (right, "char_hidden", "hidden units H (char)", 2)):
        xs = sorted(int(k) for k in scaling[key])
        ys = [scaling[key][k] if k in scaling[key] else scaling[key][str(k)] for k in xs]
        ax.loglog(xs, ys, marker="o", label="measured")
        ref = [ys[-1] * (x / float(xs[-1])) ** power for x in xs]
        ax.loglog(xs, ref, linestyle=":", color="grey",
                  label="~ %s" % ("T" if power == 1 else "H^2"))
        ax.set_xlabel(label)
        ax.set_ylabel("seconds per epoch")
        ax.legend()
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("Cost per epoch on this machine")
    return utils.save_figure(fig, path)


# ---------------------------------------------------------------------------
def write_markdown(result, path):
    stacks_text = ", ".join("%s = TensorFlow %s on Python %s"
                            % (n, v.get("tensorflow"), v.get("python"))
                            for n, v in result["stacks"].items())
    lines = ["# Benchmark results", "",
             "%s, %s, %d cores; %s. Produced by `python benchmarks/run.py%s`; raw "
             "figures in `benchmarks/results/%s.json`." % (
                 result["date"], result["machine"], result["cores"], stacks_text,
                 " --quick" if result["quick"] else "", result["name"]), ""]
    lines += ["## Default runs on each stack", "",
              "| script | stack | wall s (median, min-max, runs) | training s | steps/s "
              "| peak RSS MiB | figure |", "|---|---|---|---|---|---|---|"]
    for script, per in result["defaults"].items():
        key = FIGURE[script][0]
        for stack, s in per.items():
            values = ", ".join("%.4g" % f[key] for f in s["figures"]
                               if f.get(key) is not None)
            lines.append("| %s | %s | %.1f (%.1f-%.1f, %d) | %s | %s | %.0f | %s = %s |" % (
                script, stack, s["wall_median"], s["wall_min"], s["wall_max"], s["runs"],
                "%.1f" % s["train_seconds_median"] if s["train_seconds_median"] else "-",
                "%.0f" % s["steps_per_second"] if s["steps_per_second"] else "-",
                s["peak_rss_mib"], key, values))
        if len(per) == 2:
            a, b = per["TF2"], per["TF1"]
            lines.append("| %s | TF2/TF1 | wall %.2f | training %s | | | |" % (
                script, a["wall_median"] / b["wall_median"],
                "%.2f" % (a["train_seconds_median"] / b["train_seconds_median"])
                if a["train_seconds_median"] and b["train_seconds_median"] else "-"))
    lines += ["", "## Reference recipes", ""]
    if "echo_loops" in result:
        lines += ["Echo: training steps per second, our loop against the article's "
                  "(which fetches the predictions every step and redraws its figure every "
                  "100 steps) and against ours before feeding float32 (int64 converted "
                  "at every step):", "",
                  "| stack | ours | article's | ours / article's | int64 feed | "
                  "ours / int64 feed |", "|---|---|---|---|---|---|"]
        for stack, e in result["echo_loops"].items():
            lines.append("| %s | %.0f | %.0f | %.2f | %s | %s |" % (
                stack, e["ours"], e["article"], e["ratio_ours_over_article"],
                "%.0f" % e["int64 feed"] if "int64 feed" in e else "-",
                "%.2f" % e["ratio_ours_over_int64_feed"]
                if "ratio_ours_over_int64_feed" in e else "-"))
        lines.append("")
    if "parity_recipes" in result:
        lines += ["Parity (current stack): held-out parity accuracy when training stopped.",
                  "", "| recipe | cell, target, lengths, lr, batch | 50-bit strings | "
                  "1..50-bit strings | epochs | seconds |", "|---|---|---|---|---|---|"]
        for label, r in result["parity_recipes"].items():
            c = r["config"]
            lines.append("| %s | %s, %s, %s, %s, %s | %.4f | %.4f | %s | %.0f |" % (
                label, c["cell"], c["target"], c["lengths"], c["learning_rate"],
                c["batch_size"], r["parity_accuracy_fixed"], r["parity_accuracy_variable"],
                r["epochs_run"], r["train_seconds"]))
        lines.append("")
    if "min_char_rnn" in result:
        mc = result["min_char_rnn"]
        ours = result["defaults"]["char_rnn"]["TF2"]
        lines += ["Char: the numpy min-char-rnn (vanilla RNN, 100 units, 25-step windows, "
                  "Adagrad) trained for the same wall time as the default `char_rnn.py` "
                  "run, scored on the same validation text:", "",
                  "| model | training s | validation bits/char |", "|---|---|---|",
                  "| numpy min-char-rnn | %.0f | %.3f |" % (mc["seconds"], mc["val_bpc"]),
                  "| char_rnn.py default (TF2) | %.0f | %.3f |" % (
                      ours["train_seconds_median"], ours["figures"][-1]["val_bpc"]), ""]
    if "energy" in result:
        lines += ["Energy: baselines on the same test windows (forecast protocol, "
                  "default run), and the paper's protocol beside the paper's table:", "",
                  "| model | test RMSE Wh | R2 |", "|---|---|---|"]
        for stack, s in result["defaults"].get("energy_gru", {}).items():
            m = s["figures"][-1]
            lines += ["| GRU, forecast (%s) | %.2f | %.2f |" % (stack, m["test_rmse_wh"],
                                                                m["test_r2"]),
                      "| persistence, forecast | %.2f | |" % m["persistence_rmse_wh"],
                      "| linear, forecast | %.2f | %.2f |" % (m["linear_rmse_wh"],
                                                              m["linear_r2"])]
        p = result["energy"]
        lines += ["| GRU, paper protocol | %.2f | %.2f |"
                  % (p["test_rmse_wh"], p["test_r2"]),
                  "| linear, paper protocol (ours) | %.2f | %.2f |"
                  % (p["linear_rmse_wh"], p["linear_r2"])]
        import energy_gru
        for name, v in energy_gru.PAPER.items():
            lines.append("| %s (paper) | %.2f | %.2f |" % (name, v["rmse"], v["r2"]))
        lines.append("")
    if "scaling" in result:
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
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="--quick configurations, fewer references (< 3 minutes)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="runs of each default configuration per stack")
    parser.add_argument("--scripts", nargs="+", default=list(FIGURE),
                        choices=list(FIGURE))
    parser.add_argument("--no-references", action="store_true",
                        help="only the default runs")
    parser.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args(argv)
    found = stacks()
    if not found:
        parser.error("no stack set up: run make setup (and make setup-classic)")
    workdir = tempfile.mkdtemp(prefix="rnn-bench-")
    started = time.time()
    result = {"date": datetime.date.today().isoformat(), "quick": args.quick,
              "machine": "%s %s" % (platform.system(), platform.machine()),
              "cores": os.cpu_count(),
              "stacks": {name: version_of(python) for name, python in found}}
    try:
        result["defaults"] = bench_defaults(found, args.scripts,
                                            1 if args.quick else args.repeats,
                                            args.quick, workdir)
        if not args.no_references:
            current = found[0][1]
            result["echo_loops"] = bench_echo_loops(found, args.quick)
            if not args.quick:
                result["parity_recipes"] = bench_parity_recipes(current, workdir)
            if "char_rnn" in args.scripts:
                seconds = result["defaults"]["char_rnn"][found[0][0]]["train_seconds_median"]
                result["min_char_rnn"] = bench_min_char(
                    min(seconds, 20) if args.quick else seconds)
            if "energy_gru" in args.scripts:
                result["energy"] = bench_paper(current, workdir, args.quick)
            result["scaling"] = bench_scaling(current, workdir, args.quick)
            plot_scaling(result["scaling"], os.path.join(HERE, "scaling.png"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result["seconds"] = time.time() - started
    folder = os.path.join(HERE, "results")
    if not os.path.isdir(folder):
        os.makedirs(folder)
    name = result["name"] = result["date"] + ("-quick" if args.quick else "")
    with open(os.path.join(folder, name + ".json"), "w") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
    write_markdown(result, args.output)
    print("benchmarks done in %.0f s: %s" % (result["seconds"], args.output))


if __name__ == "__main__":
    main()
