# The README's two commands: `make demo` and `make test`.
SCRIPTS := echo_rnn parity_rnn char_rnn energy_gru
PY := .venv/bin/python

# Short demonstration runs: a few epochs each, output under runs/<script>/.
DEMO_echo_rnn := --epochs 10
DEMO_parity_rnn :=
DEMO_char_rnn := --epochs 3
DEMO_energy_gru := --epochs 5

.PHONY: demo test setup setup-classic lint bench bench-quick tensorboard clean

setup:
	@bash tests/stacks.sh setup current

setup-classic:
	@bash tests/stacks.sh setup classic

# Each script that exists, one after the other; stops at the first failure.
demo: setup
	$(foreach s,$(SCRIPTS),$(if $(wildcard $(s).py),$(PY) $(s).py $(DEMO_$(s)) && ))\
	echo "== done: plots and metrics.json are in runs/"

test:
	@bash tests/stacks.sh test

lint: setup
	$(PY) -m flake8

# Every run under runs/, served on this machine only: http://127.0.0.1:6006
tensorboard: setup
	.venv/bin/tensorboard --logdir runs --host 127.0.0.1 --port 6006

bench: setup
	$(PY) benchmarks/run.py

bench-quick: setup
	$(PY) benchmarks/run.py --quick

clean:
	rm -rf runs .pytest_cache
