"""MultiHeadAttention (layers/attention/multi_head_attention.py): Keras 3's weight names,
shapes and parameter counts; values against a per-head NumPy loop with query/value/key
masks, causal and explicit attention masks, cross-attention and 2-D attention axes; float64
gradient checks; config, save/load, masks from Embedding(mask_zero=True), fit replay."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import layers
from gradiente.testing import check_gradients


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def loop_mha(layer, q, v, k=None, allowed=None):
    """Heads one at a time: project, softmax(q k^T / sqrt(d)) masked, combine, project."""
    k = v if k is None else k
    w = {x.path.split("/")[-2] + "/" + x.name: x.numpy().astype(np.float64) for x in layer.weights}
    out = np.zeros(q.shape[:-1] + (w["attention_output/kernel"].shape[-1],))
    for b in range(q.shape[0]):
        for h in range(layer.num_heads):
            qh = q[b] @ w["query/kernel"][:, h] + w["query/bias"][h]
            kh = k[b] @ w["key/kernel"][:, h] + w["key/bias"][h]
            vh = v[b] @ w["value/kernel"][:, h] + w["value/bias"][h]
            logits = qh @ kh.T / np.sqrt(layer.key_dim)
            if allowed is not None:
                logits = np.where(allowed[b], logits, -1e30)
            out[b] += _softmax(logits) @ vh @ w["attention_output/kernel"][h]
    return out + w["attention_output/bias"]


def _data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("heads,key_dim,dim,count", [(2, 32, 32, 8416), (4, 16, 64, 16640)])
def test_weights_and_parameter_counts(heads, key_dim, dim, count):
    layer = layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim)
    out = layer(keras.Input((10, dim)), keras.Input((10, dim)))
    assert out.shape == (None, 10, dim)
    assert layer.count_params() == count
    shapes = {w.path.split("/")[-2] + "/" + w.name: w.shape for w in layer.weights}
    assert shapes == {"query/kernel": (dim, heads, key_dim), "query/bias": (heads, key_dim),
                      "key/kernel": (dim, heads, key_dim), "key/bias": (heads, key_dim),
                      "value/kernel": (dim, heads, key_dim), "value/bias": (heads, key_dim),
                      "attention_output/kernel": (heads, key_dim, dim), "attention_output/bias": (dim,)}


def test_value_dim_output_shape_and_no_bias():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3, output_shape=5, use_bias=False)
    out = layer(np.zeros((2, 6, 8)), np.zeros((2, 7, 9)))
    assert out.shape == (2, 6, 5)
    assert layer.value_dense.kernel.shape == (9, 2, 3)
    assert layer.output_dense.kernel.shape == (2, 3, 5)
    assert len(layer.weights) == 4
    assert layer.compute_output_shape((2, 6, 8), (2, 7, 9)) == (2, 6, 5)


@pytest.mark.parametrize("scores", [False, True])
def test_cross_attention_with_masks_matches_loop(scores):
    layer = layers.MultiHeadAttention(num_heads=3, key_dim=4, bias_initializer="random_normal", dtype="float64")
    q, v, k = _data(2, 5, 6), _data(2, 7, 8, seed=1), _data(2, 7, 5, seed=2)
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
        assert probs.shape == (2, 3, 5, 7)
        # Keras's masked Softmax: rows sum to 1, a fully masked (padded query) row is all 0.
        np.testing.assert_allclose(probs.numpy().sum(-1), np.broadcast_to(q_mask[:, None], (2, 3, 5)))
        real_rows = np.broadcast_to(q_mask[:, None, :, None], probs.shape)
        blocked = ~np.broadcast_to(allowed[:, None], probs.shape) & real_rows
        assert np.all(probs.numpy()[blocked] < 1e-12)
    # Rows of a masked query differ between Keras's two paths (uniform / zero): compare the rest.
    rows = q_mask
    np.testing.assert_allclose(out.numpy()[rows], loop_mha(layer, q, v, k, allowed)[rows], atol=1e-10)


def test_causal_mask_matches_loop_and_ignores_the_future():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, dtype="float64")
    x = _data(2, 6, 4)
    out = layer(x, x, use_causal_mask=True).numpy()
    np.testing.assert_allclose(out, loop_mha(layer, x, x, allowed=np.broadcast_to(np.tri(6, dtype=bool), (2, 6, 6))), atol=1e-12)
    changed = x.copy()
    changed[:, 4:] += 5.0
    np.testing.assert_allclose(layer(changed, changed, use_causal_mask=True).numpy()[:, :4], out[:, :4])


def test_two_attention_axes_match_flattened_attention():
    # Attention over axes (1, 2) of (B, 3, 4, dim) is attention over the 12 flattened positions.
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2), dtype="float64")
    x = _data(2, 3, 4, 5)
    out = layer(x, x)
    assert out.shape == (2, 3, 4, 5) and layer.attention_axes == (1, 2)
    flat = x.reshape(2, 12, 5)
    np.testing.assert_allclose(out.numpy().reshape(2, 12, 5), loop_mha(layer, flat, flat), atol=1e-12)


def test_dropout_only_in_training():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5)
    x = _data(3, 5, 8).astype("float32")
    np.testing.assert_array_equal(layer(x, x).numpy(), layer(x, x, training=False).numpy())
    assert not np.allclose(layer(x, x, training=True).numpy(), layer(x, x).numpy())


@pytest.mark.parametrize("kwargs", [{}, {"use_causal_mask": True}, {"return_attention_scores": True}])
def test_gradients(kwargs):
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, bias_initializer="random_normal", dtype="float64")
    q, v = _data(2, 4, 5), _data(2, 3, 5, seed=1)
    layer(q, v)
    value_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    check_gradients(lambda q, v: layer(q, v, value_mask=value_mask, **kwargs), q, v,
                    variables=layer.trainable_weights)


def test_errors():
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match="key_dim"):
        layers.MultiHeadAttention(num_heads=2, key_dim=None)
    with pytest.raises(ValueError, match="attention_axes"):
        layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes="1")
    with pytest.raises(ValueError, match="except the last one"):
        layers.MultiHeadAttention(num_heads=2, key_dim=2)(np.zeros((1, 3, 4)), np.zeros((1, 5, 4)),
                                                          key=np.zeros((1, 6, 4)))


def test_config_and_save_load_round_trip(tmp_path):
    inputs = keras.Input((6, 8))
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3, output_shape=(8,),
                                    kernel_regularizer="l2", dropout=0.1)
    model = keras.Model(inputs, mha(inputs, inputs))
    config = mha.get_config()
    assert (config["num_heads"], config["key_dim"], config["value_dim"], config["output_shape"]) == (2, 4, 3, (8,))
    clone = layers.MultiHeadAttention.from_config(config)
    assert {k: v for k, v in clone.get_config().items() if k != "name"} == \
        {k: v for k, v in config.items() if k != "name"}
    x = _data(3, 6, 8).astype("float32")
    model.save(tmp_path / "mha.keras")
    loaded = keras.saving.load_model(tmp_path / "mha.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_padding_from_embedding_is_never_attended():
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 20, size=(512, 8))
    lengths = rng.integers(3, 9, size=512)
    tokens[np.arange(8)[None] >= lengths[:, None]] = 0
    labels = (tokens == 7).any(1).astype("int32")  # is token 7 present anywhere?
    inputs = keras.Input((8,), dtype="int32")
    h = layers.Embedding(20, 16, mask_zero=True)(inputs)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=8)
    h = mha(h, h)
    outputs = layers.Dense(2)(layers.GlobalMaxPooling1D()(h))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(tokens, labels, epochs=8, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    # Changing what sits behind the padding changes nothing at the real positions.
    embed = model.layers[1]
    x = embed(tokens[:4])
    noisy = x.numpy().copy()
    noisy[tokens[:4] == 0] += 3.0
    keras_noisy = keras.ops.convert_to_tensor(noisy)
    keras_noisy._keras_mask = x._keras_mask
    a, b = mha(x, x).numpy(), mha(keras_noisy, keras_noisy).numpy()
    real = tokens[:4] != 0
    np.testing.assert_allclose(a[real], b[real], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("causal", [False, True])
def test_fit_replays_a_transformer_block(causal):
    keras.utils.set_random_seed(0)  # weights independent of the tests run before
    rng = np.random.default_rng(1)
    x = rng.normal(size=(256, 6, 4)).astype("float32")
    y = (x[:, :, 0].mean(1) > 0).astype("int32")
    inputs = keras.Input((6, 4))
    h = layers.Dense(8)(inputs)
    h = layers.LayerNormalization()(layers.Add()([h, layers.MultiHeadAttention(2, 4)(h, h, use_causal_mask=causal)]))
    outputs = layers.Dense(2)(layers.GlobalAveragePooling1D()(h))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    # Chance is 0.5; a causal block pools weaker evidence (early steps see little): 0.89-0.93 over seeds.
    assert history.history["accuracy"][-1] > (0.85 if causal else 0.95)
    # Traced, checked bit for bit against eager, then replayed.
    assert any(r is not None for r in model._compiled_step.replays.values())
