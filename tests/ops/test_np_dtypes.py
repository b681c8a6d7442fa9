"""Keras 3's dtype promotion (keras.backend.result_type) and the result dtypes of ops.

The expected table is JAX's promotion table, which Keras's dtype tests compare against,
written out pair by pair (64-bit dtypes left out, as Keras's tests leave them out)."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import backend, ops
from gradiente.dtypes import result_type

# (a, b) -> Keras's result, symmetric.
TABLE = {
    ("bool", "bool"): "bool", ("bool", "uint8"): "uint8", ("bool", "int8"): "int8",
    ("bool", "int32"): "int32", ("bool", "float16"): "float16", ("bool", "float32"): "float32",
    ("uint8", "uint16"): "uint16", ("uint8", "uint32"): "uint32", ("uint8", "int8"): "int16",
    ("uint8", "int16"): "int16", ("uint8", "int32"): "int32", ("uint8", "float16"): "float16",
    ("uint8", "float32"): "float32", ("uint16", "int8"): "int32", ("uint16", "int16"): "int32",
    ("uint16", "int32"): "int32", ("uint16", "uint32"): "uint32", ("uint16", "float16"): "float16",
    ("int8", "int16"): "int16", ("int8", "int32"): "int32", ("int8", "float16"): "float16",
    ("int16", "int32"): "int32", ("int16", "float16"): "float16", ("int32", "float16"): "float16",
    ("int32", "float32"): "float32", ("float16", "float32"): "float32",
    ("uint32", "float16"): "float16", ("int32", "int32"): "int32",
}
# (dtype, Python scalar type) -> result: Python numbers are weak.
WEAK = {
    ("bool", bool): "bool", ("bool", int): "int32", ("bool", float): "float32",
    ("uint8", int): "uint8", ("int8", int): "int8", ("int16", int): "int16", ("int32", int): "int32",
    ("uint8", float): "float32", ("int8", float): "float32", ("int32", float): "float32",
    ("float16", int): "float16", ("float16", float): "float16", ("float32", float): "float32",
    ("bfloat16", int): "bfloat16", ("bfloat16", float): "bfloat16", ("uint32", int): "uint32",
}


@pytest.mark.parametrize("pair", sorted(TABLE), ids=str)
def test_result_type_between_dtypes(pair):
    a, b = pair
    assert result_type(a, b) == TABLE[pair]
    assert result_type(b, a) == TABLE[pair]
    assert result_type(np.dtype(a), np.ones(1, b)) == TABLE[pair]


def test_result_type_with_python_scalars_and_defaults():
    for (dtype, scalar), want in WEAK.items():
        assert result_type(dtype, scalar) == want, (dtype, scalar)
    assert result_type() == "float32"
    assert result_type(None) == "float32"
    assert result_type(int) == "int32" and result_type(float) == "float32"
    assert result_type(int, float) == "float32"
    assert result_type("bfloat16", "float16") == "float32"
    assert ops.result_type is keras.backend.result_type if hasattr(keras.backend, "result_type") else True


def test_weak_types_follow_floatx():
    backend.set_floatx("float64")
    try:
        assert result_type(float) == "float64"
        assert result_type("int8", float) == "float64"
        assert result_type("float16", float) == "float16"
    finally:
        backend.set_floatx("float32")


def test_64_bit_dtypes_stay_64_bit():
    # Keras's JAX/torch/NumPy backends narrow these to 32 bits; gradiente keeps float64
    # (a supported floatx) as Keras's TensorFlow backend does.
    assert result_type("float64", "float32") == "float64"
    assert result_type("int64", "int8") == "int64"
    assert result_type("int64", float) == "float32"  # an int64 sqrt is floatx, as in Keras


def test_result_type_rejects_unknown_dtypes():
    with pytest.raises(ValueError, match="dtype"):
        result_type("string")


FLOAT_OPS = ["sqrt", "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "arcsin", "arctan",
             "sinh", "cosh", "arcsinh", "arctanh", "erf", "erfinv", "rsqrt", "log2", "log10",
             "exp2", "cbrt", "deg2rad", "sinc"]


@pytest.mark.parametrize("name", FLOAT_OPS)
@pytest.mark.parametrize("dtype, want", [("int32", "float32"), ("int8", "float32"), ("uint8", "float32"),
                                         ("bool", "float32"), ("int64", "float32"), ("float16", "float16"),
                                         ("float64", "float64")])
def test_float_ops_on_integers_give_floatx(name, dtype, want):
    x = np.zeros((2,), dtype=dtype)
    with np.errstate(all="ignore"):  # log(0), rsqrt(0): the values are not the point
        assert ops.convert_to_numpy(getattr(ops, name)(x)).dtype == want


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "maximum", "minimum", "power"])
def test_binary_ops_promote_as_keras(name):
    op = getattr(ops, name)
    for (a, b), want in TABLE.items():
        if "bool" in (a, b) and name in ("subtract", "power"):
            continue
        assert op(np.ones(2, a), np.ones(2, b)).dtype == want, (name, a, b)
    assert op(np.ones(2, "int8"), 2).dtype == "int8"
    assert op(np.ones(2, "int32"), 2.0).dtype == "float32"
    assert op(np.ones(2, "float16"), 2.0).dtype == "float16"


def test_divide_and_two_operand_float_ops():
    assert ops.divide(np.ones(2, "int32"), np.ones(2, "int32")).dtype == "float32"
    assert ops.divide(np.ones(2, "int8"), 2).dtype == "float32"
    assert ops.arctan2(np.ones(2, "int16"), np.ones(2, "float16")).dtype == "float16"
    assert ops.logaddexp(np.ones(2, "int32"), np.ones(2, "int32")).dtype == "float32"
    assert ops.hypot(np.ones(2, "uint8"), np.ones(2, "uint8")).dtype == "float32"
    assert ops.heaviside(np.ones(2, "float16"), np.ones(2, "float16")).dtype == "float16"
    assert ops.sqrt(4.0).dtype == "float32"


def test_reduction_dtypes():
    for dtype, want in [("bool", "int32"), ("int8", "int32"), ("int16", "int32"), ("uint8", "uint32"),
                        ("int32", "int32"), ("float16", "float16")]:
        x = np.ones((3,), dtype)
        assert ops.sum(x).dtype == want, dtype
        assert ops.prod(x).dtype == want, dtype
    assert ops.mean(np.array([1, 2], "int32")).dtype == "float32"
    assert float(ops.mean(np.array([1, 2], "int32"))) == 1.5
    assert ops.var(np.array([1, 3], "int32")).dtype == "float32"
    assert ops.cumsum(np.array([True, True])).dtype == "int32"
    assert ops.cumsum(np.array([1, 2], "int8"), dtype="float32").dtype == "float32"
    assert ops.argmax(np.array([1.0, 3.0])).dtype == "int32"


def test_where_and_concatenate_promote():
    cond = np.array([True, False])
    assert ops.where(cond, np.ones(2, "int8"), np.ones(2, "int16")).dtype == "int16"
    assert ops.where(cond, 1, 0).dtype == "int32"
    assert ops.where(cond, np.ones(2, "float32"), 0).dtype == "float32"
    assert ops.concatenate([np.ones(2, "int32"), np.ones(2, "float16")]).dtype == "float16"
    assert ops.stack([np.ones(2, "uint8"), np.ones(2, "int8")]).dtype == "int16"
