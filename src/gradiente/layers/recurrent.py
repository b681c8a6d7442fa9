"""Recurrent layers: cells (one time step) and ``RNN``, which runs a cell along the time axis.

(batch, time, features) -> (batch, units), or (batch, time, units) with ``return_sequences``.

Speed: SimpleRNN, LSTM and GRU with the usual activations never put single steps on the tape.
One primitive per layer call computes the input projection ``x @ kernel + bias`` for all steps
in one matmul, then runs the recurrence in a NumPy loop (a handful of calls per step, keeping
what backward needs); its VJP runs backpropagation through time in one reverse loop. Other
cells, or activations outside ``_ARRAY_ACTIVATIONS``, take the generic loop, which records
each step's ops.

Masks: a masked step keeps the previous states, and its output repeats the previous output
(zeros before the first unmasked step), as Keras does.
"""
import numpy as np

from gradiente import activations, backend, constraints, initializers, ops, regularizers
from gradiente.autodiff.tensor import Tensor
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.layer import Layer
from gradiente.ops.primitive import primitive

_TIME_HINT = (
    "Recurrent layers read sequences. If each sample is one vector of n features, add a time "
    "axis of length 1: x[:, None, :] or np.expand_dims(x, 1) (or a Reshape((1, n)) layer first); "
    "if a sequence was stored flat, reshape it, e.g. Reshape((8, 8)) for 8 steps of 8 features."
)


# --- activations on arrays, for the fused loops ------------------------------------------
# Each pair writes f(x), or f' computed from f's output y, into ``out`` (which may alias the
# input), so backward needs only the stored outputs and makes no large temporaries.
def _tanh(x, out):
    np.tanh(x, out=out)


def _tanh_d(y, out):
    np.multiply(y, y, out=out)
    np.subtract(1, out, out=out)


def _sigmoid(x, out):
    # 1/(1+e^-x) == (tanh(x/2) + 1) / 2, which cannot overflow.
    np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5


def _sigmoid_d(y, out):
    np.subtract(1, y, out=out)
    out *= y


def _relu(x, out):
    np.maximum(x, 0, out=out)


def _relu_d(y, out):
    np.greater(y, 0, out=out)


def _linear(x, out):
    if out is not x:
        out[...] = x


def _linear_d(y, out):
    out[...] = 1


def _hard_sigmoid(x, out):
    np.multiply(x, 1 / 6, out=out)
    out += 0.5
    np.clip(out, 0, 1, out=out)


def _hard_sigmoid_d(y, out):
    np.greater(y, 0, out=out)
    out *= y < 1
    out /= 6


_ARRAY_ACTIVATIONS = {
    "tanh": (_tanh, _tanh_d),
    "sigmoid": (_sigmoid, _sigmoid_d),
    "relu": (_relu, _relu_d),
    "linear": (_linear, _linear_d),
    "hard_sigmoid": (_hard_sigmoid, _hard_sigmoid_d),
}


# Large buffers are recycled: here a fresh megabyte costs more in page faults than the
# arithmetic done in it (the LSTM benchmark ran ~30% faster with reuse). A forward pass takes
# its buffers from the pool and its backward pass gives them back once done.
_POOL = {}          # (shape, dtype) -> free arrays, oldest shape first
_POOL_DEPTH = 8     # arrays kept per shape
_POOL_SHAPES = 32   # shapes kept (sequence lengths that vary per batch would grow it forever)


def _take(shape, dtype):
    stack = _POOL.get((shape, np.dtype(dtype)))
    return stack.pop() if stack else np.empty(shape, dtype=dtype)


def _give(*arrays):
    for a in arrays:
        key = (a.shape, a.dtype)
        if key not in _POOL and len(_POOL) >= _POOL_SHAPES:
            del _POOL[next(iter(_POOL))]
        stack = _POOL.setdefault(key, [])
        if len(stack) < _POOL_DEPTH:
            stack.append(a)


def _derivative(name, y):
    out = np.empty_like(y)
    _ARRAY_ACTIVATIONS[name][1](y, out)
    return out


def _array_activation_name(fn):
    """The fused-loop name of a gradiente activation, or None for anything else."""
    name = getattr(fn, "__name__", None)
    if name in _ARRAY_ACTIVATIONS and activations.ALL.get(name) is fn:
        return name
    return None


def _previous(first, seq):
    """(T, B, u): ``first`` then all but the last row of ``seq`` (the state each step read)."""
    out = np.empty_like(seq)
    out[0] = first
    out[1:] = seq[:-1]
    return out


# --- fused recurrences ---------------------------------------------------------------------
# The loops over precomputed input projections ``xp`` and their reverse loops; the primitives
# further down wrap them with the projection. Shapes: T time steps, B batch, u units, all
# time-major. ``mask`` is (T, B, 1) bool or None; ``rec_mask`` (B, u) is the recurrent-dropout
# mask (already scaled) or None. With ``last_only`` only the final h (B, u) is returned, so a
# layer needing nothing else records no slicing ops (whose gradients are full-size zeros).
def _start_backward(g, h0, last_only):
    """The gradient reaching the last step's h, and a function adding step t's output gradient."""
    if last_only:
        return np.array(g, dtype=h0.dtype), lambda dh, t: None
    return np.zeros_like(h0), lambda dh, t: dh.__iadd__(g[t])


