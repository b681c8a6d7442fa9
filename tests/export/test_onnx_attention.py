"""ONNX export of EinsumDense and MultiHeadAttention (Einsum, Softmax), in a Transformer block."""
import pytest

import gradiente as keras
from gradiente import layers


@pytest.mark.parametrize("equation,output_shape,bias_axes,shape", [
    ("ab,bc->ac", 4, "c", (5,)),
    ("abc,cd->abd", (3, 4), "d", (3, 5)),
    ("abc,cde->abde", (3, 2, 4), "de", (3, 5)),
    ("...b,bc->...c", 4, None, (2, 3, 5)),
    ("abc,bd->adc", (4, 5), "d", (3, 5)),
])
def test_einsum_dense(equation, output_shape, bias_axes, shape, check_export, randomized, rng):
    inputs = keras.Input(shape)
    outputs = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="tanh")(inputs)
    model = randomized(keras.Model(inputs, outputs))
    check_export(model, rng.normal(size=(3,) + shape).astype("float32"))


@pytest.mark.parametrize("options", [{}, {"value_dim": 5, "use_bias": False}, {"output_shape": 7},
                                     {"use_gate": True, "dropout": 0.3}])
@pytest.mark.parametrize("causal", [False, True])
def test_self_attention(options, causal, check_export, randomized, rng):
    inputs = keras.Input((5, 6))
    outputs = layers.MultiHeadAttention(2, 3, **options)(inputs, inputs, use_causal_mask=causal)
    model = randomized(keras.Model(inputs, outputs))
    check_export(model, rng.normal(size=(3, 5, 6)).astype("float32"))


def test_cross_attention_with_key_and_2d_axes(check_export, randomized, rng):
    q, v, k = keras.Input((4, 6)), keras.Input((7, 5)), keras.Input((7, 3))
    cross = layers.MultiHeadAttention(3, 2)(q, v, key=k)
    image = keras.Input((3, 4, 6))
    grid = layers.MultiHeadAttention(2, 4, attention_axes=(1, 2))(image, image)
    model = randomized(keras.Model([q, v, k, image], [cross, grid]))
    data = [rng.normal(size=(3,) + s).astype("float32") for s in ((4, 6), (7, 5), (7, 3), (3, 4, 6))]
    check_export(model, *data)


def test_transformer_block(check_export, randomized, rng):
    ids = keras.Input((6,), dtype="int32")
    x = layers.Embedding(30, 8)(ids)
    attended = layers.MultiHeadAttention(2, 4)(x, x)
    x = layers.LayerNormalization()(layers.Add()([x, attended]))
    ff = layers.Dense(8)(layers.Dense(16, activation="relu")(x))
    x = layers.LayerNormalization()(layers.Add()([x, layers.Dropout(0.1)(ff)]))
    outputs = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling1D()(x))
    model = randomized(keras.Model(ids, outputs), scale=0.3)
    check_export(model, rng.integers(0, 30, (4, 6)).astype("int32"))


def test_attention_refusals(tmp_path):
    q = keras.Input((4, 6))
    scores = layers.MultiHeadAttention(2, 3, name="mha")(q, q, return_attention_scores=True)
    with pytest.raises(ValueError, match=r"'mha' \(MultiHeadAttention\).*scores"):
        keras.Model(q, list(scores)).export(tmp_path / "a.onnx", format="onnx", verbose=False)
    window = layers.MultiHeadAttention(2, 3, sliding_window=2, name="band")(q, q)
    with pytest.raises(ValueError, match=r"'band'.*sliding_window"):
        keras.Model(q, window).export(tmp_path / "b.onnx", format="onnx", verbose=False)
    ids = keras.Input((4,), dtype="int32")
    e = layers.Embedding(9, 6, mask_zero=True)(ids)
    masked = layers.MultiHeadAttention(2, 3, name="masked")(e, e)
    with pytest.raises(ValueError, match=r"'masked'.*mask"):
        keras.Model(ids, masked).export(tmp_path / "c.onnx", format="onnx", verbose=False)


@pytest.mark.parametrize("kind,options", [("Attention", {}), ("Attention", {"use_scale": True}),
                                          ("Attention", {"score_mode": "concat", "use_scale": True}),
                                          ("Attention", {"score_mode": "concat"}), ("AdditiveAttention", {}),
                                          ("AdditiveAttention", {"use_scale": False, "dropout": 0.2})])
@pytest.mark.parametrize("causal", [False, True])
def test_luong_and_additive_attention(kind, options, causal, check_export, randomized, rng):
    q, v, k = keras.Input((4, 3)), keras.Input((5, 3)), keras.Input((5, 3))
    layer = getattr(layers, kind)(**options)
    out, scores = layer([q, v, k], use_causal_mask=causal, return_attention_scores=True)
    plain = getattr(layers, kind)(**options)([q, v])
    model = randomized(keras.Model([q, v, k], [out, scores, plain]))
    data = [rng.normal(size=(3,) + s).astype("float32") for s in ((4, 3), (5, 3), (5, 3))]
    check_export(model, *data)


def test_subclass_with_its_own_scores_is_refused(tmp_path):
    class Cosine(layers.Attention):
        def _calculate_scores(self, query, key):
            return super()._calculate_scores(keras.ops.normalize(query), keras.ops.normalize(key))

    q = keras.Input((4, 3))
    model = keras.Model(q, Cosine(name="cosine")([q, q]))
    with pytest.raises(ValueError, match=r"'cosine' \(Cosine\).*no ONNX converter"):
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
