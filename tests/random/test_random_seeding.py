"""Seeds as Keras takes them: None (the library's generator, reset by set_random_seed), an int
(the same values every call), a SeedGenerator (new values every call, reproducibly), and
shapes given as ints or 0-d integer tensors."""
import numpy as np
import pytest

import gradiente as keras
from gradiente import ops, random
from gradiente.autodiff.trace import Trace

SAMPLERS = {
    "normal": lambda seed: random.normal((4, 3), seed=seed),
    "uniform": lambda seed: random.uniform((4, 3), seed=seed),
    "truncated_normal": lambda seed: random.truncated_normal((4, 3), seed=seed),
    "randint": lambda seed: random.randint((4, 3), 0, 1000, seed=seed),
    "categorical": lambda seed: random.categorical(np.zeros((4, 50)), 3, seed=seed),
    "dropout": lambda seed: random.dropout(np.ones((4, 30), np.float32), 0.5, seed=seed),
    "shuffle": lambda seed: random.shuffle(np.arange(40).reshape(20, 2), seed=seed),
    "gamma": lambda seed: random.gamma((4, 3), 2.0, seed=seed),
    "binomial": lambda seed: random.binomial((4, 3), 1000, 0.5, seed=seed),
    "beta": lambda seed: random.beta((4, 3), 2.0, 3.0, seed=seed),
}


def _np(x):
    return ops.convert_to_numpy(x)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_an_int_seed_gives_the_same_values_every_call(name):
    draw = SAMPLERS[name]
    np.testing.assert_array_equal(_np(draw(42)), _np(draw(42)))
    assert not np.array_equal(_np(draw(42)), _np(draw(43)))


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_seed_none_is_reproducible_under_set_random_seed(name):
    draw = SAMPLERS[name]
    keras.utils.set_random_seed(7)
    first, second = _np(draw(None)), _np(draw(None))
    assert not np.array_equal(first, second)
    keras.utils.set_random_seed(7)
    np.testing.assert_array_equal(_np(draw(None)), first)
    np.testing.assert_array_equal(_np(draw(None)), second)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_a_seed_generator_advances_and_is_reproducible_from_its_seed(name):
    draw = SAMPLERS[name]
    gen = random.SeedGenerator(1337)
    first, second = _np(draw(gen)), _np(draw(gen))
    assert not np.array_equal(first, second)
    assert gen.state.numpy().tolist() == [1337, 2]  # one step per draw
    again = random.SeedGenerator(1337)
    np.testing.assert_array_equal(_np(draw(again)), first)
    np.testing.assert_array_equal(_np(draw(again)), second)


def test_seeded_draws_ignore_the_global_generator():
    keras.utils.set_random_seed(1)
    a = _np(random.normal((5,), seed=3))
    keras.utils.set_random_seed(2)
    np.testing.assert_array_equal(_np(random.normal((5,), seed=3)), a)


def test_int_seeds_and_seed_generators_draw_keras_numpy_backends_stream():
    # Keras's NumPy backend seeds numpy.random.default_rng with the uint32 pair [seed, counter].
    def stream(seed, counter):
        return np.random.default_rng(np.array([seed, counter], np.uint32))

    np.testing.assert_array_equal(_np(random.normal((2, 3), seed=10)),
                                  stream(10, 0).normal(size=(2, 3)).astype(np.float32))
    gen = random.SeedGenerator(99)
    random.uniform((3,), seed=gen)
    np.testing.assert_array_equal(_np(random.randint((6,), 0, 9, seed=gen)),
                                  stream(99, 1).integers(0, 9, size=(6,), dtype=np.int32))


@pytest.mark.parametrize("seed", [2**31 - 1, 2**31, 2**32 - 1])
def test_seeds_up_to_uint32_max_work(seed):
    assert random.uniform((2, 2), seed=seed).shape == (2, 2)
    assert random.SeedGenerator(seed).state.numpy()[0] == seed


def test_negative_and_large_seeds_wrap_to_32_bits():
    np.testing.assert_array_equal(_np(random.normal((3,), seed=-1)), _np(random.normal((3,), seed=2**32 - 1)))
    np.testing.assert_array_equal(_np(random.normal((3,), seed=2**32 + 5)), _np(random.normal((3,), seed=5)))


def test_shape_entries_may_be_zero_d_integer_tensors():
    x = np.zeros((6, 4))
    batch = ops.shape(x)[0]
    assert random.normal((batch, 2)).shape == (6, 2)
    assert random.uniform((ops.convert_to_tensor(np.array(3)), np.int64(2))).shape == (3, 2)
    assert random.normal(ops.convert_to_tensor(np.array([2, 5]))).shape == (2, 5)
    assert random.normal(4).shape == (4,)
    assert random.normal((0, 3)).shape == (0, 3)


class _GAN(keras.Model):
    """The GAN of Keras's guide "Customizing what happens in fit()", in keras.ops."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.seed_generator = keras.random.SeedGenerator(1337)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        batch_size = ops.shape(real_images)[0]
        latent = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        generated = self.generator(latent)
        combined = ops.concatenate([generated, real_images], axis=0)
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        labels = labels + 0.05 * keras.random.uniform(ops.shape(labels), seed=self.seed_generator)
        with keras.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined))
        d_vars = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))

        latent = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        misleading = ops.zeros((batch_size, 1))
        with keras.GradientTape() as tape:
            g_loss = self.loss_fn(misleading, self.discriminator(self.generator(latent)))
        g_vars = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def test_a_custom_train_step_draws_from_its_seed_generator():
    keras.utils.set_random_seed(0)
    latent_dim = 4
    discriminator = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8, activation="relu"),
                                      keras.layers.Dense(1)])
    generator = keras.Sequential([keras.Input((latent_dim,)), keras.layers.Dense(8)])
    gan = _GAN(discriminator, generator, latent_dim)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    real = np.random.default_rng(0).normal(size=(64, 8)).astype(np.float32)
    history = gan.fit(real, batch_size=16, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert all(np.isfinite(history.history["d_loss"]))
    # Three draws per step, four steps per epoch, two epochs.
    assert gan.seed_generator.state.numpy().tolist() == [1337, 24]


def test_a_replayed_trace_draws_again_as_an_eager_call_would():
    # fit replays recorded primitives; a draw must happen inside one so each replay redraws.
    gen, twin = random.SeedGenerator(5), random.SeedGenerator(5)
    x = np.zeros(3, np.float32)
    trace = Trace()
    trace.add_input(x)
    with trace:
        noisy = ops.add(keras.Tensor(x), random.normal((3,), seed=gen))
        total = ops.sum(noisy)
    replay = trace.compile(total, [], [noisy])
    eager = [_np(random.normal((3,), seed=twin)) for _ in range(3)]
    np.testing.assert_array_equal(_np(noisy), eager[0])
    for expected in eager[1:]:
        _, (values,), _ = replay.run([x])
        np.testing.assert_array_equal(values, expected)
