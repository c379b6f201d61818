"""What the four tutorial scripts share, and nothing else.

* ``tf``: TensorFlow's 1.x graph API on either stack (TF 1.15 or TF 2.x through
  ``tf.compat.v1``), imported quietly.
* the flags every script has, presets that never override a flag you gave,
  and the checks for their values;
* sessions and devices;
* ``TrainingLoop``: the bookkeeping around every training loop (where a
  resumed run starts, progress, summaries, the NaN guard, checkpoints on a
  clock and on Ctrl-C, the best epoch, early stopping), with the checkpoints
  and the run log they are saved with;
* dropout whose masks are a function of the seed and the step, so that a run
  repeats exactly and a resumed run continues exactly;
* ``metrics.json`` written atomically, headless plotting, clean data errors.

See CONVENTIONS.md in the project's shared folder for the contract these serve.
"""
from __future__ import print_function

import argparse
import collections
import contextlib
import json
import math
import os
import platform
import signal
import sys
import tempfile
import textwrap
import time
import warnings

import numpy as np


# ---------------------------------------------------------------------------
# TensorFlow, one import for both stacks
# ---------------------------------------------------------------------------
@contextlib.contextmanager
def quiet_stderr():
    """Silence file descriptor 2 for a moment.

    TF 2.x's C++ core logs its CUDA probing ("Could not find cuda drivers",
    "failed call to cuInit") through absl before TF_CPP_MIN_LOG_LEVEL applies,
    so the only way to keep a learner's screen clean is to mute the descriptor
    while TensorFlow loads and looks for GPUs. Python exceptions are unaffected:
    they are printed after the descriptor is back.
    """
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
    """Return the TF 1.x graph API on TF 1.15 and on TF 2.x, without log spam.

    TF 2.x keeps ``tf.nn.rnn_cell`` and ``tf.layers`` only in Keras 2 (the
    ``tf-keras`` package), which it uses only if TF_USE_LEGACY_KERAS is set
    before the first import.
    """
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # C++ INFO and WARNING
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # its start-up notice
    # TF 1.15 + numpy 1.17/1.18 warn about numpy's dtype spelling at import.
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    # tf-keras warns that every tf.nn.rnn_cell class is deprecated.
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


tf = import_tensorflow()


def tensorflow_version():
    import tensorflow
    return tensorflow.__version__


# ---------------------------------------------------------------------------
# Flags
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


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                    argparse.RawDescriptionHelpFormatter):
    """Show defaults and keep the description's line breaks."""


# Flags that may differ when a run is resumed, in every script: they change
# neither the graph, nor the data, nor the randomness.
RESUMABLE = ("epochs", "time_limit", "threads", "device", "show", "output_dir",
             "resume")


def make_parser(script, doc, default_epochs):
    """An ArgumentParser with the flags every script has (CONVENTIONS 2)."""
    name = os.path.splitext(os.path.basename(script))[0]
    parser = argparse.ArgumentParser(
        prog=os.path.basename(script), description=doc, formatter_class=HelpFormatter)
    group = parser.add_argument_group("common flags")
    group.add_argument("--epochs", type=positive_int, default=default_epochs,
                       help="passes over the training data")
    group.add_argument("--seed", type=int, default=42,
                       help="seed for numpy and TensorFlow; the same seed gives the "
                            "same figures on the same stack")
    group.add_argument("--output-dir", default=os.path.join("runs", name),
                       help="where metrics.json, checkpoints, plots and "
                            "tensorboard/ go")
    group.add_argument("--quick", action="store_true",
                       help="a tiny configuration that runs in seconds (smoke test); "
                            "flags you give still win")
    group.add_argument("--resume", action="store_true",
                       help="continue from the latest checkpoint in --output-dir "
                            "(see the end of this help for the flags that may change)")
    group.add_argument("--show", action="store_true",
                       help="also open the plots in a window (they are always saved)")
    group.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto",
                       help="where the graph runs; auto takes a GPU if TensorFlow "
                            "sees one")
    group.add_argument("--threads", type=int, default=0,
                       help="TensorFlow intra- and inter-op threads (0: TF decides)")
    group.add_argument("--time-limit", type=float, default=0, metavar="SECONDS",
                       help="end training after this many seconds of it (counted "
                            "across resumes), as if the epochs had run out: for "
                            "comparisons at equal time (0: no limit)")
    return parser


