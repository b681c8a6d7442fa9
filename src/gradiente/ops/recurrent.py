"""Recurrent primitives: a SimpleRNN, LSTM or GRU layer's whole run as one op.

Each primitive computes the input projection ``x @ kernel + bias`` for all time steps in one
matmul, then runs the recurrence in a NumPy loop (a handful of calls per step, keeping what
the backward pass needs in a per-call ``cache``); its VJP runs backpropagation through time
in one reverse loop. So a recurrent layer is one tape record, not a dozen per step.
Large work arrays are recycled through a small pool: allocating megabyte arrays every call
costs more here than the arithmetic in them.
"""
import numpy as np

from gradiente import activations
from gradiente.ops.primitive import primitive


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
        # The scaling by s, done once on the weights and the projection instead of at every
        # step; exact, as s is 1/2 or 1.
        kernel, xp = kernel * s, xp * s
    h, c = h0, c0
    for t in range(steps):
        hr = h if rec_mask is None else h * rec_mask
        np.matmul(hr, kernel, out=z)
        z += xp[t]
        gt = G[t]
        if fast:
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
    spare = np.empty_like(dh)  # dh of the previous step is computed into it: no allocation per step
    dZ_flat = dZ.reshape(steps, batch, four_u)
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
        dh, spare = np.matmul(dZ_flat[t], kernel_t, out=spare), dh
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
