"""Recurrent cells and layers: against step-by-step NumPy references, and gradient checks."""
import numpy as np
import pytest

from gradiente import backend, ops
from gradiente.autodiff.tape import GradientTape
from gradiente.autodiff.tensor import Tensor
from gradiente.layers import Input, Layer
from gradiente.layers.recurrent import GRU, GRUCell, LSTM, LSTMCell, RNN, SimpleRNN, SimpleRNNCell
from gradiente.testing import check_gradients


def sig(x):
    return 1 / (1 + np.exp(-x))


# --- references: one plain NumPy step at a time, from the layer's weights --------------------
def ref_simple(x, w, h, act=np.tanh, rec_mask=None):
    kernel, rec, bias = w
    hr = h if rec_mask is None else h * rec_mask
    h = act(x @ kernel + hr @ rec + bias)
    return h, [h]


def ref_lstm(x, w, h, c, rec_mask=None):
    kernel, rec, bias = w
    u = rec.shape[0]
    hr = h if rec_mask is None else h * rec_mask
    z = x @ kernel + hr @ rec + bias
    i, f, g, o = sig(z[:, :u]), sig(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), sig(z[:, 3 * u:])
    c = f * c + i * g
    h = o * np.tanh(c)
    return h, [h, c]


def ref_gru(x, w, h, reset_after=True, rec_mask=None):
    kernel, rec, bias = w
    u = rec.shape[0]
    hr = h if rec_mask is None else h * rec_mask
    if reset_after:
        xp = x @ kernel + bias[0]
        rz = hr @ rec + bias[1]
        z = sig(xp[:, :u] + rz[:, :u])
        r = sig(xp[:, u:2 * u] + rz[:, u:2 * u])
        hh = np.tanh(xp[:, 2 * u:] + r * rz[:, 2 * u:])
    else:
        xp = x @ kernel + bias
        z = sig(xp[:, :u] + hr @ rec[:, :u])
        r = sig(xp[:, u:2 * u] + hr @ rec[:, u:2 * u])
        hh = np.tanh(xp[:, 2 * u:] + (r * hr) @ rec[:, 2 * u:])
    h = z * h + (1 - z) * hh
    return h, [h]


def ref_run(step, x, states, mask=None, go_backwards=False):
    """The RNN loop as Keras defines it: masked steps keep states and repeat the last output."""
    if go_backwards:
        x = x[:, ::-1]
        mask = None if mask is None else mask[:, ::-1]
    outputs, prev = [], None
    for t in range(x.shape[1]):
        out, new = step(x[:, t], *states)
        if mask is not None:
            m = mask[:, t, None]
            new = [np.where(m, n, s) for n, s in zip(new, states)]
            out = np.where(m, out, np.zeros_like(out) if prev is None else prev)
        outputs.append(out)
        prev, states = out, new
    return np.stack(outputs, axis=1), states


def weights(layer):
    return [v.data.astype(np.float64) for v in layer.weights]


def randomize(layer, rng, scale=0.5):
    layer.set_weights([rng.normal(0, scale, w.shape) for w in layer.get_weights()])


CASES = [
    ("simple", lambda **k: SimpleRNN(3, **k), lambda w: (lambda x, h: ref_simple(x, w, h)), 1),
    ("lstm", lambda **k: LSTM(3, **k), lambda w: (lambda x, h, c: ref_lstm(x, w, h, c)), 2),
    ("gru", lambda **k: GRU(3, **k), lambda w: (lambda x, h: ref_gru(x, w, h, True)), 1),
    ("gru_v1", lambda **k: GRU(3, reset_after=False, **k), lambda w: (lambda x, h: ref_gru(x, w, h, False)), 1),
]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# --- shapes, counts, Keras facts ---------------------------------------------------------------
def test_parameter_counts_and_shapes():
    assert SimpleRNN(4)(np.zeros((2, 5, 3))).shape == (2, 4)
    counts = {SimpleRNN(4): 32, LSTM(4): 128, GRU(4): 108, GRU(4, reset_after=False): 96}
    for layer, n in counts.items():
        layer.build((None, 5, 3))
        assert layer.count_params() == n
    lstm = LSTM(64)
    assert lstm(Input((28, 28))).shape == (None, 64)
    assert lstm.count_params() == 23_808
    gru = GRU(64)
    gru(Input((28, 28)))
    assert gru.count_params() == 18_048
    assert gru.cell.bias.shape == (2, 192)
    seq = LSTM(4, return_sequences=True)
    assert seq(Input((5, 3))).shape == (None, 5, 4)
    assert seq.count_params() == 128
    outs = LSTM(4, return_state=True, return_sequences=True)(Input((5, 3)))
    assert [o.shape for o in outs] == [(None, 5, 4), (None, 4), (None, 4)]