def flag_names(parser):
    """{dest: the flag a reader types}, e.g. {"state_size": "--state-size"}."""
    return dict((action.dest, action.option_strings[0]) for action in parser._actions
                if action.option_strings)


def given_flags(parser, argv):
    """The dests of the flags written on the command line, whatever their value.

    A second parse in which no flag has a default leaves out exactly the
    flags that were not given (a flag given with its default value is kept).
    """
    defaults = dict((action.dest, action.default) for action in parser._actions)
    try:
        for action in parser._actions:
            action.default = argparse.SUPPRESS
        return set(vars(parser.parse_args(argv)))
    finally:
        for action in parser._actions:
            action.default = defaults[action.dest]


def parse(parser, argv, presets=(), resumable=()):
    """Parse `argv`, then fill in presets and say which flags may change on resume.

    `presets` is a sequence of (preset flag, {dest: value}): for each preset
    flag that is on, in order, its values replace those of every flag the
    user did not give, so a later preset wins over an earlier one (--quick is
    given last) and a flag on the command line always wins, even when its
    value equals the default. A preset flag may also be a (dest, value) pair:
    the preset is on when that flag has that value (e.g. a choice whose
    recipe needs other defaults). `resumable` names the script's own flags that
    --resume accepts with another value; --help lists them with the common ones.
    """
    names = flag_names(parser)
    resumable = RESUMABLE + tuple(resumable)
    parser.epilog = textwrap.fill(
        "--resume: these flags may differ from the interrupted run's: %s. Any other "
        "flag that differs is refused (exit 2), since it would change the graph, the "
        "data or the randomness." % ", ".join(names[d] for d in resumable
                                              if d not in ("output_dir", "resume")), 79)
    args = parser.parse_args(argv)
    given = given_flags(parser, argv)
    for flag, values in presets:
        on = getattr(args, flag[0]) == flag[1] if isinstance(flag, tuple) \
            else getattr(args, flag)
        if on:
            for dest, value in values.items():
                if dest not in given:
                    setattr(args, dest, value)
    # What refuse_changed_flags needs to know about this command line.
    args.resumable, args.flag_names = resumable, names
    # (a choice that selects a preset is a flag like any other: not listed)
    args.preset_flags = tuple(flag for flag, _ in presets if not isinstance(flag, tuple))
    return args


def check_common(parser, args):
    """Checks on the common flags that need more than a type; errors exit 2."""
    if args.threads < 0:
        parser.error("argument --threads: must be >= 0, got %d" % args.threads)
    if args.time_limit < 0 or not math.isfinite(args.time_limit):
        parser.error("argument --time-limit: must be >= 0, got %s" % args.time_limit)
    if args.device == "gpu" and not gpu_names():
        parser.error("argument --device: gpu asked for, but TensorFlow sees no GPU "
                     "(use --device cpu or auto)")
    # The first part of the path that exists must be a folder.
    path = os.path.abspath(args.output_dir)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    if not os.path.isdir(path):
        parser.error("argument --output-dir: %s is a file, not a folder"
                     % (args.output_dir if path == os.path.abspath(args.output_dir)
                        else path))


# ---------------------------------------------------------------------------
# Devices and sessions
# ---------------------------------------------------------------------------
def gpu_names():
    """Physical GPUs TensorFlow can use (empty on a CPU-only build)."""
    global _GPUS
    if _GPUS is None:
        with quiet_stderr():
            _GPUS = tf.config.experimental.list_physical_devices("GPU")
    return _GPUS


_GPUS = None


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


