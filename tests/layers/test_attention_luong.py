"""Attention and AdditiveAttention (layers/attention/): Keras 3's attention_test.py and
additive_attention_test.py facts (worked values, masks, errors, weights, config), a direct
NumPy loop as reference for every score mode with value, query and causal masks, float64
gradient checks, dropout, masks flowing from Embedding(mask_zero=True), and fit's replay."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers, models
from gradiente.testing import check_gradients

Q = np.array([[[1.0, 0.0], [0.0, 1.0]]])
K = np.array([[[0.0, 1.0], [1.0, 0.0]]])
V = np.array([[[1.0, 2.0], [3.0, 4.0]]])


def reference(q, v, k, mode, scale=None, concat_weight=1.0, q_mask=None, v_mask=None, causal=False):
    """Attention one (batch, query step) at a time: scores, masked softmax, weighted sum."""
    batch, tq, tv = q.shape[0], q.shape[1], v.shape[1]
    out = np.zeros((batch, tq, v.shape[2]))
    weights = np.zeros((batch, tq, tv))
    for b in range(batch):
        for i in range(tq):
            s = np.empty(tv)
            for j in range(tv):
                if mode == "dot":
                    s[j] = q[b, i] @ k[b, j] * (1.0 if scale is None else scale)
                elif mode == "concat":
                    inner = q[b, i] + k[b, j] if scale is None else scale * (q[b, i] + k[b, j])
                    s[j] = concat_weight * np.tanh(inner).sum()
                else:  # additive
                    s[j] = ((1.0 if scale is None else scale) * np.tanh(q[b, i] + k[b, j])).sum()
            keep = np.ones(tv, bool)
            if v_mask is not None:
                keep &= v_mask[b]
            if causal:
                keep &= np.arange(tv) <= i
            s = np.where(keep, s, s - 1e9)
            w = np.exp(s - s.max())
            w /= w.sum()
            weights[b, i] = w
            out[b, i] = w @ v[b] if q_mask is None or q_mask[b, i] else 0.0
    return out, weights


def test_keras_worked_values():
    for layer, out, scores in [
        (layers.Attention(score_mode="dot"), [[2.462, 3.462], [1.538, 2.538]], [[0.269, 0.731], [0.731, 0.269]]),
        (layers.Attention(score_mode="concat"), [[1.727, 2.727], [2.272, 3.272]], [[0.636, 0.363], [0.363, 0.636]]),
        (layers.AdditiveAttention(use_scale=False), [[1.727, 2.727], [2.272, 3.272]],
         [[0.636, 0.363], [0.363, 0.636]]),
    ]:
        result = layer([Q, V, K], return_attention_scores=True)
        assert isinstance(result, tuple)
        np.testing.assert_allclose(result[0].numpy(), [out], atol=1e-3)
        np.testing.assert_allclose(result[1].numpy(), [scores], atol=1e-3)


@pytest.mark.parametrize("cls", [layers.Attention, layers.AdditiveAttention])
def test_keras_mask_values(cls):
    layer = cls(use_scale=False)
    out, scores = layer([Q, np.ones((1, 2, 2))], mask=[np.array([[True, False]]), np.array([[True, False]])],
                        return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), [[[1.0, 1.0], [0.0, 0.0]]])
    np.testing.assert_allclose(scores.numpy(), [[[1.0, 0.0], [1.0, 0.0]]])


@pytest.mark.parametrize("mode", ["dot", "concat", "additive"])
@pytest.mark.parametrize("causal", [False, True])
def test_matches_numpy_loop_with_masks(mode, causal):
    rng = np.random.default_rng(1)
    q, v, k = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 6, 5)), rng.normal(size=(3, 6, 5))
    q_mask = rng.random((3, 4)) > 0.3
    v_mask = rng.random((3, 6)) > 0.3
    v_mask[:, 0] = True  # every query step keeps a value to attend to, even under the causal mask
    if mode == "additive":
        layer = layers.AdditiveAttention(dtype="float64")
    else:
        layer = layers.Attention(use_scale=True, score_mode=mode, dtype="float64")
    layer.build([q.shape, v.shape, k.shape])
    for w in layer.weights:
        w.assign(rng.normal(size=w.shape) * 0.5 + 1.0)
    scale = None if layer.scale is None else layer.scale.numpy()
    cw = 1.0 if layer.concat_score_weight is None else float(layer.concat_score_weight.numpy())
    out, scores = layer([q, v, k], mask=[q_mask, v_mask], return_attention_scores=True, use_causal_mask=causal)
    want_out, want_scores = reference(q, v, k, mode, scale, cw, q_mask, v_mask, causal)
    np.testing.assert_allclose(out.numpy(), want_out, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), want_scores, atol=1e-12)
    # Masked and future positions get no weight at all, not merely a small one.
    assert not scores.numpy()[~np.broadcast_to(v_mask[:, None, :], scores.shape)].any()
    if causal:
        assert not scores.numpy()[:, np.triu(np.ones((4, 6), bool), k=1)].any()
    # Without key, the value is the key; without masks, nothing is masked.
    np.testing.assert_allclose(layer([q, v]).numpy(), reference(q, v, v, mode, scale, cw)[0], atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda: layers.Attention(dtype="float64"),
    lambda: layers.Attention(use_scale=True, dtype="float64"),
    lambda: layers.Attention(use_scale=True, score_mode="concat", dtype="float64"),
    lambda: layers.AdditiveAttention(dtype="float64"),
])
def test_gradients(make):
    rng = np.random.default_rng(2)
    q, v, k = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 4))
    masks = [np.array([[1, 1, 0], [1, 0, 1]], bool), np.array([[1, 1, 1, 0, 1], [1, 0, 1, 1, 1]], bool)]
    layer = make()
    layer.build([q.shape, v.shape, k.shape])
    for w in layer.weights:
        w.assign(rng.normal(size=w.shape) * 0.3 + 1.0)

    def f(q, v, k):
        return layer([q, v, k], mask=masks, use_causal_mask=True, return_attention_scores=True)

    check_gradients(f, q, v, k, variables=layer.trainable_weights)


def test_weights_and_config():
    plain = layers.Attention()
    plain([Q, V])
    assert plain.weights == [] and plain.supports_masking
    full = layers.Attention(use_scale=True, score_mode="concat", dropout=0.5, seed=1337)
    full([Q, V])
    assert [w.name for w in full.trainable_weights] == ["scale", "concat_score_weight"]
    assert [w.shape for w in full.weights] == [(), ()] and full.scale.numpy() == 1.0
    config = full.get_config()
    assert (config["use_scale"], config["score_mode"], config["dropout"], config["seed"]) == (True, "concat", 0.5, 1337)
    assert layers.Attention.from_config(config).seed == 1337
    additive = layers.AdditiveAttention()
    additive([np.zeros((2, 3, 4)), np.zeros((2, 5, 4))])
    assert [(w.name, w.shape) for w in additive.trainable_weights] == [("scale", (4,))]
    assert "score_mode" not in additive.get_config()
    assert layers.AdditiveAttention(use_scale=False).get_config()["use_scale"] is False


def test_errors():
    layer = layers.Attention()
    with pytest.raises(ValueError, match="must be called on a list"):
        layer(Q)
    with pytest.raises(ValueError, match="length 2 or 3"):
        layer([Q, Q, Q, Q])
    with pytest.raises(ValueError, match="layer mask must be a list"):
        layer([Q, Q], mask=Q)
    with pytest.raises(ValueError, match="length 2 or 3"):
        layer([Q, Q], mask=[Q])
    with pytest.raises(ValueError, match="Invalid value for argument score_mode. Expected one of"):
        layers.Attention(score_mode="invalid_mode")
    with pytest.raises(ValueError, match="dropout"):
        layers.Attention(dropout=1.5)


def test_compute_mask_passes_the_query_mask():
    layer = layers.Attention()
    inputs = [np.ones((2, 3, 4)), np.ones((2, 4, 4))]
    assert layer.compute_mask(inputs, None) is None
    assert layer.compute_mask(inputs, [None, np.array([True, False, True])]) is None
    numeric = np.array([1.0, 0.0, 1.0])
    np.testing.assert_array_equal(layer.compute_mask(inputs, [numeric, 1 - numeric]).numpy(), numeric)


def test_shapes_nd_cross_and_symbolic():
    rng = np.random.default_rng(0)
    out, scores = layers.Attention()([rng.random((2, 8, 6, 4)), rng.random((2, 8, 6, 4))], return_attention_scores=True)
    assert out.shape == (2, 8, 6, 4) and scores.shape == (2, 8, 6, 6)
    layer = layers.Attention()
    assert layer([rng.random((2, 3, 4)), rng.random((2, 3, 5)), rng.random((2, 3, 4))]).shape == (2, 3, 5)
    assert layer.compute_output_shape([(2, 3, 4), (2, 3, 5), (2, 3, 4)]) == (2, 3, 5)
    x, y = layers.Input((3, 5)), layers.Input((4, 5))
    out, scores = layer([x, y], return_attention_scores=True)
    assert out.shape == (None, 3, 5) and scores.shape == (None, 3, 4)
    assert layer([x, y]).shape == (None, 3, 5)  # the earlier call's flag does not stick


def test_dropout_on_the_weights():
    q, v = np.random.default_rng(0).normal(size=(2, 3, 4, 8))
    layer = layers.Attention(dropout=0.5)
    assert layer.traceable
    plain_out, plain_w = layer([q, v], return_attention_scores=True)
    out, w = layer([q, v], return_attention_scores=True, training=True)
    dropped = w.numpy() == 0
    assert dropped.any() and not dropped.all()
    np.testing.assert_allclose(w.numpy()[~dropped], 2 * plain_w.numpy()[~dropped], rtol=1e-6)
    np.testing.assert_allclose(out.numpy(), w.numpy() @ v, rtol=1e-5)
    np.testing.assert_array_equal(layer([q, v], training=False).numpy(), plain_out.numpy())
    # A seed gives a private, reproducible generator (which fit cannot replay).
    a, b = layers.Attention(dropout=0.5, seed=7), layers.Attention(dropout=0.5, seed=7)
    np.testing.assert_array_equal(a([q, v], training=True).numpy(), b([q, v], training=True).numpy())
    assert not a.traceable


def test_embedding_masks_keep_padding_out():
    tokens = layers.Input((5,), dtype="int32")
    embedded = layers.Embedding(10, 4, mask_zero=True)(tokens)
    out, scores = layers.Attention()([embedded, embedded], return_attention_scores=True)
    model = models.Model(tokens, [out, scores])
    ids = np.array([[3, 4, 5, 0, 0], [1, 2, 0, 0, 0]])
    out, scores = model(ids)
    padding = ids == 0
    assert not scores.numpy()[np.broadcast_to(padding[:, None, :], scores.shape)].any()
    np.testing.assert_allclose(scores.numpy().sum(-1), 1.0, rtol=1e-6)
    assert not out.numpy()[padding].any()  # padded query steps give zeros
    np.testing.assert_array_equal(out._keras_mask.numpy(), ~padding)  # the query mask passes on


def test_fit_replays_bit_identically():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 6, 4)).astype("float32")
    y = (x[:, :, 0].sum(1) > 0).astype("float32")
    results = []
    for run_eagerly in (False, True):
        keras.utils.set_random_seed(3)
        inputs = layers.Input((6, 4))
        attended = layers.Attention(use_scale=True, dropout=0.2)([inputs, inputs])
        mixed = layers.AdditiveAttention()([attended, inputs])
        pooled = layers.GlobalAveragePooling1D()(layers.UnitNormalization()(mixed))
        model = models.Model(inputs, layers.Dense(1, activation="sigmoid")(pooled))
        model.compile(optimizer="adam", loss="binary_crossentropy", run_eagerly=run_eagerly)
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        if not run_eagerly:
            assert any(r is not None for r in model._compiled_step.replays.values())
        results.append([w.numpy() for w in model.weights])
    for replayed, eager in zip(*results):
        np.testing.assert_array_equal(replayed, eager)


def test_save_and_load(tmp_path):
    q, v = layers.Input((3, 4)), layers.Input((5, 4))
    mixed = layers.Attention(use_scale=True, score_mode="concat")([q, v])
    model = models.Model([q, v], layers.AdditiveAttention()([mixed, v]))
    data = [np.random.default_rng(0).normal(size=s).astype("float32") for s in [(2, 3, 4), (2, 5, 4)]]
    next(layer for layer in model.layers if type(layer) is layers.Attention).scale.assign(1.5)
    path = str(tmp_path / "attention.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), atol=1e-6)