def test_weight_order_names_and_forget_bias():
    backend.clear_session()
    lstm = LSTM(2)
    assert lstm.name == "lstm" and GRU(2).name == "gru" and SimpleRNN(2).name == "simple_rnn"
    lstm.build((None, 5, 3))
    assert [v.name for v in lstm.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [v.shape for v in lstm.weights] == [(3, 8), (2, 8), (8,)]
    np.testing.assert_array_equal(lstm.cell.bias.data, [0, 0, 1, 1, 0, 0, 0, 0])
    rk = lstm.cell.recurrent_kernel.data
    np.testing.assert_allclose(rk @ rk.T, np.eye(2), atol=1e-5)  # orthogonal rows
    assert LSTM(2, unit_forget_bias=False).cell.unit_forget_bias is False


def test_rank2_input_error_teaches():
    with pytest.raises(ValueError, match=r"\(batch, time, features\).*x\[:, None, :\]"):
        LSTM(4)(np.zeros((8, 10)))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        GRU(4)(Input((10,)))


def test_config_round_trip():
    layer = LSTM(5, return_sequences=True, go_backwards=True, dropout=0.1, unit_forget_bias=False)
    config = layer.get_config()
    assert config["units"] == 5 and config["recurrent_initializer"]["class_name"] == "Orthogonal"
    clone = LSTM.from_config(config)
    assert clone.return_sequences and clone.go_backwards and clone.dropout == 0.1
    assert not clone.unit_forget_bias
    gru = GRU.from_config(GRU(3, reset_after=False).get_config())
    assert gru.reset_after is False
    rnn = RNN.from_config(RNN(GRUCell(3), return_state=True).get_config())
    assert isinstance(rnn.cell, GRUCell) and rnn.return_state


# --- against references ------------------------------------------------------------------------
@pytest.mark.parametrize("kind, make, ref, n_states", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_layer_matches_reference(rng, kind, make, ref, n_states, go_backwards, masked):
    x = rng.normal(size=(3, 5, 2))
    layer = make(return_sequences=True, return_state=True, go_backwards=go_backwards, dtype="float64")
    layer.build((None, 5, 2))
    randomize(layer, rng)
    init = [rng.normal(size=(3, 3)) for _ in range(n_states)]
    mask = None
    if masked:  # post-padding, pre-padding, and a hole
        mask = np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 0, 1, 1, 0]], dtype=bool)
    out = layer(x, initial_state=[Tensor(s) for s in init], mask=mask)
    want_seq, want_states = ref_run(ref(weights(layer)), x, init, mask, go_backwards)
    np.testing.assert_allclose(out[0].numpy(), want_seq, atol=1e-10)
    for got, want in zip(out[1:], want_states):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-10)
    last = make(go_backwards=go_backwards, dtype="float64")
    last.build((None, 5, 2))
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(last(x, mask=mask).numpy(),
                               ref_run(ref(weights(layer)), x, [np.zeros((3, 3))] * n_states, mask,
                                       go_backwards)[0][:, -1], atol=1e-10)


