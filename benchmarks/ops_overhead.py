"""Per-call overhead of gradiente's primitives on tiny arrays, next to raw NumPy.

For each common primitive, in one run and interleaved so machine load hits all alike:

- ``numpy``: the NumPy expression the op's forward computes;
- ``op``: the gradiente op on tensors, outside any tape;
- ``numpy f+b``: the op's own forward and VJP called directly on arrays, i.e. the
  NumPy arithmetic that a forward + backward pass cannot avoid;
- ``tape f+b``: ``with GradientTape(): y = op(...)`` then ``tape.gradient(y, sources)``.

The ``added`` columns are the differences: the price of tensors/dispatch (aim: at most
about 2 µs) and of recording plus the backward walk; ``per op`` removes the fixed cost of
entering a tape and calling ``gradient``, paid once per training step rather than per op.
Times are the best, over rounds, of the median per-call time within a round. Usage: ``python benchmarks/ops_overhead.py``.
"""
import statistics
import timeit

import numpy as np

from gradiente import ops
from gradiente.autodiff import GradientTape, Tensor, Variable

ROUNDS = 5
REPEATS = 5


def _softmax_numpy(x):
    z = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def _dense_numpy(x, kernel, bias):
    z = np.matmul(x, kernel)
    z += bias
    return np.maximum(z, 0, out=z)


def cases():
    """name -> (primitive, public call on tensors, NumPy on arrays, arrays, extra args, params).

    ``extra args`` and ``params`` are the primitive's non-tensor arguments, used to call its
    forward and VJP directly."""
    rng = np.random.default_rng(0)
    v4 = rng.standard_normal(4).astype(np.float32)
    w4 = rng.standard_normal(4).astype(np.float32)
    m44 = rng.standard_normal((4, 4)).astype(np.float32)
    n44 = rng.standard_normal((4, 4)).astype(np.float32)
    x14 = rng.standard_normal((1, 4)).astype(np.float32)
    relu = {"activation": "relu"}
    return {
        "add": ("add", ops.add, np.add, (v4, w4), (), {}),
        "multiply": ("multiply", ops.multiply, np.multiply, (v4, w4), (), {}),
        "matmul 4x4": ("matmul", ops.matmul, np.matmul, (m44, n44), (), {}),
        "exp": ("exp", ops.exp, np.exp, (v4,), (), {}),
        "relu": ("relu", ops.relu, lambda x: np.maximum(x, 0), (v4,), (), {}),
        "sum": ("sum", ops.sum, np.sum, (v4,), (), {}),
        "reshape": ("reshape", lambda x: ops.reshape(x, (2, 2)), lambda x: np.reshape(x, (2, 2)),
                    (v4,), ((2, 2),), {}),
        "getitem x[1:3]": ("_getitem", lambda x: x[1:3], lambda x: x[1:3], (v4,), (slice(1, 3),), {}),
        "softmax": ("softmax", ops.softmax, _softmax_numpy, (v4,), (), {}),
        "dense+relu 1x4x4": ("dense", lambda x, k, b: ops.dense(x, k, b, **relu), _dense_numpy,
                             (x14, m44, w4), (), relu),
    }


def _per_call_us(fn, number):
    samples = timeit.repeat(fn, number=number, repeat=REPEATS)
    return statistics.median(samples) / number * 1e6


def _calls_per_sample(fn):
    """Enough calls that one sample lasts about 20 ms."""
    once = timeit.timeit(fn, number=200) / 200
    return max(200, int(0.02 / max(once, 1e-9)))


def measure(spec):
    prim_name, op, numpy_fn, arrays, extra, params = spec
    primitive = ops.PRIMITIVES[prim_name]
    tensors = [Tensor(a) for a in arrays]
    variables = [Variable(a) for a in arrays]
    needs = [True] * len(arrays) + [False] * len(extra)

    def numpy_forward():
        numpy_fn(*arrays)

    def op_forward():
        op(*tensors)

    def numpy_forward_backward():
        ans = primitive.forward(*arrays, *extra, **params)
        primitive.vjp(np.ones_like(ans), ans, needs, *arrays, *extra, **params)

    def tape_forward_backward():
        with GradientTape() as tape:
            y = op(*variables)
        tape.gradient(y, variables)

    variants = {"numpy": numpy_forward, "op": op_forward,
                "numpy f+b": numpy_forward_backward, "tape f+b": tape_forward_backward}
    numbers = {key: _calls_per_sample(fn) for key, fn in variants.items()}
    best = {key: float("inf") for key in variants}
    for _ in range(ROUNDS):
        for key, fn in variants.items():
            best[key] = min(best[key], _per_call_us(fn, numbers[key]))
    return best


def tape_fixed_cost():
    """A tape that records nothing, then gradient(v, v): paid once per gradient call."""
    v = Variable(np.ones(4, dtype=np.float32))

    def empty():
        with GradientTape() as tape:
            pass
        tape.gradient(v, v)

    number = _calls_per_sample(empty)
    return min(_per_call_us(empty, number) for _ in range(ROUNDS))


def main():
    header = (f"{'op (float32, tiny)':<20}{'numpy':>9}{'op':>9}{'added':>9}"
              f"{'numpy f+b':>12}{'tape f+b':>11}{'added':>9}{'per op':>9}")
    fixed = tape_fixed_cost()
    print("µs per call. numpy: the op's NumPy; op: gradiente outside a tape; numpy f+b: the op's")
    print("forward + VJP called on arrays; tape f+b: forward under a tape + tape.gradient;")
    print(f"per op: tape f+b - numpy f+b - the fixed cost of a tape and its gradient call ({fixed:.2f} µs)")
    print(header)
    print("-" * len(header))
    for name, spec in cases().items():
        t = measure(spec)
        added = t["tape f+b"] - t["numpy f+b"]
        print(f"{name:<20}{t['numpy']:>9.2f}{t['op']:>9.2f}{t['op'] - t['numpy']:>9.2f}"
              f"{t['numpy f+b']:>12.2f}{t['tape f+b']:>11.2f}{added:>9.2f}{added - fixed:>9.2f}")


if __name__ == "__main__":
    main()
