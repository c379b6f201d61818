"""The command line every script shares, and the hyperparameter table each
one declares at its top (a Flag per row: the article's name, its default, its
type, a one-line help). From the table come the parser (with --help grouped
as the table is), the presets that fill in what was not given, and the config
saved with each checkpoint; --resume takes the checkpoint's flags back.

The flags are parsed and checked before TensorFlow is imported, so a mistyped
flag is answered at once: one `error:` line, the closest flag for a typo,
exit status 2. Abbreviated flags are not accepted: a flag is a flag.
"""
from __future__ import print_function

import argparse
import difflib
import math
import os
import textwrap

import utils


# ---------------------------------------------------------------------------
# Argument types
# ---------------------------------------------------------------------------
def _number(text, convert, ok, wanted):
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not %s" % (
            text, "an integer" if convert is int else "a number"))
    if not ok(value):
        raise argparse.ArgumentTypeError("must be %s, got %s" % (wanted, text))
    return value


def positive_int(text):
    return _number(text, int, lambda v: v >= 1, "a positive integer")


def non_negative_int(text):
    return _number(text, int, lambda v: v >= 0, ">= 0")


def positive_float(text):
    return _number(text, float, lambda v: v > 0 and math.isfinite(v), "a number > 0")


def non_negative_float(text):
    return _number(text, float, lambda v: v >= 0 and math.isfinite(v), "a number >= 0")


def probability(text):
    """A number in (0, 1], such as a keep probability."""
    return _number(text, float, lambda v: 0 < v <= 1, "in (0, 1]")


def fraction(text):
    """A number in [0, 1)."""
    return _number(text, float, lambda v: 0 <= v < 1, "in [0, 1)")


# ---------------------------------------------------------------------------
# The table, the parser, presets and --resume
# ---------------------------------------------------------------------------
class Flag(object):
    """One row of a script's hyperparameter table.

    `name` is the article's name and the flag's (state_size: --state-size; a
    capitalised name such as INPUT_SEQUENCE_LENGTH is also accepted in lower
    case with dashes); `kind` is an argparse type, a tuple of choices, or bool
    for a switch. `resumable`: may differ on --resume. `saved=False`: not part
    of the run's config (a mode such as --sample, or a display setting).
    """

    def __init__(self, name, default, kind, help, resumable=False, saved=True,
                 aliases=(), **argparse_extra):
        self.name, self.default, self.kind, self.help = name, default, kind, help
        self.resumable, self.saved, self.extra = resumable, saved, argparse_extra
        dashed = "--" + name.lower().replace("_", "-")
        self.options = ([dashed] if name == name.lower() else ["--" + name, dashed]) + \
            list(aliases)

    def add_to(self, group):
        extra = dict(self.extra, dest=self.name, help=self.help)
        if self.kind is bool:
            return group.add_argument(*self.options, action="store_true", **extra)
        if isinstance(self.kind, tuple):
            extra["choices"] = self.kind
            if not isinstance(self.kind[0], str):
                extra["type"] = type(self.kind[0])
        else:
            extra["type"] = self.kind
        return group.add_argument(*self.options, default=self.default, **extra)


F = Flag
COMMON = (
    "common flags",
    F("epochs", None, positive_int, "passes over the training data", resumable=True),
    F("seed", 42, int, "seed for numpy and TensorFlow; the same seed gives the same "
                       "figures on the same stack"),
    F("output_dir", None, str, "where metrics.json, checkpoints, plots and "
                               "tensorboard/ go (default runs/<script>)", saved=False),
    F("quick", False, bool, "a tiny configuration that runs in seconds (a smoke "
                            "test); flags you give still win"),
    F("resume", False, bool, "continue the run saved in --output-dir, with its flags "
                             "(see the end of this help)", saved=False),
    F("show", False, bool, "also open the plots in a window (they are always saved)",
      saved=False),
    F("device", "auto", ("auto", "cpu", "gpu"), "where the graph runs; auto takes a "
                                                "GPU if TensorFlow sees one",
      resumable=True),
    F("threads", 0, int, "TensorFlow's intra- and inter-op threads (0: TF decides)",
      resumable=True),
    F("time_limit", 0.0, float, "end training after this many seconds of it (counted "
                                "across resumes), as if the epochs had run out: for "
                                "comparisons at equal time (0: no limit)",
      resumable=True, metavar="SECONDS"),
)


class ArgumentParser(argparse.ArgumentParser):
    """One `error:` line (with the closest flag for a typo), exit status 2."""

    def error(self, message):
        if message.startswith("unrecognized arguments:"):
            wrong = next((w for w in message.split()[2:] if w.startswith("-")),
                         message.split()[-1])
            known = [o for a in self._actions for o in a.option_strings]
            close = difflib.get_close_matches(wrong.split("=")[0], known, n=1)
            message = "argument %s: no such flag%s" % (
                wrong, "; did you mean %s?" % close[0] if close else "")
        self.exit(2, "%s: error: %s (%s --help lists every flag)\n"
                  % (self.prog, message, self.prog))


