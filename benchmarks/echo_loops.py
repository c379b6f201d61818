"""Steps per second of the echo training loop: ours against the article's,
which redraws its whole figure every 100 steps (here on the file-only Agg
backend, so no window is needed), and against ours before a fix (feeding the
series as int64, converted to float32 by TensorFlow at every step, where the
script now converts it once per epoch). Blocks alternate, A B C A B C, so a
noisy machine slows all alike. Prints one JSON line; benchmarks/run.py runs it
under each stack's Python.
"""
from __future__ import print_function

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import echo_rnn  # noqa: E402
import utils     # noqa: E402


def main(steps_per_block=600, blocks=3):
    g = echo_rnn.build_graph(15, 4, 2, 0.3, seed=0)
    x, y = echo_rnn.generate_data(50000, 3, 5, rng=np.random.RandomState(0))
    figure = echo_rnn.EchoFigure(5)
    losses = []
    kinds = ("ours", "article", "int64 feed")
    rates = {k: [] for k in kinds}
    x_int64 = x.astype(np.int64)
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        for block in range(len(kinds) * blocks):
            kind = kinds[block % len(kinds)]
            series = x_int64 if kind == "int64 feed" else x
            state = np.zeros((5, 4), np.float32)
            start = time.time()
            for i in range(steps_per_block):
                k = (i % 666) * 15
                feed = {g.batchX_placeholder: series[:, k:k + 15],
                        g.batchY_placeholder: y[:, k:k + 15], g.init_state: state}
                if kind == "article":
                    # the article fetches the predictions every step and plots
                    # every 100 steps
                    loss, _, state, predictions = sess.run(
                        [g.total_loss, g.train_step, g.current_state[0], g.predictions],
                        feed)
                    losses.append(loss)
                    if i % 100 == 0:
                        figure.draw(losses, feed[g.batchX_placeholder],
                                    feed[g.batchY_placeholder], predictions)
                        figure.fig.canvas.draw()
                else:
                    loss, _, state = sess.run([g.total_loss, g.train_step,
                                               g.current_state[0]], feed)
                    losses.append(loss)
            rates[kind].append(steps_per_block / (time.time() - start))
    result = {k: float(np.median(v)) for k, v in rates.items()}
    result["ratio_ours_over_article"] = result["ours"] / result["article"]
    result["ratio_ours_over_int64_feed"] = result["ours"] / result["int64 feed"]
    print(json.dumps(result))


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])
