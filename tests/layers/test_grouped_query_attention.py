"""GroupQueryAttention (layers/attention/grouped_query_attention.py): Keras 3's exported name,
weight names, shapes and counts; values against a per-head NumPy loop (each query head reading
its group's key/value head) with every kind of mask, sliding windows and the gate; Keras's
worked values; errors; float64 gradient checks; config, save/load and fit replay."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers
from gradiente.testing import check_gradients


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def loop_gqa(layer, q, v, k=None, allowed=None):
    """One query head at a time; head u uses key/value head u // (Nq // Nkv)."""
    k = v if k is None else k
    w = {x.path.split("/")[-2] + "/" + x.name: x.numpy().astype(np.float64) for x in layer.weights}
    group = layer.num_query_heads // layer.num_key_value_heads
    out = np.zeros(q.shape)
    for b in range(q.shape[0]):
        for u in range(layer.num_query_heads):
            g = u // group
            qh = q[b] @ w["query/kernel"][:, u] + w["query/bias"][u]
            kh = k[b] @ w["key/kernel"][:, g] + w["key/bias"][g]
            vh = v[b] @ w["value/kernel"][:, g] + w["value/bias"][g]
            logits = qh @ kh.T / np.sqrt(layer.head_dim)
            if allowed is not None:
                logits = np.where(allowed[b], logits, -1e30)
            head = _softmax(logits) @ vh
            if layer.use_gate:
                head = head / (1 + np.exp(-(q[b] @ w["gate/kernel"][:, u] + w["gate/bias"][u])))
            out[b] += head @ w["attention_output/kernel"][u]
    return out + w["attention_output/bias"]


def _data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def _layer(**kwargs):
    kwargs = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2,
              "bias_initializer": "random_normal", "dtype": "float64", **kwargs}
    return layers.GroupQueryAttention(**kwargs)


def test_exported_name_and_keras_weight_counts():
    assert layers.GroupQueryAttention.__name__ == "GroupedQueryAttention"  # Keras's class name
    for kwargs, count in [({}, 8), ({"use_bias": False, "dropout": 0.5}, 4), ({"use_gate": True}, 10),
                          ({"use_bias": False, "dropout": 0.5, "use_gate": True}, 5)]:
        layer = layers.GroupQueryAttention(num_query_heads=2, num_key_value_heads=2, head_dim=2, **kwargs)
        out = layer(np.zeros((2, 8, 16), "float32"), np.zeros((2, 4, 16), "float32"))
        assert out.shape == (2, 8, 16) and len(layer.trainable_weights) == count


def test_kernel_shapes_and_parameter_count():
    layer = layers.GroupQueryAttention(head_dim=8, num_query_heads=4, num_key_value_heads=2, use_gate=True)
    out, scores = layer(keras.Input((10, 32)), keras.Input((15, 32)), return_attention_scores=True)
    assert out.shape == (None, 10, 32) and scores.shape == (None, 4, 10, 15)
    shapes = {w.path.split("/")[-2] + "/" + w.name: w.shape for w in layer.weights}
    assert shapes == {"query/kernel": (32, 4, 8), "query/bias": (4, 8), "key/kernel": (32, 2, 8),
                      "key/bias": (2, 8), "value/kernel": (32, 2, 8), "value/bias": (2, 8),
                      "gate/kernel": (32, 4, 8), "gate/bias": (4, 8),
                      "attention_output/kernel": (4, 8, 32), "attention_output/bias": (32,)}
    assert layer.count_params() == 2 * (32 * 32 + 32) + 2 * (32 * 16 + 16) + 32 * 32 + 32


