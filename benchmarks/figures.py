"""Every figure the README and the docs show, written from benchmarks/results/.

    python benchmarks/figures.py           # rewrite every figure in README.md and docs/
    python benchmarks/figures.py --check   # list the figures that differ (exit 1 if any)
    python benchmarks/figures.py docs/echo_rnn.md   # only the pages named

A page asks for a figure with a pair of HTML comments, which markdown does
not show:

    <!-- figures NAME -->        a block: a table, with its command, date and stack
    ...
    <!-- /figures -->

    <!-- figure NAME -->2.334<!-- /figure -->      one number inside a sentence

NAME is a key of BLOCKS or of VALUES below; the text between the comments is
this program's to write. tests/test_docs.py runs the check, so a page whose
figure differs from its results file (a hand edit, or a results file that
changed) fails the tests until this program is run again. Needs only the
standard library and the results files: no TensorFlow, no training.
"""
from __future__ import print_function

import glob
import io
import json
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import run  # noqa: E402  (RESULTS.md's section renderers)
RESULTS = os.path.join(HERE, "results")
BLOCK = re.compile(r"(<!-- figures ([\w.-]+) -->\n)(.*?)(<!-- /figures -->)", re.S)
INLINE = re.compile(r"(<!-- figure ([\w.-]+) -->)(.*?)(<!-- /figure -->)", re.S)
STACKS = {"TF2": "TF 2.21.0, Python 3.11", "TF1": "TF 1.15.5, Python 3.7"}


# ---------------------------------------------------------------------------
# Reading the results
# ---------------------------------------------------------------------------
def load(name):
    """A results file, by its name in benchmarks/results/."""
    with io.open(os.path.join(RESULTS, name), encoding="utf-8") as handle:
        return json.load(handle)


def newest(pattern):
    """(file name, results) of the newest file matching `pattern` (dated names
    sort by date)."""
    found = sorted(glob.glob(os.path.join(RESULTS, pattern)))
    found = [path for path in found if "-quick" not in os.path.basename(path)]
    if not found:
        raise LookupError("no results file matches %s" % pattern)
    return os.path.basename(found[-1]), load(os.path.basename(found[-1]))


def run_results(section, script=None):
    """(file name, results, date) of the newest benchmarks/run.py results file
    that holds `section` (for `script`, when given), and the date it ran."""
    for path in sorted(glob.glob(os.path.join(RESULTS, "20[0-9][0-9]-[0-9][0-9]-"
                                                       "[0-9][0-9].json")), reverse=True):
        result = load(os.path.basename(path))
        found = result.get(section)
        if found and (script is None or script in found):
            dates = result.get("section_dates", {})
            date = dates.get("%s (%s)" % (section, script),
                             dates.get(section, result["date"]))
            return os.path.basename(path), result, date
    raise LookupError("no results file holds %s %s" % (section, script or ""))


def at(tree, path):
    """tree["a"]["b"]... for the dotted `path`."""
    for part in path.split("."):
        tree = tree[part]
    return tree


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------
def num(value, digits=3):
    return "-" if value is None else "{:,.{}f}".format(value, digits)


def mean_sd(spread, digits=3, bold=False):
    """'2.334 ± 0.004' of a spread (mean, sd, n) from the results."""
    if not spread:
        return "-"
    text = num(spread["mean"], digits)
    if bold:
        text = "**%s**" % text
    return text + (" ± %s" % num(spread["sd"], digits) if spread.get("n", 1) > 1 else "")


def interval(found, digits=3):
    """'+0.046 (+0.020 to +0.064)' of [mean, low, high]."""
    mean, low, high = found
    return "{:+.{d}f} ({:+.{d}f} to {:+.{d}f})".format(mean, low, high, d=digits)


def source_line(command, date, name, stacks=None):
    """The line under a table: how the figures were measured, when, where."""
    return "`%s`, %s%s; raw figures in `benchmarks/results/%s`." % (
        command, date, "" if not stacks else ", " + "; ".join(
            "%s = %s" % (k, STACKS.get(k, k)) for k in stacks), name)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def minutes(seconds):
    return "%.1f" % (seconds / 60.0)


