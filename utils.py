"""What the four tutorial scripts share, and nothing else.

* ``tf``: TensorFlow's 1.x graph API on either stack (TF 1.15 or TF 2.x through
  ``tf.compat.v1``), imported quietly.
* the flags every script has, and the checks for their values;
* sessions, devices and seeds;
* checkpoints that survive Ctrl-C and can be resumed, and the NaN guard;
* ``metrics.json`` written atomically, headless plotting, clean data errors;
* ``rnn_forward_numpy``: the basic RNN recurrence in numpy, to check what
  ``BasicRNNCell`` + ``dynamic_rnn`` compute (article 001).

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


def make_parser(script, doc, default_epochs):
    """An ArgumentParser with the flags every script has (CONVENTIONS 2)."""
    name = os.path.splitext(os.path.basename(script))[0]
    parser = argparse.ArgumentParser(
        prog=os.path.basename(script), description=doc, formatter_class=HelpFormatter)
    group = parser.add_argument_group("common flags")
    group.add_argument("--epochs", type=positive_int, default=default_epochs,
                       help="passes over the training data")
    group.add_argument("--seed", type=int, default=42,
                       help="seed for numpy and TensorFlow; same seed, same figures")
    group.add_argument("--output-dir", default=os.path.join("runs", name),
                       help="where metrics.json, checkpoints, plots and "
                            "tensorboard/ go")
    group.add_argument("--quick", action="store_true",
                       help="a tiny configuration that runs in seconds (smoke test)")
    group.add_argument("--resume", action="store_true",
                       help="continue from the latest checkpoint in --output-dir")
    group.add_argument("--show", action="store_true",
                       help="also open the plots in a window (they are always saved)")
    group.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto",
                       help="where the graph runs; auto takes a GPU if TensorFlow "
                            "sees one")
    group.add_argument("--threads", type=int, default=0,
                       help="TensorFlow intra- and inter-op threads (0: TF decides)")
    return parser


def apply_preset(parser, args, preset):
    """Use `preset` values for every flag left at its default (--quick, --book).

    Flags given on the command line win over the preset.
    """
    for name, value in preset.items():
        if getattr(args, name) == parser.get_default(name):
            setattr(args, name, value)
    return args


def check_common(parser, args):
    """Checks on the common flags that need more than a type; errors exit 2."""
    if args.threads < 0:
        parser.error("argument --threads: must be >= 0, got %d" % args.threads)
    if args.device == "gpu" and not gpu_names():
        parser.error("argument --device: gpu asked for, but TensorFlow sees no GPU "
                     "(use --device cpu or auto)")


# ---------------------------------------------------------------------------
# Devices, sessions, seeds
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


def set_seeds(graph, seed):
    """Seed numpy and the graph's op-level randomness (call inside build)."""
    np.random.seed(seed)
    graph.seed = seed


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
    """A data file that cannot be used; the message names the file."""

    def __init__(self, path, problem):
        Exception.__init__(self, "%s: %s" % (path, problem))


class Diverged(Exception):
    """The loss became NaN or infinite."""


class Interrupted(Exception):
    """Ctrl-C during training, after the checkpoint was written."""


def stop_if_interrupted(interrupted, steps, ckpt):
    """End a run that Ctrl-C cut short (exit 130), once its files are written."""
    if interrupted:
        raise Interrupted("checkpoint at step %d in %s; continue with --resume"
                          % (steps, ckpt.folder))


def check_finite(value, step, what="loss"):
    """Raise Diverged with advice if `value` is NaN or infinite (the NaN guard)."""
    if not np.all(np.isfinite(value)):
        raise Diverged("%s became %s at step %d; the last good checkpoint is kept. "
                       "Try a smaller --learning-rate (or gradient clipping) and "
                       "start again without --resume." % (what, value, step))


