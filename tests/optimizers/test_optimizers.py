"""Each optimizer's update against a hand computation (NumPy) for two steps.

Learning rates are powers of two so the float32 learning-rate variable holds them
exactly; variables are float64 so the references need no float32 rounding.
"""
import math
import warnings

import numpy as np
import pytest

from gradiente import optimizers
from gradiente.autodiff import Tensor, Variable
from gradiente.optimizers import schedules

W0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
G1 = np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05]])
G2 = np.array([[-0.05, 0.1, 0.02], [0.3, -0.2, 0.01]])
LR = 0.125


def run(opt, grads=(G1, G2), w0=W0):
    var = Variable(w0.copy(), name="kernel")
    for g in grads:
        opt.apply([g], [var])
    return var.data


def test_sgd_plain():
    expected = W0 - LR * G1 - LR * G2
    np.testing.assert_allclose(run(optimizers.SGD(LR)), expected, rtol=1e-12)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum(nesterov):
    mu = 0.5
    w, m = W0.copy(), np.zeros_like(W0)
    for g in (G1, G2):
        m = mu * m - LR * g
        w = w + (mu * m - LR * g if nesterov else m)
    np.testing.assert_allclose(run(optimizers.SGD(LR, momentum=mu, nesterov=nesterov)), w, rtol=1e-12)


def adam_reference(amsgrad=False, weight_decay=None, b1=0.9, b2=0.999, eps=1e-7):
    w, m, v, vhat = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0)
    for t, g in enumerate((G1, G2), start=1):
        if weight_decay:
            w = w - w * weight_decay * LR
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        if amsgrad:
            vhat = np.maximum(vhat, v)
        alpha = LR * math.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - alpha * m / (np.sqrt(vhat if amsgrad else v) + eps)
    return w


@pytest.mark.parametrize("amsgrad,b2", [(False, 0.999), (True, 0.999), (True, 0.5)])
def test_adam(amsgrad, b2):
    got = run(optimizers.Adam(LR, beta_2=b2, amsgrad=amsgrad))
    np.testing.assert_allclose(got, adam_reference(amsgrad=amsgrad, b2=b2), rtol=1e-10)


def test_amsgrad_differs_when_velocity_shrinks():
    # With beta_2 = 0.5 the second gradients (smaller) shrink v, so max(v_hat, v) matters.
    assert not np.allclose(adam_reference(amsgrad=True, b2=0.5), adam_reference(b2=0.5))


def test_adamw_decays_before_the_adam_step():
    opt = optimizers.AdamW(LR)
    assert opt.weight_decay == 0.004
    np.testing.assert_allclose(run(opt), adam_reference(weight_decay=0.004), rtol=1e-10)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


@pytest.mark.parametrize("centered,momentum", [(False, 0.0), (True, 0.0), (True, 0.5), (False, 0.5)])
def test_rmsprop(centered, momentum):
    rho, eps = 0.9, 1e-7
    w, v, a, mom = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0)
    for g in (G1, G2):
        v = rho * v + (1 - rho) * g * g
        if centered:
            a = rho * a + (1 - rho) * g
            step = LR * g / np.sqrt(v - a * a + eps)
        else:
            step = LR * g / np.sqrt(v + eps)
        if momentum:
            mom = momentum * mom + step
            w = w - mom
        else:
            w = w - step
    got = run(optimizers.RMSprop(LR, centered=centered, momentum=momentum))
    np.testing.assert_allclose(got, w, rtol=1e-10)


def test_adagrad():
    w, acc = W0.copy(), np.full_like(W0, 0.1)
    for g in (G1, G2):
        acc = acc + g * g
        w = w - LR * g / np.sqrt(acc + 1e-7)
    np.testing.assert_allclose(run(optimizers.Adagrad(LR)), w, rtol=1e-12)


def test_adadelta():
    rho, eps = 0.95, 1e-7
    w, eg, ed = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for g in (G1, G2):
        eg = rho * eg + (1 - rho) * g * g
        delta = -np.sqrt(ed + eps) * g / np.sqrt(eg + eps)
        ed = rho * ed + (1 - rho) * delta * delta
        w = w + LR * delta
    np.testing.assert_allclose(run(optimizers.Adadelta(LR)), w, rtol=1e-12)


