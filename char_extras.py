"""What char_rnn.py adds to the article's graph and to its evaluation.

The article's graph is placeholders, one-hot, the recurrence, the loss and an
optimizer. Each addition below is one call in char_rnn.build_graph or
char_rnn.run, off unless its flag turns it on (`--article` turns all of them
off):

- `decayed`: a learning rate that drops once per epoch (--lr-decay);
- `repeatable_dropout`: dropout on each layer's output while training
  (--dropout), with masks drawn from the seed and the step, so that a resumed
  run drops the same units as one never stopped;
- `decay_weights`: after each step, every weight matrix shrinks a little
  (--weight-decay, decoupled from the gradient);
- `moving_average` and `averaged_weights`: validation, test and samples use a
  moving average of the weights (--average), saved with the checkpoints;
- `dynamic_step` and `kept_weights`: dynamic evaluation, which goes on
  learning from held-out text while scoring it (--dynamic-evaluation), and
  puts the trained weights back afterwards.
"""
from __future__ import print_function

import collections
import contextlib

import utils
from utils import tf   # TensorFlow's 1.x API on either stack (see utils.py)

# Rates of the plain SGD step that dynamic evaluation takes after each
# held-out window; the one with the lowest validation bits per character wins.
DYNAMIC_RATES = (0.01, 0.03, 0.1)


def decayed(learning_rate, global_step, lr_decay, steps_per_epoch):
    """The learning rate times lr_decay once per epoch (the rate itself at 1.0)."""
    if lr_decay == 1.0:
        return tf.constant(learning_rate, name="learning_rate")
    return tf.train.exponential_decay(learning_rate, global_step, steps_per_epoch,
                                      lr_decay, staircase=True)


def repeatable_dropout(keep_prob, global_step, seed):
    """A function (outputs, layer) -> outputs with dropout at `keep_prob` (a
    tensor: 1.0, so no dropout, unless training feeds another value).

    Each layer's mask is drawn anew at each step from (seed, step, layer),
    by stateless random ops: tf.nn.dropout's stateful stream restarts with
    every session, so a resumed run would drop other units."""
    def dropout(outputs, layer):
        return utils.dropout(outputs, keep_prob, utils.step_seed(global_step, seed, layer))
    return dropout


def decay_weights(train_op, variables, learning_rate, weight_decay):
    """After each step, every matrix w becomes w - learning_rate x weight_decay
    x w (biases stay as trained): a pull towards small weights that does not
    pass through the gradient, so Adam's scaling leaves it alone."""
    if weight_decay <= 0:
        return train_op
    with tf.control_dependencies([train_op]):
        return tf.group(*[w.assign_sub(learning_rate * weight_decay * w)
                          for w in variables if min(w.shape.as_list()) > 1])


Averaged = collections.namedtuple("Averaged", "use restore names")


def moving_average(train_op, variables, decay, global_step):
    """After each step, fold the weights into a moving average of them
    (tf.train.ExponentialMovingAverage, saved with the checkpoints). Returns
    the new train_op and an Averaged: `use` puts the averages in the weights'
    place (keeping the trained values aside), `restore` puts the trained
    values back, `names` maps checkpoint names of the averages to the
    weights (for loading them alone). With decay 0: the train_op and None."""
    if decay <= 0:
        return train_op, None
    ema = tf.train.ExponentialMovingAverage(decay, num_updates=global_step)
    with tf.control_dependencies([train_op]):
        train_op = ema.apply(variables)
    aside = [tf.get_variable("trained/" + w.op.name, w.shape, trainable=False,
                             collections=[tf.GraphKeys.LOCAL_VARIABLES],
                             initializer=tf.zeros_initializer()) for w in variables]
    with tf.control_dependencies([a.assign(w) for a, w in zip(aside, variables)]):
        use = tf.group(*[w.assign(ema.average(w)) for w in variables])
    restore = tf.group(*[w.assign(a) for a, w in zip(aside, variables)])
    return train_op, Averaged(use, restore, {ema.average_name(w): w for w in variables})


@contextlib.contextmanager
def averaged_weights(sess, averaged):
    """Inside the block the graph's weights are the moving average (when
    there is one); after it, the trained weights again."""
    if averaged is None:
        yield
        return
    sess.run(averaged.use)
    try:
        yield
    finally:
        sess.run(averaged.restore)


Dynamic = collections.namedtuple("Dynamic", "rate step")


def dynamic_step(loss, variables):
    """Dynamic evaluation's update: one plain SGD step on a held-out window's
    loss, at the rate fed to `rate`. No weight changes before the loss and
    every gradient are computed (the backward pass reads the weights too), so
    a sess.run that fetches both scores the window before learning from it,
    and the same weights give the same update every time."""
    rate = tf.placeholder(tf.float32, [], name="dynamic_rate")
    grads = tf.gradients(loss, variables)
    with tf.control_dependencies([loss] + grads):
        step = tf.group(*[w.assign_sub(rate * g) for w, g in zip(variables, grads)])
    return Dynamic(rate, step)


@contextlib.contextmanager
def kept_weights(sess, variables):
    """The weights as they are before the block, put back after it."""
    values = sess.run(variables)
    try:
        yield
    finally:
        for w, value in zip(variables, values):
            w.load(value, sess)