def start_run(script, args):
    """Create --output-dir and print the run's first line: which TensorFlow,
    which device, where to. Returns the device to build the graph on."""
    device = resolve_device(args.device)
    if not os.path.isdir(args.output_dir):
        os.makedirs(args.output_dir)
    print("%s: TensorFlow %s on Python %s, graph on %s, output in %s"
          % (os.path.basename(script), tensorflow_version(), platform.python_version(),
             device, args.output_dir), flush=True)
    return device


# ---------------------------------------------------------------------------
# Errors that end a run cleanly
# ---------------------------------------------------------------------------
class DataError(Exception):
    """A file (or a folder) that cannot be used; the message names it."""

    def __init__(self, path, problem):
        Exception.__init__(self, "%s: %s" % (path, problem))


class Diverged(Exception):
    """The loss became NaN or infinite."""


class Interrupted(Exception):
    """Ctrl-C during training, after the checkpoint was written."""


def stop_if_interrupted(interrupted, steps, ckpts):
    """End a run that Ctrl-C cut short (exit 130), once its files are written."""
    if interrupted:
        raise Interrupted("checkpoint at step %d in %s; continue with --resume"
                          % (steps, ckpts.folder))


def check_finite(value, step, what="loss", rate_flag="--learning-rate"):
    """Raise Diverged with advice if `value` is NaN or infinite (the NaN guard)."""
    if not np.all(np.isfinite(value)):
        raise Diverged("%s became %s at step %d; the last good checkpoint is kept. "
                       "Try a smaller %s (or gradient clipping) and start again "
                       "without --resume." % (what, value, step, rate_flag))


def run_guarded(script, body, args):
    """Run body(args) and turn the ways a run can end into exit statuses.

    0 done, 1 loss diverged, 2 bad data or a refused --resume (one line on
    stderr), 130 Ctrl-C.
    """
    prog = os.path.basename(script)
    try:
        body(args)
    except DataError as err:
        print("%s: error: %s" % (prog, err), file=sys.stderr)
        return 2
    except Diverged as err:
        print("%s: stopped: %s" % (prog, err), file=sys.stderr)
        return 1
    except Interrupted as err:
        print("%s: interrupted: %s" % (prog, err), file=sys.stderr)
        return 130
    return 0


class StopRequest(object):
    """Turn the first Ctrl-C into a flag the training loop polls between steps.

    The loop then saves a checkpoint and the metrics so far; a second Ctrl-C
    interrupts at once. Used as a context manager around the training loop.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nCtrl-C: stopping after this step and saving a checkpoint "
              "(press again to abort at once)", file=sys.stderr, flush=True)

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread: leave Ctrl-C as it is
            self._previous = None
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


# ---------------------------------------------------------------------------
# Files: atomic JSON, metrics
# ---------------------------------------------------------------------------
def write_json_atomic(path, obj):
    """Write JSON to a temporary file in the same folder, then rename it."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(obj, handle, indent=2, sort_keys=True, default=_json_default)
            handle.write("\n")
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


def write_metrics(args, script, figures, steps, train_seconds, config, **extra):
    """metrics.json: the script's figures plus what every run records."""
    record = dict(figures)
    record.update(extra)
    record.update({
        "script": os.path.basename(script),
        "tensorflow_version": tensorflow_version(),
        "python_version": platform.python_version(),
        "seed": args.seed,
        "steps": int(steps),
        "train_seconds": round(float(train_seconds), 3),
        "config": config,
    })
    path = os.path.join(args.output_dir, "metrics.json")
    write_json_atomic(path, record)
    return record


# ---------------------------------------------------------------------------
# Checkpoints and the run log saved with them
# ---------------------------------------------------------------------------
LOG_FILE = "run_log.json"