def test_adamax():
    b1, b2, eps = 0.9, 0.999, 1e-7
    w, m, u = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for t, g in enumerate((G1, G2), start=1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - LR * m / ((1 - b1**t) * (u + eps))
    np.testing.assert_allclose(run(optimizers.Adamax(LR)), w, rtol=1e-12)


def test_nadam():
    b1, b2, eps = 0.9, 0.999, 1e-7
    w, m, v, prod = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), 1.0
    for t, g in enumerate((G1, G2), start=1):
        u_t = b1 * (1 - 0.5 * 0.96**t)
        u_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        prod *= u_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_next * m / (1 - prod * u_next) + (1 - u_t) * g / (1 - prod)
        v_hat = v / (1 - b2**t)
        w = w - LR * m_hat / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(run(optimizers.Nadam(LR)), w, rtol=1e-10)


def test_clipnorm_clips_each_gradient_by_its_own_norm():
    big = G1 * 100
    norm = np.linalg.norm(big)
    expected = W0 - LR * big * (1.0 / norm) - LR * G2  # G2's norm is below 1: unchanged
    np.testing.assert_allclose(run(optimizers.SGD(LR, clipnorm=1.0), grads=(big, G2)), expected, rtol=1e-12)


def test_clipvalue():
    big = G1 * 10
    expected = W0 - LR * np.clip(big, -0.5, 0.5) - LR * np.clip(G2, -0.5, 0.5)
    np.testing.assert_allclose(run(optimizers.SGD(LR, clipvalue=0.5), grads=(big, G2)), expected, rtol=1e-12)


def test_global_clipnorm_scales_all_gradients_together():
    a, b = Variable(W0.copy()), Variable(np.ones(3))
    ga, gb = G1 * 10, np.array([3.0, 4.0, 0.0])
    total = math.sqrt(np.sum(ga**2) + np.sum(gb**2))
    optimizers.SGD(LR, global_clipnorm=2.0).apply([ga, gb], [a, b])
    np.testing.assert_allclose(a.data, W0 - LR * ga * 2.0 / total, rtol=1e-12)
    np.testing.assert_allclose(b.data, 1 - LR * gb * 2.0 / total, rtol=1e-12)


def test_only_one_clipping_argument():
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_and_exclusion():
    opt = optimizers.SGD(LR, weight_decay=0.1)
    bias = Variable(np.ones(3), name="bias")
    opt.exclude_from_weight_decay(var_names=["bias"])
    kernel = Variable(W0.copy(), name="kernel")
    opt.apply([G1, np.zeros(3)], [kernel, bias])
    np.testing.assert_allclose(kernel.data, W0 * (1 - 0.1 * LR) - LR * G1, rtol=1e-12)
    np.testing.assert_array_equal(bias.data, np.ones(3))


def test_lr_legacy_keyword_warns_and_takes_effect():
    with pytest.warns(UserWarning, match="`lr` is deprecated"):
        opt = optimizers.SGD(lr=0.25)
    assert opt.learning_rate == 0.25
    np.testing.assert_allclose(run(opt, grads=(G1,)), W0 - 0.25 * G1, rtol=1e-12)


def test_decay_keyword_warns_and_is_ignored():
    with pytest.warns(UserWarning, match="decay"):
        opt = optimizers.Adam(decay=1e-6)
    assert opt.learning_rate == pytest.approx(0.001)


def test_unknown_keyword_is_rejected_with_its_name():
    with pytest.raises(ValueError, match="momentun"):
        optimizers.SGD(momentun=0.9)


def test_learning_rate_setter_and_float_value():
    opt = optimizers.SGD(0.5)
    lr = opt.learning_rate
    assert isinstance(lr, float) and lr == 0.5 and f"{lr:.2f}" == "0.50"
    opt.learning_rate = 0.25
    assert opt.learning_rate == 0.25
    opt.learning_rate.assign(0.125)  # Keras code calls assign on the learning rate
    assert opt.lr == 0.125
    np.testing.assert_allclose(run(opt, grads=(G1,)), W0 - 0.125 * G1, rtol=1e-12)
    assert opt.get_config()["learning_rate"] == 0.125


def test_schedule_drives_the_learning_rate_per_step():
    schedule = schedules.PiecewiseConstantDecay([0], [0.5, 0.25])  # step 0: 0.5, then 0.25
    opt = optimizers.SGD(schedule)
    assert opt.learning_rate == 0.5
    np.testing.assert_allclose(run(opt), W0 - 0.5 * G1 - 0.25 * G2, rtol=1e-12)
    assert opt.learning_rate == 0.25 and int(opt.iterations) == 2
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1
    restored = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(restored._lr_source, schedules.PiecewiseConstantDecay)