# ---------------------------------------------------------------------------
# The figures: blocks (tables) and values (one number)
# ---------------------------------------------------------------------------
FIGURE_OF = {"echo_rnn": ("echo accuracy on a fresh series", 4),
             "parity_rnn": ("parity of fresh 50-bit test strings", 4),
             "char_rnn": ("test bits per character", 3),
             "energy_gru": ("test RMSE (Wh)", 2)}


def defaults_table(script):
    """A script's default runs on each stack: its figure over the seeds, the
    worst seed, and the time."""
    name, result, date = run_results("defaults", script)
    found = result["defaults"][script]
    label, digits = FIGURE_OF[script]
    rows = []
    for stack in ("TF2", "TF1"):
        if stack not in found:
            continue
        s = found[stack]
        worst = s["worst"]
        rows.append([STACKS[stack], mean_sd(s["value"], digits, bold=True),
                     "%s (seed %s)" % (num(worst["value"], digits), worst["seed"]),
                     "%s-%s" % (min(int(k) for k in s["per_seed"]),
                                max(int(k) for k in s["per_seed"])),
                     num(s["train_seconds"]["mean"], 0), num(s["wall_seconds"]["mean"], 0)])
    lines = table(["stack", label + " (mean ± sd over seeds)", "worst seed", "seeds",
                   "training s", "wall s"], rows)
    return lines + ["", source_line("python benchmarks/run.py --sections defaults "
                                    "--scripts %s" % script, date, name)]


def energy_defaults():
    """The default GRU ensemble and each baseline on the same test windows."""
    name, result, date = run_results("defaults", "energy_gru")
    found = result["defaults"]["energy_gru"]
    stacks = [s for s in ("TF2", "TF1") if s in found]
    header = ["model"] + [h % s for s in stacks
                          for h in ("%s: test RMSE Wh", "%s: test MAE Wh")]
    rows = [["**GRU, the default** (3 averaged; seeds %s)" % ", ".join(
        sorted(found[stacks[0]]["per_seed"], key=int))] + [
        cell for s in stacks for cell in (
            "%s, worst %s (seed %s)" % (mean_sd(found[s]["value"], 2, bold=True),
                                        num(found[s]["worst"]["value"], 2),
                                        found[s]["worst"]["seed"]),
            mean_sd(found[s]["also"]["test_mae_wh"], 2))]]
    for key, label in (("strong_linear", "strong linear"), ("persistence", "persistence"),
                       ("window_linear", "linear on the window"),
                       ("seasonal_naive", "same time yesterday")):
        rows.append([label] + [num(found[s]["also"][key + suffix]["mean"], 2)
                               for s in stacks for suffix in ("_rmse_wh", "_mae_wh")])
    lines = table(header, rows)
    beats = "; ".join("on %d of %d seeds (%s)" % (found[s]["beats_strong_linear"],
                                                  found[s]["value"]["n"], s)
                      for s in stacks)
    return lines + ["", "The default beats the strong linear model on the test period %s. "
                    "Training (the three "
                    "networks): %s." % (beats, "; ".join(
                        "%s %s s" % (s, num(found[s]["train_seconds"]["mean"], 0))
                        for s in stacks)), "",
                    source_line("python benchmarks/run.py --sections defaults --scripts "
                                "energy_gru", date, name, stacks)]


def articles_block(script):
    """A script's --article recipe (and one change at a time) beside its default."""
    name, result, date = run_results("articles", script)
    return run.articles_table(result, script) + ["", source_line(
        "python benchmarks/run.py --sections articles --scripts %s" % script, date, name,
        sorted({s for per in result["articles"][script].values() for s in per},
               reverse=True))]


def side_block(prefix):
    """The tables a side benchmark printed (its newest results file named
    PREFIX-<date>.json, or PREFIX = name-tf1 for name-<date>-tf1.json, the
    same for -tf2), its headings left out, with its command and date."""
    if prefix[-4:] in ("-tf1", "-tf2"):
        name, found = newest("%s-2*%s.json" % (prefix[:-4], prefix[-4:]))
        stack = prefix[-3:].upper()
    else:
        name, found = newest("%s-2*[0-9].json" % prefix)
        stack = "TF2"
    lines = [line for line in found["markdown"].split("\n") if not line.startswith("#")]
    while lines and not lines[0].strip():
        lines.pop(0)
    # A benchmark that runs both stacks itself has a row per stack.
    stacks = [s for s in ("TF2", "TF1") if "| %s |" % s in found["markdown"]] or [stack]
    return lines + ["", source_line(found["command"].strip(), found["date"], name, stacks)]