@pytest.mark.parametrize("cell_cls, ref", [
    (SimpleRNNCell, lambda w: lambda x, h: ref_simple(x, w, h)),
    (LSTMCell, lambda w: lambda x, h, c: ref_lstm(x, w, h, c)),
    (GRUCell, lambda w: lambda x, h: ref_gru(x, w, h, True)),
])
def test_cells_one_step_and_generic_rnn_loop(rng, cell_cls, ref):
    cell = cell_cls(3, dtype="float64")
    cell.build((None, 2))
    randomize(cell, rng)
    n_states = len(cell.state_size) if isinstance(cell.state_size, list) else 1
    states = [rng.normal(size=(4, 3)) for _ in range(n_states)]
    x = rng.normal(size=(4, 2))
    out, new = cell(x, [Tensor(s) for s in states])
    want_out, want_new = ref(weights(cell))(x, *states)
    np.testing.assert_allclose(out.numpy(), want_out, atol=1e-12)
    for got, want in zip(new, want_new):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-12)
    # The generic loop (taken for a custom activation) agrees with the fused one.
    xs = rng.normal(size=(4, 5, 2))
    mask = rng.random((4, 5)) > 0.3
    fused = RNN(cell, return_sequences=True, dtype="float64")
    slow_cell = cell_cls(3, activation=lambda v: ops.tanh(v), dtype="float64")
    slow_cell.build((None, 2))
    slow_cell.set_weights(cell.get_weights())
    slow = RNN(slow_cell, return_sequences=True, dtype="float64")
    np.testing.assert_allclose(slow(xs, mask=mask).numpy(), fused(xs, mask=mask).numpy(), atol=1e-12)


def test_custom_cell_in_generic_rnn(rng):
    class Accumulate(Layer):
        state_size = 2
        output_size = 2

        def call(self, inputs, states):
            total = ops.add(states[0], inputs)
            return ops.multiply(total, 2.0), [total]

    x = rng.normal(size=(2, 4, 2))
    out = RNN(Accumulate(), return_sequences=True)(x.astype("float32"))
    np.testing.assert_allclose(out.numpy(), 2 * np.cumsum(x, axis=1), rtol=1e-5)


def test_all_masked_rows_and_masked_output_zero_before_first_step(rng):
    layer = LSTM(2, return_sequences=True, dtype="float64")
    x = rng.normal(size=(2, 3, 2))
    mask = np.array([[0, 0, 0], [0, 1, 1]], dtype=bool)
    out = layer(x, mask=mask).numpy()
    np.testing.assert_array_equal(out[0], 0)
    np.testing.assert_array_equal(out[1, 0], 0)
    assert np.all(out[1, 1:] != 0)
    zeroed = LSTM(2, return_sequences=True, zero_output_for_mask=True, dtype="float64")
    zeroed.build((None, 3, 2))
    zeroed.set_weights(layer.get_weights())
    hole = np.array([[1, 0, 1], [1, 1, 0]], dtype=bool)
    want = layer(x, mask=hole).numpy() * hole[:, :, None]
    np.testing.assert_allclose(zeroed(x, mask=hole).numpy(), want, atol=1e-12)


# --- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, make, ref, n_states", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("options", [
    {},
    {"return_sequences": True, "go_backwards": True},
    {"return_sequences": True, "return_state": True, "masked": True},
])
def test_layer_gradients(rng, kind, make, ref, n_states, options):
    options = dict(options)
    masked = options.pop("masked", False)
    layer = make(dtype="float64", **options)
    layer.build((None, 4, 2))
    randomize(layer, rng)
    x = rng.normal(size=(2, 4, 2))
    init = [rng.normal(size=(2, 3)) for _ in range(n_states)]
    mask = np.array([[1, 1, 0, 0], [0, 1, 1, 1]], dtype=bool) if masked else None

    def f(x, *states):
        return layer(x, initial_state=list(states), mask=mask)

    check_gradients(f, x, *init, variables=layer.trainable_weights)