class Checkpoints(object):
    """tf.train.Saver checkpoints in ``<output_dir>/checkpoints`` (the latest)
    and, with keep_best, ``<output_dir>/best`` (the best epoch so far).

    Beside each checkpoint lies the run log (``run_log.json``): what the graph
    does not hold and a resumed run needs to go on as if never stopped: the
    config it was trained with, the loss of every step, one record per epoch,
    the seconds trained, and the RNN state carried into the next window when
    it stopped inside an epoch. Saved together, restored together.
    """

    def __init__(self, graph, output_dir, keep_best=False):
        self.folder = os.path.join(output_dir, "checkpoints")
        self.best_folder = os.path.join(output_dir, "best") if keep_best else None
        with graph.as_default():
            self._savers = {self.folder: tf.train.Saver(max_to_keep=2)}
            if keep_best:
                self._savers[self.best_folder] = tf.train.Saver(max_to_keep=1)

    def _where(self, best):
        if best and self.best_folder is None:
            raise ValueError("these checkpoints keep no best epoch")
        return self.best_folder if best else self.folder

    def latest(self, best=False):
        """Path of the newest checkpoint (of the best epoch with best=True), or None."""
        return tf.train.latest_checkpoint(self._where(best))

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
        """Restore the newest checkpoint into `sess`; return its run log
        (None when there is no checkpoint)."""
        folder = self._where(best)
        path = tf.train.latest_checkpoint(folder)
        if path is None:
            return None
        self._savers[folder].restore(sess, path)
        return read_log(folder)

    def resume_or_start(self, sess, resume, config):
        """The run log to go on with: with --resume, the newest checkpoint's
        (its weights restored, its config updated to this run's); otherwise,
        or when there is no checkpoint yet, a fresh one."""
        log = self.restore(sess) if resume else None
        if resume:
            print("resumed at step %s" % self.latest().rsplit("-", 1)[1]
                  if log is not None
                  else "--resume: no checkpoint in %s, starting afresh" % self.folder)
        if log is None:
            log = {"losses": [], "epochs": [], "train_seconds": 0.0,
                   "carried_state": None}
        log["config"] = config
        return log


def read_log(folder):
    """The run log saved beside the checkpoints in `folder`, or None."""
    return read_json(os.path.join(folder, LOG_FILE))


def _comparable(value):
    return json.loads(json.dumps(value, sort_keys=True, default=_json_default))


def refuse_changed_flags(args, config):
    """With --resume, stop (DataError, exit 2) before anything is written if a
    flag outside args.resumable differs from the checkpoint's config, naming
    each one with both values. Preset flags themselves are not compared: the
    values they filled in are."""
    if not args.resume:
        return
    folder = os.path.join(args.output_dir, "checkpoints")
    saved = read_log(folder)
    if not saved or not tf.train.latest_checkpoint(folder) or "config" not in saved:
        return
    differ = []
    for key in sorted(config):
        if key in args.resumable or key in args.preset_flags or \
                key not in saved["config"]:
            continue
        then, now = _comparable(saved["config"][key]), _comparable(config[key])
        if then != now:
            differ.append("%s %s (checkpoint) vs %s (now)"
                          % (args.flag_names.get(key, key), _flag_text(then),
                             _flag_text(now)))
    if differ:
        raise DataError(folder, "--resume refused, flags differ from the checkpoint's: "
                                "%s; give the checkpoint's values, or start afresh in "
                                "another --output-dir" % "; ".join(differ))


def _flag_text(value):
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return ",".join(":".join("%s" % v for v in item.values()) for item in value)
    return "%s" % (value,)


# ---------------------------------------------------------------------------
# The training loop's bookkeeping
# ---------------------------------------------------------------------------
class _Stopped(Exception):
    """Raised inside TrainingLoop once Ctrl-C's checkpoint is saved."""


class _TimeUp(Exception):
    """Raised inside TrainingLoop when --time-limit is reached."""