def _simple_rnn_steps(xp, h0, kernel, mask, rec_mask, activation="tanh", last_only=False, cache=None):
    """h_t = act(xp_t + h_{t-1} @ kernel). xp (T, B, u) -> carried states (T, B, u)."""
    act = _ARRAY_ACTIVATIONS[activation][0]
    steps = xp.shape[0]
    H = _take(xp.shape, xp.dtype) if last_only else np.empty_like(xp)
    Hn = H if mask is None else _take(xp.shape, xp.dtype)  # pre-mask states, for the derivative
    cache["pooled"] += ([H] if last_only else []) + ([] if mask is None else [Hn])
    h = h0
    for t in range(steps):
        hr = h if rec_mask is None else h * rec_mask
        pre = np.matmul(hr, kernel)
        pre += xp[t]
        act(pre, Hn[t])
        if mask is not None:
            np.copyto(H[t], np.where(mask[t], Hn[t], h))
        h = H[t]
    cache.update(H=H, Hn=Hn)
    return H[-1].copy() if last_only else H


def _simple_rnn_steps_vjp(g, needs, xp, h0, kernel, mask, rec_mask, activation="tanh", last_only=False,
                          cache=None):
    H = cache["H"]
    deriv = _take(xp.shape, xp.dtype)
    _ARRAY_ACTIVATIONS[activation][1](cache["Hn"], deriv)
    dP = _take(xp.shape, xp.dtype)
    kernel_t = np.ascontiguousarray(kernel.T)
    dh, add_output_grad = _start_backward(g, h0, last_only)
    for t in range(xp.shape[0] - 1, -1, -1):
        add_output_grad(dh, t)
        if mask is not None:
            keep = dh * ~mask[t]
            dh *= mask[t]
        np.multiply(dh, deriv[t], out=dP[t])
        if t == 0 and not needs[1]:
            break
        dh = np.matmul(dP[t], kernel_t)
        if rec_mask is not None:
            dh *= rec_mask
        if mask is not None:
            dh += keep
    g_kernel = _recurrent_kernel_grad(h0, H, dP, rec_mask) if needs[2] else None
    _give(deriv)
    return dP, (dh if needs[1] else None), g_kernel


def _lstm_steps(xp, h0, c0, kernel, mask, rec_mask, activation="tanh", recurrent_activation="sigmoid",
                last_only=False, cache=None):
    """The LSTM recurrence, gates in Keras's order i, f, c, o.

    xp (T, B, 4u) = x @ W + b; h0, c0 (B, u); kernel (u, 4u).
    Returns (T + 1, B, u): the carried h of every step, then the final c (or, with
    ``last_only``, the final h alone).
    """
    act = _ARRAY_ACTIVATIONS[activation][0]
    rec = _ARRAY_ACTIVATIONS[recurrent_activation][0]
    steps, batch, four_u = xp.shape
    u = four_u // 4
    dtype = xp.dtype
    out = _take((steps + 1, batch, u), dtype) if last_only else np.empty((steps + 1, batch, u), dtype)
    G = _take(xp.shape, dtype)                   # gate values
    Cn = _take((steps, batch, u), dtype)         # new cell states
    Ac = _take((steps, batch, u), dtype)         # act(new cell states)
    Cc = Cn if mask is None else _take((steps, batch, u), dtype)  # carried cell states
    cache["pooled"] += [G, Cn, Ac] + ([out] if last_only else []) + ([] if mask is None else [Cc])
    z = np.empty((batch, four_u), dtype=xp.dtype)
    ig = np.empty((batch, u), dtype=xp.dtype)
    # The usual sigmoid/tanh pair in one tanh over all four gates:
    # sigmoid(x) = tanh(x/2)/2 + 1/2, so gates = tanh(z·s)·s + b with s = 1/2 except s = 1, b = 0
    # on the candidate part.
    fast = recurrent_activation == "sigmoid" and activation == "tanh"
    if fast:
        s = np.full(four_u, 0.5, dtype=xp.dtype)
        s[2 * u:3 * u] = 1
        b = 1 - s
    h, c = h0, c0
    for t in range(steps):
        hr = h if rec_mask is None else h * rec_mask
        np.matmul(hr, kernel, out=z)
        z += xp[t]
        gt = G[t]
        if fast:
            z *= s
            np.tanh(z, out=z)
            np.multiply(z, s, out=gt)
            gt += b
        else:
            rec(z, gt)
            act(z[:, 2 * u:3 * u], gt[:, 2 * u:3 * u])
        np.multiply(gt[:, u:2 * u], c, out=Cn[t])
        np.multiply(gt[:, :u], gt[:, 2 * u:3 * u], out=ig)
        Cn[t] += ig
        act(Cn[t], Ac[t])
        if mask is None:
            np.multiply(gt[:, 3 * u:], Ac[t], out=out[t])
        else:
            np.copyto(out[t], np.where(mask[t], gt[:, 3 * u:] * Ac[t], h))
            np.copyto(Cc[t], np.where(mask[t], Cn[t], c))
        h, c = out[t], Cc[t]
    out[steps] = c
    cache.update(H=out[:steps], G=G, Ac=Ac, Cc=Cc)
    return out[steps - 1].copy() if last_only else out