@pytest.mark.parametrize("kind, make, ref, n_states", CASES, ids=[c[0] for c in CASES])
def test_dropout_matches_reference_and_gradients(rng, kind, make, ref, n_states):
    layer = make(dropout=0.3, recurrent_dropout=0.4, return_sequences=True, dtype="float64")
    layer.build((None, 4, 2))
    randomize(layer, rng)
    cell = layer.cell
    x = rng.normal(size=(3, 4, 2))
    # Inference ignores dropout; training draws masks (so outputs differ).
    plain = ref_run(ref(weights(layer)), x, [np.zeros((3, 3))] * n_states)[0]
    np.testing.assert_allclose(layer(x).numpy(), plain, atol=1e-12)
    assert not np.allclose(layer(x, training=True).numpy(), plain)
    dp = (rng.random((3, 2)) > 0.3) / 0.7
    rdp = (rng.random((3, 3)) > 0.4) / 0.6
    cell.dropout_masks = lambda *a: (dp, rdp)
    w = weights(layer)
    steps = {
        "simple": lambda xt, h: ref_simple(xt * dp, w, h, rec_mask=rdp),
        "lstm": lambda xt, h, c: ref_lstm(xt * dp, w, h, c, rec_mask=rdp),
        "gru": lambda xt, h: ref_gru(xt * dp, w, h, True, rec_mask=rdp),
        "gru_v1": lambda xt, h: ref_gru(xt * dp, w, h, False, rec_mask=rdp),
    }
    want = ref_run(steps[kind], x, [np.zeros((3, 3))] * n_states)[0]
    np.testing.assert_allclose(layer(x, training=True).numpy(), want, atol=1e-12)
    check_gradients(lambda x: layer(x, training=True), x, variables=layer.trainable_weights)


@pytest.mark.parametrize("activation, recurrent_activation", [("relu", "hard_sigmoid"), ("linear", "sigmoid")])
def test_other_fused_activations_gradients(rng, activation, recurrent_activation):
    for layer in (LSTM(2, activation=activation, recurrent_activation=recurrent_activation, dtype="float64"),
                  GRU(2, activation=activation, recurrent_activation=recurrent_activation, dtype="float64")):
        layer.build((None, 3, 2))
        randomize(layer, rng, 0.3)
        x = rng.normal(size=(2, 3, 2))
        check_gradients(layer, x, variables=layer.trainable_weights)


# --- state ---------------------------------------------------------------------------------------
def test_stateful_carries_states_and_resets(rng):
    x = rng.normal(size=(2, 6, 3))
    whole = LSTM(4, return_sequences=True, dtype="float64")
    whole.build((None, 6, 3))
    split = LSTM(4, return_sequences=True, stateful=True, dtype="float64")
    split.build((None, 3, 3))
    split.set_weights(whole.get_weights())
    first, second = split(x[:, :3]).numpy(), split(x[:, 3:]).numpy()
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole(x).numpy(), atol=1e-12)
    split.reset_states()
    np.testing.assert_allclose(split(x[:, :3]).numpy(), first, atol=1e-12)
    with pytest.raises(ValueError, match="fixed size"):
        split(x[:1, :3])
    whole.reset_states()  # not stateful: nothing to reset, as in Keras 3


def test_initial_state_errors():
    layer = LSTM(4)
    with pytest.raises(ValueError, match="2 state"):
        layer(np.zeros((2, 3, 3)), initial_state=[np.zeros((2, 4))])
    with pytest.raises(ValueError, match=r"\(batch, 4\)"):
        layer(np.zeros((2, 3, 3)), initial_state=[np.zeros((2, 5)), np.zeros((2, 4))])


def test_float32_layer_trains_under_tape(rng):
    layer = GRU(3)
    x = rng.normal(size=(4, 5, 2)).astype("float32")
    with GradientTape() as tape:
        loss = ops.sum(layer(x))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert all(g is not None and g.dtype == np.float32 for g in grads)


# --- the accuracy requirement --------------------------------------------------------------
def test_lstm_reads_digits_rows_as_sequences():
    digits = pytest.importorskip("gradiente.datasets.digits")
    from gradiente.layers import Dense

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    scale = float(np.max(x_train))
    x_train = (np.asarray(x_train, dtype="float32") / scale).reshape(-1, 8, 8)
    x_test = (np.asarray(x_test, dtype="float32") / scale).reshape(-1, 8, 8)
    y_train, y_test = np.asarray(y_train).astype(int).ravel(), np.asarray(y_test).astype(int).ravel()
    backend.set_random_seed(0)
    lstm, head = LSTM(32), Dense(10)
    variables = None
    adam = {}
    step, lr, b1, b2 = 0, 0.01, 0.9, 0.999
    rng = np.random.default_rng(0)
    for epoch in range(12):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 32):
            idx = order[start:start + 32]
            with GradientTape() as tape:
                logits = head(lstm(x_train[idx]))
                loss = ops.mean(ops.sparse_softmax_cross_entropy(logits, y_train[idx]))
            if variables is None:
                variables = lstm.trainable_weights + head.trainable_weights
            grads = tape.gradient(loss, variables)
            step += 1
            for v, g in zip(variables, grads):  # Adam, written out
                m, s = adam.get(id(v), (0.0, 0.0))
                m = b1 * m + (1 - b1) * g.data
                s = b2 * s + (1 - b2) * g.data ** 2
                adam[id(v)] = (m, s)
                v.data -= lr * (m / (1 - b1 ** step)) / (np.sqrt(s / (1 - b2 ** step)) + 1e-7)
    accuracy = np.mean(np.argmax(head(lstm(x_test)).numpy(), axis=1) == y_test)
    assert accuracy >= 0.90, accuracy


