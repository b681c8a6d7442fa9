"""Tensor (an immutable wrapper of a NumPy array) and Variable (mutable trainable state).

A Tensor is deliberately thin: one array plus two optional tags, so creating one costs a
fraction of a microsecond. All arithmetic goes through ``gradiente.ops`` so that a
GradientTape, when one is active, can record it.
"""
import numpy as np

from gradiente import backend


class Tensor:
    """An n-dimensional array that GradientTape can differentiate through.

    ``data`` is the NumPy array. ``_activation`` is set by softmax/sigmoid outputs to
    ``(name, logits_tensor)`` so losses can use the fused, stable form. ``_keras_mask``
    carries a (batch, time) boolean mask for layers that support masking.
    """

    __slots__ = ("data", "_activation", "_keras_mask")
    # Make NumPy defer to our reflected operators (``array + tensor`` -> Tensor.__radd__).
    __array_ufunc__ = None
    __hash__ = object.__hash__

    def __init__(self, data):
        self.data = data
        self._activation = None
        self._keras_mask = None

    # --- inspection -------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    def numpy(self):
        """The value as a NumPy array (shared, not copied)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self.data.shape[0]):
            yield self[i]

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __index__(self):
        return int(self.data)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        return f"tensor({body}, shape={self.data.shape}, dtype={self.data.dtype.name})"

    def __str__(self):
        return str(self.data)

    def __format__(self, spec):
        # As a NumPy array formats: a 0-d tensor formats like its scalar (f"{loss:.4f}"),
        # any other shape takes no format spec.
        if not spec:
            return str(self)
        if self.data.ndim == 0:
            return format(self.data[()], spec)
        raise TypeError(
            f"unsupported format string {spec!r} for a tensor of shape {self.data.shape}: only "
            "a 0-d (scalar) tensor takes a format spec, as with NumPy arrays. Format an element "
            "(f\"{t[0]:.4f}\") or convert the whole tensor (np.array2string(t.numpy(), precision=4))."
        )

    # --- arithmetic: each is one ops call, so the tape sees it ------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.subtract(self, other)

    def __rsub__(self, other):
        return _ops.subtract(other, self)

    def __mul__(self, other):
        return _ops.multiply(self, other)

    def __rmul__(self, other):
        return _ops.multiply(other, self)

    def __truediv__(self, other):
        return _ops.divide(self, other)

    def __rtruediv__(self, other):
        return _ops.divide(other, self)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __mod__(self, other):
        return _ops.mod(self, other)

    def __rmod__(self, other):
        return _ops.mod(other, self)

    def __pow__(self, other):
        return _ops.power(self, other)

    def __rpow__(self, other):
        return _ops.power(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __eq__(self, other):
        return _ops.equal(self, other)

    def __ne__(self, other):
        return _ops.not_equal(self, other)

    def __lt__(self, other):
        return _ops.less(self, other)

    def __le__(self, other):
        return _ops.less_equal(self, other)

    def __gt__(self, other):
        return _ops.greater(self, other)

    def __ge__(self, other):
        return _ops.greater_equal(self, other)

    def __getitem__(self, key):
        return _ops.getitem(self, key)

    # --- conveniences that read like NumPy --------------------------------------------
    @property
    def T(self):
        return _ops.transpose(self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return _ops.reshape(self, shape)

    def sum(self, axis=None, keepdims=False):
        return _ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops.mean(self, axis=axis, keepdims=keepdims)

    def astype(self, dtype):
        return _ops.cast(self, dtype)


class Variable(Tensor):
    """Trainable state: a tensor whose value can be changed in place.

    ``Variable(initial_value, trainable=True, name=None, dtype=None)``; ``initial_value``
    may also be an initializer called as ``initializer(shape, dtype)`` when ``shape`` is
    given, as in Keras 3. A GradientTape watches trainable variables automatically.
    """

    __slots__ = ("name", "trainable", "path", "_layer", "regularizer", "constraint")

    def __init__(self, initial_value=None, trainable=True, name=None, dtype=None, shape=None):
        if callable(initial_value):
            if shape is None:
                raise ValueError("Variable: an initializer needs `shape=` to know what to create.")
            dt = backend.standardize_dtype(dtype)
            value = np.asarray(initial_value(tuple(shape), dtype=dt.name), dtype=dt)
        else:
            if initial_value is None:
                raise ValueError("Variable needs an initial value (an array or an initializer).")
            raw = initial_value.data if isinstance(initial_value, Tensor) else initial_value
            if dtype is not None:
                value = np.array(raw, dtype=backend.standardize_dtype(dtype))
            else:
                value = np.array(raw)
                if not isinstance(raw, np.ndarray) and value.dtype == np.float64:
                    value = value.astype(backend.float_dtype())
            if shape is not None and tuple(shape) != value.shape:
                raise ValueError(
                    f"Variable {name!r}: initial value has shape {value.shape}, "
                    f"but shape={tuple(shape)} was given."
                )
        super().__init__(value)
        self.name = name or "variable"
        self.path = self.name
        self.trainable = bool(trainable)
        self._layer = None
        self.regularizer = None
        self.constraint = None

    @property
    def value(self):
        """The current value as a Tensor (it shares this variable's array)."""
        return Tensor(self.data)

    def numpy(self):
        """A copy of the current value: it keeps what it held when later steps assign
        to the variable in place (Keras: ``np.array(variable)``)."""
        return self.data.copy()

    def assign(self, value):
        """Set the value in place (same shape; cast to this variable's dtype)."""
        new = value.data if isinstance(value, Tensor) else np.asarray(value)
        if new.shape != self.data.shape and not (new.ndim == 0 and self.data.size == 1):
            raise ValueError(
                    f"Cannot assign a value of shape {new.shape} to variable "
                    f"{self.path!r} of shape {self.data.shape}."
                )
        self.data[...] = new
        return self

    def assign_add(self, delta):
        self.data += delta.data if isinstance(delta, Tensor) else delta
        return self

    def assign_sub(self, delta):
        self.data -= delta.data if isinstance(delta, Tensor) else delta
        return self

    def __repr__(self):
        return (
            f"<Variable path={self.path!r}, shape={self.data.shape}, "
            f"dtype={self.data.dtype.name}, trainable={self.trainable}>"
        )


def convert_to_tensor(value, dtype=None):
    """A Tensor for any array-like. NumPy arrays keep their dtype; Python floats and lists
    of floats take the default float dtype; ``dtype`` forces one."""
    if isinstance(value, Tensor):
        if dtype is None or value.data.dtype == np.dtype(dtype):
            return value
        return Tensor(value.data.astype(dtype))
    return Tensor(to_array(value, dtype))


def to_array(value, dtype=None):
    """The NumPy array behind ``value`` (Tensor, array, scalar or nested list)."""
    if isinstance(value, Tensor):
        arr = value.data
    elif isinstance(value, np.ndarray):
        arr = value
    else:
        arr = np.asarray(value)
        if arr.dtype == np.float64 and not isinstance(value, np.generic):
            arr = arr.astype(backend.float_dtype())
        elif arr.dtype == object:
            raise TypeError(f"Cannot convert {type(value).__name__} to a tensor: {value!r:.80}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        arr = arr.astype(dtype)
    return arr


# Bound at the bottom: ops needs Tensor, Tensor's operators need ops.
from gradiente import ops as _ops  # noqa: E402
