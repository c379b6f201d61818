"""What two or more of the four tutorial scripts share, and nothing else.

Read top to bottom, it is the life of a run:

1. ``tf``: TensorFlow's 1.x graph API on either stack, imported the first time
   a script uses it, so that flags are checked in a fraction of a second;
2. the hyperparameter table each script declares (``Flag``), from which the
   command line, the presets and the config saved with checkpoints come;
3. sessions, devices, the output dir and its lock;
4. ``TrainingLoop``: where a resumed run starts, progress, summaries, the NaN
   guard, checkpoints on a clock, the best epoch, early stopping;
5. stopping: Ctrl-C and SIGTERM become a request the loop honours between two
   steps; ``main`` turns every way a run ends into an exit status;
6. checkpoints with their run log, metrics.json, dropout masks that repeat,
   plots and TensorBoard writers.

See CONVENTIONS.md in the project's shared folder for the contract these serve.
"""
from __future__ import print_function

import argparse
import contextlib
import difflib
import errno
import json
import math
import os
import platform
import shlex
import signal
import sys
import tempfile
import textwrap
import time
import warnings

import numpy as np


# ---------------------------------------------------------------------------
# 1. TensorFlow, imported on first use
# ---------------------------------------------------------------------------
@contextlib.contextmanager
def quiet_stderr():
    """Silence file descriptor 2 for a moment: TF 2.x's C++ core logs its CUDA
    probing through absl before TF_CPP_MIN_LOG_LEVEL applies."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real descriptor 2: nothing to mute
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """The TF 1.x graph API on TF 1.15 and on TF 2.x, without log spam. TF 2.x
    keeps tf.nn.rnn_cell and tf.layers only in Keras 2 (tf-keras), which it
    uses only if TF_USE_LEGACY_KERAS is set before the first import."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # C++ INFO and WARNING
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # its start-up notice
    warnings.filterwarnings("ignore", category=FutureWarning)      # numpy 1.17+ on TF 1.15
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=r".*is deprecated and will be removed")
    with quiet_stderr():
        import tensorflow.compat.v1 as tf1
    try:
        from tensorflow.python.util import deprecation
        deprecation._PRINT_DEPRECATION_WARNINGS = False
    except ImportError:  # pragma: no cover - layout of a future TF
        pass
    tf1.logging.set_verbosity(tf1.logging.ERROR)
    tf1.get_logger().setLevel("ERROR")
    tf1.disable_v2_behavior()
    return tf1


class _TensorFlow(object):
    """``from utils import tf`` gives this stand-in; its first attribute
    lookup imports TensorFlow (several seconds), later ones are TensorFlow's."""

    module = None

    def __getattr__(self, name):
        if _TensorFlow.module is None:
            _TensorFlow.module = import_tensorflow()
        return getattr(_TensorFlow.module, name)


tf = _TensorFlow()


def tensorflow_version():
    tf.Graph  # the quiet import first, if it has not happened yet
    import tensorflow
    return tensorflow.__version__


# ---------------------------------------------------------------------------
# 2. The hyperparameter table and the command line
# ---------------------------------------------------------------------------
def positive_int(text):
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not an integer" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer, got %s" % text)
    return value


def positive_float(text):
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError("must be a number > 0, got %s" % text)
    return value


def probability(text):
    """argparse type: a number in (0, 1], such as a keep probability."""
    value = positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError("must be in (0, 1], got %s" % text)
    return value


def fraction(text):
    """argparse type: a number in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError("must be in [0, 1), got %s" % text)
    return value


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


def flags_of(table):
    return [row for row in table if isinstance(row, Flag)]


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
    resumable = [r.options[0] for r in flags_of(COMMON + tuple(table))
                 if r.resumable]
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
    rows = flags_of(COMMON + tuple(table))
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


def config_of(args):
    """The run's config: every saved flag, as JSON values (a list as its text)."""
    return {name: _text_if_list(getattr(args, name)) for name in args.saved}


def _text_if_list(value):
    return str(value) if isinstance(value, list) else value


