"""SeedGenerator: its state Variable, how it advances, its config; draw_seed's answers."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import ops, random
from gradiente.random import seed_generator


def test_state_is_a_non_trainable_uint32_variable_holding_seed_and_counter():
    gen = random.SeedGenerator(seed=12345)
    assert isinstance(gen.state, keras.Variable) and not gen.state.trainable
    assert gen.state.dtype == np.uint32 and gen.state.shape == (2,)
    assert ops.convert_to_numpy(gen.state).tolist() == [12345, 0]
    assert gen.state.path.endswith("/seed_generator_state")


def test_next_returns_the_state_then_advances_it():
    gen = random.SeedGenerator(seed=42)
    first, second = gen.next(), gen.next()
    assert isinstance(first, keras.Tensor) and first.dtype == np.uint32
    assert ops.convert_to_numpy(first).tolist() == [42, 0]
    assert ops.convert_to_numpy(second).tolist() == [42, 1]
    assert gen.state.dtype == np.uint32
    # Keras's scramble for its global generator: (state + 1) * 5387 mod 933199.
    gen.next(ordered=False)
    assert gen.state.numpy().tolist() == [(43 * 5387) % 933199, (3 * 5387) % 933199]


def test_unseeded_generators_differ_and_follow_set_random_seed():
    assert random.SeedGenerator().state is not None
    assert seed_generator.make_default_seed() != seed_generator.make_default_seed()
    keras.utils.set_random_seed(11)
    a = random.SeedGenerator().state.numpy()
    keras.utils.set_random_seed(11)
    assert random.SeedGenerator().state.numpy().tolist() == a.tolist()


def test_names_are_automatic_unless_given():
    named = random.SeedGenerator(1, name="sg")
    assert named.name == "sg"
    assert random.SeedGenerator(1).name.startswith("seed_generator")


def test_config_round_trip():
    gen = random.SeedGenerator(seed=42, name="sg")
    assert gen.get_config() == {"seed": 42, "name": "sg"}
    clone = random.SeedGenerator.from_config(gen.get_config())
    assert clone.name == "sg" and clone.state.numpy().tolist() == [42, 0]
    np.testing.assert_array_equal(ops.convert_to_numpy(random.normal((3,), seed=gen)),
                                  ops.convert_to_numpy(random.normal((3,), seed=clone)))


def test_draw_seed_for_each_kind_of_seed():
    gen = random.SeedGenerator(seed=42)
    assert isinstance(seed_generator.draw_seed(gen), keras.Tensor)
    assert gen.state.numpy()[1] == 1
    from_int = seed_generator.draw_seed(12345)
    assert from_int.dtype == np.uint32 and ops.convert_to_numpy(from_int).tolist() == [12345, 0]
    assert seed_generator.draw_seed(None).dtype == np.uint32
    with pytest.raises(ValueError, match="Argument `seed` must be either an integer"):
        seed_generator.draw_seed("invalid_seed")


def test_bad_seeds_and_arguments_are_refused():
    with pytest.raises(ValueError, match="Argument `seed` must be an integer"):
        random.SeedGenerator(seed="invalid_seed")
    with pytest.raises(ValueError, match="Argument `seed` must be an integer"):
        random.SeedGenerator(seed=1.5)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        random.SeedGenerator(invalid_arg="unexpected_value")