@pytest.mark.parametrize("kv_heads", [4, 2, 1])
@pytest.mark.parametrize("scores", [False, True])
def test_cross_attention_with_masks_matches_loop(kv_heads, scores):
    layer = _layer(num_key_value_heads=kv_heads)
    q, v, k = _data(2, 5, 6), _data(2, 7, 6, seed=1), _data(2, 7, 4, seed=2)
    q_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0]], bool)
    k_mask = np.ones((2, 7), bool)
    k_mask[1, 0] = False
    attn = _data(2, 5, 7, seed=3) > -1.0
    out = layer(q, v, key=k, query_mask=q_mask, value_mask=v_mask, key_mask=k_mask, attention_mask=attn,
                return_attention_scores=scores)
    allowed = q_mask[:, :, None] & v_mask[:, None] & k_mask[:, None] & attn
    if scores:
        out, probs = out
        assert probs.shape == (2, 4, 5, 7)
        # Keras's masked Softmax: blocked entries are exactly 0, a padded query row is all 0.
        assert np.all(probs.numpy()[~np.broadcast_to(allowed[:, None], probs.shape)] == 0.0)
        np.testing.assert_allclose(probs.numpy().sum(-1), np.broadcast_to(q_mask[:, None], (2, 4, 5)))
    np.testing.assert_allclose(out.numpy()[q_mask], loop_gqa(layer, q, v, k, allowed)[q_mask], atol=1e-10)


@pytest.mark.parametrize("path", [{}, {"return_attention_scores": True}])
def test_sliding_window_and_causal_band(path):
    layer = _layer(sliding_window=3, use_gate=True)
    x = _data(2, 6, 6)
    out = layer(x, x, use_causal_mask=True, **path)
    t, s = np.arange(6)[:, None], np.arange(6)[None]
    band = (s <= t) & (t - s < 3)
    if path:
        out, probs = out
        assert np.all((probs.numpy() > 0) == band)
    np.testing.assert_allclose(out.numpy(), loop_gqa(layer, x, x, allowed=np.broadcast_to(band, (2, 6, 6))),
                               atol=1e-10)
    # Without the causal mask the window is symmetric.
    both = np.broadcast_to(np.abs(t - s) < 3, (2, 6, 6))
    np.testing.assert_allclose(layer(x, x).numpy(), loop_gqa(layer, x, x, allowed=both), atol=1e-10)


@pytest.mark.parametrize("kwargs", [{}, {"dropout": 0.3}, {"return_attention_scores": True}])
def test_causal_alone_equals_the_explicit_mask_and_never_sees_the_future(kwargs):
    scores = kwargs.pop("return_attention_scores", False)
    layer = _layer(**kwargs)
    x = _data(2, 5, 6)
    causal = np.tri(5, dtype=bool)[None]
    fast = layer(x, x, use_causal_mask=True, return_attention_scores=scores, training=False)
    slow = layer(x, x, attention_mask=causal, return_attention_scores=scores, training=False)
    if scores:
        (fast, probs), (slow, _) = fast, slow
        assert np.all(probs.numpy()[..., ~causal[0]] == 0.0)
    np.testing.assert_allclose(fast.numpy(), slow.numpy(), atol=1e-12)
    extra = np.ones((2, 5, 5), bool)
    extra[:, 2, 1] = False
    np.testing.assert_allclose(layer(x, x, attention_mask=extra, use_causal_mask=True).numpy(),
                               layer(x, x, attention_mask=extra & causal).numpy(), atol=1e-12)


def test_keras_worked_values():
    # Identity projections (zero biases): the values Keras's correctness test gives.
    d = 8
    layer = layers.GroupQueryAttention(head_dim=d, num_query_heads=d, num_key_value_heads=d)
    query = np.identity(d)[None]
    value = np.arange(d * d).reshape(1, d, d) / 100.0
    layer.build(query.shape, value.shape, query.shape)
    kernel = np.repeat(np.identity(d)[:, None, :], d, axis=1)
    layer.set_weights([kernel, np.zeros((d, d))] * 3 + [kernel, np.zeros(d)])
    out, scores = layer(query=query, value=value, key=query, return_attention_scores=True)
    expected = np.array([2.406, 2.440, 2.473, 2.504, 2.535, 2.568, 2.602, 2.633])
    np.testing.assert_allclose(out.numpy(), np.tile(expected[None, :, None], (1, 1, d)), atol=1e-2)
    row = np.full((d, d), 0.1187) + np.identity(d) * (0.1691 - 0.1187)
    np.testing.assert_allclose(scores.numpy(), np.tile(row, (1, d, 1, 1)), atol=1e-3)


