"""command_line.py: the table, the parser, presets, one-line errors, --resume's flags."""
import argparse
import os
import subprocess
import sys

import pytest

import command_line as cli
import utils
from conftest import demo, demo_table, saved_run


@pytest.mark.parametrize("func, good, bad", [
    (cli.positive_int, [("3", 3), ("1", 1)], ["0", "-1", "2.5", "x"]),
    (cli.positive_float, [("0.5", 0.5), ("1e-3", 1e-3)], ["0", "-1", "inf", "nan", "x"]),
    (cli.probability, [("1", 1.0), ("0.25", 0.25)], ["0", "1.5", "-0.1", "nan"]),
    (cli.fraction, [("0", 0.0), ("0.2", 0.2)], ["1", "-0.1", "x"]),
])
def test_flag_types(func, good, bad):
    for text, value in good:
        assert func(text) == value
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError):
            func(text)


def test_common_flags_and_presets():
    args = demo([])
    assert args.epochs == 7 and args.seed == 42 and args.device == "auto"
    assert args.output_dir == os.path.join("runs", "demo_script")
    assert args.script == "demo_script.py"
    presets = [("book", {"epochs": 50, "size": 3}), ("quick", {"epochs": 1, "size": 2})]
    args = demo(["--quick", "--size", "5"], presets)
    assert args.epochs == 1
    assert args.size == 5          # a flag given on the command line wins
    args = demo(["--quick", "--size", "100"], presets)
    assert args.size == 100        # ... also when it equals the default
    args = demo(["--article", "--quick"], presets)
    assert args.book and (args.epochs, args.size) == (1, 2)      # the later preset wins
    args = demo(["--book", "--epochs=7"], presets)
    assert (args.epochs, args.size) == (7, 3)
    # a capitalised name is also accepted in lower case with dashes
    assert demo(["--rate-of-decay", "0.5"]).RATE_OF_DECAY == 0.5
    assert demo(["--RATE_OF_DECAY", "0.25"]).RATE_OF_DECAY == 0.25
    assert "mode" not in utils.config_of(demo([]))
    assert utils.config_of(demo([]))["size"] == 100


@pytest.mark.parametrize("argv, message", [
    (["--sise", "3"], "argument --sise: no such flag; did you mean --size?"),
    (["--epoch", "3"], "argument --epoch: no such flag; did you mean --epochs?"),
    (["--siz", "3"], "did you mean --size?"),            # no abbreviations
    (["--size", "x"], "argument --size: invalid int value: 'x'"),
    (["--threads", "-1"], "argument --threads: must be >= 0"),
])
def test_a_bad_flag_is_one_error_line_naming_it(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        demo(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("demo_script.py: error: ")
    assert message in err and "demo_script.py --help lists every flag" in err


def test_flags_are_checked_before_tensorflow_is_imported(tmp_path):
    """A mistyped flag is answered without loading TensorFlow (seconds)."""
    code = ("import sys; sys.path.insert(0, %r); import echo_rnn\n"
            "try:\n    echo_rnn.main(['--epocs', '3'])\n"
            "except SystemExit as e:\n    print(e.code, 'tensorflow' in sys.modules)"
            % os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True)
    assert out.stdout.split() == ["2", "False"]
    assert "did you mean --epochs?" in out.stderr


def test_given_flags_tells_given_from_defaulted():
    parser = cli.make_parser("demo.py", "doc", demo_table(), 7)
    assert cli.given_flags(parser, ["--size", "100", "--quick"]) == {"size", "quick"}
    assert cli.given_flags(parser, []) == set()
    assert parser.parse_args([]).size == 100       # the defaults are back


def test_resume_continues_with_the_checkpoints_flags(tmp_path):
    saved = utils.config_of(demo(["--size", "3", "--rate", "0.1", "--epochs", "12"]))
    saved_run(tmp_path, saved)
    args = demo(["--resume"], output_dir=tmp_path)
    assert (args.size, args.rate, args.epochs) == (3, 0.1, 12)   # the checkpoint's
    args = demo(["--resume", "--epochs", "20", "--rate", "0.2"], output_dir=tmp_path)
    assert (args.size, args.rate, args.epochs) == (3, 0.2, 20)   # given anew: allowed
    args = demo(["--resume", "--size", "3"], output_dir=tmp_path)  # the same value
    assert args.size == 3
    with pytest.raises(utils.DataError) as err:
        demo(["--resume", "--size", "4", "--seed", "1"], output_dir=tmp_path)
    assert "--resume refused" in str(err.value)
    assert "--size 3 (checkpoint) vs 4 (now)" in str(err.value)
    assert "--seed 42 (checkpoint) vs 1 (now)" in str(err.value)


def test_resume_without_a_checkpoint_is_refused(tmp_path):
    with pytest.raises(utils.DataError, match="no checkpoint to continue here"):
        demo(["--resume"], output_dir=tmp_path / "mistyped")
    # a run log whose checkpoint is gone is no checkpoint either
    saved_run(tmp_path, utils.config_of(demo([])))
    os.remove(str(tmp_path / "checkpoints" / "model-3.index"))
    with pytest.raises(utils.DataError, match="no checkpoint"):
        demo(["--resume"], output_dir=tmp_path)
