# The README's two commands: `make demo` and `make test`.
SCRIPTS := echo_rnn parity_rnn char_rnn energy_gru
PY := .venv/bin/python
TB_PORT ?= 6006

# Short demonstration runs: a few epochs each, output under runs/<script>/.
DEMO_echo_rnn := --epochs 10
DEMO_parity_rnn :=
DEMO_char_rnn := --epochs 3
DEMO_energy_gru := --epochs 5

.PHONY: demo test setup setup-classic lint bench bench-quick figures tensorboard clean

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

# Every run under runs/, served on this machine only: http://127.0.0.1:6006.
# TensorBoard needs no GPU: hiding the devices keeps TensorFlow's CUDA probe,
# and its error lines on a machine without one, out of the way.
tensorboard: setup
	CUDA_VISIBLE_DEVICES= TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0 \
	  .venv/bin/tensorboard --logdir runs --host 127.0.0.1 --port $(TB_PORT) 2>&1 \
	  | grep --line-buffered -v -e cudart_stub -e 'absl::InitializeLog'

bench: setup
	$(PY) benchmarks/run.py

bench-quick: setup
	$(PY) benchmarks/run.py --quick

# Every figure of the README and the docs, written again from benchmarks/results/
# (make test fails while one differs from its results file).
figures: setup
	$(PY) benchmarks/figures.py

clean:
	rm -rf runs .pytest_cache
