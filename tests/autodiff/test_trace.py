"""Trace and Replay: a recorded computation, re-run on new inputs, gives what the eager
computation and the tape give."""
import numpy as np
import pytest

from gradiente import GradientTape, Tensor, Variable, ops
from gradiente.autodiff.trace import Trace, TraceError


def computation(x, labels, w, b):
    """Broadcasting, a variable used twice, a non-differentiable op and a fused loss."""
    h = ops.relu(ops.add(ops.matmul(x, w), b))
    h = ops.multiply(h, ops.sum(w))                      # w read a second time
    scale = ops.cast(ops.argmax(h, axis=-1), "float32")  # integer path: no gradient
    logits = ops.add(h, ops.expand_dims(scale, -1))
    unused = ops.exp(logits)                             # no one needs it: dropped
    return ops.mean(ops.sparse_softmax_cross_entropy(logits, labels)), logits, unused


def eager(x, labels, w, b):
    with GradientTape() as tape:
        loss, logits, _ = computation(Tensor(x), labels, w, b)
    grads = tape.gradient(loss, [w, b])
    return loss.data, logits.data, [g.data for g in grads]


@pytest.fixture
def setup():
    rng = np.random.default_rng(0)
    w = Variable(rng.standard_normal((4, 3)).astype(np.float32))
    b = Variable(rng.standard_normal(3).astype(np.float32))
    batches = [(rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 3, 5)) for _ in range(3)]
    return w, b, batches


def record(w, b, x, labels):
    trace = Trace()
    trace.add_input(x)
    trace.add_input(labels)
    with GradientTape() as tape, trace:
        loss, logits, _ = computation(Tensor(x), labels, w, b)
    tape.gradient(loss, [w, b])
    return trace.compile(loss, [w, b], [logits])


def test_replay_on_new_batches_equals_eager_and_the_tape(setup):
    w, b, batches = setup
    replay = record(w, b, *batches[0])
    for x, labels in batches[1:]:
        loss, (logits,), grads = replay.run([x, labels])
        e_loss, e_logits, e_grads = eager(x, labels, w, b)
        np.testing.assert_array_equal(loss, e_loss)
        np.testing.assert_array_equal(logits, e_logits)
        for g, e in zip(grads, e_grads):
            np.testing.assert_array_equal(g, e)


def test_replay_reads_the_variables_current_values(setup):
    w, b, batches = setup
    replay = record(w, b, *batches[0])
    w.assign(w.numpy() * 0.5)
    x, labels = batches[1]
    np.testing.assert_array_equal(replay.run([x, labels])[0], eager(x, labels, w, b)[0])


def test_unneeded_ops_are_dropped(setup):
    w, b, batches = setup
    replay = record(w, b, *batches[0])
    assert ops.exp.forward not in [f for f, *_ in replay.forward]


def test_a_target_not_made_by_an_op_cannot_be_compiled(setup):
    w, b, batches = setup
    trace = Trace()
    with trace:
        ops.add(w, b)
    with pytest.raises(TraceError):
        trace.compile(Tensor(np.float32(1.0)), [w], [])
