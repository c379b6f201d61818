"""What two or more of the four tutorial scripts share, and nothing else.

Read top to bottom, it is the life of a run: (1) ``tf``, TensorFlow's 1.x graph
API on either stack, imported on first use so that flags are checked at once
(command_line.py parses them); (2) sessions, devices and the locked output
dir; (3) ``TrainingLoop``, the bookkeeping around a script's own sess.run;
(4) stopping: Ctrl-C and SIGTERM become a request the loop honours between two
steps, and ``main`` turns every way a run ends into an exit status; (5)
checkpoints with their run log, metrics.json, dropout masks that repeat,
plots and TensorBoard writers. The promises these keep for every script are
docs/contract.md.
"""
from __future__ import print_function

import contextlib
import errno
import json
import os
import platform
import shlex
import signal
import sys
import tempfile
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
    for category in (FutureWarning, DeprecationWarning):  # numpy 1.17+ on TF 1.15
        warnings.filterwarnings("ignore", category=category)
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
    """``from utils import tf`` gives this stand-in: its first attribute lookup
    imports TensorFlow (seconds), later ones are TensorFlow's own."""

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
# 2. Devices, sessions, the output dir
# ---------------------------------------------------------------------------
_GPUS, _RUN = [], {}


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
    """The run's folder, locked while the run lasts, so that a second run on it
    is refused; the kernel drops a process's lock when it dies, so the lock of
    a killed run is free to take over."""

    def __init__(self, path):
        import fcntl
        if not os.path.isdir(path):
            os.makedirs(path)
        self.fd = os.open(os.path.join(path, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
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


# ---------------------------------------------------------------------------
# 3. The training loop's bookkeeping
# ---------------------------------------------------------------------------
class TrainingLoop(object):
    """Everything a training loop does besides its own sess.run. The loops
    themselves stay in each script's `train`, as the articles write them::

        with utils.TrainingLoop(sess, g.global_step, args, ckpts, log,
                                num_batches) as loop:
            for epoch_idx in range(loop.first_epoch, args.epochs):
                if loop.should_stop():                  # patience, or done
                    break
                state = loop.resumed_state()            # None: from zeros
                for batch_idx in range(loop.first_batch(epoch_idx), num_batches):
                    ...                                 # sess.run, with the summary
                    loop.step_done(loss, summary, state)   # if loop.summary_due
                loop.epoch_done(epoch_idx, train_loss=np.mean(
                    loop.epoch_losses(epoch_idx)))

    A resumed run starts at the step its checkpoint was saved at: the epoch
    (`first_epoch`), the batch in it (`first_batch`), the RNN state carried
    into that batch (`resumed_state`). After each step (`step_done`): the NaN
    guard, and, unless the step ended an epoch, a checkpoint every
    `save_seconds` or at once when a stop was asked for (Ctrl-C, SIGTERM).
    After each epoch (`epoch_done`): the epoch's record, the progress line,
    the best epoch's checkpoint (`best_key`, lower is better), the same
    checkpoint rule. `should_stop` says (and prints why) when `patience`
    epochs passed without a better one, or `finished(records)` gave a reason.
    The last checkpoint is saved when the `with` block ends.
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
        self.first_epoch = self.first_step // steps_per_epoch
        self.carried, self.stopped_by = None, None
        self.progress = Progress(args.epochs, self.first_epoch, log["train_seconds"])
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
        if kind is _EndOfTraining and error.why == "stop":
            self.stopped_by = self._stop.requested      # saved already
            return True
        if kind is _EndOfTraining:
            print("--time-limit %g s reached at step %d" % (self.args.time_limit,
                                                            self.step), flush=True)
        if kind in (None, _EndOfTraining) and self._saved_at != self.step:
            self.save()
        self.log["train_seconds"] = self.progress.elapsed()
        return kind is _EndOfTraining

    def first_batch(self, epoch_idx):
        """The batch epoch `epoch_idx` starts at: 0, or, in the epoch a resumed
        run stopped in, the batch it was about to run."""
        return max(0, self.first_step - epoch_idx * self.steps_per_epoch)

    def should_stop(self):
        """True (after printing why) when training should end before the next
        epoch: `patience` epochs without a better `best_key`, or a reason from
        `finished(records)`."""
        best = self.best()
        reason = None
        if self.patience and best and len(self.log["epochs"]) - best["epoch"] >= \
                self.patience:
            reason = "no better %s for %s: stopping" % (
                self.best_key, plural(self.patience, "epoch"))
        elif self.finished:
            reason = self.finished(self.log["epochs"])
        if reason:
            print(reason, flush=True)
        return bool(reason)

    def resumed_state(self):
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
        figure given by name (kept in the run log like the loss). Then, inside
        an epoch, a checkpoint when one is due or a stop was asked for."""
        check_finite(loss, self.step + 1, rate_flag=self.rate_flag)
        if summary is not None:
            self.writer.add_summary(summary, self.step)
        self.step += 1
        self.log["losses"].append(float(loss))
        for name, value in also.items():
            self.log.setdefault("per_step", {}).setdefault(name, []).append(float(value))
        self.carried = carried
        if self.step % self.steps_per_epoch:       # the epoch's end is epoch_done's
            self._checkpoint_if_due()

    def epoch_losses(self, epoch_idx, name=None):
        """The loss (or the per-step figure `name`) of every step of epoch
        `epoch_idx`, also after a resume."""
        series = self.log["losses"] if name is None else self.log["per_step"][name]
        first = epoch_idx * self.steps_per_epoch
        return series[first:first + self.steps_per_epoch]

    def epoch_done(self, epoch_idx, **figures):
        """Write the epoch's record, keep the best checkpoint, print the
        progress line; then honour a stop request or the clock."""
        record = dict(epoch=epoch_idx + 1, step=self.step, **figures)
        self.log["epochs"].append(record)
        self.carried = None
        shown = dict(figures)
        if self.best_key:
            best = self.best()
            if best is record:
                self.ckpts.save(self.sess, self.step, self.log, best=True)
            shown["best"] = "epoch %d" % best["epoch"]
        self.progress.line(epoch_idx, self.step, **shown)
        self._checkpoint_if_due()
        return record

    def best(self):
        """The epoch record with the lowest `best_key`, or None."""
        records = self.log["epochs"]
        if not records or not self.best_key:
            return None
        return min(records, key=lambda record: record[self.best_key])

    def _checkpoint_if_due(self):
        if self._stop.requested:
            self.save()
            raise _EndOfTraining("stop")
        if self.args.time_limit and self.progress.elapsed() >= self.args.time_limit:
            raise _EndOfTraining("time")
        if time.time() - self._last_save >= self.save_seconds:
            self.save()

    def save(self):
        self.log["train_seconds"] = self.progress.elapsed()
        self.log["carried_state"] = None if self.carried is None else [
            np.asarray(a).tolist() for a in self.carried]
        self.ckpts.save(self.sess, self.step, self.log)
        self._last_save, self._saved_at = time.time(), self.step


class _EndOfTraining(Exception):
    """Raised inside TrainingLoop on a stop request ("stop", once its
    checkpoint is saved) or at --time-limit ("time")."""

    def __init__(self, why):
        Exception.__init__(self, why)
        self.why = why


def check_finite(value, step, what="loss", rate_flag="--learning-rate"):
    """Raise Diverged with advice if `value` is NaN or infinite (the NaN guard)."""
    if not np.all(np.isfinite(value)):
        raise Diverged("%s became %s at step %d; the last good checkpoint is kept. "
                       "Try a smaller %s (or gradient clipping) and start again "
                       "without --resume." % (what, value, step, rate_flag))


# ---------------------------------------------------------------------------
# 4. Stopping, and how a run ends
# ---------------------------------------------------------------------------
class DataError(Exception):
    """A file, folder or flag that cannot be used; the message names it."""

    def __init__(self, path, problem):
        Exception.__init__(self, "%s: %s" % (path, problem))


class Diverged(Exception):
    """The loss became NaN or infinite."""


class Interrupted(Exception):
    """A signal ended training, after the checkpoint was written."""

    def __init__(self, signum, message):
        Exception.__init__(self, message)
        self.signum = signum


class StopRequest(object):
    """Around the training loop, the first Ctrl-C (SIGINT) or SIGTERM becomes a
    request that the loop polls between two steps, so that it saves a
    checkpoint and the metrics so far; a second one interrupts at once."""

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


def finish(loop, args):
    """The end of a run, once its files are written: the plots' windows with
    --show, and, for a run a signal cut short, the command that continues it."""
    if args.show:
        pyplot(True).show()
    if loop.interrupted:
        raise Interrupted(loop.stopped_by, "saved at step %d; continue with: python %s "
                                           "--resume --output-dir %s"
                          % (loop.step, args.script, shlex.quote(args.output_dir)))


class _Terminated(Exception):
    """SIGTERM outside the training loop."""


def _terminate(signum, frame):
    raise _Terminated()


def main(script, parse_args, run, argv):
    """Parse, run, and turn the ways a run ends into exit statuses: 0 done,
    1 loss diverged, 2 bad flags or data or a refused --resume (one line on
    stderr), 130 Ctrl-C, 143 SIGTERM."""
    prog = os.path.basename(script)
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
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
        ctrl_c = isinstance(err, KeyboardInterrupt)
        print("%s: %s at once; what was saved before stays as it was" % (
            prog, "interrupted" if ctrl_c else "terminated"), file=sys.stderr)
        return 130 if ctrl_c else 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if "lock" in _RUN:
            _RUN.pop("lock").release()


# ---------------------------------------------------------------------------
# 5. Files: atomic JSON, metrics, checkpoints and their run log
# ---------------------------------------------------------------------------
def write_json_atomic(path, obj):
    """Write JSON to a temporary file in the same folder, then rename it, with
    the permissions a plain open() would have given it."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json",
                               dir=os.path.dirname(os.path.abspath(path)))
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
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError("not JSON serialisable: %r" % (value,))


def read_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path) as handle:
        return json.load(handle)


def config_of(args):
    """The run's config: every saved flag, as JSON values (a list as its text)."""
    return {name: as_saved(getattr(args, name)) for name in args.saved}


def as_saved(value):
    return str(value) if isinstance(value, list) else value


def write_metrics(args, figures, steps, train_seconds, **extra):
    """metrics.json: the script's figures plus what every run records."""
    record = dict(figures, **extra)
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
    """tf.train.Saver checkpoints in <output_dir>/checkpoints and, with
    keep_best, <output_dir>/best (the best epoch so far), two of each.

    Beside them lies the run log (run_log.json): what a resumed run needs and
    the graph does not hold (the config, the loss of every step, a record per
    epoch, the seconds trained, the RNN state carried into the next window)
    and the name of its checkpoint. It is written after the weights, so a run
    killed between the two leaves a log naming the previous checkpoint, still
    kept: a resume restores exactly the pair that was saved together.
    """

    def __init__(self, graph, output_dir, keep_best=False):
        self.folder = os.path.join(output_dir, "checkpoints")
        self.best_folder = os.path.join(output_dir, "best") if keep_best else None
        with graph.as_default():
            self._savers = {self.folder: tf.train.Saver(max_to_keep=2)}
            if keep_best:
                self._savers[self.best_folder] = tf.train.Saver(max_to_keep=2)

    def saved(self, best=False):
        return saved_checkpoint(self.best_folder if best else self.folder)

    def save(self, sess, step, log, best=False):
        folder = self.best_folder if best else self.folder
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
        folder, path = self.best_folder if best else self.folder, self.saved(best)
        if path is None:
            return None
        self._savers[folder].restore(sess, path)
        return read_json(os.path.join(folder, LOG_FILE))

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


def dropout(x, keep_prob, seed, noise_shape=None):
    """Inverted dropout whose mask is drawn from `seed` (see step_seed); a
    `noise_shape` with 1s shares one mask along those axes.

    tf.nn.dropout and DropoutWrapper draw from stateful random ops: a new
    session restarts their stream (a resumed run would get other masks), and
    inside dynamic_rnn's while loop the order threads take numbers in varies.
    A stateless mask is a function of the seed and the step alone. At
    keep_prob 1.0 the input passes unchanged.
    """
    shape = tf.shape(x) if noise_shape is None else noise_shape
    noise = tf.random.stateless_uniform(shape, seed=seed)
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
    """One line per epoch: epoch, step, figures (4 significant digits; the full
    ones go to metrics.json), elapsed and estimated time left."""

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
        parts += ["elapsed %s" % format_seconds(self.elapsed()),
                  "left %s" % format_seconds(per_epoch * (self.total - epoch - 1))]
        print("  ".join(parts), flush=True)
        return "  ".join(parts)


def pyplot(show=False):
    """matplotlib.pyplot, on the file-only Agg backend unless --show (and a
    display to show on)."""
    import matplotlib
    if show and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                     or sys.platform in ("darwin", "win32")):
        if not _RUN.get("said_no_display"):
            print("--show: no display here (DISPLAY is not set), so no window opens; "
                  "the plots are saved as PNG files", file=sys.stderr)
            _RUN["said_no_display"] = True
        show = False
    if not show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def log_scale(ax):
    """A log y axis (call it once the data are drawn) whose ticks read as plain
    numbers (0.3, 0.5, 1), not 10^-1; the minor ticks are labelled only when the
    data span less than a decade, where there would be no major tick to read."""
    from matplotlib.ticker import FuncFormatter, NullFormatter
    ax.set_yscale("log")
    # three significant digits: a narrow span puts minor ticks at 0.95 and
    # 1.05, which two would both print as 1 or 1.1
    plain = FuncFormatter(lambda y, _: "%g" % float("%.3g" % y))
    low, high = ax.get_ylim()
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain if high < 10 * low else NullFormatter())


def save_figure(fig, path, show=False):
    fig.savefig(path, dpi=100, bbox_inches="tight")
    if not show:
        import matplotlib.pyplot as plt
        plt.close(fig)
    return path


def summary_writers(output_dir, graph, names=("train",), start_step=0):
    """A tf.summary.FileWriter per name under <output_dir>/tensorboard. A fresh
    run writes the graph (with the first); a resumed one marks where it starts,
    so that TensorBoard drops what a killed run wrote past its checkpoint."""
    writers = {}
    for i, name in enumerate(names):
        # the suffix keeps a resumed run's file apart from the interrupted one's
        writers[name] = tf.summary.FileWriter(
            os.path.join(output_dir, "tensorboard", name),
            graph if i == 0 and not start_step else None,
            filename_suffix=".step%d" % start_step)
        if start_step:
            writers[name].add_session_log(tf.SessionLog(status=tf.SessionLog.START),
                                          start_step)
    return writers


def scalar_summary(writer, step, **values):
    """Write Python numbers as scalar summaries (figures computed outside TF)."""
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag=k, simple_value=float(v))
                                         for k, v in values.items()]), step)