def test_recycled_buffers_survive_reuse_and_persistent_tapes(rng):
    """The fused layers recycle their work buffers after backward; a layer called twice before
    backward, and a persistent tape asked twice, must still get exact gradients."""
    layer = LSTM(3, return_sequences=True, dtype="float64")
    a, b = rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 2))
    layer.build(a.shape)
    check_gradients(lambda a, b: ops.multiply(layer(a), layer(b)), a, b, variables=layer.trainable_weights)
    with GradientTape(persistent=True) as tape:
        loss = ops.sum(ops.square(layer(a)))
    first = [g.numpy() for g in tape.gradient(loss, layer.trainable_weights)]
    layer(b)  # takes the recycled buffers and overwrites them
    second = [g.numpy() for g in tape.gradient(loss, layer.trainable_weights)]
    for g1, g2 in zip(first, second):
        np.testing.assert_allclose(g1, g2, atol=1e-12)


# --- stacked cells ---------------------------------------------------------------------------
def stacked_reference(cells, x, states, mask=None, go_backwards=False, masks=None):
    """The stack run step by step, each step through every cell in turn (Keras's loop)."""
    refs = {LSTMCell: lambda w, rm: lambda xt, h, c: ref_lstm(xt, w, h, c, rm),
            GRUCell: lambda w, rm: lambda xt, h: ref_gru(xt, w, h, True, rm),
            SimpleRNNCell: lambda w, rm: lambda xt, h: ref_simple(xt, w, h, rec_mask=rm)}
    masks = masks or [(None, None)] * len(cells)
    steps = []
    for cell, (dp, rdp) in zip(cells, masks):
        ref = refs[type(cell)](weights(cell), rdp)
        steps.append((lambda r, d: lambda xt, *s: r(xt if d is None else xt * d, *s))(ref, dp))
    sizes = [len(c.state_size) if isinstance(c.state_size, list) else 1 for c in cells]

    def step(xt, *flat):
        new, i = [], 0
        for f, n in zip(steps, sizes):
            xt, own = f(xt, *flat[i:i + n])
            new.extend(own)
            i += n
        return xt, new

    return ref_run(step, x, states, mask, go_backwards)


def make_stack(rng, dropout=0.0):
    cells = [LSTMCell(3, dropout=dropout, recurrent_dropout=dropout, dtype="float64"),
             GRUCell(2, dropout=dropout, recurrent_dropout=dropout, dtype="float64"),
             SimpleRNNCell(4, dtype="float64")]
    features = 2
    for cell in cells:
        cell.build((None, features))
        randomize(cell, rng)
        features = cell.units
    return cells


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_stacked_cells_match_the_step_by_step_reference(rng, go_backwards, masked):
    cells = make_stack(rng)
    layer = RNN(cells, return_sequences=True, return_state=True, go_backwards=go_backwards, dtype="float64")
    x = rng.normal(size=(3, 5, 2))
    init = [rng.normal(size=(3, n)) for n in (3, 3, 2, 4)]
    mask = np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 0, 1, 1, 0]], dtype=bool) if masked else None
    # initial_state one list per cell, as Keras takes it; a flat list works too.
    out = layer(x, initial_state=[[Tensor(init[0]), Tensor(init[1])], Tensor(init[2]), Tensor(init[3])],
                mask=mask)
    want_seq, want_states = stacked_reference(cells, x, init, mask, go_backwards)
    np.testing.assert_allclose(out[0].numpy(), want_seq, atol=1e-10)
    # return_state: one entry per cell, a list for the LSTM's (h, c).
    (h1, c1), h2, h3 = out[1:]
    for got, want in zip([h1, c1, h2, h3], want_states):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-10)
    flat = layer(x, initial_state=[Tensor(s) for s in init], mask=mask)
    np.testing.assert_allclose(flat[0].numpy(), want_seq, atol=1e-10)