def run_guarded(script, body, args):
    """Run body(args) and turn the ways a run can end into exit statuses.

    0 done, 1 loss diverged, 2 bad data (one line on stderr), 130 Ctrl-C.
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
# Files: atomic JSON, metrics, checkpoints
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


class Checkpoints(object):
    """tf.train.Saver in ``<output_dir>/<name>`` plus a JSON side file.

    The side file (``state.json``) holds what the graph does not: the loss
    history for the plots, the epoch reached, the seconds trained, the best
    validation figure. Saved together, restored together, so ``--resume``
    picks up the step count, the curves and the clock where they stopped.
    A second instance with another name (``best``) keeps the best epoch apart.
    """

    def __init__(self, graph, output_dir, name="checkpoints", max_to_keep=2):
        self.folder = os.path.join(output_dir, name)
        with graph.as_default():
            self.saver = tf.train.Saver(max_to_keep=max_to_keep)
        self.state_path = os.path.join(self.folder, "state.json")

    def latest(self):
        """Path of the newest checkpoint, or None."""
        return tf.train.latest_checkpoint(self.folder)

    def save(self, sess, global_step, state):
        if not os.path.isdir(self.folder):
            os.makedirs(self.folder)
        path = self.saver.save(sess, os.path.join(self.folder, "model"),
                               global_step=global_step, write_meta_graph=False)
        write_json_atomic(self.state_path, dict(state, checkpoint=os.path.basename(path)))
        return path

    def restore(self, sess):
        """Restore the newest checkpoint into `sess`; return its side state.

        Returns None when there is no checkpoint to restore.
        """
        path = self.latest()
        if path is None:
            return None
        self.saver.restore(sess, path)
        return read_json(self.state_path, {})

    def resume_or_start(self, sess, resume, fresh):
        """With --resume, the newest checkpoint's side state (saying which step
        it continues from); otherwise, or with no checkpoint yet, `fresh`."""
        state = self.restore(sess) if resume else None
        if resume:
            print("resumed at step %s" % self.latest().rsplit("-", 1)[1]
                  if state is not None
                  else "--resume: no checkpoint in %s, starting afresh" % self.folder)
        return fresh if state is None else state


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


def plot_curves(path, curves, xlabel, ylabel, title, show=False, logy=False):
    """A line plot of {label: (x, y)} saved to `path` (the loss-curve PNG)."""
    plt = pyplot(show)
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, (xs, ys) in curves.items():
        ax.plot(xs, ys, label=label, linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if len(curves) > 1:
        ax.legend()
    return save_figure(fig, path, show)


def summary_writers(output_dir, graph, names=("train",)):
    """tf.summary.FileWriter per name under ``<output_dir>/tensorboard``.

    The first writer also records the graph.
    """
    writers = collections.OrderedDict()
    for i, name in enumerate(names):
        writers[name] = tf.summary.FileWriter(
            os.path.join(output_dir, "tensorboard", name), graph if i == 0 else None)
    return writers


def scalar_summary(writer, step, **values):
    """Write Python numbers as scalar summaries (for figures computed outside TF)."""
    summary = tf.Summary(value=[tf.Summary.Value(tag=k, simple_value=float(v))
                                for k, v in values.items()])
    writer.add_summary(summary, step)


# ---------------------------------------------------------------------------
# Article 001: what BasicRNNCell + dynamic_rnn compute
# ---------------------------------------------------------------------------
def rnn_forward_numpy(inputs, W_x, W_h, b, initial_state=None, activation=np.tanh):
    """The basic RNN, one time step after the other, in plain numpy.

    inputs: [batch, time, features]; returns (outputs [batch, time, units],
    final state [batch, units]) for ``S_t = f(x_t W_x + S_{t-1} W_h + b)``.
    A ``BasicRNNCell`` keeps W_x and W_h stacked in one kernel of shape
    [features + units, units]: W_x is its first `features` rows.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    batch, steps, _ = inputs.shape
    units = W_h.shape[0]
    state = np.zeros((batch, units)) if initial_state is None else initial_state
    outputs = np.zeros((batch, steps, units))
    for t in range(steps):
        state = activation(inputs[:, t, :].dot(W_x) + state.dot(W_h) + b)
        outputs[:, t, :] = state
    return outputs, state