def _lstm_steps_vjp(g, needs, xp, h0, c0, kernel, mask, rec_mask, activation="tanh",
                    recurrent_activation="sigmoid", last_only=False, cache=None):
    act_d = _ARRAY_ACTIVATIONS[activation][1]
    rec_d = _ARRAY_ACTIVATIONS[recurrent_activation][1]
    steps, batch, four_u = xp.shape
    u = four_u // 4
    H, G, Ac, Cc = cache["H"], cache["G"], cache["Ac"], cache["Cc"]
    G4 = G.reshape(steps, batch, 4, u)
    # With dc the gradient of the new cell state and dh of the new h, a step's pre-activation
    # gradient is dZ = W·[dc, dc, dc, dh], W = [g·i', c_prev·f', i·g', act(c)·o'], all known
    # now. Built in place: large temporaries cost more than the arithmetic here.
    W = _take(G4.shape, G4.dtype)
    rec_d(G4, W)
    act_d(G4[:, :, 2], W[:, :, 2])
    W[:, :, 0] *= G4[:, :, 2]
    W[1:, :, 1] *= Cc[:-1]
    W[0, :, 1] *= c0
    W[:, :, 2] *= G4[:, :, 0]
    W[:, :, 3] *= Ac
    A = _take(Ac.shape, Ac.dtype)  # d(new c) / d(new h) = o·act'(c)
    act_d(Ac, A)
    A *= G4[:, :, 3]
    F = G4[:, :, 1]
    dZ = _take(G4.shape, G4.dtype)
    kernel_t = np.ascontiguousarray(kernel.T)
    if last_only:
        dh, dc = np.array(g, dtype=xp.dtype), np.zeros_like(h0)
    else:
        dh, dc = np.zeros_like(h0), np.array(g[steps], dtype=xp.dtype)
    tmp = np.empty_like(dh)
    for t in range(steps - 1, -1, -1):
        if not last_only:
            dh += g[t]
        if mask is not None:
            keep_h, keep_c = dh * ~mask[t], dc * ~mask[t]
            dh *= mask[t]
            dc *= mask[t]
        np.multiply(dh, A[t], out=tmp)
        dc += tmp
        np.multiply(W[t, :, :3], dc[:, None, :], out=dZ[t, :, :3])
        np.multiply(dh, W[t, :, 3], out=dZ[t, :, 3])
        if t == 0 and not (needs[1] or needs[2]):
            break
        dh = np.matmul(dZ[t].reshape(batch, four_u), kernel_t)
        if rec_mask is not None:
            dh *= rec_mask
        dc *= F[t]
        if mask is not None:
            dh += keep_h
            dc += keep_c
    dZ = dZ.reshape(steps, batch, four_u)
    g_kernel = None
    if needs[3]:
        g_kernel = _recurrent_kernel_grad(h0, H, dZ, rec_mask)
    _give(W, A)
    return dZ, (dh if needs[1] else None), (dc if needs[2] else None), g_kernel


def _recurrent_kernel_grad(h0, H, dZ, rec_mask):
    """sum_t h_{t-1}^T dZ_t, with h_{-1} = h0: two matmuls rather than a shifted copy of H."""
    u, width = h0.shape[-1], dZ.shape[-1]
    if rec_mask is not None:
        return (_previous(h0, H) * rec_mask).reshape(-1, u).T @ dZ.reshape(-1, width)
    grad = h0.T @ dZ[0]
    if H.shape[0] > 1:
        grad += H[:-1].reshape(-1, u).T @ dZ[1:].reshape(-1, width)
    return grad


def _gru_steps(xp, h0, kernel, recurrent_bias, mask, rec_mask, activation="tanh",
               recurrent_activation="sigmoid", reset_after=True, last_only=False, cache=None):
    """The GRU recurrence, gates in Keras's order z (update), r (reset), h (candidate).

    xp (T, B, 3u) = x @ W + b_input; h0 (B, u); kernel (u, 3u); recurrent_bias (3u,) or None
    (reset_after only). h_t = z·h_{t-1} + (1 - z)·hh, with the candidate
    hh = act(xp_h + r·(h @ U_h + b_h)) when reset_after, else act(xp_h + (r·h) @ U_h).
    Returns the carried h of every step, (T, B, u) (or the last, with ``last_only``).
    """
    act = _ARRAY_ACTIVATIONS[activation][0]
    rec = _ARRAY_ACTIVATIONS[recurrent_activation][0]
    steps, batch, three_u = xp.shape
    u = three_u // 3
    dtype = xp.dtype
    H = _take((steps, batch, u), dtype) if last_only else np.empty((steps, batch, u), dtype)
    ZR = _take((steps, batch, 2 * u), dtype)   # update and reset gates
    HH = _take((steps, batch, u), dtype)       # candidates
    # reset_after: the recurrent projection's candidate part; else r·h, the candidate's input.
    RX = _take((steps, batch, u), dtype)
    cache["pooled"] += [ZR, HH, RX] + ([H] if last_only else [])
    if reset_after:
        rz = np.empty((batch, three_u), dtype=xp.dtype)
    else:
        kernel_zr = np.ascontiguousarray(kernel[:, :2 * u])
        kernel_h = np.ascontiguousarray(kernel[:, 2 * u:])
    tmp = np.empty((batch, u), dtype=xp.dtype)
    h = h0
    for t in range(steps):
        hr = h if rec_mask is None else h * rec_mask
        zr = ZR[t]
        if reset_after:
            np.matmul(hr, kernel, out=rz)
            if recurrent_bias is not None:
                rz += recurrent_bias
            np.add(xp[t, :, :2 * u], rz[:, :2 * u], out=zr)
            rec(zr, zr)
            RX[t] = rz[:, 2 * u:]
            np.multiply(zr[:, u:], RX[t], out=HH[t])
        else:
            np.matmul(hr, kernel_zr, out=zr)
            zr += xp[t, :, :2 * u]
            rec(zr, zr)
            np.multiply(zr[:, u:], hr, out=RX[t])
            np.matmul(RX[t], kernel_h, out=HH[t])
        HH[t] += xp[t, :, 2 * u:]
        act(HH[t], HH[t])
        np.subtract(h, HH[t], out=tmp)
        tmp *= zr[:, :u]
        if mask is None:
            np.add(HH[t], tmp, out=H[t])
        else:
            np.copyto(H[t], np.where(mask[t], HH[t] + tmp, h))
        h = H[t]
    cache.update(H=H, ZR=ZR, HH=HH, RX=RX)
    return H[-1].copy() if last_only else H


