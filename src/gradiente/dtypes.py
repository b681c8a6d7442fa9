"""Keras 3's dtype promotion: ``keras.backend.result_type`` (also ``keras.ops.result_type``).

Keras promotes on JAX's lattice, where Python ``int``/``float`` values are *weak*: they
take the other operand's kind and width (``int8 + 1`` is int8, ``int32 + 1.5`` is float32,
the default float), and mixing an integer with a float gives that float (``int32 + float16``
is float16, where NumPy says float64). Every op that decides a result dtype asks here.

One deliberate difference: Keras's JAX, torch and NumPy backends narrow 64-bit results to
32 bits (JAX's default with x64 off). Here float64 and int64 stay 64-bit, as in Keras's
TensorFlow backend and JAX with x64 on, because float64 is a supported floatx and what
gradient checks run in. Keras's own dtype tests leave 64-bit dtypes out, so every pair
they check gets Keras's answer.
"""
import functools

import numpy as np

from gradiente import backend

_INTS = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
_FLOATS = ("bfloat16", "float16", "float32", "float64")
_COMPLEX = ("complex64", "complex128")
_WEAK = ("int", "float", "complex")

# Each type -> the types just above it. A weak "int" sits below every integer, a weak
# "float" above every integer and below every float: that is the weak-scalar rule.
_LATTICE = {
    "bool": ("int",),
    "int": ("uint8", "int8", "complex"),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("bfloat16", "float16", "complex"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "complex": ("complex64",),
    "complex64": ("complex128",),
    "complex128": (),
}


def _upper_bounds():
    bounds = {}
    for node in _LATTICE:
        seen, todo = {node}, [node]
        while todo:
            for above in _LATTICE[todo.pop()]:
                if above not in seen:
                    seen.add(above)
                    todo.append(above)
        bounds[node] = frozenset(seen)
    return bounds


_BOUNDS = _upper_bounds()


@functools.lru_cache(maxsize=1024)
def _join(nodes):
    common = frozenset.intersection(*(_BOUNDS[n] for n in nodes))
    least = [c for c in common if common <= _BOUNDS[c]]
    if len(least) != 1:
        raise ValueError(
            f"Input dtypes {nodes} have no implicit promotion path; cast the inputs explicitly."
        )
    return least[0]


def _weak_name(name):
    if name == "bool":
        return name
    for kind in ("complex", "float", "int"):
        if kind in name:
            return kind
    raise ValueError(f"Invalid dtype for type promotion: {name!r}.")


def _standard(value):
    """(dtype name, weak) for a dtype-like: str, NumPy dtype, Python type, or array."""
    if value is int or value is float or value is complex:
        return {int: "int", float: "float", complex: "complex"}[value], True
    if value is bool:
        return "bool", False
    if value is None:
        return backend.floatx(), False
    if isinstance(value, str):
        if value == "bfloat16":
            return value, False
        if value in _WEAK:
            return value, True
    dtype = getattr(value, "dtype", value)
    try:
        name = np.dtype(getattr(dtype, "name", dtype)).name
    except TypeError:
        raise ValueError(f"Invalid dtype for type promotion: {value!r}.") from None
    if name not in _LATTICE:
        raise ValueError(f"Invalid dtype for type promotion: {name!r} (of {value!r}).")
    return name, False


def _resolve(kind):
    """A weak result takes the width of floatx: int32 / float32 unless floatx is 64-bit."""
    bits = backend.floatx()[-2:]
    return {"int": f"int{bits}", "float": f"float{bits}", "complex": "complex64" if bits != "64" else "complex128"}[kind]


@functools.lru_cache(maxsize=2048)
def _result(keys, floatx):
    names, weak = zip(*keys)
    if len(set(names)) == 1 and not all(weak):
        return names[0]
    if all(weak):
        out = _join(tuple(sorted(set(names))))
        return out if out == "bool" else _resolve(_weak_name(out))
    out = _join(tuple(sorted({_weak_name(n) if w else n for n, w in keys})))
    return _resolve(out) if out in _WEAK else out


def result_type(*dtypes):
    """The dtype Keras gives an op combining ``dtypes`` (a str name).

    Arguments may be dtype names, NumPy dtypes, arrays/tensors, or the Python types
    ``bool``/``int``/``float`` (weak: a Python scalar operand). ``None`` means floatx;
    no arguments give floatx.
    """
    if not dtypes:
        return backend.floatx()
    return _result(tuple(_standard(d) for d in dtypes), backend.floatx())


def operand_dtype(value):
    """What ``result_type`` takes for one op operand: Python scalars are weak types."""
    if isinstance(value, bool):
        return bool
    if isinstance(value, (int, float, complex)) and not isinstance(value, np.generic):
        return type(value) if type(value) in (int, float, complex) else float
    dtype = getattr(value, "dtype", None)
    return dtype if dtype is not None else np.asarray(value).dtype


# --- the rules ops use ---------------------------------------------------------------
def promoted(arrays):
    """The operands cast to their common Keras dtype (Python scalars stay as they are when
    NumPy already treats them as Keras does). Returns ``arrays`` itself when nothing changes."""
    target = np.dtype(result_type(*map(operand_dtype, arrays)))
    return _cast_all(arrays, target)


def float_promoted(arrays):
    """As ``promoted``, with a weak float among the operands: integer and boolean inputs
    compute in floatx (Keras's rule for sqrt, exp, divide, trigonometry...)."""
    target = np.dtype(result_type(*map(operand_dtype, arrays), float))
    return _cast_all(arrays, target)


def _cast_all(arrays, target):
    # A Python number beside a float array of the target dtype can stay as it is: NumPy
    # then keeps the array's dtype, as Keras does.
    keep_numbers = target.kind in "fc" and any(type(a) is np.ndarray for a in arrays)
    changed = False
    out = []
    for a in arrays:
        if type(a) is np.ndarray:
            if a.dtype != target:
                a = a.astype(target)
                changed = True
        elif keep_numbers and type(a) in (int, float):
            pass
        else:
            a = np.asarray(a, dtype=target)
            changed = True
        out.append(a)
    return out if changed else arrays


def same_float(arrays):
    """True when every operand is an array of one float dtype or a Python number: the
    common case, where NumPy's result already is Keras's, so no promotion is needed."""
    dtype = None
    for a in arrays:
        if type(a) is np.ndarray:
            if a.dtype.kind != "f" or (dtype is not None and a.dtype is not dtype and a.dtype != dtype):
                return False
            dtype = a.dtype
        elif type(a) not in (int, float):
            return False
    return dtype is not None
