"""Steps per second of the echo training loop: ours against the article's,
which redraws its whole figure every 100 steps (here on the file-only Agg
backend, so no window is needed). Blocks alternate, A B A B, so a noisy
machine slows both alike. Prints one JSON line; benchmarks/run.py runs it
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
    rates = {"ours": [], "article": []}
    with utils.make_session(g.graph) as sess:
        sess.run(g.init)
        for block in range(2 * blocks):
            kind = "ours" if block % 2 == 0 else "article"
            state = np.zeros((5, 4), np.float32)
            start = time.time()
            for i in range(steps_per_block):
                k = (i % 666) * 15
                feed = {g.batchX_placeholder: x[:, k:k + 15],
                        g.batchY_placeholder: y[:, k:k + 15], g.init_state: state}
                if kind == "article":
                    # the article fetches the predictions every step and plots
                    # every 100 steps
                    loss, _, state, predictions = sess.run(
                        [g.total_loss, g.train_step, g.current_state, g.predictions], feed)
                    losses.append(loss)
                    if i % 100 == 0:
                        figure.draw(losses, feed[g.batchX_placeholder],
                                    feed[g.batchY_placeholder], predictions)
                        figure.fig.canvas.draw()
                else:
                    loss, _, state = sess.run([g.total_loss, g.train_step,
                                               g.current_state], feed)
                    losses.append(loss)
            rates[kind].append(steps_per_block / (time.time() - start))
    result = {k: float(np.median(v)) for k, v in rates.items()}
    result["ratio_ours_over_article"] = result["ours"] / result["article"]
    print(json.dumps(result))


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])
