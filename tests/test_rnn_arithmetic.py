"""Article 001: what BasicRNNCell + dynamic_rnn compute, checked against numpy."""
import numpy as np

from utils import tf


def rnn_forward_numpy(inputs, W_x, W_h, b, initial_state=None, activation=np.tanh):
    """The basic RNN, one time step after the other, in plain numpy.

    inputs: [batch, time, features]; returns (outputs [batch, time, units],
    final state [batch, units]) for ``S_t = f(x_t W_x + S_{t-1} W_h + b)``.
    A ``BasicRNNCell`` keeps W_x and W_h stacked in one kernel of shape
    [features + units, units]: W_x is its first `features` rows.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    batch, steps, _ = inputs.shape
    units = W_h.shape[0]
    state = np.zeros((batch, units)) if initial_state is None else initial_state
    outputs = np.zeros((batch, steps, units))
    for t in range(steps):
        state = activation(inputs[:, t, :].dot(W_x) + state.dot(W_h) + b)
        outputs[:, t, :] = state
    return outputs, state


def sliding_window_batch():
    """The article's (6, 5, 3) batch: row r starts at r + 1 and counts up."""
    return np.array([[[r + 3 * t + k for k in range(1, 4)] for t in range(5)]
                     for r in range(6)], dtype=np.float32)


def test_batch_is_the_articles():
    batch = sliding_window_batch()
    assert batch.shape == (6, 5, 3)
    assert batch[0].tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12],
                                 [13, 14, 15]]
    assert batch[1, 0].tolist() == [2, 3, 4]
    assert batch[5, 4].tolist() == [18, 19, 20]


def build(rnn_size=7):
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(1)
        inputs = tf.placeholder(tf.float32, [None, 5, 3])
        cell = tf.nn.rnn_cell.BasicRNNCell(rnn_size, activation=tf.nn.tanh)
        vals, state = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
        # A loss to take a few training steps, so that the check below also
        # holds for weights that are not the initial ones.
        loss = tf.reduce_mean(tf.square(vals - 0.5))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        init = tf.global_variables_initializer()
    return graph, inputs, cell, vals, state, train, init


def numpy_check(sess, cell, inputs, vals, state, batch):
    kernel, bias = sess.run(cell.weights)
    out, last = sess.run([vals, state], {inputs: batch})
    features = batch.shape[2]
    # The cell's one kernel is W_x stacked on W_h (see rnn_forward_numpy).
    ref_out, ref_last = rnn_forward_numpy(batch, kernel[:features], kernel[features:],
                                          bias)
    return out, last, ref_out, ref_last, kernel


def test_dynamic_rnn_shapes_and_final_state():
    batch = sliding_window_batch()
    graph, inputs, cell, vals, state, _, init = build()
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        out, last = sess.run([vals, state], {inputs: batch})
    assert out.shape == (6, 5, 7)
    assert last.shape == (6, 7)
    # For a basic RNN the output of a step is its state: the final state is
    # the last output of every row.
    np.testing.assert_array_equal(last, out[:, -1, :])
    assert not np.allclose(out[:, 0, :], out[:, -1, :])


def test_numpy_forward_pass_reproduces_every_output():
    batch = sliding_window_batch()
    # Scaled down so that tanh is not saturated and the comparison has teeth.
    batch = batch / 20.0
    graph, inputs, cell, vals, state, train, init = build()
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        out, last, ref_out, ref_last, kernel0 = numpy_check(
            sess, cell, inputs, vals, state, batch)
        assert kernel0.shape == (3 + 7, 7)
        np.testing.assert_allclose(out, ref_out, atol=1e-5)
        np.testing.assert_allclose(last, ref_last, atol=1e-5)
        for _ in range(5):
            sess.run(train, {inputs: batch})
        out, last, ref_out, ref_last, kernel1 = numpy_check(
            sess, cell, inputs, vals, state, batch)
    assert not np.allclose(kernel0, kernel1)          # training changed the weights
    np.testing.assert_allclose(out, ref_out, atol=1e-5)
    np.testing.assert_allclose(last, ref_last, atol=1e-5)


def test_numpy_forward_pass_uses_the_state():
    """Swap W_h for zeros and the outputs must change: the recurrence matters."""
    rng = np.random.RandomState(0)
    batch = rng.rand(2, 5, 3)
    W_x, W_h, b = rng.randn(3, 4), rng.randn(4, 4), rng.randn(4)
    out, last = rnn_forward_numpy(batch, W_x, W_h, b)
    out0, _ = rnn_forward_numpy(batch, W_x, np.zeros((4, 4)), b)
    np.testing.assert_allclose(out[:, 0], out0[:, 0])   # first step: no history
    assert not np.allclose(out[:, 1:], out0[:, 1:])
    np.testing.assert_allclose(out[:, 2], np.tanh(batch[:, 2].dot(W_x)
                                                  + out[:, 1].dot(W_h) + b))
