"""The classic numpy min-char-rnn, as a reference for char_rnn.py.

A vanilla RNN (tanh, 100 hidden units) trained with truncated backprop over
25-character windows and Adagrad (learning rate 0.1), one stream through the
text, written here from the well-known algorithm. `train_for(seconds)` trains
for a wall-clock budget; `bits_per_char` scores a text with the state carried.
Used by benchmarks/run.py; runnable alone:

    python benchmarks/min_char_rnn.py --seconds 60
"""
from __future__ import print_function

import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import char_rnn  # noqa: E402  (the same data preparation as the script)


class MinCharRNN(object):
    def __init__(self, V, H=100, seed=0):
        rng = np.random.RandomState(seed)
        self.V, self.H = V, H
        self.params = {"Wxh": rng.randn(H, V) * 0.01, "Whh": rng.randn(H, H) * 0.01,
                       "Why": rng.randn(V, H) * 0.01, "bh": np.zeros((H, 1)),
                       "by": np.zeros((V, 1))}
        self.memory = {k: np.zeros_like(v) for k, v in self.params.items()}

    def step_loss(self, inputs, targets, h):
        """Forward and backward over one window; returns loss (nats), grads, last h."""
        p = self.params
        xs, hs, ps = {}, {-1: h}, {}
        loss = 0.0
        for t, i in enumerate(inputs):
            xs[t] = np.zeros((self.V, 1))
            xs[t][i] = 1
            hs[t] = np.tanh(p["Wxh"].dot(xs[t]) + p["Whh"].dot(hs[t - 1]) + p["bh"])
            y = p["Why"].dot(hs[t]) + p["by"]
            e = np.exp(y - y.max())
            ps[t] = e / e.sum()
            loss -= math.log(ps[t][targets[t], 0])
        grads = {k: np.zeros_like(v) for k, v in p.items()}
        dh_next = np.zeros_like(h)
        for t in reversed(range(len(inputs))):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            grads["Why"] += dy.dot(hs[t].T)
            grads["by"] += dy
            dh = p["Why"].T.dot(dy) + dh_next
            draw = (1 - hs[t] ** 2) * dh
            grads["bh"] += draw
            grads["Wxh"] += draw.dot(xs[t].T)
            grads["Whh"] += draw.dot(hs[t - 1].T)
            dh_next = p["Whh"].T.dot(draw)
        for g in grads.values():
            np.clip(g, -5, 5, out=g)
        return loss, grads, hs[len(inputs) - 1]

    def train_for(self, ids, seconds, seq_length=25, learning_rate=0.1):
        start, pos, steps = time.time(), 0, 0
        h = np.zeros((self.H, 1))
        while time.time() - start < seconds:
            if pos + seq_length + 1 >= len(ids):
                pos, h = 0, np.zeros((self.H, 1))     # a new pass: state reset
            loss, grads, h = self.step_loss(ids[pos:pos + seq_length],
                                            ids[pos + 1:pos + seq_length + 1], h)
            for k, g in grads.items():
                self.memory[k] += g * g
                self.params[k] -= learning_rate * g / np.sqrt(self.memory[k] + 1e-8)
            pos += seq_length
            steps += 1
        return steps

    def bits_per_char(self, ids):
        p = self.params
        h = np.zeros((self.H, 1))
        bits = 0.0
        for i, j in zip(ids[:-1], ids[1:]):
            h = np.tanh(p["Wxh"][:, [i]] + p["Whh"].dot(h) + p["bh"])
            y = p["Why"].dot(h) + p["by"]
            y = y - y.max()
            bits -= (y[j, 0] - math.log(np.exp(y).sum())) / math.log(2)
        return bits / (len(ids) - 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    text = char_rnn.read_text(os.path.join(char_rnn.HERE, "data", "tempest.txt"))
    train, val = char_rnn.split_text(text, 0.1)
    vocab = char_rnn.build_vocab(text)
    model = MinCharRNN(len(vocab), seed=args.seed)
    steps = model.train_for(char_rnn.encode(train, vocab), args.seconds)
    bpc = model.bits_per_char(char_rnn.encode(val, vocab))
    print("min-char-rnn: %d steps in %.0f s, validation %.3f bits per character"
          % (steps, args.seconds, bpc))
    return bpc


if __name__ == "__main__":
    main()
