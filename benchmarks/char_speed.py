"""Where one char_rnn.py training step spends its time, against plain matmuls.

    python benchmarks/char_speed.py                  # the default model
    python benchmarks/char_speed.py --threads 1      # any char_rnn.py flags

Builds char_rnn.py's graph for the flags given and times, on the training
text's windows (after 5 warm-up steps, the median of 5 rounds of 20):

  step         the training step as `train` runs it: the window and the carried
               state fed, bits per character, train_op and the final state fetched
  no state     the same step, the state neither fed nor fetched (zeros)
  forward      the loss alone: no gradients, no update
  empty run    a sess.run of nothing with the step's feeds: the cost of the
               call itself (Python, the feed dict, the session)

The step's arithmetic is counted from the shapes: per character and layer,
a GRU multiplies [rows, in + H] by [in + H, 3H] (LSTM 4H, the tanh cells H),
and the output layer [rows, H] by [H, V]; the backward pass does twice the
forward's multiply-adds. Beside the step, the same matmuls alone: each shape
(and its two backward transposes) run back to back, 200 per sess.run, under
the same session settings (each on its own scaled copy of the left factor,
so that TensorFlow cannot merge them; the scaling is in the time). Their sum
is what the step would take if nothing but its matrix products cost time.
And one 1024 x 1024 x 1024 matmul for the machine's large-shape rate; and the
training step again for each number of streams in STREAMS (--batch-size),
which is what makes a step's matrices large enough for the CPU. Prints
markdown tables and writes benchmarks/results/char-speed-<date>-tf<N>.json.
Not part of the tests or CI: run it on an idle machine.
"""
from __future__ import print_function

import datetime
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import char_rnn  # noqa: E402
import utils  # noqa: E402
from utils import tf  # noqa: E402

GATES = {"gru": 3, "lstm": 4, "rnn": 1, "manual": 1}


def timed(run, rounds=5, each=20, warm=5):
    """Median seconds per call of run() over `rounds` rounds of `each` calls."""
    for _ in range(warm):
        run()
    times = []
    for _ in range(rounds):
        start = time.time()
        for _ in range(each):
            run()
        times.append((time.time() - start) / each)
    return float(np.median(times))


def step_shapes(args, V):
    """(rows, k, n) of every forward matmul of one step, once per character:
    the recurrent layers' and the output layer's."""
    rows = args.batch_size
    shapes = []
    for layer in range(args.num_layers):
        width = V if layer == 0 else args.hidden_size
        shapes.append((rows, width + args.hidden_size,
                       GATES[args.cell] * args.hidden_size))
    shapes.append((rows, args.hidden_size, V))
    return shapes


def matmul_seconds(rows, k, n, threads, repeat=200):
    """Seconds for a [rows, k] x [k, n] product and its two backward forms
    ([rows, n] x [n, k] and [k, rows] x [rows, n]), each measured alone."""
    out = []
    for a_shape, b_shape in (((rows, k), (k, n)), ((rows, n), (n, k)),
                             ((k, rows), (rows, n))):
        graph = tf.Graph()
        with graph.as_default():
            a = tf.Variable(tf.random.normal(a_shape))
            b = tf.Variable(tf.random.normal(b_shape))
            # Each product on its own scaled copy of a: identical products would
            # be computed once (TensorFlow merges common subexpressions).
            products = [tf.matmul(a * (1.0 + 1e-3 * i), b) for i in range(repeat)]
            # Each product reduced to one number so that nothing large is fetched.
            total = tf.add_n([tf.reduce_sum(p[:1, :1]) for p in products])
            init = tf.global_variables_initializer()
        with utils.make_session(graph, threads) as sess:
            sess.run(init)
            out.append(timed(lambda: sess.run(total), rounds=3, each=3, warm=1) / repeat)
    return out


def large_rate(threads, size=1024):
    graph = tf.Graph()
    with graph.as_default():
        a = tf.Variable(tf.random.normal([size, size]))
        b = tf.Variable(tf.random.normal([size, size]))
        total = tf.reduce_sum(tf.matmul(a, b))
        init = tf.global_variables_initializer()
    with utils.make_session(graph, threads) as sess:
        sess.run(init)
        seconds = timed(lambda: sess.run(total), rounds=3, each=5, warm=2)
    return 2.0 * size ** 3 / seconds / 1e9