def take_the_checkpoints_flags(args, given, rows):
    folder = os.path.join(args.output_dir, "checkpoints")
    log = read_json(os.path.join(folder, LOG_FILE))
    if not saved_checkpoint(folder):
        raise DataError(folder, "--resume: no checkpoint to continue here; start a new "
                                "run without --resume, or name the run's --output-dir")
    saved, differ = log["config"], []
    for row in rows:
        if row.name not in saved or not row.saved:
            continue
        then = saved[row.name]
        if row.name not in given:
            restore = callable(row.kind) and row.kind not in (str, int, float, bool) \
                and isinstance(then, str)
            setattr(args, row.name, row.kind(then) if restore else then)
        elif not row.resumable and _text_if_list(getattr(args, row.name)) != then:
            differ.append("%s %s (checkpoint) vs %s (now)" % (
                row.options[0], then, _text_if_list(getattr(args, row.name))))
    if differ:
        raise DataError(folder, "--resume refused, flags differ from the checkpoint's: "
                                "%s; leave them out to continue the run, or start afresh "
                                "in another --output-dir" % "; ".join(differ))


# ---------------------------------------------------------------------------
# 3. Devices, sessions, the output dir
# ---------------------------------------------------------------------------
_GPUS = []


def gpu_names():
    """Physical GPUs TensorFlow can use (empty on a CPU-only build)."""
    if not _GPUS:
        with quiet_stderr():
            _GPUS.append(tf.config.experimental.list_physical_devices("GPU"))
    return _GPUS[0]


def resolve_device(choice):
    """'/device:GPU:0' or '/device:CPU:0' for --device auto|cpu|gpu."""
    if choice == "gpu" or (choice == "auto" and gpu_names()):
        return "/device:GPU:0"
    return "/device:CPU:0"


def make_session(graph, threads=0):
    """A tf.Session for `graph`; ops without a GPU kernel fall back to the CPU."""
    gpu_names()  # the CUDA probe, quietly, before the session repeats it aloud
    config = tf.ConfigProto(allow_soft_placement=True,
                            intra_op_parallelism_threads=threads,
                            inter_op_parallelism_threads=threads)
    config.gpu_options.allow_growth = True
    return tf.Session(graph=graph, config=config)


