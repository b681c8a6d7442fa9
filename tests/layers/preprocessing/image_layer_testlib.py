"""Helpers shared by the image preprocessing layer tests: JSON config round trips, save and
load inside a model, reproducing a layer's random draws from its seed, and gradient checks
of one fixed draw."""
import json

import numpy as np

import gradiente as keras
from gradiente.testing import check_gradients


def images(*shape, seed=0, low=0.0, high=255.0, dtype="float32"):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)


def _json(config):
    return json.loads(json.dumps(config))


def assert_config_round_trip(layer):
    config = _json(layer.get_config())
    again = type(layer).from_config(config)
    assert _json(again.get_config()) == config
    return again


def assert_saved_and_loaded(tmp_path, layer, x):
    """A model holding ``layer`` saves and loads: same class and config, same inference
    output, and (for random layers) the loaded layer draws as a fresh copy of the original."""
    model = keras.Sequential([keras.Input(x.shape[1:]), layer])
    before = model.predict(x, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    again = loaded.layers[0]
    assert type(again) is type(layer)
    assert _json(again.get_config()) == _json(layer.get_config())
    np.testing.assert_allclose(loaded.predict(x, verbose=0), before)
    if getattr(layer, "seed", None) is not None:
        fresh = type(layer).from_config(layer.get_config())
        np.testing.assert_array_equal(again(x, training=True).numpy(), fresh(x, training=True).numpy())


def uniform_draws(seed, *draws):
    """The values ``keras.random.uniform`` gives a fresh SeedGenerator(seed) for the given
    (shape, low, high) draws, in order: what a new layer with that seed draws first."""
    generator = keras.random.SeedGenerator(seed)
    return [keras.random.uniform(shape, low, high, seed=generator).numpy() for shape, low, high in draws]


def check_layer_gradients(layer, x):
    """Float64 gradient check of ``layer(x, training=True)`` with its generator rewound
    before every call, so finite differences see one fixed random draw."""
    start = layer.generator.state.numpy().copy()

    def f(v):
        layer.generator.state.assign(start)
        return layer(v, training=True)

    return check_gradients(f, x)