def step_seconds(args, data):
    """Seconds of a training step (as train() runs it, and its variants) for
    the model of `args`, on the training text's windows."""
    V = len(data.vocab)
    model = {k: getattr(args, k) for k in char_rnn.MODEL_KEYS}
    g = char_rnn.graph_for(model, V, args, "/device:CPU:0",
                           steps_per_epoch=len(data.train[0]))
    x, y = data.train
    sess = utils.make_session(g.graph, args.threads)
    sess.run(g.init)
    state = [None]
    k = [0]

    def feed(with_state):
        k[0] = (k[0] + 1) % len(x)
        f = {g.x: x[k[0]], g.y: y[k[0]], g.keep_prob: args.dropout}
        return char_rnn.with_state(f, g.init_state, state[0]) if with_state else f

    def step():
        state[0] = sess.run([g.bpc, g.train_op, g.final_state], feed(True))[2]

    with g.graph.as_default():
        nothing = tf.no_op()
    times = {
        "step": timed(step),
        "no state": timed(lambda: sess.run([g.bpc, g.train_op], feed(False))),
        "forward": timed(lambda: sess.run(g.loss, feed(True))),
        "empty run": timed(lambda: sess.run(nothing, feed(True))),
    }
    sess.close()
    return times


STREAMS = (16, 32, 64, 128)     # --batch-size values whose step is timed too


def unrolled_step_seconds(how, cell, streams, H=256, layers=2, T=50, V=70, threads=0):
    """Seconds of an Adam step of a plain stack of `layers` cells (no dropout,
    no extras) unrolled `how`: by dynamic_rnn (char_rnn.py's way), by
    static_rnn (one copy of the cell per character), or, for an LSTM, by the
    fused BlockLSTM op that both stacks have (tf.raw_ops.BlockLSTM, with its
    gradient). The levers the default did not take, measured beside it."""
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(1)
        x = tf.placeholder(tf.int32, [None, T])
        y = tf.placeholder(tf.int32, [None, T])
        inputs = tf.one_hot(x, V)
        width = V
        for layer in range(layers):
            with tf.variable_scope("layer%d" % layer):
                if how == "block":
                    w = tf.get_variable("w", [width + H, 4 * H])
                    b = tf.get_variable("b", [4 * H], initializer=tf.zeros_initializer())
                    zeros, peep = tf.zeros([tf.shape(x)[0], H]), tf.zeros([H])
                    inputs = tf.transpose(tf.raw_ops.BlockLSTM(
                        seq_len_max=tf.cast(T, tf.int64), x=tf.transpose(inputs, [1, 0, 2]),
                        cs_prev=zeros, h_prev=zeros, w=w, wci=peep, wcf=peep, wco=peep, b=b,
                        forget_bias=1.0, cell_clip=-1.0, use_peephole=False)[6], [1, 0, 2])
                else:
                    kind = tf.nn.rnn_cell.GRUCell if cell == "gru" else tf.nn.rnn_cell.LSTMCell
                    if how == "dynamic":
                        inputs, _ = tf.nn.dynamic_rnn(kind(H), inputs, dtype=tf.float32)
                    else:
                        outs, _ = tf.nn.static_rnn(kind(H), tf.unstack(inputs, axis=1),
                                                   dtype=tf.float32)
                        inputs = tf.stack(outs, axis=1)
            width = H
        logits = tf.layers.dense(inputs, V)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits))
        train = tf.train.AdamOptimizer(0.002).minimize(loss)
        init = tf.global_variables_initializer()
    rng = np.random.RandomState(0)
    feed = {x: rng.randint(V, size=(streams, T)), y: rng.randint(V, size=(streams, T))}
    with utils.make_session(graph, threads) as sess:
        sess.run(init)
        return timed(lambda: sess.run(train, feed), rounds=3, each=10, warm=3)


# (how, cell) of the unrolling levers timed beside dynamic_rnn
UNROLLING = (("dynamic", "gru"), ("static", "gru"), ("dynamic", "lstm"),
             ("static", "lstm"), ("block", "lstm"))


