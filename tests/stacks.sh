#!/usr/bin/env bash
# Find, set up and test the two TensorFlow stacks this project runs on.
#
#   tests/stacks.sh setup current   create/update .venv   (Python 3.10-3.13, TF 2.x)
#   tests/stacks.sh setup classic   create/update .venv37 (Python 3.7, TF 1.15.5)
#   tests/stacks.sh test [PYTEST ARGS]
#       flake8 once, then pytest (one worker per core, at most 4, or
#       $PYTEST_WORKERS; pytest-xdist) on the current stack and, whenever a Python 3.7
#       can be found (on PATH or under pyenv), on the classic stack too; prints
#       which stacks ran with their TensorFlow versions. With CI=true a missing
#       Python 3.7 is a failure, not a skip.
set -u
cd "$(dirname "$0")/.." || exit 1

# A Python of one of the given versions that really runs (pyenv shims can exist
# for versions that are not active, so each candidate is tried).
find_python() {
  local v p root
  root=$(pyenv root 2>/dev/null || true)
  for v in "$@"; do
    for p in "python$v" ${root:+"$root"/versions/$v.*/bin/python$v}; do
      if "$p" -c 'import sys' >/dev/null 2>&1; then
        command -v "$p" 2>/dev/null || echo "$p"
        return 0
      fi
    done
  done
  return 1
}

find_current() {
  # the default python3 first, when it is new enough
  if python3 -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 13))' \
      2>/dev/null; then
    command -v python3
    return 0
  fi
  find_python 3.12 3.11 3.13 3.10
}

venv_dir() { [ "$1" = classic ] && echo .venv37 || echo .venv; }

# setup STACK: make the venv and install requirements-dev.txt into it, again
# only when the requirement files changed since the last install.
setup() {
  local stack=$1 dir py stamp want
  dir=$(venv_dir "$stack")
  if [ ! -x "$dir/bin/python" ]; then
    if [ "$stack" = classic ]; then py=$(find_python 3.7); else py=$(find_current); fi
    if [ -z "$py" ]; then
      echo "stacks: no Python for the $stack stack found" >&2
      return 3
    fi
    echo "stacks: creating $dir with $py"
    "$py" -m venv "$dir" || return 1
  fi
  stamp="$dir/.requirements.sha"
  want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "stacks: installing requirements into $dir (a few minutes the first time)"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip &&
      "$dir/bin/python" -m pip install -q --disable-pip-version-check \
        -r requirements-dev.txt || return 1
    echo "$want" > "$stamp"
  fi
}

describe() {
  "$1/bin/python" -c 'import os, platform
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
print("Python %s, TensorFlow %s" % (platform.python_version(), tf.__version__))' 2>/dev/null
}

# Test workers: a test's small graphs leave most cores idle (graph building
# and Python run on one), so one worker per core, at most 4 (each loads
# TensorFlow); docs/running.md has the suite's times.
workers() {
  local n
  n=$(nproc 2>/dev/null || echo 2)
  echo "${PYTEST_WORKERS:-$(( n < 4 ? n : 4 ))}"
}

run_tests() {
  local summary="" failed=0 status stack dir
  setup current || { echo "stacks: the current stack could not be set up" >&2; exit 1; }
  echo "== flake8"
  .venv/bin/python -m flake8 || { summary="$summary\nflake8: FAILED"; failed=1; }
  for stack in current classic; do
    dir=$(venv_dir "$stack")
    if [ "$stack" = classic ]; then
      setup classic
      status=$?
      if [ $status -eq 3 ]; then
        if [ "${CI:-}" = true ]; then
          summary="$summary\nclassic: FAILED (no Python 3.7 found, and CI needs both stacks)"
          failed=1
        else
          summary="$summary\nclassic: skipped (no Python 3.7 on PATH or under pyenv)"
        fi
        continue
      elif [ $status -ne 0 ]; then
        summary="$summary\nclassic: FAILED (could not install)"; failed=1; continue
      fi
    fi
    echo "== $stack stack: $(describe "$dir")"
    "$dir/bin/python" -m pytest -n "$(workers)" "$@"
    status=$?
    if [ $status -eq 0 ]; then
      summary="$summary\n$stack: passed ($(describe "$dir"))"
    else
      summary="$summary\n$stack: FAILED, pytest exit $status ($(describe "$dir"))"
      failed=1
    fi
  done
  printf "\n== stacks tested:%b\n" "$summary"
  exit $failed
}

case "${1:-}" in
  setup) setup "${2:-current}" ;;
  test) shift; run_tests "$@" ;;
  *) echo "usage: tests/stacks.sh setup current|classic | test [pytest args]" >&2; exit 2 ;;
esac