def _gru_steps_vjp(g, needs, xp, h0, kernel, recurrent_bias, mask, rec_mask, activation="tanh",
                   recurrent_activation="sigmoid", reset_after=True, last_only=False, cache=None):
    steps, batch, three_u = xp.shape
    u = three_u // 3
    H, ZR, HH, RX = cache["H"], cache["ZR"], cache["HH"], cache["RX"]
    Z, R = ZR[..., :u], ZR[..., u:]
    D = _derivative(recurrent_activation, ZR)
    prev = _previous(h0, H)
    prev_r = prev if rec_mask is None else prev * rec_mask
    # Per-step factors: d(z pre) = dh·Pz, d(candidate pre) = dh·Ph, d(r pre) = d(cand pre)·Pr.
    Pz = (prev - HH) * D[..., :u]
    Ph = _derivative(activation, HH)
    Ph *= 1 - Z
    Pr = (RX if reset_after else prev_r) * D[..., u:]
    dX = _take(xp.shape, xp.dtype)                          # gradient of xp
    dRZ = _take(xp.shape, xp.dtype) if reset_after else None  # of the recurrent projection (+ bias)
    kernel_t = np.ascontiguousarray(kernel.T)
    if not reset_after:
        kernel_zr_t = np.ascontiguousarray(kernel[:, :2 * u].T)
        kernel_h_t = np.ascontiguousarray(kernel[:, 2 * u:].T)
    dh, add_output_grad = _start_backward(g, h0, last_only)
    for t in range(steps - 1, -1, -1):
        add_output_grad(dh, t)
        if mask is not None:
            keep = dh * ~mask[t]
            dh *= mask[t]
        dxt = dX[t]
        np.multiply(dh, Pz[t], out=dxt[:, :u])
        np.multiply(dh, Ph[t], out=dxt[:, 2 * u:])
        if reset_after:
            drz = dRZ[t]
            np.multiply(dxt[:, 2 * u:], Pr[t], out=dxt[:, u:2 * u])
            drz[:, :2 * u] = dxt[:, :2 * u]
            np.multiply(dxt[:, 2 * u:], R[t], out=drz[:, 2 * u:])
            if t == 0 and not needs[1]:
                break
            dhr = np.matmul(drz, kernel_t)
        else:
            d_rh = np.matmul(dxt[:, 2 * u:], kernel_h_t)
            np.multiply(d_rh, Pr[t], out=dxt[:, u:2 * u])
            if t == 0 and not needs[1]:
                break
            dhr = np.matmul(dxt[:, :2 * u], kernel_zr_t)
            d_rh *= R[t]
            dhr += d_rh
        if rec_mask is not None:
            dhr *= rec_mask
        dh *= Z[t]
        dh += dhr
        if mask is not None:
            dh += keep
    g_kernel = g_bias = None
    if reset_after:
        if needs[2]:
            g_kernel = prev_r.reshape(-1, u).T @ dRZ.reshape(-1, three_u)
        if recurrent_bias is not None and needs[3]:
            g_bias = dRZ.reshape(-1, three_u).sum(axis=0)
        _give(dRZ)
    elif needs[2]:
        flat = dX.reshape(-1, three_u)
        g_kernel = np.concatenate(
            [prev_r.reshape(-1, u).T @ flat[:, :2 * u], RX.reshape(-1, u).T @ flat[:, 2 * u:]], axis=1
        )
    return dX, (dh if needs[1] else None), g_kernel, g_bias


# --- the primitives: input projection + recurrence, one tape record per layer call ---------
# ``x`` is the layer input (B, T, n); ``go_backwards`` reads it from the end. The projection
# x @ kernel + bias for all steps is one matmul, into a recycled buffer.
def _project(x, kernel, bias, go_backwards, cache):
    x_tm = x.transpose(1, 0, 2)
    x_tm = np.ascontiguousarray(x_tm[::-1] if go_backwards else x_tm)
    steps, batch, n = x_tm.shape
    width = kernel.shape[1]
    xp = _take((steps, batch, width), np.result_type(x.dtype, kernel.dtype))
    np.matmul(x_tm.reshape(-1, n), kernel, out=xp.reshape(-1, width))
    if bias is not None:
        xp += bias
    cache.update(x_tm=x_tm, xp=xp, pooled=[xp])
    return xp


def _project_vjp(dxp, needs, kernel, go_backwards, cache):
    """Gradients of x and kernel from dxp (T, B, width), the gradient of the projection."""
    x_tm = cache["x_tm"]
    flat = dxp.reshape(-1, dxp.shape[-1])
    gx = g_kernel = None
    if needs[0]:
        gx = (flat @ kernel.T).reshape(x_tm.shape)
        gx = (gx[::-1] if go_backwards else gx).transpose(1, 0, 2)
    if needs[1]:
        g_kernel = x_tm.reshape(-1, x_tm.shape[-1]).T @ flat
    return gx, g_kernel


def _recycle(cache, *arrays):
    _give(*cache.pop("pooled"), *arrays)
    cache.clear()


@primitive
def simple_rnn_sequence(x, kernel, bias, recurrent_kernel, h0, mask, rec_mask, activation="tanh",
                        go_backwards=False, last_only=False, cache=None):
    """A SimpleRNN layer's whole run: x (B, T, n) -> carried h (T, B, u), or the last (B, u)."""
    xp = _project(x, kernel, bias, go_backwards, cache)
    return _simple_rnn_steps(xp, h0, recurrent_kernel, mask, rec_mask, activation, last_only, cache)


@simple_rnn_sequence.defvjp
def _(g, ans, needs, x, kernel, bias, recurrent_kernel, h0, mask, rec_mask, activation="tanh",
      go_backwards=False, last_only=False, cache=None):
    if "pooled" not in cache:  # a second gradient() of a persistent tape: buffers were recycled
        simple_rnn_sequence.forward(x, kernel, bias, recurrent_kernel, h0, mask, rec_mask, activation,
                                    go_backwards, last_only, cache)
    dxp, gh0, g_rec = _simple_rnn_steps_vjp(g, [True, needs[4], needs[3]], cache["xp"], h0, recurrent_kernel,
                                            mask, rec_mask, activation, last_only, cache)
    gx, g_kernel = _project_vjp(dxp, needs, kernel, go_backwards, cache)
    g_bias = dxp.reshape(-1, dxp.shape[-1]).sum(axis=0) if bias is not None and needs[2] else None
    _recycle(cache, dxp)
    return gx, g_kernel, g_bias, g_rec, gh0, None, None