def run_block(section, render=None):
    """A section of benchmarks/run.py's RESULTS.md (or the part of it that
    `render` writes), with the day it ran."""
    name, result, date = run_results(section)
    render = render or dict(run.MARKDOWN_SECTIONS)[section]
    # headings and RESULTS.md's own images stay out: a page places its own
    lines = [line for line in render(result) if not line.startswith(("#", "!["))]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines + ["", source_line("python benchmarks/run.py --sections %s" % section,
                                    date, name, sorted(result["stacks"], reverse=True))]


def headline(script, found):
    """One line: what a script's default gives, over its seeds."""
    stacks = [s for s in ("TF2", "TF1") if s in found]
    label, digits = FIGURE_OF[script]
    both = " / ".join(num(found[s]["value"]["mean"], digits) for s in stacks)
    if script == "char_rnn":
        also = found["TF2"]["also"]
        if also.get("ngram_test_bpc"):
            return ("test bits per character (TF2): network %s, count model %s, their "
                    "mixture %s" % (num(found["TF2"]["value"]["mean"], 3),
                                    num(also["ngram_test_bpc"]["mean"], 3),
                                    num(also["mixture_test_bpc"]["mean"], 3)))
    if script == "energy_gru":
        trees = newest("energy-forecast-2*[0-9].json")[1]
        return ("test RMSE (TF2): %s Wh; strong linear %s, gradient-boosted trees %s" % (
            num(found["TF2"]["value"]["mean"], 2),
            num(found["TF2"]["also"]["strong_linear_rmse_wh"]["mean"], 2),
            num(trees["found"][trees["best_other"]]["test"], 2)))
    return "%s: %s (%s)" % (label, both, " / ".join(stacks))


def readme_scripts():
    """The README's line per script: the command, its minutes, its headline."""
    rows, dates = [], set()
    for script in ("echo_rnn", "parity_rnn", "char_rnn", "energy_gru"):
        name, result, date = run_results("defaults", script)
        found = result["defaults"][script]
        stacks = [s for s in ("TF2", "TF1") if s in found]
        rows.append(["`python %s.py`" % script, " / ".join(
            minutes(found[s]["wall_seconds"]["mean"]) for s in stacks),
            headline(script, found), "%s-%s" % (
                min(int(k) for k in found[stacks[0]]["per_seed"]),
                max(int(k) for k in found[stacks[0]]["per_seed"])), date])
        dates.add(name)
    return table(["run", "minutes, TF2 / TF1", "what the default gives (mean over seeds)",
                  "seeds", "measured"], rows) + [
        "", "Minutes of a whole run on an otherwise idle 2-core machine, on the day "
        "it was measured (the machine's speed varies from day to day); TF2 = %s, "
        "TF1 = %s. `python benchmarks/run.py --sections defaults`; raw figures in %s." % (
            STACKS["TF2"], STACKS["TF1"], ", ".join(
                "`benchmarks/results/%s`" % n for n in sorted(dates)))]


CHAR_MODELS = (("network, as trained", ""), ("count model (Kneser-Ney n-gram)", "ngram_"),
               ("mixture of the two", "mixture_"),
               ("network, dynamic evaluation", "dynamic_"),
               ("count model, online counts", "ngram_online_"))
PAIRS = (("network_minus_ngram", "network - count model"),
         ("mixture_minus_network", "mixture - network"),
         ("mixture_minus_ngram", "mixture - count model"),
         ("dynamic_minus_ngram_online", "dynamic evaluation - online counts"))


def char_defaults():
    """char_rnn.py's defaults section: (file name, per stack, date, stacks)."""
    name, result, date = run_results("defaults", "char_rnn")
    found = result["defaults"]["char_rnn"]
    return name, found, date, [s for s in ("TF2", "TF1") if s in found]


