"""Every optimizer against the values Keras 3's own tests expect (the same inputs), on
float32 and float64 variables and on 0-d ones; the state stays in the variable's dtype."""
import numpy as np
import pytest

from gradiente import backend, optimizers
from gradiente.autodiff import Variable

FIRST = np.full(10, 0.01)
GRADS = np.arange(0.1, 1.1, 0.1)[:10]


def _tile(column):
    return np.tile(np.array(column)[:, None], (1, 10))


# (optimizer, kwargs, the variable after step 1, 2, ... 5): the first step takes FIRST, the rest GRADS.
GOLDEN = {
    "Adadelta": (dict(learning_rate=1.0, rho=0.8, epsilon=1e-6), _tile([0.9978, 0.9947, 0.9915, 0.9882, 0.9849])),
    "Adagrad": (dict(learning_rate=0.2, initial_accumulator_value=0.3, epsilon=1e-6), np.array([
        [0.9963] * 10,
        [0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209],
        [0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891],
        [0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579],
        [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825]])),
    "Adam": (dict(amsgrad=True), _tile([0.999, 0.9982, 0.9974, 0.9965, 0.9955])),
    "Adamax": (dict(learning_rate=0.2, beta_1=0.85, beta_2=0.95, epsilon=1e-6), np.array([
        [0.8] * 10,
        [0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691],
        [0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466],
        [0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848],
        [0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126]])),
    "AdamW": (dict(learning_rate=1.0, weight_decay=0.5, epsilon=2), np.array([
        [0.4998] * 10,
        [0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382],
        [0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003],
        [0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258],
        [0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159]])),
    "Ftrl": (dict(learning_rate=0.05, learning_rate_power=-0.2, initial_accumulator_value=0.4,
                  l1_regularization_strength=0.05, l2_regularization_strength=0.15,
                  l2_shrinkage_regularization_strength=0.01, beta=0.3), np.array([
        [0.0] * 10,
        [-0.0034, -0.0077, -0.0118, -0.0157, -0.0194, -0.023, -0.0263, -0.0294, -0.0325, -0.0354],
        [-0.0078, -0.0162, -0.0242, -0.0317, -0.0387, -0.0454, -0.0516, -0.0575, -0.0631, -0.0685],
        [-0.0121, -0.0246, -0.0363, -0.0472, -0.0573, -0.0668, -0.0757, -0.0842, -0.0922, -0.0999],
        [-0.0164, -0.0328, -0.0481, -0.0623, -0.0753, -0.0875, -0.099, -0.1098, -0.1201, -0.1299]])),
    "Lion": (dict(), _tile([0.999, 0.998, 0.997, 0.996, 0.995])),
    "Nadam": (dict(learning_rate=0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5), np.array([
        [0.4281] * 10,
        [-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717],
        [-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084],
        [-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299],
        [-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454]])),
    "RMSprop": (dict(centered=True), _tile([0.9967, 0.9933, 0.9908, 0.9885, 0.9864])),
    "SGD": (dict(nesterov=True), np.array([
        [0.9999] * 10,
        [0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899],
        [0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799],
        [0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699],
        [0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599]])),
}