class TrainingLoop(object):
    """Everything a training loop does besides its own sess.run, in one place.

    A script's loop reads::

        with utils.TrainingLoop(sess, global_step, args, ckpts, log, steps_per_epoch,
                                writer) as loop:
            for epoch in loop.epochs():
                ...                                  # this epoch's data
                carried = loop.carried_state()       # None: start from zeros
                for batch in loop.batches():
                    ...                              # feed and sess.run
                    loop.step_done(loss, summary, carried)
                loop.epoch_done(val_loss=...)        # the epoch's figures

    It starts a resumed run at the step its checkpoint was saved at (the
    epoch, the batch in it, and the RNN state carried into that batch). After
    each step it records the loss, stops on NaN, and saves a checkpoint every
    `save_seconds` of training and, after Ctrl-C, at once; if that step ended
    an epoch, the epoch's record (and its validation) is written first. After
    each epoch it prints the progress line, keeps the best epoch's checkpoint
    (`best_key`, lower is better) and stops early when `patience` epochs
    brought nothing better or `finished(records)` returns a reason. The last
    checkpoint is saved when the loop ends. `summary_due` says when to fetch
    the TensorBoard summaries (every `summary_every` steps).

    `log` is the run log (Checkpoints.resume_or_start); `interrupted` says
    whether Ctrl-C ended the loop.
    """

    summary_every = 50     # steps between TensorBoard points
    save_seconds = 30      # at most this much training is lost on a crash
    after_step = None      # tests: a function called with the loop after each step

    def __init__(self, sess, global_step, args, ckpts, log, steps_per_epoch, writer=None,
                 best_key=None, patience=None, finished=None, rate_flag="--learning-rate"):
        self.sess, self.args, self.ckpts, self.log = sess, args, ckpts, log
        self.steps_per_epoch = steps_per_epoch
        self.writer = writer
        self.best_key, self.patience, self.finished = best_key, patience, finished
        self.rate_flag = rate_flag
        self.step = self.first_step = int(sess.run(global_step))
        self.epoch = None
        self.interrupted = False
        self.carried = None
        self.progress = Progress(args.epochs, self.step // steps_per_epoch,
                                 log["train_seconds"])
        self._stop = StopRequest()
        self._last_save = time.time()
        self._saved_at = None

    def __enter__(self):
        self._stop.__enter__()
        return self

    def __exit__(self, kind, error, trace):
        self._stop.__exit__()
        if kind is _Stopped:
            self.interrupted = True
            return True
        if kind is _TimeUp:
            print("--time-limit %g s reached at step %d" % (self.args.time_limit,
                                                            self.step), flush=True)
        if kind in (None, _TimeUp) and self._saved_at != self.step:
            self.save()
        self.log["train_seconds"] = self.progress.elapsed()
        return kind is _TimeUp

    # -- where we are -----------------------------------------------------
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
        start = self.step - self.epoch * self.steps_per_epoch
        for batch in range(start, self.steps_per_epoch):
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

    # -- after a step, after an epoch ---------------------------------------
    def step_done(self, loss, summary=None, carried=None, **also):
        """Record one training step: its loss, its summary, the state it ended
        with (a list of arrays, carried into the next batch), and any other
        per-step figure given by name (kept in the run log like the loss)."""
        check_finite(loss, self.step + 1, rate_flag=self.rate_flag)
        if summary is not None:
            self.writer.add_summary(summary, self.step)
        self.step += 1
        self.log["losses"].append(float(loss))
        for name, value in also.items():
            self.log.setdefault("per_step", {}).setdefault(name, []).append(float(value))
        self.carried = carried
        if TrainingLoop.after_step is not None:
            TrainingLoop.after_step(self)

    def epoch_losses(self, name=None):
        """The loss (or the per-step figure `name`) of every step of the
        current epoch, also after a resume."""
        series = self.log["losses"] if name is None else self.log["per_step"][name]
        first = self.epoch * self.steps_per_epoch
        return series[first:first + self.steps_per_epoch]

    def epoch_done(self, **figures):
        """Write the epoch's record (epoch, step, figures), keep the best
        checkpoint, print the progress line; then honour Ctrl-C or the clock."""
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

    # -- saving -----------------------------------------------------------
    def _checkpoint_if_due(self):
        if self._stop.requested:
            self.save()
            raise _Stopped()
        limit = getattr(self.args, "time_limit", 0)
        if limit and self.progress.elapsed() >= limit:
            raise _TimeUp()
        if time.time() - self._last_save >= self.save_seconds:
            self.save()

    def save(self):
        self.log["train_seconds"] = self.progress.elapsed()
        self.log["carried_state"] = None if self.carried is None else [
            np.asarray(a).tolist() for a in self.carried]
        self.ckpts.save(self.sess, self.step, self.log)
        self._last_save = time.time()
        self._saved_at = self.step

    def request_stop(self):
        """What the first Ctrl-C does (tests call it at a chosen step)."""
        self._stop.requested = True


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
    inside dynamic_rnn's while loop the order threads take numbers in varies
    (the same seed would give other figures on TF 2.x). A stateless mask is a
    function of the seed and the step alone. `keep_prob` may be a tensor; at
    1.0 the input passes unchanged.
    """
    noise = tf.random.stateless_uniform(tf.shape(x), seed=seed)
    return x * tf.floor(keep_prob + noise) / keep_prob


def rnn_layers(cells, inputs, keep_prob=1.0, layer_seed=None, initial_state=None):
    """Stacked recurrent layers under dynamic_rnn, with dropout on each layer's
    output: what MultiRNNCell([DropoutWrapper(cell, output_keep_prob=keep_prob),
    ...]) computes, run one layer after the other so that each mask covers a
    layer's whole output sequence and comes from `dropout`. layer_seed(i) is
    layer i's seed (None: no dropout); keep_prob is one value or one per layer.
    Returns (last layer's outputs [batch, time, units], tuple of each layer's
    final state)."""
    outputs, states = inputs, []
    for i, cell in enumerate(cells):
        with tf.variable_scope("cell_%d" % i):
            outputs, state = tf.nn.dynamic_rnn(
                cell, outputs, dtype=tf.float32,
                initial_state=None if initial_state is None else initial_state[i])
        if layer_seed is not None:
            keep = keep_prob[i] if isinstance(keep_prob, (list, tuple)) else keep_prob
            outputs = dropout(outputs, keep, layer_seed(i))
        states.append(state)
    return outputs, tuple(states)


# ---------------------------------------------------------------------------
# Progress and plots
# ---------------------------------------------------------------------------
def format_seconds(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return "%ds" % seconds
    if seconds < 3600:
        return "%dm%02ds" % divmod(seconds, 60)
    return "%dh%02dm" % (seconds // 3600, seconds % 3600 // 60)


class Progress(object):
    """One line per epoch: epoch, step, figures, elapsed and estimated time left."""

    def __init__(self, total_epochs, first_epoch=0, seconds_before=0.0):
        self.total = total_epochs
        self.first = first_epoch
        self.before = seconds_before
        self.start = time.time()

    def elapsed(self):
        return self.before + time.time() - self.start

    def line(self, epoch, step, **figures):
        """`epoch` counts from 0; prints and returns the line."""
        done_here = epoch + 1 - self.first
        per_epoch = (time.time() - self.start) / max(done_here, 1)
        left = per_epoch * (self.total - epoch - 1)
        parts = ["epoch %*d/%d" % (len(str(self.total)), epoch + 1, self.total),
                 "step %d" % step]
        for name, value in figures.items():
            parts.append("%s %s" % (name, value if isinstance(value, str)
                                    else "%.4f" % value))
        parts.append("elapsed %s" % format_seconds(self.elapsed()))
        parts.append("left %s" % format_seconds(left))
        text = "  ".join(parts)
        print(text, flush=True)
        return text


def pyplot(show=False):
    """matplotlib.pyplot, on the file-only Agg backend unless --show."""
    import matplotlib
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
    """A tf.summary.FileWriter per name under ``<output_dir>/tensorboard``.

    A fresh run writes the graph (with the first writer). A resumed run
    (start_step > 0) does not write it again, and marks where it starts, so
    that TensorBoard drops the points a killed run wrote past its checkpoint
    and the curves go on as one.
    """
    writers = collections.OrderedDict()
    for i, name in enumerate(names):
        # The suffix keeps a resumed run's file apart from the interrupted
        # one's even when both start within the same second.
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