def test_apply_gradients_accepts_tensors_and_skips_none():
    a, b = Variable(W0.copy()), Variable(np.ones(3))
    opt = optimizers.SGD(LR)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients(zip([Tensor(G1), None], [a, b]))
    np.testing.assert_allclose(a.data, W0 - LR * G1)
    np.testing.assert_array_equal(b.data, np.ones(3))
    with pytest.raises(ValueError, match="No gradients"):
        opt.apply_gradients([(None, a)])


def test_gradient_shape_mismatch_names_the_variable():
    var = Variable(W0.copy(), name="kernel")
    with pytest.raises(ValueError, match=r"'kernel' has shape \(3, 2\), but the variable has shape \(2, 3\)"):
        optimizers.SGD().apply([np.ones((3, 2))], [var])


def test_constraint_is_applied_after_the_update():
    var = Variable(W0.copy())
    var.constraint = lambda w: np.clip(w, -1, 1)
    optimizers.SGD(LR).apply([G1], [var])
    np.testing.assert_allclose(var.data, np.clip(W0 - LR * G1, -1, 1))


def test_float32_is_kept_and_slots_are_named_like_keras():
    var = Variable(np.ones((2, 2), dtype=np.float32), name="kernel")
    var.path = "sequential/dense/kernel"
    opt = optimizers.Adam()
    opt.apply([np.ones((2, 2), dtype=np.float32)], [var])
    assert var.data.dtype == np.float32
    names = [v.name for v in opt.variables]
    assert names == ["iteration", "learning_rate", "sequential_dense_kernel_momentum",
                     "sequential_dense_kernel_velocity"]
    assert all(v.data.dtype == np.float32 for v in opt.variables[2:])


def test_sgd_updates_in_place_without_new_arrays():
    var = Variable(np.ones((3, 3), dtype=np.float32))
    before = var.data
    opt = optimizers.SGD(0.5, momentum=0.9)
    for _ in range(3):
        opt.apply([np.ones((3, 3), dtype=np.float32)], [var])
    assert var.data is before and var.data.dtype == np.float32


def test_ema_and_finalize():
    var = Variable(np.zeros(2))
    opt = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5)
    opt.apply([np.array([-1.0, -1.0])], [var])  # w = 1, average = w (first step)
    opt.apply([np.array([-1.0, -1.0])], [var])  # w = 2, average = 0.5 * 1 + 0.5 * 2
    opt.finalize_variable_values([var])
    np.testing.assert_allclose(var.data, [1.5, 1.5])


def test_gradient_accumulation_applies_the_mean_every_k_steps():
    var = Variable(W0.copy())
    opt = optimizers.SGD(LR, gradient_accumulation_steps=2)
    opt.apply([G1], [var])
    np.testing.assert_array_equal(var.data, W0)
    opt.apply([G2], [var])
    np.testing.assert_allclose(var.data, W0 - LR * (G1 + G2) / 2, rtol=1e-12)


def test_lion():
    b1, b2 = 0.9, 0.99
    w, m = W0.copy(), np.zeros_like(W0)
    for g in (G1, G2):
        w = w - LR * np.sign(b1 * m + (1 - b1) * g)
        m = b2 * m + (1 - b2) * g
    np.testing.assert_allclose(run(optimizers.Lion(LR)), w, rtol=1e-12)
    clone = optimizers.deserialize(optimizers.serialize(optimizers.Lion(LR, beta_1=0.5, beta_2=0.9)))
    assert (clone.beta_1, clone.beta_2, clone.learning_rate) == (0.5, 0.9, LR)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)


@pytest.mark.parametrize("l1, l2, shrink, beta", [(0.0, 0.0, 0.0, 0.0), (0.05, 0.1, 0.02, 0.5)])
def test_ftrl(l1, l2, shrink, beta):
    p = 0.5
    w, n, z = W0.copy(), np.full_like(W0, 0.1), np.zeros_like(W0)
    for g in (G1, G2):
        n_new = n + g * g
        z = z + g + 2 * shrink * w - (n_new**p - n**p) / LR * w
        w = (np.clip(z, -l1, l1) - z) / (n_new**p / LR + 2 * (l2 + beta / (2 * LR)))
        n = n_new
    opt = optimizers.Ftrl(LR, l1_regularization_strength=l1, l2_regularization_strength=l2,
                          l2_shrinkage_regularization_strength=shrink, beta=beta)
    np.testing.assert_allclose(run(opt), w, rtol=1e-12)
    clone = optimizers.deserialize(optimizers.serialize(opt))
    assert (clone.l1_regularization_strength, clone.beta) == (l1, beta)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)