def _float_state(opt):
    return [v for v in opt.variables if v.data.dtype.kind == "f" and v.name != "learning_rate"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_values(name, dtype):
    kwargs, golden = GOLDEN[name]
    opt = getattr(optimizers, name)(**kwargs)
    x = Variable(np.ones(10, dtype=dtype))
    opt.apply_gradients([(FIRST.astype(dtype), x)])
    for i in range(5):
        np.testing.assert_allclose(x.numpy(), golden[i], rtol=5e-4, atol=5e-4, err_msg=f"step {i + 1}")
        opt.apply_gradients([(GRADS.astype(dtype), x)])
    assert x.numpy().dtype == dtype
    assert {v.data.dtype.name for v in _float_state(opt)} <= {dtype}  # SGD without momentum has none


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_a_0d_variable_follows_the_same_path(name, dtype):
    kwargs, golden = GOLDEN[name]
    opt = getattr(optimizers, name)(**kwargs)
    x = Variable(np.array(1.0, dtype=dtype))
    opt.apply_gradients([(np.array(0.01, dtype=dtype), x)])
    for i in range(5):
        assert x.numpy().shape == ()
        np.testing.assert_allclose(x.numpy(), golden[i, 3], rtol=5e-4, atol=5e-4, err_msg=f"step {i + 1}")
        opt.apply_gradients([(np.array(GRADS[3], dtype=dtype), x)])
    assert {v.data.dtype.name for v in _float_state(opt)} <= {dtype}  # SGD without momentum has none


SINGLE_STEP = {  # learning_rate=0.5, gradients [1, 6, 7, 2] on [1, 2, 3, 4]
    "Adadelta": [0.9993, 1.9993, 2.9993, 3.9993],
    "Adagrad": [0.5233, 1.5007, 2.5005, 3.5061],
    "Adam": [0.5, 1.5, 2.5, 3.5],
    "Adamax": [0.5, 1.5, 2.5, 3.5],
    "AdamW": [0.4980, 1.4960, 2.494, 3.492],
    "Ftrl": [0.2218, 1.3954, 2.3651, 2.8814],
    "Lion": [0.5, 1.5, 2.5, 3.5],
    "Nadam": [0.4686, 1.4686, 2.4686, 3.4686],
    "RMSprop": [-0.5811, 0.4189, 1.4189, 2.4189],
    "SGD": [0.5, -1.0, -0.5, 3.0],
}


@pytest.mark.parametrize("name", sorted(SINGLE_STEP))
def test_single_step(name):
    opt = getattr(optimizers, name)(learning_rate=0.5)
    x = Variable(np.array([1.0, 2.0, 3.0, 4.0], dtype="float32"))
    opt.apply_gradients([(np.array([1.0, 6.0, 7.0, 2.0], dtype="float32"), x)])
    np.testing.assert_allclose(x.numpy(), SINGLE_STEP[name], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", sorted(set(SINGLE_STEP) - {"Ftrl"}))
def test_weight_decay_on_scalar_variables(name):
    # Keras: three optimizers with weight_decay=0.004 and lr=1 each shrink var1 once, on a
    # zero gradient; the excluded variables (by name, by identity) keep their value.
    zero = np.zeros((), dtype="float32")
    var1, var2, var3 = (Variable(np.array(2.0, dtype="float32"), name=n) for n in ("var1", "exclude", "var3"))
    getattr(optimizers, name)(learning_rate=1.0, weight_decay=0.004).apply_gradients([(zero, var1)])
    opt2 = getattr(optimizers, name)(learning_rate=1.0, weight_decay=0.004)
    opt2.exclude_from_weight_decay(var_names=["exclude"])
    opt2.apply_gradients([(zero, var1), (zero, var2)])
    opt3 = getattr(optimizers, name)(learning_rate=1.0, weight_decay=0.004)
    opt3.exclude_from_weight_decay(var_list=[var3])
    opt3.apply_gradients([(zero, var1), (zero, var3)])
    assert float(var1.numpy()) == pytest.approx(1.9760959, abs=1e-6)
    assert float(var2.numpy()) == pytest.approx(2.0, abs=1e-6)
    assert float(var3.numpy()) == pytest.approx(2.0, abs=1e-6)


def test_nadam_keeps_its_momentum_product_in_the_variables_dtype():
    opt = optimizers.Nadam()
    opt.build([])
    assert opt._u_product.data.dtype == backend.floatx()
    opt = optimizers.Nadam()
    x = Variable(np.ones(3, dtype="float32"))
    for _ in range(3):
        opt.apply_gradients([(np.full(3, 0.5, dtype="float32"), x)])
    assert opt._u_product.data.dtype == np.float32
    # Keras keeps the product last, after the slots.
    assert opt.variables[-1] is opt._u_product
    assert float(opt._u_product.data) == pytest.approx(np.prod([0.9 * (1 - 0.5 * 0.96**t) for t in (1, 2, 3)]))
    opt = optimizers.Nadam()
    opt.apply_gradients([(np.array(0.5), Variable(np.array(1.0)))])
    assert opt._u_product.data.dtype == np.float64


@pytest.mark.parametrize("cls,kwargs,message", [
    ("Ftrl", dict(initial_accumulator_value=-0.1),
     "`initial_accumulator_value` needs to be positive or zero. Received: initial_accumulator_value=-0.1."),
    ("Ftrl", dict(learning_rate_power=0.1),
     "`learning_rate_power` needs to be negative or zero. Received: learning_rate_power=0.1."),
    ("Ftrl", dict(l1_regularization_strength=-0.1),
     "`l1_regularization_strength` needs to be positive or zero. Received: l1_regularization_strength=-0.1."),
    ("Ftrl", dict(l2_regularization_strength=-0.1),
     "`l2_regularization_strength` needs to be positive or zero. Received: l2_regularization_strength=-0.1."),
    ("Ftrl", dict(l2_shrinkage_regularization_strength=-0.1),
     "`l2_shrinkage_regularization_strength` needs to be positive or zero. "
     "Received: l2_shrinkage_regularization_strength=-0.1."),
    ("Lion", dict(beta_1=-0.1), "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                                "degenerates to SignSGD. Received: beta_1=-0.1."),
    ("Lion", dict(beta_1=0.0), "Received: beta_1=0.0."),
    ("Lion", dict(beta_1=1.1), "Received: beta_1=1.1."),
    ("SGD", dict(momentum=-1.0), "`momentum` must be a float between [0, 1]."),
    ("SGD", dict(momentum=2.0), "`momentum` must be a float between [0, 1]."),
])
def test_bad_hyperparameters_are_refused_in_keras_words(cls, kwargs, message):
    with pytest.raises(ValueError) as err:
        getattr(optimizers, cls)(**kwargs)
    assert message in str(err.value)