def char_compare():
    """The default network beside the count model, their mixture and the
    adaptive pair, validation beside test, on each stack."""
    name, found, date, stacks = char_defaults()
    header = ["model"] + [h % s for s in stacks for h in ("%s validation (decides)",
                                                          "%s test")]
    rows = []
    for label, key in CHAR_MODELS:
        cells = []
        for s in stacks:
            also = found[s]["also"]
            val = also["val_bpc"] if not key else also[key + "val_bpc"]
            test = found[s]["value"] if not key else also[key + "test_bpc"]
            cells += [mean_sd(val, 3), mean_sd(test, 3, bold=not key)]
        rows.append([label] + cells)
    lines = table(header, rows)
    lines += ["", "Bits per character, mean ± sd over seeds %s. The count model's order "
              "(chosen on validation): %s; the mixture's weight on the network: %s; "
              "dynamic evaluation's rate: %s; the best validation epoch: %s. Paired "
              "differences on the test text, per "
              "character, 95%% interval from a block bootstrap (blocks of 500 "
              "characters), for the seeds' mean difference and for the worst seed:" % (
                  "%s-%s" % (min(int(k) for k in found[stacks[0]]["per_seed"]),
                             max(int(k) for k in found[stacks[0]]["per_seed"])),
                  "; ".join("%s %s" % (s, num(found[s]["also"]["ngram_order"]["mean"], 0))
                            for s in stacks),
                  "; ".join("%s %s" % (s, mean_sd(found[s]["also"]["mixture_weight"], 2))
                            for s in stacks),
                  "; ".join("%s %s" % (s, mean_sd(found[s]["also"]["dynamic_rate"], 3))
                            for s in stacks),
                  "; ".join("%s %s to %s of %s" % (
                      s, num(found[s]["also"]["best_epoch"]["min"], 0),
                      num(found[s]["also"]["best_epoch"]["max"], 0),
                      num(found[s]["also"]["epochs_run"]["max"], 0)) for s in stacks)), ""]
    rows = []
    for key, label in PAIRS:
        cells = []
        for s in stacks:
            paired = found[s]["paired"][key]
            per_seed = paired["per_seed"]
            worst = max(per_seed.items(), key=lambda kv: kv[1][0])
            cells += [interval(paired["seeds_mean"]),
                      "%s (seed %s)" % (interval(worst[1]), worst[0])]
        rows.append([label] + cells)
    lines += table(["test, paired"] + [h % s for s in stacks
                                       for h in ("%s: seeds' mean", "%s: worst seed")], rows)
    return lines + ["", "Whole runs, start to exit (training, the count model and dynamic "
                    "evaluation included), mean over the seeds: %s. %s" % ("; ".join(
                        "%s %s min, of which training %s min" % (
                            s, minutes(found[s]["wall_seconds"]["mean"]),
                            minutes(found[s]["train_seconds"]["mean"])) for s in stacks),
                        source_line("python benchmarks/run.py --sections defaults "
                                    "--scripts char_rnn", date, name, stacks))]


def char_verdict():
    """The comparison in words, from the same figures."""
    name, found, date, stacks = char_defaults()
    parts = []
    for s in stacks:
        net = found[s]["paired"]["network_minus_ngram"]["seeds_mean"]
        mix = found[s]["paired"]["mixture_minus_ngram"]["seeds_mean"]
        if net[2] < 0:
            alone = "ahead of the count model by %s bits, the interval clear of zero" % (
                num(-net[0], 3))
        elif net[1] > 0:
            alone = "behind the count model by %s bits, the interval clear of zero" % (
                num(net[0], 3))
        else:
            alone = "level with the count model, the interval including zero"
        parts.append("on %s the network alone is %s (validation, where the choices are "
                     "made: %s against %s), and the mixture is %s bits ahead of the count "
                     "model" % (s, alone, num(found[s]["also"]["val_bpc"]["mean"], 3),
                                num(found[s]["also"]["ngram_val_bpc"]["mean"], 3),
                                num(-mix[0], 3)))
    return ["**The verdict, in the same figures.** On the test text, %s (%s)." % (
        "; ".join(parts), date)]