@primitive
def lstm_sequence(x, kernel, bias, recurrent_kernel, h0, c0, mask, rec_mask, activation="tanh",
                  recurrent_activation="sigmoid", go_backwards=False, last_only=False, cache=None):
    """An LSTM layer's whole run: x (B, T, n) -> (T + 1, B, u), the carried h of every step then
    the final c; or, with ``last_only``, the final h (B, u)."""
    xp = _project(x, kernel, bias, go_backwards, cache)
    return _lstm_steps(xp, h0, c0, recurrent_kernel, mask, rec_mask, activation, recurrent_activation,
                       last_only, cache)


@lstm_sequence.defvjp
def _(g, ans, needs, x, kernel, bias, recurrent_kernel, h0, c0, mask, rec_mask, activation="tanh",
      recurrent_activation="sigmoid", go_backwards=False, last_only=False, cache=None):
    if "pooled" not in cache:
        lstm_sequence.forward(x, kernel, bias, recurrent_kernel, h0, c0, mask, rec_mask, activation,
                              recurrent_activation, go_backwards, last_only, cache)
    dxp, gh0, gc0, g_rec = _lstm_steps_vjp(
        g, [True, needs[4], needs[5], needs[3]], cache["xp"], h0, c0, recurrent_kernel, mask, rec_mask,
        activation, recurrent_activation, last_only, cache)
    gx, g_kernel = _project_vjp(dxp, needs, kernel, go_backwards, cache)
    g_bias = dxp.reshape(-1, dxp.shape[-1]).sum(axis=0) if bias is not None and needs[2] else None
    _recycle(cache, dxp)
    return gx, g_kernel, g_bias, g_rec, gh0, gc0, None, None


@primitive
def gru_sequence(x, kernel, bias, recurrent_kernel, h0, mask, rec_mask, activation="tanh",
                 recurrent_activation="sigmoid", reset_after=True, go_backwards=False, last_only=False,
                 cache=None):
    """A GRU layer's whole run: x (B, T, n) -> carried h (T, B, u), or the last (B, u).
    ``bias`` is (2, 3u) (input, recurrent) when ``reset_after``, else (3u,); or None."""
    b_in, b_rec = (bias, None) if bias is None or not reset_after else (bias[0], bias[1])
    xp = _project(x, kernel, b_in, go_backwards, cache)
    return _gru_steps(xp, h0, recurrent_kernel, b_rec, mask, rec_mask, activation, recurrent_activation,
                      reset_after, last_only, cache)


@gru_sequence.defvjp
def _(g, ans, needs, x, kernel, bias, recurrent_kernel, h0, mask, rec_mask, activation="tanh",
      recurrent_activation="sigmoid", reset_after=True, go_backwards=False, last_only=False, cache=None):
    if "pooled" not in cache:
        gru_sequence.forward(x, kernel, bias, recurrent_kernel, h0, mask, rec_mask, activation,
                             recurrent_activation, reset_after, go_backwards, last_only, cache)
    b_rec = bias[1] if bias is not None and reset_after else None
    need_bias = bias is not None and needs[2]
    dxp, gh0, g_rec, g_brec = _gru_steps_vjp(
        g, [True, needs[4], needs[3], need_bias], cache["xp"], h0, recurrent_kernel, b_rec, mask, rec_mask,
        activation, recurrent_activation, reset_after, last_only, cache)
    gx, g_kernel = _project_vjp(dxp, needs, kernel, go_backwards, cache)
    g_bias = None
    if need_bias:
        g_bias = dxp.reshape(-1, dxp.shape[-1]).sum(axis=0)
        if reset_after:
            g_bias = np.stack([g_bias, g_brec])
    _recycle(cache, dxp)
    return gx, g_kernel, g_bias, g_rec, gh0, None, None


# --- cells ---------------------------------------------------------------------------------
def _check_units(owner, units):
    if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"{owner}: `units` must be a positive integer, received units={units!r}.")
    return int(units)


def _check_rate(owner, name, rate):
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"{owner}: `{name}` must be in [0, 1), received {name}={rate!r}.")
    return float(rate)


def _serialize_optional(fn, value):
    return None if value is None else fn(value)


def _constraint_config(c):
    return {"class_name": type(c).__name__, "config": c.get_config()}