def main(argv):
    args = char_rnn.parse_args(argv)
    data = char_rnn.prepare(args)
    V = len(data.vocab)
    times = step_seconds(args, data)
    by_streams = {}
    for streams in STREAMS:
        other = char_rnn.parse_args(argv + ["--batch-size", str(streams)])
        seconds = times["step"] if streams == args.batch_size else \
            step_seconds(other, char_rnn.prepare(other))["step"]
        by_streams[streams] = seconds

    T = args.seq_length
    shapes = step_shapes(args, V)
    flops = 3 * T * sum(2.0 * r * kk * n for r, kk, n in shapes)   # forward + backward
    per_shape = [matmul_seconds(r, kk, n, args.threads) for r, kk, n in shapes]
    matmul_only = T * sum(sum(s) for s in per_shape)
    peak = large_rate(args.threads)

    rows = [("step (as train() runs it)", times["step"]),
            ("step, state not fed or fetched", times["no state"]),
            ("forward only", times["forward"]),
            ("empty sess.run with the step's feeds", times["empty run"]),
            ("the step's matmuls alone (sum of the shapes below)", matmul_only)]
    out = ["char_rnn.py, %s x %d x %d, %d rows x %d characters, V = %d, threads %s; "
           "%.2f GFLOP per step (TensorFlow %s):"
           % (args.cell, args.num_layers, args.hidden_size, args.batch_size, T, V,
              args.threads or "TF's", flops / 1e9, tf.__version__)]
    out += ["", "| what | ms | steps/s | GFLOP/s at the step's arithmetic |",
            "|---|---|---|---|"]
    for name, seconds in rows:      # (an empty run does none of the arithmetic)
        out.append("| %s | %.1f | %.1f | %s |" % (
            name, seconds * 1e3, 1 / seconds,
            "" if name.startswith("empty") else "%.0f" % (flops / seconds / 1e9)))
    out += ["", "| matmul [rows, k] x [k, n] | forward ms | the two backward forms ms "
            "| GFLOP/s |", "|---|---|---|---|"]
    for (r, kk, n), s in zip(shapes, per_shape):
        out.append("| [%d, %d] x [%d, %d] | %.3f | %.3f, %.3f | %.1f |"
                   % (r, kk, kk, n, s[0] * 1e3, s[1] * 1e3, s[2] * 1e3,
                      3 * 2.0 * r * kk * n / sum(s) / 1e9))
    out += ["", "One large matmul, 1024 x 1024 x 1024: %.0f GFLOP/s." % peak]
    unrolled = {"%s %s, %d streams" % (how, cell, streams): unrolled_step_seconds(
        how, cell, streams, threads=args.threads)
        for how, cell in UNROLLING for streams in (16, 64)}
    out += ["", "Ways to unroll a plain 2 x 256 stack (no dropout or extras), an Adam "
            "step on 50 characters:", "", "| unrolled by | cell | streams | ms per step |",
            "|---|---|---|---|"]
    for name, seconds in unrolled.items():
        how, cell, streams = name.replace(",", "").split()[:3]
        out.append("| %s | %s | %s | %.1f |" % (
            {"dynamic": "dynamic_rnn", "static": "static_rnn",
             "block": "BlockLSTM (fused)"}[how], cell, streams, seconds * 1e3))
    out += ["", "The training step against the streams trained side by side "
            "(`--batch-size`), the rest as above:", "",
            "| streams | ms per step | characters per second |", "|---|---|---|"]
    for streams, seconds in sorted(by_streams.items()):
        out.append("| %d%s | %.1f | %.0f |" % (streams, " (these flags)" if streams ==
                                               args.batch_size else "", seconds * 1e3,
                                               streams * T / seconds))
    print("\n".join(out))
    result = {
        "date": datetime.date.today().isoformat(), "argv": argv,
        "tensorflow": tf.__version__, "python": sys.version.split()[0],
        "gflop_per_step": flops / 1e9,
        "seconds": dict(times, matmuls_alone=matmul_only),
        "step_seconds_by_streams": {str(k): v for k, v in by_streams.items()},
        "unrolled_step_seconds": unrolled,
        "shapes": [dict(rows=r, k=kk, n=n, seconds=s)
                   for (r, kk, n), s in zip(shapes, per_shape)],
        "large_matmul_gflops": peak,
        "command": "python benchmarks/char_speed.py " + " ".join(argv),
        "markdown": "\n".join(out),
    }
    folder = os.path.join(HERE, "results")
    path = os.path.join(folder, "char-speed-%s-tf%s.json"
                        % (result["date"], tf.__version__.split(".")[0]))
    with open(path, "w") as handle:
        json.dump(result, handle, indent=2, sort_keys=True)
    print("wrote %s" % os.path.relpath(path, ROOT))


if __name__ == "__main__":
    main(sys.argv[1:])