def char_levers_verdict():
    """The lever with the lowest validation figure, beside the count model's
    validation figure on the same split (it has no seed)."""
    name, found = newest("char-levers-2*[0-9].json")
    rows = [(r["lever"], [f["val_bpc"] for f in r["per_seed"].values()])
            for r in found["levers"] if r["per_seed"]]
    best = min(rows, key=lambda row: sum(row[1]) / len(row[1]))
    counts = char_defaults()[1]["TF2"]["also"]["ngram_val_bpc"]["mean"]
    return ["The lowest mean validation figure is %s's, %s bits per character over %d "
            "seed%s; the count model's on the same text is %s (%s)." % (
                best[0], num(sum(best[1]) / len(best[1]), 3), len(best[1]),
                "" if len(best[1]) == 1 else "s", num(counts, 3), found["date"])]


def char_nanogpt():
    ref = load("references.json")["nanogpt_shakespeare_char_cpu"]
    return ["**Beside nanoGPT.** %s: a validation loss of about %s nats (%s bits) per "
            "character after about %d minutes. Its validation text is the corpus's last "
            "10%%, the same characters as our test text (the two cuts differ by one "
            "character); it trains on the 90%% before it, we on the first 80%%. The "
            "machines differ, so equal time is only roughly equal work." % (
                ref["where"][0].upper() + ref["where"][1:], num(ref["val_loss_nats"], 2),
                num(ref["val_loss_nats"] / math.log(2), 2), ref["minutes"]),
            "", "`benchmarks/results/references.json` (not measured here)."]


def char_corpus_verdict():
    """Tiny shakespeare in words: the network, the count model and their
    mixture over the seeds, beside nanoGPT's figure (from the same files)."""
    name, found = newest("char-corpus-2*[0-9].json")
    runs = [r for r in found["runs"] if r.get("test_bpc") is not None]
    if not runs or runs[0].get("ngram_test_bpc") is None:
        raise LookupError("%s holds no count model" % name)

    def mean(key):
        return sum(r[key] for r in runs) / len(runs)
    paired = [r["test_paired_differences"]["network_minus_ngram"] for r in runs]
    behind = all(p[1] > 0 for p in paired)
    ahead = all(p[2] < 0 for p in paired)
    nano = load("references.json")["nanogpt_shakespeare_char_cpu"]["val_loss_nats"]
    return ["**On tiny shakespeare** (test text, mean over seeds %s, TF2): the network "
            "%s bits per character, the count model %s (order %s, chosen on "
            "validation), their mixture %s; nanoGPT's figure on the same characters is "
            "about %s. %s (%s)." % (
                ", ".join(str(r["seed"]) for r in runs), num(mean("test_bpc"), 3),
                num(mean("ngram_test_bpc"), 3),
                "/".join(sorted({str(r["ngram_order"]) for r in runs})),
                num(mean("mixture_test_bpc"), 3), num(nano / math.log(2), 2),
                "The count model is ahead of the network on every seed, each paired "
                "interval clear of zero" if behind else
                "The network is ahead of the count model on every seed, each paired "
                "interval clear of zero" if ahead else
                "Network and count model are level on some seed (a paired interval "
                "includes zero)", found["date"])]


def defaults_all():
    """Every script's default runs, each from its newest results file."""
    rows, names = [], set()
    for script in ("echo_rnn", "parity_rnn", "char_rnn", "energy_gru"):
        name, result, date = run_results("defaults", script)
        names.add(name)
        digits = run.DIGITS[script]
        for stack in ("TF2", "TF1"):
            s = result["defaults"][script].get(stack)
            if s is None:
                continue
            rows.append([script, STACKS[stack], s["figure"], mean_sd(s["value"], digits),
                         "%s (%s)" % (num(s["worst"]["value"], digits), s["worst"]["seed"]),
                         s["value"]["n"], num(s["train_seconds"]["mean"], 0),
                         num(s["wall_seconds"]["mean"], 0),
                         num(s["steps_per_second"]["mean"], 0), num(s["peak_rss_mib"], 0),
                         date])
    return table(["script", "stack", "figure", "mean ± sd", "worst (seed)", "seeds",
                  "training s", "wall s", "steps/s", "peak RSS MiB", "measured"], rows) + [
        "", "`python benchmarks/run.py --sections defaults`; raw figures in %s." % ", ".join(
            "`benchmarks/results/%s`" % n for n in sorted(names))]


