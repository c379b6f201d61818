"""Every figure the README and the docs show, written from benchmarks/results/.

    python benchmarks/figures.py           # rewrite every figure in README.md and docs/
    python benchmarks/figures.py --check   # list the figures that differ (exit 1 if any)

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
    PREFIX-<date>.json, or PREFIX = name-tf1 for PREFIX-<date>-tf1.json),
    its headings left out, with its command and date."""
    if prefix.endswith("-tf1"):
        name, found = newest("%s-2*-tf1.json" % prefix[:-4])
        stack = "TF1"
    else:
        name, found = newest("%s-2*[0-9].json" % prefix)
        stack = "TF2"
    lines = [line for line in found["markdown"].split("\n") if not line.startswith("#")]
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines + ["", source_line(found["command"].strip(), found["date"], name, [stack])]


def run_block(section):
    """A section of benchmarks/run.py's RESULTS.md, with the day it ran."""
    name, result, date = run_results(section)
    render = {md.__name__[3:]: md for md in run.MARKDOWN_SECTIONS}[section]
    lines = [line for line in render(result) if not line.startswith("#")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines + ["", source_line("python benchmarks/run.py --sections %s" % section,
                                    date, name, sorted(result["stacks"], reverse=True))]


BLOCKS = {
    "echo.defaults": lambda: defaults_table("echo_rnn"),
    "parity.defaults": lambda: defaults_table("parity_rnn"),
    "energy.defaults": energy_defaults,
    "energy.article": lambda: articles_block("energy_gru"),
    "echo.article": lambda: articles_block("echo_rnn"),
    "parity.article": lambda: articles_block("parity_rnn"),
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


def stale(paths=None):
    """The pages whose figures differ from what the results give, each with
    the names of the figures that differ."""
    found = []
    for path in paths or pages():
        with io.open(path, encoding="utf-8") as handle:
            text = handle.read()
        fresh = render(text, path)
        if fresh != text:
            names = [m.group(2) for m in BLOCK.finditer(text)
                     if m.group(0) not in fresh] + \
                [m.group(2) for m in INLINE.finditer(text) if m.group(0) not in fresh]
            found.append("%s: %s" % (os.path.relpath(path, ROOT), ", ".join(names)))
    return found


def write(paths=None):
    changed = []
    for path in paths or pages():
        with io.open(path, encoding="utf-8") as handle:
            text = handle.read()
        fresh = render(text, path)
        if fresh != text:
            with io.open(path, "w", encoding="utf-8") as handle:
                handle.write(fresh)
            changed.append(os.path.relpath(path, ROOT))
    return changed


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        found = stale()
        for line in found:
            print("stale: %s (python benchmarks/figures.py writes them)" % line)
        return 1 if found else 0
    for path in write():
        print("wrote figures in %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