def test_stacked_cells_fused_equal_the_generic_loop_with_dropout(rng):
    cells = make_stack(rng, dropout=0.3)
    x = rng.normal(size=(4, 6, 2))
    mask = rng.random((4, 6)) > 0.3
    stacked = RNN(cells, return_sequences=True, dtype="float64")
    masks = stacked.cell.dropout_masks(4, 2, True, np.float64)
    stacked.cell.dropout_masks = lambda *a: masks  # the same masks for both paths
    fused = stacked(x, mask=mask, training=True).numpy()
    stacked.cell._fusable = lambda: None           # force the step-by-step loop
    loop = stacked(x, mask=mask, training=True).numpy()
    np.testing.assert_allclose(fused, loop, atol=1e-12)
    # Each cell's masks are fixed for the sequence: the reference with the same masks agrees.
    want, _ = stacked_reference(cells, x, [np.zeros((4, n)) for n in (3, 3, 2, 4)], mask, masks=masks)
    np.testing.assert_allclose(fused, want, atol=1e-10)


@pytest.mark.parametrize("options", [{"go_backwards": True}, {"return_state": True}])
def test_stacked_cells_gradients(rng, options):
    cells = [LSTMCell(2, dtype="float64"), SimpleRNNCell(2, dtype="float64")]
    layer = RNN(cells, return_sequences=True, dtype="float64", **options)
    x = rng.normal(size=(2, 4, 3))
    layer.build((None, 4, 3))
    randomize(layer, rng)
    assert len(layer.trainable_weights) == 6
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    init = [rng.normal(size=(2, 2)) for _ in range(3)]

    def f(x, *states):
        return layer(x, initial_state=list(states), mask=mask)

    check_gradients(f, x, *init, variables=layer.trainable_weights)


def test_stacked_cells_config_saving_summary_and_errors(rng, tmp_path):
    import gradiente as keras

    model = keras.Sequential([Input((5, 2)), RNN([LSTMCell(8), GRUCell(4)]), keras.layers.Dense(1)])
    assert model.layers[0].count_params() == 4 * 8 * (2 + 8 + 1) + 3 * 4 * (8 + 4) + 2 * 3 * 4
    x = rng.normal(size=(3, 5, 2)).astype(np.float32)
    path = tmp_path / "stacked.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(c).__name__ for c in loaded.layers[0].cell.cells] == ["LSTMCell", "GRUCell"]
    # Symbolic shapes follow the per-cell grouping of the states.
    out = RNN([LSTMCell(3), GRUCell(2)], return_state=True)(Input((5, 2)))
    assert [o.shape if not isinstance(o, list) else [t.shape for t in o] for o in out] == \
        [(None, 2), [(None, 3), (None, 3)], (None, 2)]
    with pytest.raises(ValueError, match="at least one cell"):
        RNN([])
    with pytest.raises(TypeError, match="cell 1 must be a layer"):
        RNN([LSTMCell(2), "lstm"])
    with pytest.raises(ValueError, match="has 3 state"):
        RNN([LSTMCell(2), GRUCell(2)])(x, initial_state=[np.zeros((3, 2))])


def test_a_model_with_stacked_cells_trains_with_the_replayed_step(rng):
    import gradiente as keras

    x = rng.normal(size=(64, 5, 2)).astype(np.float32)
    y = (x[:, :, 0].sum(axis=1) > 0).astype(np.int64)
    runs, models = [], []
    for eager in (False, True):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([Input((5, 2)), RNN([LSTMCell(8), LSTMCell(8)]),
                                  keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                      run_eagerly=eager)
        runs.append(model.fit(x, y, batch_size=16, epochs=8, verbose=0, shuffle=False).history["loss"])
        models.append(model)
    assert runs[0] == runs[1]
    assert runs[0][-1] < 0.7 * runs[0][0]
    assert any(r is not None for r in models[0]._compiled_step.replays.values())