def test_get_serialize_deserialize():
    for name in ["sgd", "SGD", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "adamw", "lion"]:
        assert isinstance(optimizers.get(name), optimizers.Optimizer)
    opt = optimizers.RMSprop(0.25, rho=0.8, centered=True)
    assert optimizers.get(opt) is opt
    clone = optimizers.deserialize(optimizers.serialize(opt))
    assert type(clone) is optimizers.RMSprop and clone.rho == 0.8 and clone.centered
    assert clone.learning_rate == 0.25
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: adamx.*sgd"):
        optimizers.get("adamx")


def test_keras_defaults():
    assert optimizers.SGD().learning_rate == pytest.approx(0.01)
    adam = optimizers.Adam()
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.9, 0.999, 1e-7, False)
    rms = optimizers.RMSprop()
    assert (rms.rho, rms.momentum, rms.epsilon, rms.centered) == (0.9, 0.0, 1e-7, False)
    assert optimizers.Adagrad().initial_accumulator_value == 0.1
    assert optimizers.Adadelta().rho == 0.95
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.Nadam()


def test_user_optimizer_written_the_keras_3_way():
    from gradiente import ops

    class MomentumSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.125, momentum=0.5, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)
            self.momentum = momentum

        def build(self, var_list):
            super().build(var_list)
            self.velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]

        def update_step(self, gradient, variable, learning_rate):
            v = self.velocities[self._get_variable_index(variable)]
            self.assign(v, ops.subtract(ops.multiply(v, self.momentum), ops.multiply(gradient, learning_rate)))
            self.assign_add(variable, v)

    opt = MomentumSGD()
    expected = run(optimizers.SGD(LR, momentum=0.5))
    np.testing.assert_allclose(run(opt), expected, rtol=1e-12)
    assert [v.name for v in opt.variables][-1] == "kernel_velocity"


# --- fit folds SGD's learning rate into the backward seed -----------------------------------
@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.5, False), (0.5, True)])
def test_sgd_takes_gradients_with_the_learning_rate_folded_in(momentum, nesterov):
    def folded(opt):
        var = Variable(W0.copy(), name="kernel")
        for g in (G1, G2):
            opt.apply([opt.folded_learning_rate() * g], [var], lr_folded=True)
        return var.data

    kwargs = {"momentum": momentum, "nesterov": nesterov, "weight_decay": 0.25}
    np.testing.assert_allclose(folded(optimizers.SGD(LR, **kwargs)), run(optimizers.SGD(LR, **kwargs)), rtol=1e-12)


def test_folded_learning_rate_follows_the_schedule_and_is_refused_where_gradients_are_read():
    opt = optimizers.SGD(schedules.ExponentialDecay(0.5, decay_steps=1, decay_rate=0.5))
    var = Variable(W0.copy())
    assert opt.folded_learning_rate() == 0.5
    opt.apply([G1], [var])
    assert opt.folded_learning_rate() == 0.25
    for opt in (optimizers.SGD(LR, clipnorm=1.0), optimizers.SGD(LR, clipvalue=1.0),
                optimizers.SGD(LR, global_clipnorm=1.0), optimizers.SGD(LR, gradient_accumulation_steps=2),
                optimizers.SGD(LR, loss_scale_factor=8.0), optimizers.Adam(LR)):
        assert opt.folded_learning_rate() is None

    class Mine(optimizers.SGD):  # a subclass may change the update
        pass

    assert Mine(LR).folded_learning_rate() is None
    with pytest.raises(TypeError, match="Adam needs raw gradients"):
        optimizers.Adam(LR).apply([G1], [Variable(W0.copy())], lr_folded=True)


@pytest.mark.parametrize("name", sorted(optimizers.ALL))
def test_every_optimizer_trains_a_logistic_regression_with_fit(name):
    import gradiente as keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2)).astype(np.float32)
    y = (x @ np.array([2.0, -1.0]) > 0.3).astype(np.int64)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    # Adadelta's rate is a scale; Lion's steps are whole; Ftrl's shrink with the accumulator.
    rates = {"sgd": 0.5, "adadelta": 1.0, "lion": 0.01, "ftrl": 0.5}
    model.compile(optimizer=optimizers.get({"class_name": optimizers.ALL[name].__name__,
                                            "config": {"learning_rate": rates.get(name, 0.05)}}),
                  loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=20, verbose=0)
    assert history.history["accuracy"][-1] > 0.9, name