class OutputDir(object):
    """The run's folder, locked for as long as the run lasts: a second run on
    it is refused; a lock left by a killed run is free (the kernel drops a
    process's locks when it dies)."""

    def __init__(self, path):
        import fcntl
        if not os.path.isdir(path):
            os.makedirs(path)
        self.path = os.path.join(path, ".lock")
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (IOError, OSError) as err:
            holder = os.read(self.fd, 200).decode("utf-8", "replace").strip()
            os.close(self.fd)
            if err.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            raise DataError(path, "another run is using this folder (%s); wait for it to "
                                  "end, or give another --output-dir" % (holder or "?"))
        os.ftruncate(self.fd, 0)
        os.write(self.fd, ("pid %d, %s" % (os.getpid(), " ".join(sys.argv))).encode())

    def release(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def start_run(args):
    """Lock --output-dir (creating it) and print the run's first line: which
    TensorFlow, which device, where to. Returns the device to build on."""
    if args.device == "gpu" and not gpu_names():
        raise DataError("--device gpu", "TensorFlow sees no GPU here (use --device cpu "
                                        "or auto)")
    device = resolve_device(args.device)
    _RUN["lock"] = OutputDir(args.output_dir)
    print("%s: TensorFlow %s on Python %s, graph on %s, output in %s"
          % (args.script, tensorflow_version(), platform.python_version(), device,
             args.output_dir), flush=True)
    return device


_RUN = {}


# ---------------------------------------------------------------------------
# 4. The training loop's bookkeeping
# ---------------------------------------------------------------------------
class TrainingLoop(object):
    """Everything a training loop does besides its own sess.run. A script's
    loop reads::

        with utils.TrainingLoop(sess, g.global_step, args, ckpts, log, batches) as loop:
            for epoch in loop.epochs():
                state = loop.carried_state()         # None: start from zeros
                for batch in loop.batches():
                    ... sess.run(...)                # fetch the summary if loop.summary_due
                    loop.step_done(loss, summary, state)
                loop.epoch_done(train_loss=np.mean(loop.epoch_losses()))

    A resumed run starts at the step its checkpoint was saved at (the epoch,
    the batch in it, and the RNN state carried into that batch). After each
    step: the NaN guard, and a checkpoint every `save_seconds` or at once when
    a stop was asked for (Ctrl-C, SIGTERM; if the step ended an epoch, the
    epoch's record is written first). After each epoch: the progress line, the
    best epoch's checkpoint (`best_key`, lower is better), early stopping after
    `patience` epochs without a better one or when `finished(records)` gives a
    reason. The last checkpoint is saved when the loop ends.
    """

    summary_every = 50     # steps between TensorBoard points
    save_seconds = 30      # at most this much training is lost on a crash

    def __init__(self, sess, global_step, args, ckpts, log, steps_per_epoch, writer=None,
                 best_key=None, patience=None, finished=None, rate_flag="--learning-rate"):
        self.sess, self.args, self.ckpts, self.log = sess, args, ckpts, log
        self.steps_per_epoch, self.writer = steps_per_epoch, writer
        self.best_key, self.patience, self.finished = best_key, patience, finished
        self.rate_flag = rate_flag
        self.step = self.first_step = int(sess.run(global_step))
        self.epoch, self.carried, self.stopped_by = None, None, None
        self.progress = Progress(args.epochs, self.step // steps_per_epoch,
                                 log["train_seconds"])
        self._stop = StopRequest()
        self._last_save, self._saved_at = time.time(), None

    @property
    def interrupted(self):
        return self.stopped_by is not None

    def __enter__(self):
        self._stop.__enter__()
        return self

    def __exit__(self, kind, error, trace):
        self._stop.__exit__()
        if kind is _Stopped:
            self.stopped_by = self._stop.requested
            return True
        if kind is _TimeUp:
            print("--time-limit %g s reached at step %d" % (self.args.time_limit,
                                                            self.step), flush=True)
        if kind in (None, _TimeUp) and self._saved_at != self.step:
            self.save()
        self.log["train_seconds"] = self.progress.elapsed()
        return kind is _TimeUp

    def epochs(self):
        """The epochs still to run, from the one the run stands in."""
        for epoch in range(self.step // self.steps_per_epoch, self.args.epochs):
            reason = self._finished()
            if reason:
                print(reason, flush=True)
                return
            self.epoch = epoch
            yield epoch

    def batches(self):
        """The batch indices of this epoch still to run."""
        for batch in range(self.step - self.epoch * self.steps_per_epoch,
                           self.steps_per_epoch):
            yield batch
            if batch + 1 < self.steps_per_epoch:   # the epoch's end is epoch_done's
                self._checkpoint_if_due()

    def carried_state(self):
        """The RNN state (a list of arrays) the interrupted run was about to
        feed into this batch, when it stopped inside this epoch; else None."""
        saved = self.log.get("carried_state")
        if self.step == self.first_step and self.step % self.steps_per_epoch and saved:
            return [np.array(a, dtype=np.float32) for a in saved]
        return None

    @property
    def summary_due(self):
        return self.writer is not None and self.step % self.summary_every == 0

    def step_done(self, loss, summary=None, carried=None, **also):
        """Record one step: its loss, its summary, the state it ended with (a
        list of arrays, carried into the next batch), and any other per-step
        figure given by name (kept in the run log like the loss)."""
        check_finite(loss, self.step + 1, rate_flag=self.rate_flag)
        if summary is not None:
            self.writer.add_summary(summary, self.step)
        self.step += 1
        self.log["losses"].append(float(loss))
        for name, value in also.items():
            self.log.setdefault("per_step", {}).setdefault(name, []).append(float(value))
        self.carried = carried

    def epoch_losses(self, name=None):
        """The loss (or the per-step figure `name`) of every step of this
        epoch, also after a resume."""
        series = self.log["losses"] if name is None else self.log["per_step"][name]
        first = self.epoch * self.steps_per_epoch
        return series[first:first + self.steps_per_epoch]

    def epoch_done(self, **figures):
        """Write the epoch's record, keep the best checkpoint, print the
        progress line; then honour a stop request or the clock."""
        record = dict(epoch=self.epoch + 1, step=self.step, **figures)
        self.log["epochs"].append(record)
        self.carried = None
        shown = dict(figures)
        if self.best_key:
            best = self.best()
            if best is record:
                self.ckpts.save(self.sess, self.step, self.log, best=True)
            shown["best"] = "epoch %d" % best["epoch"]
        self.progress.line(self.epoch, self.step, **shown)
        self._checkpoint_if_due()
        return record

    def best(self):
        """The epoch record with the lowest `best_key`, or None."""
        records = self.log["epochs"]
        if not records or not self.best_key:
            return None
        return min(records, key=lambda record: record[self.best_key])

    def _finished(self):
        best = self.best()
        if self.patience and best and len(self.log["epochs"]) - best["epoch"] >= \
                self.patience:
            return "no better %s for %d epochs: stopping" % (self.best_key, self.patience)
        return self.finished(self.log["epochs"]) if self.finished else None

    def _checkpoint_if_due(self):
        if self._stop.requested:
            self.save()
            raise _Stopped()
        if self.args.time_limit and self.progress.elapsed() >= self.args.time_limit:
            raise _TimeUp()
        if time.time() - self._last_save >= self.save_seconds:
            self.save()

    def save(self):
        self.log["train_seconds"] = self.progress.elapsed()
        self.log["carried_state"] = None if self.carried is None else [
            np.asarray(a).tolist() for a in self.carried]
        self.ckpts.save(self.sess, self.step, self.log)
        self._last_save, self._saved_at = time.time(), self.step


class _Stopped(Exception):
    """Raised inside TrainingLoop once the stop's checkpoint is saved."""


class _TimeUp(Exception):
    """Raised inside TrainingLoop when --time-limit is reached."""


def check_finite(value, step, what="loss", rate_flag="--learning-rate"):
    """Raise Diverged with advice if `value` is NaN or infinite (the NaN guard)."""
    if not np.all(np.isfinite(value)):
        raise Diverged("%s became %s at step %d; the last good checkpoint is kept. "
                       "Try a smaller %s (or gradient clipping) and start again "
                       "without --resume." % (what, value, step, rate_flag))


# ---------------------------------------------------------------------------
# 5. Stopping, and how a run ends
# ---------------------------------------------------------------------------
class DataError(Exception):
    """A file, folder or flag that cannot be used; the message names it."""

    def __init__(self, path, problem):
        Exception.__init__(self, "%s: %s" % (path, problem))


class Diverged(Exception):
    """The loss became NaN or infinite."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM ended training, after the checkpoint was written."""

    def __init__(self, signum, message):
        Exception.__init__(self, message)
        self.signum = signum


class StopRequest(object):
    """Around the training loop: the first Ctrl-C (SIGINT) or SIGTERM becomes
    a request the loop polls between steps, so that it saves a checkpoint and
    the metrics so far; a second one interrupts at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.requested, self._previous = None, {}

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = signum
        print("\n%s: stopping after this step and saving a checkpoint (again to abort "
              "at once)" % signal.Signals(signum).name, file=sys.stderr, flush=True)

    def __enter__(self):
        for signum in self.SIGNALS:
            try:
                self._previous[signum] = signal.signal(signum, self._handler)
            except ValueError:  # not the main thread: leave it as it is
                pass
        return self

    def __exit__(self, *exc):
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        return False


def stop_if_interrupted(loop, args):
    """End a run that a signal cut short, once its files are written."""
    if loop.interrupted:
        command = "python %s --resume --output-dir %s" % (
            args.script, shlex.quote(args.output_dir))
        raise Interrupted(loop.stopped_by, "saved at step %d; continue with: %s"
                          % (loop.step, command))


class _Terminated(Exception):
    """SIGTERM outside the training loop."""


def _terminate(signum, frame):
    raise _Terminated()


def main(script, parse_args, run, argv):
    """Parse, run, and turn the ways a run ends into exit statuses: 0 done,
    1 loss diverged, 2 bad flags or data or a refused --resume (one line on
    stderr), 130 Ctrl-C, 143 SIGTERM."""
    prog = os.path.basename(script)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, _terminate)
    except ValueError:   # not the main thread
        previous = None
    try:
        run(parse_args(argv))
        return 0
    except DataError as err:
        print("%s: error: %s" % (prog, err), file=sys.stderr)
        return 2
    except Diverged as err:
        print("%s: stopped: %s" % (prog, err), file=sys.stderr)
        return 1
    except Interrupted as err:
        print("%s: interrupted: %s" % (prog, err), file=sys.stderr)
        return 128 + err.signum
    except (KeyboardInterrupt, _Terminated) as err:
        print("%s: %s at once; what was saved before stays as it was" % (
            prog, "interrupted" if isinstance(err, KeyboardInterrupt) else "terminated"),
            file=sys.stderr)
        return 130 if isinstance(err, KeyboardInterrupt) else 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        lock = _RUN.pop("lock", None)
        if lock is not None:
            lock.release()


# ---------------------------------------------------------------------------
# 6. Files: atomic JSON, metrics, checkpoints and their run log
# ---------------------------------------------------------------------------
def write_json_atomic(path, obj):
    """Write JSON to a temporary file in the same folder, then rename it (with
    the permissions a plain open() would have given it)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(obj, handle, indent=2, sort_keys=True, default=_json_default)
            handle.write("\n")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError("not JSON serialisable: %r" % (value,))


def read_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path) as handle:
        return json.load(handle)


def write_metrics(args, figures, steps, train_seconds, **extra):
    """metrics.json: the script's figures plus what every run records."""
    record = dict(figures)
    record.update(extra)
    record.update({
        "script": args.script, "tensorflow_version": tensorflow_version(),
        "python_version": platform.python_version(), "seed": args.seed,
        "steps": int(steps), "train_seconds": round(float(train_seconds), 3),
        "config": config_of(args)})
    write_json_atomic(os.path.join(args.output_dir, "metrics.json"), record)
    return record


LOG_FILE = "run_log.json"


def saved_checkpoint(folder):
    """Path of the checkpoint that the run log in `folder` names, or None."""
    log = read_json(os.path.join(folder, LOG_FILE)) if folder else None
    path = os.path.join(folder, log["checkpoint"]) if log else None
    return path if path and os.path.exists(path + ".index") else None


class Checkpoints(object):
    """tf.train.Saver checkpoints in <output_dir>/checkpoints (the two newest)
    and, with keep_best, <output_dir>/best (the best epoch so far).

    Beside them lies the run log (run_log.json): what the graph does not hold
    and a resumed run needs: the config, the loss of every step, one record
    per epoch, the seconds trained, the RNN state carried into the next
    window, and the name of the checkpoint it belongs to. The log is written
    after the weights, so a run killed between the two leaves a log naming the
    previous checkpoint, which is still there: a resume restores exactly the
    pair that was saved together.
    """

    def __init__(self, graph, output_dir, keep_best=False):
        self.folder = os.path.join(output_dir, "checkpoints")
        self.best_folder = os.path.join(output_dir, "best") if keep_best else None
        with graph.as_default():
            self._savers = {self.folder: tf.train.Saver(max_to_keep=2)}
            if keep_best:
                self._savers[self.best_folder] = tf.train.Saver(max_to_keep=1)

    def _where(self, best):
        return self.best_folder if best else self.folder

    def saved(self, best=False):
        return saved_checkpoint(self._where(best))

    def save(self, sess, step, log, best=False):
        folder = self._where(best)
        if not os.path.isdir(folder):
            os.makedirs(folder)
        path = self._savers[folder].save(sess, os.path.join(folder, "model"),
                                         global_step=step, write_meta_graph=False)
        write_json_atomic(os.path.join(folder, LOG_FILE),
                          dict(log, checkpoint=os.path.basename(path)))
        return path

    def restore(self, sess, best=False):
        """Restore the checkpoint the run log names into `sess`; return the log
        (None when there is none)."""
        path = self.saved(best)
        if path is None:
            return None
        self._savers[self._where(best)].restore(sess, path)
        return read_json(os.path.join(self._where(best), LOG_FILE))

    def resume_or_start(self, sess, args):
        """The run log to go on with: with --resume, the saved checkpoint's
        (its weights restored); otherwise, or where none was saved yet (a later
        network of an ensemble), a fresh one."""
        log = self.restore(sess) if args.resume else None
        if log is not None:
            print("resumed at step %s" % log["checkpoint"].rsplit("-", 1)[1], flush=True)
        else:
            log = {"losses": [], "epochs": [], "train_seconds": 0.0, "carried_state": None}
        log["config"] = config_of(args)
        return log


# ---------------------------------------------------------------------------
# Randomness that repeats: dropout from stateless random ops
# ---------------------------------------------------------------------------
def step_seed(global_step, seed, site):
    """The seed of one place (`site`) of the graph at the current step: a [2]
    int64 tensor for TensorFlow's stateless random ops."""
    return tf.stack([tf.constant((seed % 2 ** 31) * 1000 + site, tf.int64),
                     tf.cast(global_step, tf.int64)])


def dropout(x, keep_prob, seed):
    """Inverted dropout whose mask is drawn from `seed` (see step_seed).

    tf.nn.dropout and DropoutWrapper draw from stateful random ops: a new
    session restarts their stream (a resumed run would get other masks), and
    inside dynamic_rnn's while loop the order threads take numbers in varies.
    A stateless mask is a function of the seed and the step alone. At
    keep_prob 1.0 the input passes unchanged.
    """
    noise = tf.random.stateless_uniform(tf.shape(x), seed=seed)
    return x * tf.floor(keep_prob + noise) / keep_prob


# ---------------------------------------------------------------------------
# Progress, plots, TensorBoard
# ---------------------------------------------------------------------------
def format_seconds(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return "%ds" % seconds
    if seconds < 3600:
        return "%dm%02ds" % divmod(seconds, 60)
    return "%dh%02dm" % (seconds // 3600, seconds % 3600 // 60)


def plural(count, noun):
    """'1 epoch', '3 epochs'."""
    return "%d %s%s" % (count, noun, "" if count == 1 else "s")


class Progress(object):
    """One line per epoch: epoch, step, figures, elapsed and estimated time left."""

    def __init__(self, total_epochs, first_epoch=0, seconds_before=0.0):
        self.total, self.first, self.before = total_epochs, first_epoch, seconds_before
        self.start = time.time()

    def elapsed(self):
        return self.before + time.time() - self.start

    def line(self, epoch, step, **figures):
        """`epoch` counts from 0; prints and returns the line."""
        per_epoch = (time.time() - self.start) / max(epoch + 1 - self.first, 1)
        parts = ["epoch %*d/%d" % (len(str(self.total)), epoch + 1, self.total),
                 "step %d" % step]
        parts += ["%s %s" % (name, value if isinstance(value, str) else "%.4g" % value)
                  for name, value in figures.items()]
        parts.append("elapsed %s" % format_seconds(self.elapsed()))
        parts.append("left %s" % format_seconds(per_epoch * (self.total - epoch - 1)))
        text = "  ".join(parts)
        print(text, flush=True)
        return text


def pyplot(show=False):
    """matplotlib.pyplot, on the file-only Agg backend unless --show (and a
    display to show on)."""
    import matplotlib
    if show and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                     or sys.platform in ("darwin", "win32")):
        if not _RUN.get("no_display_said"):
            print("--show: no display here (DISPLAY is not set), so no window opens; "
                  "the plots are saved as PNG files", file=sys.stderr)
            _RUN["no_display_said"] = True
        show = False
    if not show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, path, show=False):
    fig.savefig(path, dpi=100, bbox_inches="tight")
    if not show:
        import matplotlib.pyplot as plt
        plt.close(fig)
    return path


def summary_writers(output_dir, graph, names=("train",), start_step=0):
    """A tf.summary.FileWriter per name under <output_dir>/tensorboard. A fresh
    run writes the graph (with the first writer); a resumed one marks where it
    starts, so that TensorBoard drops what a killed run wrote past its
    checkpoint and the curves go on as one."""
    writers = {}
    for i, name in enumerate(names):
        # the suffix keeps a resumed run's file apart from the interrupted one's
        writer = tf.summary.FileWriter(os.path.join(output_dir, "tensorboard", name),
                                       graph if i == 0 and not start_step else None,
                                       filename_suffix=".step%d" % start_step)
        if start_step:
            writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), start_step)
        writers[name] = writer
    return writers


def scalar_summary(writer, step, **values):
    """Write Python numbers as scalar summaries (for figures computed outside TF)."""
    summary = tf.Summary(value=[tf.Summary.Value(tag=k, simple_value=float(v))
                                for k, v in values.items()])
    writer.add_summary(summary, step)