def char_sample():
    """The start of the default's samples.txt (seed 1, TF2), which
    benchmarks/run.py copies into docs/ with its plots."""
    with io.open(os.path.join(ROOT, "docs", "char_samples.txt"), encoding="utf-8") as handle:
        text = handle.read()
    lines = text[:500].rsplit("\n", 1)[0].split("\n")
    name, found, date, stacks = char_defaults()
    return ["```"] + lines + ["```", "", "The start of `samples.txt` of the default's "
                              "seed-1 run on TF2 (%s): the best epoch's averaged weights, "
                              "temperature 1, primed with `PROSPERO.`." % date]


BLOCKS = {
    "readme.scripts": readme_scripts,
    "char.sample": char_sample,
    "defaults": defaults_all,
    "char.compare": char_compare,
    "char.verdict": char_verdict,
    "char.article": lambda: articles_block("char_rnn"),
    "char.levers-verdict": char_levers_verdict,
    "char.nanogpt": char_nanogpt,
    "char.corpus-verdict": char_corpus_verdict,
    "echo.defaults": lambda: defaults_table("echo_rnn"),
    "parity.defaults": lambda: defaults_table("parity_rnn"),
    "energy.defaults": energy_defaults,
    "energy.article": lambda: articles_block("energy_gru"),
    "echo.article": lambda: articles_block("echo_rnn"),
    "parity.article": lambda: articles_block("parity_rnn"),
    "echo.loops": lambda: run_block("references", run.md_echo_loops),
    "char.min-char-rnn": lambda: run_block("references", run.md_min_char),
}


def block(name):
    """The lines of the figure block `name`: BLOCKS', or side.PREFIX (a side
    benchmark's tables), or run.SECTION (a section of RESULTS.md)."""
    if name in BLOCKS:
        return BLOCKS[name]()
    if name.startswith("side."):
        return side_block(name[5:])
    if name.startswith("run."):
        return run_block(name[4:])
    if name.startswith("file."):
        found = load(name[5:] + ".json")
        lines = [line for line in found["markdown"].split("\n") if not line.startswith("#")]
        return lines + ["", source_line(found["command"].strip(), found["date"],
                                        name[5:] + ".json")]
    raise LookupError("no figure block named %s" % name)


VALUES = {}


# ---------------------------------------------------------------------------
# Writing and checking the pages
# ---------------------------------------------------------------------------
def pages():
    return [os.path.join(ROOT, "README.md")] + sorted(
        glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))


def render(text, path=""):
    """`text` with every figure block and value written anew; raises
    LookupError naming an unknown figure."""
    def fill(match):
        try:
            lines = block(match.group(2))
        except LookupError as err:
            raise LookupError("%s: %s" % (path, err))
        return match.group(1) + "\n".join(lines) + "\n" + match.group(4)

    def value(match):
        if match.group(2) not in VALUES:
            raise LookupError("%s: no figure named %s" % (path, match.group(2)))
        return match.group(1) + VALUES[match.group(2)]() + match.group(4)
    return INLINE.sub(value, BLOCK.sub(fill, text))


def renewed(paths=None):
    """(path, text, text with its figures written anew) of every page."""
    for path in paths or pages():
        with io.open(path, encoding="utf-8") as handle:
            text = handle.read()
        yield path, text, render(text, path)


def stale(paths=None):
    """The pages whose figures differ from what the results give, each with
    the names of the figures that differ."""
    found = []
    for path, text, fresh in renewed(paths):
        if fresh != text:
            names = [m.group(2) for m in BLOCK.finditer(text)
                     if m.group(0) not in fresh] + \
                [m.group(2) for m in INLINE.finditer(text) if m.group(0) not in fresh]
            found.append("%s: %s" % (os.path.relpath(path, ROOT), ", ".join(names)))
    return found


def write(paths=None):
    changed = []
    for path, text, fresh in renewed(paths):
        if fresh != text:
            with io.open(path, "w", encoding="utf-8") as handle:
                handle.write(fresh)
            changed.append(os.path.relpath(path, ROOT))
    return changed


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    paths = [os.path.abspath(a) for a in argv if not a.startswith("--")] or None
    if "--check" in argv:
        found = stale(paths)
        for line in found:
            print("stale: %s (python benchmarks/figures.py writes them)" % line)
        return 1 if found else 0
    for path in write(paths):
        print("wrote figures in %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
