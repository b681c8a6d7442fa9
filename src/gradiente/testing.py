"""Gradient checking: autodiff against central finite differences, in float64."""
import numpy as np

from gradiente.autodiff.tape import GradientTape
from gradiente.autodiff.tensor import Tensor, Variable
from gradiente.utils.nest import flatten


class GradientCheckError(AssertionError):
    """Autodiff and finite differences disagree; the message names the worst element."""


def check_gradients(f, *inputs, variables=(), eps=1e-6, rtol=1e-4, atol=1e-6, seed=0):
    """Check the gradients of ``f(*inputs)`` with respect to every floating input and
    every Variable in ``variables``.

    Float inputs are converted to float64 tensors; other inputs are passed unchanged.
    ``f`` may return a tensor or a nested structure of them; they are combined with fixed
    random weights into one scalar, so the whole Jacobian is exercised. Returns the largest
    absolute difference found; raises ``GradientCheckError`` naming the input, the index of
    the worst element and both values when any element is off by more than
    ``atol + rtol * |numeric|``.
    """
    rng = np.random.default_rng(seed)
    args, sources, labels = [], [], []
    for i, value in enumerate(inputs):
        arr = value.data if isinstance(value, Tensor) else np.asarray(value)
        if arr.dtype.kind == "f":
            t = Tensor(np.array(arr, dtype=np.float64))
            sources.append(t)
            labels.append(f"input {i}")
            args.append(t)
        else:
            args.append(value)
    saved = []
    for v in variables:
        if not isinstance(v, Variable):
            raise TypeError(f"variables= expects Variables, got {type(v).__name__}.")
        saved.append((v, v.data))
        v.data = np.array(v.data, dtype=np.float64)
        sources.append(v)
        labels.append(f"variable {v.path!r}")
    if not sources:
        raise ValueError("check_gradients: no floating-point input or variable to check.")
    try:
        return _check(f, args, sources, labels, rng, eps, rtol, atol)
    finally:
        for v, data in saved:
            v.data = data


def _check(f, args, sources, labels, rng, eps, rtol, atol):
    with GradientTape(persistent=True) as tape:
        tape.watch([s for s in sources if not isinstance(s, Variable)])
        for s in sources:
            if isinstance(s, Variable):
                tape.watch(s)
        outputs = [o for o in flatten(f(*args)) if isinstance(o, Tensor)]
    if not outputs:
        raise ValueError("check_gradients: f returned no tensor.")
    weights = [rng.standard_normal(o.shape) for o in outputs]
    analytic = tape.gradient(outputs, sources, output_gradients=weights)

    def scalar():
        outs = [o for o in flatten(f(*args)) if isinstance(o, Tensor)]
        return sum(float(np.sum(w * o.data)) for w, o in zip(weights, outs))

    worst = (0.0, None)
    largest = 0.0
    for label, source, grad in zip(labels, sources, analytic):
        a_grad = np.zeros_like(source.data) if grad is None else grad.data
        data = source.data  # perturbed in place, element by element, whatever its layout
        for index in np.ndindex(data.shape):
            original = data[index]
            data[index] = original + eps
            up = scalar()
            data[index] = original - eps
            down = scalar()
            data[index] = original
            numeric = (up - down) / (2 * eps)
            value = a_grad[index]
            diff = abs(value - numeric)
            largest = max(largest, diff)
            ratio = diff / (atol + rtol * abs(numeric))
            if ratio > worst[0]:
                worst = (ratio, (label, index, value, numeric))
    if worst[0] > 1:
        label, index, value, numeric = worst[1]
        raise GradientCheckError(
            f"Gradient mismatch for {label} at index {tuple(int(i) for i in index)}: "
            f"autodiff gives {value:.8g}, finite differences give {numeric:.8g} "
            f"(tolerance atol={atol}, rtol={rtol})."
        )
    return largest