def make_parser(script, doc, table, epochs, presets=()):
    prog = os.path.basename(script)
    parser = ArgumentParser(prog=prog, description=doc, allow_abbrev=False,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    group = None
    for row in COMMON + tuple(table):
        if not isinstance(row, Flag):
            group = parser.add_argument_group(row)
            continue
        action = row.add_to(group)
        if row.name == "epochs":
            action.default = epochs
        elif row.name == "output_dir":
            action.default = os.path.join("runs", os.path.splitext(prog)[0])
        values = dict((f, v) for f, v in presets if f == row.name).get(row.name)
        if values:
            action.help += " (sets %s; flags you give still win)" % ", ".join(
                "--%s %s" % (k.replace("_", "-"), v) for k, v in sorted(values.items()))
        if action.default not in (None, False, argparse.SUPPRESS) and \
                action.help and "%(default)" not in action.help:
            action.help += " (default: %(default)s)"
    resumable = [r.options[0] for r in COMMON + tuple(table)
                 if isinstance(r, Flag) and r.resumable]
    parser.epilog = textwrap.fill(
        "--resume continues the run in --output-dir with the flags it was started with. "
        "These may be given anew: %s. Any other flag given with another value is "
        "refused (exit 2): it would change the graph, the data or the randomness."
        % ", ".join(resumable), 79)
    return parser


def given_flags(parser, argv):
    """The dests of the flags written on the command line, whatever their value
    (a second parse in which no flag has a default leaves out the others)."""
    defaults = dict((action.dest, action.default) for action in parser._actions)
    try:
        for action in parser._actions:
            action.default = argparse.SUPPRESS
        return set(vars(parser.parse_args(argv)))
    finally:
        for action in parser._actions:
            action.default = defaults[action.dest]


def parse(script, doc, table, argv, epochs, presets=(), check=None):
    """Parse `argv` against the common flags and the script's table.

    A fresh run fills the flags not given from `presets`, a sequence of
    (preset flag, {name: value}); a preset flag may be a (name, value) pair, on
    when that flag has that value. Later presets win, a flag given always wins.
    With --resume, every saved flag not given takes the checkpoint's value, and
    a given one that may not change and differs is refused (DataError). Then
    `check(args)` may return an error message for the flags together.
    """
    parser = make_parser(script, doc, table, epochs, presets)
    args = parser.parse_args(argv)
    given = given_flags(parser, argv)
    rows = [row for row in COMMON + tuple(table) if isinstance(row, Flag)]
    args.script, args.saved = os.path.basename(script), [r.name for r in rows if r.saved]
    if args.resume:
        take_the_checkpoints_flags(args, given, rows)
    else:
        for flag, values in presets:
            on = getattr(args, flag[0]) == flag[1] if isinstance(flag, tuple) \
                else getattr(args, flag)
            for name, value in (values.items() if on else ()):
                if name not in given:
                    setattr(args, name, value)
    problem = common_problem(args) or (check(args) if check else None)
    if problem:
        parser.error(problem)
    return args


def common_problem(args):
    """What the common flags must satisfy (None when they do)."""
    if args.threads < 0:
        return "argument --threads: must be >= 0, got %d" % args.threads
    if args.time_limit < 0 or not math.isfinite(args.time_limit):
        return "argument --time-limit: must be >= 0, got %s" % args.time_limit
    path = os.path.abspath(args.output_dir)       # the first part that exists must
    while not os.path.exists(path) and os.path.dirname(path) != path:   # be a folder
        path = os.path.dirname(path)
    if not os.path.isdir(path):
        return "argument --output-dir: %s is a file, not a folder" % (
            args.output_dir if path == os.path.abspath(args.output_dir) else path)
    return None


def take_the_checkpoints_flags(args, given, rows):
    """--resume: every saved flag not given takes the checkpoint's value; one
    given anew that may not change (it would change the graph, the data or
    the randomness) and differs is refused, naming it with both values."""
    folder = os.path.join(args.output_dir, "checkpoints")
    if not utils.saved_checkpoint(folder):
        raise utils.DataError(folder, "--resume: no checkpoint to continue here; start "
                                      "a new run without --resume, or name the run's "
                                      "--output-dir")
    saved = utils.read_json(os.path.join(folder, utils.LOG_FILE))["config"]
    differ = []
    for row in rows:
        if row.name not in saved or not row.saved:
            continue
        then, now = saved[row.name], utils.as_saved(getattr(args, row.name))
        if row.name not in given:
            restore = callable(row.kind) and row.kind not in (str, int, float, bool) \
                and isinstance(then, str)
            setattr(args, row.name, row.kind(then) if restore else then)
        elif not row.resumable and now != then:
            differ.append("%s %s (checkpoint) vs %s (now)" % (row.options[0], then, now))
    if differ:
        raise utils.DataError(folder, "--resume refused, flags differ from the "
                                      "checkpoint's: %s; leave them out to continue the "
                                      "run, or start afresh in another --output-dir"
                              % "; ".join(differ))