def test_query_mask_passes_to_the_output():
    tokens = np.array([[1, 2, 3, 0, 0], [3, 3, 1, 1, 2], [1, 0, 0, 0, 0]])
    query = layers.Embedding(4, 8, mask_zero=True)(tokens)
    out = layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1,
                                     use_gate=True)(query, _data(3, 3, 8).astype("float32"))
    np.testing.assert_array_equal(out._keras_mask.numpy(), tokens != 0)


def test_dropout_only_in_training():
    layer = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2, dropout=0.5)
    x = _data(3, 5, 8).astype("float32")
    np.testing.assert_array_equal(layer(x, x).numpy(), layer(x, x, training=False).numpy())
    assert not np.allclose(layer(x, x, training=True).numpy(), layer(x, x).numpy())


@pytest.mark.parametrize("kwargs", [{}, {"use_causal_mask": True}, {"return_attention_scores": True},
                                    {"use_gate": True}, {"sliding_window": 2}])
def test_gradients(kwargs):
    init = {k: kwargs.pop(k) for k in ("use_gate", "sliding_window") if k in kwargs}
    layer = _layer(**init)
    q, v = _data(2, 4, 5), _data(2, 4, 5, seed=1)
    layer(q, v)
    value_mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
    check_gradients(lambda q, v: layer(q, v, value_mask=value_mask, **kwargs), q, v,
                    variables=layer.trainable_weights)


def test_errors():
    with pytest.raises(ValueError, match="divisible by `num_key_value_heads`"):
        layers.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=2)
    with pytest.raises(ValueError, match="sliding_window"):
        layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=2, sliding_window=0)
    with pytest.raises(ValueError, match="flash attention is not supported"):
        layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=2, flash_attention=True)
    with pytest.raises(ValueError, match="head_dim"):
        layers.GroupQueryAttention(head_dim=0, num_query_heads=2, num_key_value_heads=2)
    layer = layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=4)
    for shapes in [((2, 4, 8), (2, 2, 7), None), ((2, 4, 8), (2, 2, 8), (2, 1, 7))]:
        with pytest.raises(ValueError, match="must be equal"):
            layer.compute_output_shape(*shapes)
    assert layer.compute_output_shape((7, 4, 8), (7, 2, 8), (7, 2, 3)) == (7, 4, 8)


def test_config_save_load_and_deserialize(tmp_path):
    inputs = keras.Input((6, 8))
    gqa = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2, sliding_window=5,
                                     use_gate=True, kernel_regularizer="l2", dropout=0.1)
    model = keras.Model(inputs, gqa(inputs, inputs, use_causal_mask=True))
    config = gqa.get_config()
    assert (config["head_dim"], config["num_query_heads"], config["num_key_value_heads"],
            config["sliding_window"], config["use_gate"]) == (4, 4, 2, 5, True)
    clone = layers.GroupQueryAttention.from_config(config)
    assert clone.get_config() == config
    record = keras.layers.serialize(gqa)
    assert record["class_name"] == "GroupedQueryAttention"
    assert record["build_config"] == {"shapes_dict": {"query_shape": (None, 6, 8), "value_shape": (None, 6, 8)}}
    assert len(keras.layers.deserialize(record).weights) == 10
    x = _data(3, 6, 8).astype("float32")
    model.save(tmp_path / "gqa.keras")
    loaded = keras.saving.load_model(tmp_path / "gqa.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("kwargs", [{"use_causal_mask": True}, {}])
def test_fit_replays_a_transformer_block(kwargs):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(256, 6, 4)).astype("float32")
    y = (x[:, :, 0].mean(1) > 0).astype("int32")
    inputs = keras.Input((6, 4))
    h = layers.Dense(8)(inputs)
    gqa = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2, use_gate=True,
                                     sliding_window=None if kwargs else 3)
    h = layers.LayerNormalization()(layers.Add()([h, gqa(h, h, **kwargs)]))
    model = keras.Model(inputs, layers.Dense(2)(layers.GlobalAveragePooling1D()(h)))
    model.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    assert any(r is not None for r in model._compiled_step.replays.values())
