"""What every script promises (docs/contract.md, sections 2-4), checked on
all four: presets never override a flag you gave, --resume refuses other
model flags before touching anything, an interrupted run resumes to the same
figures, the same seed gives the same figures, and --output-dir must be a
folder."""
import os
import signal

import pytest

import char_rnn
import echo_rnn
import energy_gru
import parity_rnn
import utils
from conftest import (check_resume_is_exact, folder_fingerprint, figures_of,
                      read_events, read_metrics, run_quietly, run_stopped_at)

# script: (main, short-run flags, steps per epoch of that run, a flag change
# that alters the graph, and what the refusal must say about it)
SCRIPTS = {
    "echo": (echo_rnn.main, ["--quick", "--epochs", "3"], 333,
             ["--state-size", "6"], "--state-size 4 (checkpoint) vs 6 (now)"),
    "parity": (parity_rnn.main, ["--quick", "--epochs", "3", "--target-accuracy", "1"],
               40, ["--cell", "gru"], "--cell lstm (checkpoint) vs gru (now)"),
    "char": (char_rnn.main, ["--quick", "--epochs", "3"], 24,
             ["--hidden-size", "16"], "--hidden-size 32 (checkpoint) vs 16 (now)"),
    "energy": (energy_gru.main, ["--quick", "--epochs", "3", "--dropout", "dense"], 26,
               ["--rnn-layers", "4"], "--RNN_LAYERS 8:1 (checkpoint) vs 4:1 (now)"),
}


# script: {TensorBoard writer: the scalar tags it holds} (docs/running.md, TensorBoard)
TAGS = {
    "echo": {"train": {"loss", "accuracy", "learning_rate"},
             "evaluation": {"loss", "accuracy"}},
    "parity": {"train": {"loss", "parity_accuracy", "learning_rate"},
               "validation": {"parity_accuracy"}},
    "char": {"train": {"bits_per_char", "learning_rate"},
             "validation": {"bits_per_char"}},
    "energy": {"train": {"learning_rate", "global_step", "MSE", "RMSE"},
               "validation": {"MSE", "RMSE", "RMSE_wh"}},
}


# --- presets ------------------------------------------------------------------
def test_a_flag_given_wins_over_a_preset_even_at_its_default():
    assert energy_gru.parse_args(["--quick", "--epochs", "40"]).epochs == 40
    assert energy_gru.parse_args(["--quick"]).epochs == 2
    assert parity_rnn.parse_args(["--article", "--batch-size", "100"]).batch_size == 100
    assert parity_rnn.parse_args(["--article"]).batch_size == 1000
    # --quick is applied after --article: the tiny run, with the book's model
    both = parity_rnn.parse_args(["--article", "--quick"])
    assert (both.epochs, both.cell, both.target) == (2, "rnn", "sum")
    assert char_rnn.parse_args(["--article", "--dropout", "0.5"]).dropout == 0.5
    assert char_rnn.parse_args(["--article"]).dropout == 1.0
    assert echo_rnn.parse_args(["--article", "--init", "glorot"]).init == "glorot"
    assert echo_rnn.parse_args(["--article"]).init == "uniform"
    # a choice can select a preset too: the paper's protocol trains longer
    paper = energy_gru.parse_args(["--protocol", "paper"])
    # ... with the window ending at the row, like for like with the paper
    assert (paper.epochs, paper.patience, paper.ensemble, paper.readings_after,
            paper.dropout) == (120, 10, 5, 0, "dense")
    # the forecast's default network has no dropout; a dropout you give stays
    assert energy_gru.parse_args([]).dropout == "none"
    assert energy_gru.parse_args(["--protocol", "paper", "--dropout", "none"]
                                 ).dropout == "none"
    assert energy_gru.parse_args(["--protocol", "paper", "--readings-after", "6"]
                                 ).readings_after == 6
    assert energy_gru.parse_args(["--protocol", "paper", "--ensemble", "3"]).ensemble == 3
    assert energy_gru.parse_args(["--protocol", "paper", "--quick"]).epochs == 2
    assert energy_gru.parse_args(["--protocol", "forecast"]).epochs == 40


def test_help_lists_the_flags_that_may_change_on_resume(capsys):
    with pytest.raises(SystemExit):
        char_rnn.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "These may be given anew: --epochs" in out
    assert "--patience" in out and "--learning-rate" in out


# --- --output-dir -------------------------------------------------------------
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_output_dir_naming_a_file_exits_2_with_one_line(script, tmp_path, capsys):
    main = SCRIPTS[script][0]
    path = tmp_path / "a_file"
    path.write_text("keep me")
    for where in (path, path / "below"):
        with pytest.raises(SystemExit) as exc:
            main(["--quick", "--output-dir", str(where)])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1
        assert "error: argument --output-dir: %s is a file, not a folder" % path in err
        assert "--help" in err
        assert "Traceback" not in err
    assert path.read_text() == "keep me"