class _DropoutCell(Layer):
    """What the three built-in cells share: units, activations, weights' options, dropout.

    The dropout masks are drawn once per sequence (the same units are dropped at every step),
    by ``RNN`` before its loop; a cell called on its own draws fresh ones per call.
    """

    @property
    def traceable(self):
        """Pure ops unless dropout masks (drawn in Python) are in play."""
        return self.dropout == 0 and self.recurrent_dropout == 0

    _gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.units = _check_units(owner, units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _check_rate(owner, "dropout", dropout)
        self.recurrent_dropout = _check_rate(owner, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self._rng = backend.make_rng(seed) if seed is not None else None
        self._masks = None  # (input mask, recurrent mask) while RNN runs a sequence

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def _add_kernels(self, features):
        width = self._gates * self.units
        self.kernel = self.add_weight("kernel", (features, width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, width), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        # Orthogonal gives a transposed (Fortran-ordered) array for wide shapes; keep C order so
        # in-place updates and flat views behave everywhere.
        self.recurrent_kernel.data = np.ascontiguousarray(self.recurrent_kernel.data)

    def _add_bias(self, shape, initializer=None):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", shape, initializer=initializer or self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _draw_mask(self, shape, rate, dtype):
        gen = self._rng if self._rng is not None else backend.rng()
        keep = gen.random(shape) >= rate
        return (keep / (1.0 - rate)).astype(dtype)

    def dropout_masks(self, batch, features, training, dtype):
        """(input mask (B, n) or None, recurrent mask (B, u) or None) for one sequence."""
        if not training:
            return None, None
        dp = self._draw_mask((batch, features), self.dropout, dtype) if self.dropout > 0 else None
        rdp = (self._draw_mask((batch, self.units), self.recurrent_dropout, dtype)
               if self.recurrent_dropout > 0 else None)
        return dp, rdp

    def _step_masks(self, inputs, training):
        if self._masks is not None:
            return self._masks
        return self.dropout_masks(inputs.shape[0], inputs.shape[-1], training, inputs.dtype)

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [Tensor(np.zeros((batch_size, s), dtype=self._dtype)) for s in sizes]

    def _fusable(self):
        names = (_array_activation_name(self.activation), _array_activation_name(self.recurrent_activation))
        return None if None in names else names

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            recurrent_activation=activations.serialize(self.recurrent_activation),
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            recurrent_initializer=initializers.serialize(self.recurrent_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=_serialize_optional(regularizers.serialize, self.kernel_regularizer),
            recurrent_regularizer=_serialize_optional(regularizers.serialize, self.recurrent_regularizer),
            bias_regularizer=_serialize_optional(regularizers.serialize, self.bias_regularizer),
            kernel_constraint=_serialize_optional(_constraint_config, self.kernel_constraint),
            recurrent_constraint=_serialize_optional(_constraint_config, self.recurrent_constraint),
            bias_constraint=_serialize_optional(_constraint_config, self.bias_constraint),
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            seed=self.seed,
        )
        return config


def _dropped(x, dp):
    """x (B, T, n) times the input-dropout mask (B, n), the same at every step."""
    return x if dp is None else ops.multiply(x, dp[:, None, :])


class SimpleRNNCell(_DropoutCell):
    """h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias).

    call(inputs (B, n), states [h (B, u)]) -> (output (B, u), [h]).
    """

    def __init__(self, units, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        self._add_bias((self.units,))
        self.built = True

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        dp, rdp = self._step_masks(inputs, training)
        x = inputs if dp is None else ops.multiply(inputs, dp)
        hr = h if rdp is None else ops.multiply(h, rdp)
        pre = ops.add(ops.dense(x, self.kernel, self.bias), ops.matmul(hr, self.recurrent_kernel))
        out = self.activation(pre)
        return out, [out]

    def _fusable(self):
        name = _array_activation_name(self.activation)
        return None if name is None else (name,)

    def fused_sequence(self, x, states, mask, dp, rdp, names, go_backwards, need_sequence, need_states):
        """The whole sequence (B, T, n) at once: (all outputs (T, B, u) or None, last output,
        final states). ``mask`` (T, B, 1) is in reading order."""
        last_only = not need_sequence
        H = simple_rnn_sequence(_dropped(x, dp), self.kernel, self.bias, self.recurrent_kernel, states[0],
                                mask, rdp, activation=names[0], go_backwards=go_backwards,
                                last_only=last_only, cache={})
        last = H if last_only else H[-1]
        return (None if last_only else H), last, [last]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTMCell(_DropoutCell):
    """Long short-term memory step; gates i, f, c, o packed in that order along the kernels.

    call(inputs (B, n), states [h, c] (B, u) each) -> (h, [h, c]).
    Weights: kernel (n, 4u), recurrent_kernel (u, 4u), bias (4u,) (forget part 1 if
    ``unit_forget_bias``).
    """

    _gates = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        init = None
        if self.unit_forget_bias:
            base, u = self.bias_initializer, self.units

            def init(shape, dtype=None):
                parts = [np.asarray(base((u,), dtype=dtype)), np.ones(u),
                         np.asarray(base((2 * u,), dtype=dtype))]
                return np.concatenate(parts).astype(backend.standardize_dtype(dtype))
        self._add_bias((4 * self.units,), init)
        self.built = True

    def call(self, inputs, states, training=None):
        h, c = states
        u = self.units
        dp, rdp = self._step_masks(inputs, training)
        x = inputs if dp is None else ops.multiply(inputs, dp)
        hr = h if rdp is None else ops.multiply(h, rdp)
        z = ops.add(ops.dense(x, self.kernel, self.bias), ops.matmul(hr, self.recurrent_kernel))
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        g = self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        c = ops.add(ops.multiply(f, c), ops.multiply(i, g))
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def fused_sequence(self, x, states, mask, dp, rdp, names, go_backwards, need_sequence, need_states):
        steps = x.shape[1]
        last_only = not (need_sequence or need_states)
        out = lstm_sequence(_dropped(x, dp), self.kernel, self.bias, self.recurrent_kernel, states[0],
                            states[1], mask, rdp, activation=names[0], recurrent_activation=names[1],
                            go_backwards=go_backwards, last_only=last_only, cache={})
        if last_only:
            return None, out, None
        last = out[steps - 1]
        return (out[:steps] if need_sequence else None), last, [last, out[steps]]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRUCell(_DropoutCell):
    """Gated recurrent unit step; gates z (update), r (reset), h (candidate) in that order.

    ``reset_after=True`` (Keras's default) applies the reset gate after the recurrent matmul
    and has two biases, shape (2, 3u): input and recurrent. call(inputs (B, n), states [h])
    -> (h, [h]).
    """

    _gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))
        self.built = True

    def _biases(self):
        if self.bias is None:
            return None, None
        if self.reset_after:
            return self.bias[0], self.bias[1]
        return self.bias, None

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        u = self.units
        dp, rdp = self._step_masks(inputs, training)
        x = inputs if dp is None else ops.multiply(inputs, dp)
        hr = h if rdp is None else ops.multiply(h, rdp)
        b_in, b_rec = self._biases()
        xp = ops.dense(x, self.kernel, b_in)
        if self.reset_after:
            rz = ops.dense(hr, self.recurrent_kernel, b_rec)
            z = self.recurrent_activation(ops.add(xp[:, :u], rz[:, :u]))
            r = self.recurrent_activation(ops.add(xp[:, u:2 * u], rz[:, u:2 * u]))
            hh = self.activation(ops.add(xp[:, 2 * u:], ops.multiply(r, rz[:, 2 * u:])))
        else:
            rk = self.recurrent_kernel
            z = self.recurrent_activation(ops.add(xp[:, :u], ops.matmul(hr, rk[:, :u])))
            r = self.recurrent_activation(ops.add(xp[:, u:2 * u], ops.matmul(hr, rk[:, u:2 * u])))
            hh = self.activation(ops.add(xp[:, 2 * u:], ops.matmul(ops.multiply(r, hr), rk[:, 2 * u:])))
        h = ops.add(ops.multiply(z, h), ops.multiply(ops.subtract(1.0, z), hh))
        return h, [h]

    def fused_sequence(self, x, states, mask, dp, rdp, names, go_backwards, need_sequence, need_states):
        last_only = not need_sequence
        H = gru_sequence(_dropped(x, dp), self.kernel, self.bias, self.recurrent_kernel, states[0], mask, rdp,
                         activation=names[0], recurrent_activation=names[1], reset_after=self.reset_after,
                         go_backwards=go_backwards, last_only=last_only, cache={})
        last = H if last_only else H[-1]
        return (None if last_only else H), last, [last]

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config


_CELLS = {"SimpleRNNCell": SimpleRNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell}


# --- the layer that runs a cell over time ----------------------------------------------------
def _as_state_list(states):
    return list(states) if isinstance(states, (list, tuple)) else [states]


class RNN(Layer):
    """Runs ``cell`` along the time axis of (batch, time, features) inputs.

    Returns the last output (batch, units), or all outputs (batch, time, units) with
    ``return_sequences``; with ``return_state`` a list ``[output, *final_states]``.
    ``go_backwards`` reads the sequence from its end (outputs come in that reversed order);
    ``stateful`` carries the final states of one call into the next (``reset_states()``
    clears them). ``unroll`` is accepted for compatibility and ignored.
    """

    supports_masking = True

    @property
    def traceable(self):
        """Built-in cells without dropout (drawn in Python) or carried state are pure ops."""
        return not self.stateful and isinstance(self.cell, _DropoutCell) and self.cell.traceable

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            raise TypeError(
                f"{type(self).__name__}: a list of cells is not supported; stack recurrent layers "
                "instead, with return_sequences=True on all but the last."
            )
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise TypeError(
                f"{type(self).__name__}: `cell` must be a layer with `call(inputs, states)` and a "
                f"`state_size` attribute, received {cell!r}."
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self._states = None  # stateful: the final states of the last call, as arrays
        self.input_spec = InputSpec(ndim=3, layout="(batch, time, features)", hint=_TIME_HINT)

    @property
    def states(self):
        return None if self._states is None else [Tensor(s) for s in self._states]

    def _state_sizes(self):
        return _as_state_list(self.cell.state_size)

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' needs to know its number of input "
                f"features, but the last axis of its input shape {tuple(input_shape)} is None."
            )
        if not self.cell.built:
            self.cell._maybe_build((input_shape[0], features))
        self.input_spec = InputSpec(
            ndim=3, axes={-1: features}, layout=f"(batch, time, {features})",
            hint=f"It was built for {features} features per time step. " + _TIME_HINT)
        self.built = True

    def reset_states(self, states=None):
        """Zero the carried states of a stateful layer, or set them to ``states``."""
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' is not stateful: it keeps no states to reset.")
        if states is None:
            self._states = None if self._states is None else [np.zeros_like(s) for s in self._states]
            return
        self._states = [np.array(getattr(s, "data", s), dtype=self._dtype) for s in _as_state_list(states)]

    def _initial_states(self, initial_state, batch):
        sizes = self._state_sizes()
        if initial_state is None:
            if self.stateful and self._states is not None:
                if self._states[0].shape[0] != batch:
                    raise ValueError(
                        f"Stateful layer '{self.name}' keeps states for batches of "
                        f"{self._states[0].shape[0]} samples but received a batch of {batch}. "
                        "Feed batches of one fixed size (drop the remainder), or call reset_states()."
                    )
                return [Tensor(s) for s in self._states]
            return [Tensor(np.zeros((batch, s), dtype=self._dtype)) for s in sizes]
        states = _as_state_list(initial_state)
        if len(states) != len(sizes):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) has {len(sizes)} state(s) but "
                f"initial_state holds {len(states)}. Pass a list of {len(sizes)} tensors of shapes "
                f"{[(batch, s) for s in sizes]}."
            )
        out = []
        for s, size in zip(states, sizes):
            t = s if isinstance(s, Tensor) else Tensor(np.asarray(s, dtype=self._dtype))
            if t.data.dtype != self._dtype:
                t = ops.cast(t, self._dtype)
            if tuple(t.shape) != (batch, size):
                raise ValueError(
                    f"Layer '{self.name}': each initial state must have shape (batch, {size}) = "
                    f"{(batch, size)}, received {tuple(t.shape)}."
                )
            out.append(t)
        return out

    def call(self, inputs, mask=None, training=None, initial_state=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        if steps == 0:
            raise ValueError(
                f"Layer '{self.name}' received a sequence with no time steps: {tuple(inputs.shape)}.")
        states = self._initial_states(initial_state, batch)
        if mask is not None:
            mask = np.asarray(getattr(mask, "data", mask), dtype=bool).reshape(batch, steps)
            if mask.all():
                mask = None
        if self.go_backwards and mask is not None:
            mask = mask[:, ::-1]
        mask_tm = None if mask is None else np.ascontiguousarray(mask.T)[:, :, None]

        fuse = getattr(self.cell, "_fusable", lambda: None)()
        cell = self.cell
        dp = rdp = None
        if isinstance(cell, _DropoutCell):
            dp, rdp = cell.dropout_masks(batch, inputs.shape[-1], bool(training), self._dtype)
        if fuse is not None:
            seq_tm, last, states = cell.fused_sequence(
                inputs, states, mask_tm, dp, rdp, fuse, go_backwards=self.go_backwards,
                need_sequence=self.return_sequences, need_states=self.return_state or self.stateful)
        else:
            if isinstance(cell, _DropoutCell):
                cell._masks = (dp, rdp)
            try:
                x = ops.flip(inputs, axis=1) if self.go_backwards else inputs
                seq_tm, states = self._loop(x, states, mask_tm, training)
            finally:
                if isinstance(cell, _DropoutCell):
                    cell._masks = None
            last = seq_tm[steps - 1]

        if self.stateful:
            self._states = [np.array(s.data) for s in states]
        # Outputs before the first unmasked step are zeros; later masked steps repeat the
        # previous output, which the carried state already equals.
        seen = None
        if mask is not None:
            # zero_output_for_mask: every masked step outputs zeros instead of repeating.
            seen = mask if self.zero_output_for_mask else np.logical_or.accumulate(mask, axis=1)
            if seen.all():
                seen = None
        if self.return_sequences:
            output = ops.transpose(seq_tm, (1, 0, 2))
            if seen is not None:
                output = ops.multiply(output, seen[:, :, None].astype(self._dtype))
        else:
            output = last
            if seen is not None:
                output = ops.multiply(output, seen[:, -1:].astype(self._dtype))
        if self.return_state:
            return [output] + list(states)
        return output

    def _loop(self, x, states, mask_tm, training):
        """The generic path: the cell's own step, recorded op by op."""
        outputs = []
        prev = None
        cell_kwargs = {"training": training} if self.cell._call_kwargs(True, None) else {}
        for t in range(x.shape[1]):
            out, new_states = self.cell.call(x[:, t], states, **cell_kwargs)
            new_states = _as_state_list(new_states)
            if mask_tm is not None:
                m = mask_tm[t]
                new_states = [ops.where(m, n, s) for n, s in zip(new_states, states)]
                out = ops.where(m, out, prev if prev is not None else ops.zeros_like(out))
            outputs.append(out)
            prev, states = out, new_states
        return ops.stack(outputs, axis=0), states

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        units = self.cell.output_size
        out = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            return [out] + [(batch, s) for s in self._state_sizes()]
        return out

    def compute_mask(self, inputs, mask=None):
        if not self.return_sequences or mask is None:
            return None
        mask = np.asarray(getattr(mask, "data", mask), dtype=bool)
        return mask[:, ::-1] if self.go_backwards else mask

    def get_config(self):
        config = super().get_config()
        config.update(
            return_sequences=self.return_sequences,
            return_state=self.return_state,
            go_backwards=self.go_backwards,
            stateful=self.stateful,
            unroll=self.unroll,
            zero_output_for_mask=self.zero_output_for_mask,
        )
        if type(self) is RNN:
            config["cell"] = {"class_name": type(self.cell).__name__, "config": self.cell.get_config()}
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell_cls = _CELLS.get(cell.get("class_name"))
            if cell_cls is None:
                raise ValueError(
                    f"RNN.from_config: unknown cell class {cell.get('class_name')!r}; built-in cells "
                    f"are {', '.join(_CELLS)}. Recreate custom cells yourself and pass RNN(cell)."
                )
            cell = cell_cls.from_config(cell["config"])
        return cls(cell, **config)


class _CellLayer(RNN):
    """An RNN whose cell it makes itself from its own arguments (SimpleRNN, LSTM, GRU)."""

    _cell_class = None
    _cell_name = None
    _RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                 "zero_output_for_mask")
    _BASE_ARGS = ("name", "trainable", "dtype", "activity_regularizer", "input_shape", "input_dim",
                  "batch_size", "batch_input_shape", "input_length")

    def __init__(self, units, **kwargs):
        layer_kwargs = {k: kwargs.pop(k) for k in self._RNN_ARGS + self._BASE_ARGS if k in kwargs}
        cell = self._cell_class(units, name=self._cell_name, dtype=layer_kwargs.get("dtype"),
                                trainable=layer_kwargs.get("trainable", True), **kwargs)
        super().__init__(cell, **layer_kwargs)

    def __getattr__(self, name):
        # units, activation, dropout, kernel, ...: the cell's (Keras exposes them on the layer).
        if name.startswith("__") or name == "cell":
            raise AttributeError(name)
        cell = self.__dict__.get("cell")
        if cell is not None and hasattr(cell, name):
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def get_config(self):
        config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            config.pop(key, None)
        config.update(super().get_config())
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class SimpleRNN(_CellLayer):
    """Fully connected RNN: h_t = tanh(x_t W + h_{t-1} U + b). (B, T, n) -> (B, units)."""

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"


class LSTM(_CellLayer):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997). (B, T, n) -> (B, units).

    Weights: kernel (n, 4u), recurrent_kernel (u, 4u), bias (4u,); gates i, f, c, o.
    With ``return_state`` returns ``[output, h, c]``.
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"


class GRU(_CellLayer):
    """Gated recurrent unit (Cho et al., 2014). (B, T, n) -> (B, units).

    ``reset_after=True`` (default): bias (2, 3u), as Keras 3 and cuDNN.
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"
