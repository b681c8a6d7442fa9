"""A recorded step, replayed without the Python around it.

Eager execution pays for every Layer.__call__, Tensor and tape record on every step. But a
training step runs the same primitives on the same shapes each time, so (as Keras compiles
``fit``'s step unless ``run_eagerly=True``) we record the primitive calls of one step and
replay them: forward functions on arrays, then their VJPs in reverse. Everything a step
touches lives in numbered slots: the batch's arrays, the variables' current values,
constants, and each op's output.

A value made outside the ops (a dropout mask drawn in Python, a label array converted in a
loss) is recorded as a constant and would be stale on the next step, so the caller must
check a replay against an eager step before trusting it (``models.compiled_step``).
"""
import numpy as np

from gradiente.autodiff.tape import result_array, unbroadcast
from gradiente.autodiff.tensor import Tensor, Variable

# Traces currently recording; the primitive dispatcher reports each call to them.
ACTIVE_TRACES = []


class TraceError(Exception):
    """The recorded step cannot be replayed (e.g. its loss was not computed by an op)."""


class Trace:
    """Records primitive calls while active (``with trace: ...``)."""

    def __init__(self):
        self._slot_of = {}    # id(array or Variable) -> slot
        self._keep = []       # everything slotted, so no id is reused while recording
        self.template = []    # per slot: the constant's value, or None
        self.inputs = []      # slots of the batch arrays, in registration order
        self.variables = []   # (slot, Variable)
        self.program = []     # (op, argument slots, params, output slot)
        self.float_outputs = set()  # slots that can carry a gradient (the tape's rule)
        self.unreplayable = None    # why not, once a traced value was read outside the ops

    def __enter__(self):
        ACTIVE_TRACES.append(self)
        return self

    def __exit__(self, *exc):
        ACTIVE_TRACES.remove(self)
        return False

    def _new_slot(self, obj, value=None):
        self._keep.append(obj)
        self.template.append(value)
        slot = len(self.template) - 1
        self._slot_of[id(obj)] = slot
        return slot

    def add_input(self, array):
        """Declare a batch array; replays pass a new array in its place."""
        self.inputs.append(self._new_slot(array))

    def _source(self, arg):
        if isinstance(arg, Variable):
            slot = self._slot_of.get(id(arg))
            if slot is None:
                slot = self._new_slot(arg)
                self._slot_of[id(arg.data)] = slot
                self.variables.append((slot, arg))
            return slot
        data = arg.data if isinstance(arg, Tensor) else arg
        slot = self._slot_of.get(id(data))
        if slot is not None:
            return slot
        return self._new_slot(data, data)  # made outside the ops: a constant

    def record(self, op, args, params, result):
        sources = [self._source(a) for a in args]
        out = self._new_slot(result.data)
        self.program.append((op, sources, params, out))
        if result.data.dtype.kind in "fc":
            self.float_outputs.add(out)

    def slot(self, tensor):
        """The slot holding ``tensor``'s value (raises TraceError if no op made it)."""
        data = tensor.data if isinstance(tensor, Tensor) else tensor
        slot = self._slot_of.get(id(data))
        if slot is None:
            raise TraceError("the value was not produced by a recorded op")
        return slot

    def read_on_host(self, data, reason):
        """Note that ``data`` is used by NumPy code outside the ops: if it is a traced value
        (a batch array or an op's result), whatever that code derives would be replayed as
        this batch's constant, so the step must not be replayed."""
        slot = self._slot_of.get(id(data))
        if slot is not None and self.template[slot] is None and self.unreplayable is None:
            self.unreplayable = reason

    def compile(self, target, sources, outputs):
        """A Replay computing ``target``'s value, its gradient with respect to each Variable
        in ``sources``, and the values of ``outputs``."""
        if self.unreplayable is not None:
            raise TraceError(f"a traced value was read outside the ops: {self.unreplayable}")
        return Replay(self, self.slot(target), sources, [self.slot(o) for o in outputs])


def host_array(value, reason="read as a NumPy array", dtype=None):
    """``value`` (a Tensor or array-like) as a NumPy array for code outside the ops; while
    a step is traced, a traced value read this way keeps that step from being replayed
    (``Trace.read_on_host``). Costs one list check when nothing is traced."""
    data = value.data if isinstance(value, Tensor) else value
    for trace in ACTIVE_TRACES:
        trace.read_on_host(data, reason)
    return np.asarray(data, dtype=dtype)


class Replay:
    """Runs a recorded step on new batch arrays: ``run(arrays, seed) -> (target, outputs, grads)``."""

    def __init__(self, trace, target_slot, sources, output_slots):
        var_slot = {id(v): s for s, v in trace.variables}
        self.template = list(trace.template)
        self.inputs = list(trace.inputs)
        self.variables = list(trace.variables)
        self.target = target_slot
        self.outputs = output_slots
        self.source_slots = [var_slot.get(id(v)) for v in sources]
        # Ops whose results neither the target nor a requested output needs (a softmax
        # whose probabilities no metric reads) are dropped, unless they declare a side effect.
        live = {target_slot, *output_slots}
        program = []
        for op, src, params, out in reversed(trace.program):
            if out in live or getattr(op, "has_side_effects", False):
                live.update(src)
                program.append((op, src, params, out))
        program.reverse()
        self.forward = [(op.forward, src, params, out, op.sets_dtype) for op, src, params, out in program]
        # Which slots carry a gradient back to a source: the tape's rule, decided once.
        tracked = set(s for s in self.source_slots if s is not None)
        backward = []
        for op, src, params, out in program:
            if op.vjp is None or out not in trace.float_outputs:
                continue
            needs = [s in tracked for s in src]
            if True in needs:
                tracked.add(out)
                backward.append((op.vjp, src, params, out, needs))
        backward.reverse()
        self.backward = backward
        self.keep = set(self.source_slots)

    def run(self, arrays, seed=None):
        """``seed`` (a float or None for 1) is the target's gradient: every gradient is scaled by it."""
        values = self.template.copy()
        for slot, array in zip(self.inputs, arrays):
            values[slot] = array
        for slot, var in self.variables:
            values[slot] = var.data
        ndarray = np.ndarray
        for forward, src, params, out, sets_dtype in self.forward:
            args = [values[i] for i in src]
            result = forward(*args, **params)
            if type(result) is not ndarray or result.ndim == 0:  # as the op dispatcher does
                result = np.asarray(result) if sets_dtype else result_array(result, args)
            values[out] = result
        target = values[self.target]
        grads = [None] * len(values)
        grads[self.target] = np.ones_like(target) if seed is None else np.full_like(target, seed)
        keep = self.keep
        for vjp, src, params, out, needs in self.backward:
            g = grads[out]
            if g is None:
                continue
            if out not in keep:
                grads[out] = None
            args = [values[i] for i in src]
            for i, gi in enumerate(vjp(g, values[out], needs, *args, **params)):
                if gi is None or not needs[i]:
                    continue
                if gi.shape != args[i].shape:
                    gi = unbroadcast(gi, args[i].shape)
                if gi.dtype != args[i].dtype:  # as on the tape
                    gi = gi.astype(args[i].dtype)
                k = src[i]
                prev = grads[k]
                grads[k] = gi if prev is None else prev + gi
        return target, [values[s] for s in self.outputs], [None if s is None else grads[s] for s in self.source_slots]