# --- --resume with other flags --------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_resume_with_other_model_flags_is_refused_and_touches_nothing(
        script, tmp_path, capsys):
    main, flags, _, change, message = SCRIPTS[script]
    out = str(tmp_path / "run")
    assert run_quietly(main, flags + ["--epochs", "1", "--output-dir", out]) == 0
    before = folder_fingerprint(out)
    capsys.readouterr()
    assert main(flags + ["--output-dir", out, "--resume"] + change) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--resume refused" in err, err
    assert message in err
    assert folder_fingerprint(out) == before
    # more epochs, with everything else as it was, is a resume that works
    assert run_quietly(main, flags + ["--output-dir", out, "--resume"]) == 0
    assert read_metrics(out)["epochs_run"] == 3


@pytest.mark.slow
def test_a_refusal_names_every_differing_flag(tmp_path, capsys):
    out = str(tmp_path / "run")
    flags = ["--quick", "--epochs", "1", "--output-dir", out]
    assert run_quietly(echo_rnn.main, flags) == 0
    assert echo_rnn.main(flags + ["--resume", "--part", "3", "--seed", "7",
                                  "--epochs", "2", "--learning-rate", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "--part 1 (checkpoint) vs 3 (now)" in err
    assert "--seed 42 (checkpoint) vs 7 (now)" in err
    assert "--epochs" not in err and "--learning-rate" not in err   # may change


# --- exact resume ---------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SCRIPTS))
@pytest.mark.parametrize("where", ["inside an epoch", "in an epoch's last window"])
def test_an_interrupted_run_resumes_to_the_same_figures(script, where, tmp_path,
                                                        monkeypatch):
    main, flags, per_epoch, _, _ = SCRIPTS[script]
    stop_at = per_epoch + per_epoch // 2 if where == "inside an epoch" else 2 * per_epoch
    events = []
    _, stopped, resumed = check_resume_is_exact(
        main, flags, tmp_path, monkeypatch, stop_at,
        lambda folder: events.append(read_events(folder)))
    # The stopped run wrote the record of every epoch it finished, the one
    # that ended on the stop included, and no other.
    assert [e["epoch"] for e in stopped["history"]] == list(
        range(1, stop_at // per_epoch + 1))
    assert resumed["steps"] == 3 * per_epoch
    # TensorBoard: the tags docs/running.md names; one graph, from the first run;
    # every curve goes on from where the interrupted run left it.
    after_stop, after_resume = events[0], read_events(tmp_path / "part")
    assert {w: set(tags) for w, (_, tags) in after_resume.items()} == TAGS[script]
    assert after_resume["train"][0] == 1 and after_stop["train"][0] == 1
    assert all(graphs == 0 for w, (graphs, _) in after_resume.items() if w != "train")
    for writer, (_, tags) in after_resume.items():
        for tag, steps in tags.items():
            assert steps == sorted(set(steps)), (writer, tag, steps)
            before = after_stop[writer][1].get(tag, [])
            assert steps[:len(before)] == before and steps[-1] > stop_at - 50
            if writer == "train":
                assert steps == list(range(0, 3 * per_epoch, 50)), (tag, steps)


def test_tensorboard_is_installed_and_matches_tensorflow():
    import tensorboard
    import utils
    tf_version = utils.tensorflow_version().split(".")[:2]
    assert tensorboard.__version__.split(".")[:2] == tf_version
    from tensorboard import main as tensorboard_main   # the `tensorboard` command
    assert callable(tensorboard_main.run_main)


@pytest.mark.slow
def test_resume_is_exact_with_rnn_dropout_too(tmp_path, monkeypatch):
    check_resume_is_exact(energy_gru.main, ["--quick", "--epochs", "3", "--dropout",
                                            "rnn", "--RNN_LAYERS", "8:0.5,8:0.5"],
                          tmp_path, monkeypatch, 40)


@pytest.mark.slow
def test_patience_counts_the_epoch_that_ended_on_the_stop(tmp_path, monkeypatch):
    """Char with patience 1, no dropout and a high learning rate overfits its
    20,000 characters within a few epochs. Stopped in the last window of the
    epoch after which the uninterrupted run stopped early, and resumed, it must
    stop right there too, not train one epoch more."""
    flags = ["--quick", "--epochs", "12", "--patience", "1", "--learning-rate", "0.05",
             "--dropout", "1", "--hidden-size", "64", "--average", "0",
             "--weight-decay", "0",   # (the average would put the overfitting later)
             "--batch-size", "16", "--dynamic-evaluation", "off"]   # 49 steps an epoch
    whole = str(tmp_path / "whole")
    assert run_quietly(char_rnn.main, flags + ["--output-dir", whole]) == 0
    ran = read_metrics(whole)["epochs_run"]
    assert ran < 12 and read_metrics(whole)["best_epoch"] == ran - 1
    part = str(tmp_path / "part")
    assert run_stopped_at(char_rnn.main, flags + ["--output-dir", part], ran * 49,
                          monkeypatch) == 130
    assert run_quietly(char_rnn.main, flags + ["--output-dir", part, "--resume"]) == 0
    assert figures_of(read_metrics(part)) == figures_of(read_metrics(whole))


# --- same seed, same figures ------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_same_seed_same_figures_at_default_threads(script, tmp_path):
    main, flags = SCRIPTS[script][:2]
    runs = []
    for name in ("a", "b"):
        assert run_quietly(main, flags + ["--epochs", "2", "--seed", "321", "--output-dir",
                                          str(tmp_path / name)]) == 0
        runs.append(figures_of(read_metrics(tmp_path / name)))
    assert runs[0] == runs[1]


# --- what real machines do to long runs (signals, kill -9, a second run) ---------
ECHO = ["--quick", "--epochs", "3", "--learning-rate", "0.2"]       # 333 steps an epoch


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stopped_run_continues_with_the_command_it_prints(signum, tmp_path, monkeypatch,
                                                            capsys):
    """Ctrl-C and SIGTERM (what timeout, kill and batch schedulers send) both
    save and exit 130 / 143 with the whole command that continues the run;
    that command alone, none of the run's flags repeated, continues the
    checkpoint's run (its 3 epochs, its learning rate) to the same figures."""
    said = []

    def the_command(folder):
        said.append(capsys.readouterr().err)
    check_resume_is_exact(echo_rnn.main, ECHO, tmp_path, monkeypatch, 500, the_command,
                          signum=signum, resume_flags=[])
    assert said[0].strip().splitlines()[-1].endswith(
        "continue with: python echo_rnn.py --resume --output-dir %s" % (tmp_path / "part"))
    assert read_metrics(tmp_path / "part")["config"]["learning_rate"] == 0.2


def torn(folder, log_before, checkpoint_after):
    """The files a run killed while saving leaves: the weights of the newest
    save half written, and the previous save's run log."""
    checkpoints = os.path.join(folder, "checkpoints")
    with open(os.path.join(checkpoints, utils.LOG_FILE), "w") as handle:
        handle.write(log_before)
    data = [n for n in os.listdir(checkpoints) if n.startswith(checkpoint_after + ".data")]
    with open(os.path.join(checkpoints, data[0]), "r+b") as handle:
        handle.truncate(10)


@pytest.mark.slow
def test_a_run_killed_while_saving_resumes_exactly_from_the_save_before(
        tmp_path, monkeypatch):
    whole, part = str(tmp_path / "whole"), str(tmp_path / "part")
    assert run_quietly(echo_rnn.main, ECHO + ["--output-dir", whole]) == 0
    assert run_stopped_at(echo_rnn.main, ECHO + ["--output-dir", part], 400,
                          monkeypatch) == 130
    log_400 = open(os.path.join(part, "checkpoints", utils.LOG_FILE)).read()
    assert run_stopped_at(echo_rnn.main, ["--resume", "--output-dir", part], 800,
                          monkeypatch) == 130
    torn(part, log_400, "model-800")
    os.remove(os.path.join(part, "metrics.json"))          # a killed run writes none
    assert run_quietly(echo_rnn.main, ["--resume", "--output-dir", part]) == 0
    assert figures_of(read_metrics(part)) == figures_of(read_metrics(whole))


@pytest.mark.slow
def test_a_run_log_naming_a_lost_checkpoint_is_refused_in_one_line(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert run_quietly(echo_rnn.main, ["--quick", "--epochs", "1", "--output-dir", out]) == 0
    for name in os.listdir(os.path.join(out, "checkpoints")):
        if name.startswith("model-"):
            os.remove(os.path.join(out, "checkpoints", name))
    capsys.readouterr()
    assert echo_rnn.main(["--resume", "--output-dir", out]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no checkpoint to continue here" in err


@pytest.mark.slow
def test_a_second_run_on_the_same_output_dir_is_refused(tmp_path, capsys):
    out = str(tmp_path / "run")
    other = utils.OutputDir(out)           # as a run in another terminal holds it
    try:
        assert echo_rnn.main(["--quick", "--output-dir", out]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and out in err
        assert "another run is using this folder (pid %d" % os.getpid() in err
        assert os.listdir(out) == [".lock"]
    finally:
        other.release()
    # the lock a killed run leaves behind (no process holds it) is taken over
    assert run_quietly(echo_rnn.main, ["--quick", "--epochs", "1", "--output-dir", out]) == 0
