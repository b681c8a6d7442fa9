"""Recurrent primitives: a SimpleRNN, LSTM or GRU layer's whole run as one op.

Each primitive runs the recurrence in a NumPy loop (one matmul and a handful of elementwise
calls per step, keeping what the backward pass needs in a per-call ``cache``); its VJP runs
backpropagation through time in one reverse loop. So a recurrent layer is one tape record, not
a dozen per step. SimpleRNN and GRU compute the input projection ``x @ kernel + bias`` of all
steps in one matmul first; the LSTM, the one tuned hardest, folds it into each step's matmul.
Large work arrays are recycled through a small pool: allocating megabyte arrays every call
costs more here than the arithmetic in them.
"""
import functools

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


# The LSTM runs feature-major: every per-step array is (features, batch), so each gate is a
# contiguous block of rows. Batch-major (batch, 4u) arrays split into gates are strided, and
# NumPy's elementwise calls on those cost about four times as much: they were most of a step.
# Keras stores the gates i, f, c, o; the loop uses c, i, f, o (named g, i, f, o below), which
# keeps the three sigmoid gates contiguous, and the three gates fed by the cell-state gradient.
@functools.cache
def _lstm_gate_order(u):
    """Column indices taking Keras's gate order i, f, c, o to the loop's c, i, f, o, and back."""
    order = np.r_[2 * u:3 * u, 0:2 * u, 3 * u:4 * u]
    inverse = np.argsort(order)
    order.flags.writeable = inverse.flags.writeable = False
    return order, inverse


def _lstm_forward(x, kernel, bias, recurrent_kernel, h0, c0, mask, rec_mask, activation, recurrent_activation,
                  go_backwards, last_only, cache):
    """x (B, T, n) -> (T + 1, B, u): the carried h of every step, then the final c; or, with
    ``last_only``, the final h (B, u). Keeps in ``cache`` what the backward pass needs."""
    act = _ARRAY_ACTIVATIONS[activation][0]
    rec = _ARRAY_ACTIVATIONS[recurrent_activation][0]
    batch, steps, n = x.shape
    u = recurrent_kernel.shape[0]
    dtype = np.result_type(x.dtype, kernel.dtype, recurrent_kernel.dtype)
    order, _ = _lstm_gate_order(u)
    # One matmul per step also does the input projection and the bias:
    # z_t = [U; W; b]^T @ [h_{t-1}; x_t; 1], with XH[t] = [h_{t-1}; x_t; 1] stacked for all steps.
    k = u + n + (bias is not None)
    weights = np.empty((4 * u, k), dtype)
    weights[:, :u] = recurrent_kernel[:, order].T
    weights[:, u:u + n] = kernel[:, order].T
    if bias is not None:
        weights[:, -1] = bias[order]
    # sigmoid(z) = tanh(z/2)/2 + 1/2: one tanh over all four gates, with the 1/2 inside folded
    # into the weights (exact: a power of two).
    fast = recurrent_activation == "sigmoid" and activation == "tanh"
    if fast:
        weights[u:] *= 0.5
    XH = _take((steps + 1, k, batch), dtype)
    XH[:steps, u:u + n] = (x[:, ::-1] if go_backwards else x).transpose(1, 2, 0)
    if bias is not None:
        XH[:, -1] = 1
    rec_fm = None if rec_mask is None else np.ascontiguousarray(rec_mask.T, dtype=dtype)
    h = np.ascontiguousarray(h0.T, dtype=dtype)
    c = c0_fm = np.ascontiguousarray(c0.T, dtype=dtype)
    np.multiply(h, 1 if rec_fm is None else rec_fm, out=XH[0, :u])
    mask_fm = None if mask is None else mask.transpose(0, 2, 1)        # (T, 1, B)
    # Without masks the new h goes straight into the next step's matmul input.
    plain = mask is None and rec_mask is None
    G = _take((steps, 4 * u, batch), dtype)      # gate values
    Cn = _take((steps, u, batch), dtype)         # new cell states
    Ac = _take((steps, u, batch), dtype)         # act(new cell states)
    Cc = Cn if mask is None else _take((steps, u, batch), dtype)  # carried cell states
    Hs = XH[1:, :u] if plain else _take((steps, u, batch), dtype)  # carried h
    cache["pooled"] = [XH, G, Cn, Ac] + ([] if mask is None else [Cc]) + ([] if plain else [Hs])
    gate_g, gate_i, gate_f, gate_o = G[:, :u], G[:, u:2 * u], G[:, 2 * u:3 * u], G[:, 3 * u:]
    ig = np.empty((u, batch), dtype)
    for t in range(steps):
        gt = G[t]
        np.matmul(weights, XH[t], out=gt)
        if fast:
            np.tanh(gt, out=gt)
            sig = gt[u:]
            sig *= 0.5
            sig += 0.5
        else:
            act(gt[:u], gt[:u])
            rec(gt[u:], gt[u:])
        cn, ac, ht = Cn[t], Ac[t], Hs[t]
        np.multiply(gate_f[t], c, out=cn)
        np.multiply(gate_i[t], gate_g[t], out=ig)
        cn += ig
        act(cn, ac)
        np.multiply(gate_o[t], ac, out=ht)
        if not plain:
            if mask_fm is not None:
                np.copyto(ht, h, where=~mask_fm[t])
                np.copyto(Cc[t], np.where(mask_fm[t], cn, c))
            np.multiply(ht, 1 if rec_fm is None else rec_fm, out=XH[t + 1, :u])
        h, c = ht, Cc[t]
    cache.update(XH=XH, G=G, Ac=Ac, Cc=Cc, c0=c0_fm, rec_fm=rec_fm, mask_fm=mask_fm)
    if last_only:
        return h.T.copy()
    out = np.empty((steps + 1, batch, u), dtype)
    out[:steps] = Hs.transpose(0, 2, 1)
    out[steps] = c.T
    return out


def _lstm_backward(g, needs, x, kernel, recurrent_kernel, activation, recurrent_activation, go_backwards,
                   last_only, cache):
    """Backpropagation through time: gradients of (x, kernel, bias, recurrent_kernel, h0, c0),
    each None where ``needs`` says it is not wanted."""
    act_d = _ARRAY_ACTIVATIONS[activation][1]
    rec_d = _ARRAY_ACTIVATIONS[recurrent_activation][1]
    XH, G, Ac, Cc = cache["XH"], cache["G"], cache["Ac"], cache["Cc"]
    mask_fm, rec_fm, c0 = cache["mask_fm"], cache["rec_fm"], cache["c0"]
    steps, four_u, batch = G.shape
    u = four_u // 4
    n = x.shape[-1]
    order, inverse = _lstm_gate_order(u)
    dtype = G.dtype
    G4 = G.reshape(steps, 4, u, batch)
    # With dc the gradient of the new cell state and dh of the new h, a step's pre-activation
    # gradient is dZ = D·[dc, dc, dc, dh], D = [i·g', g·i', c_prev·f', act(c)·o'], all known
    # now, so they are computed for all steps at once. Built in place: large temporaries cost
    # more than the arithmetic here.
    D = _take(G4.shape, dtype)
    act_d(G4[:, 0], D[:, 0])
    rec_d(G4[:, 1:], D[:, 1:])
    D[:, 0] *= G4[:, 1]
    D[:, 1] *= G4[:, 0]
    D[1:, 2] *= Cc[:-1]
    D[0, 2] *= c0
    D[:, 3] *= Ac
    A = _take(Ac.shape, dtype)  # d(new c) / d(new h) = o·act'(c)
    act_d(Ac, A)
    A *= G4[:, 3]
    F = G4[:, 2]
    dZ = _take((steps, four_u, batch), dtype)
    dZ4 = dZ.reshape(G4.shape)
    u_p = np.ascontiguousarray(recurrent_kernel[:, order], dtype=dtype)
    if last_only:
        dh, dc = np.array(g.T, dtype=dtype, order="C"), np.zeros((u, batch), dtype)
        g_fm = None
    else:
        g_fm = np.ascontiguousarray(g[:steps].transpose(0, 2, 1), dtype=dtype)
        dh, dc = np.zeros((u, batch), dtype), np.array(g[steps].T, dtype=dtype, order="C")
    tmp = np.empty_like(dh)
    spare = np.empty_like(dh)  # the previous step's dh is computed into it: no allocation per step
    for t in range(steps - 1, -1, -1):
        if g_fm is not None:
            dh += g_fm[t]
        if mask_fm is not None:
            keep_h, keep_c = dh * ~mask_fm[t], dc * ~mask_fm[t]
            dh *= mask_fm[t]
            dc *= mask_fm[t]
        np.multiply(dh, A[t], out=tmp)
        dc += tmp
        np.multiply(D[t, :3], dc, out=dZ4[t, :3])
        np.multiply(D[t, 3], dh, out=dZ4[t, 3])
        if t == 0 and not (needs[4] or needs[5]):
            break
        dh, spare = np.matmul(u_p, dZ[t], out=spare), dh
        if rec_fm is not None:
            dh *= rec_fm
        dc *= F[t]
        if mask_fm is not None:
            dh += keep_h
            dc += keep_c
    gx = g_kernel = g_bias = g_rec = None
    if needs[0]:
        w_p = np.ascontiguousarray(kernel[:, order], dtype=dtype)
        gx = np.matmul(w_p, dZ)                                 # (T, n, B)
        gx = np.ascontiguousarray((gx[::-1] if go_backwards else gx).transpose(2, 0, 1))
    if needs[1] or needs[2] or needs[3]:
        # All weight gradients in one matmul over (features, T·B): [U; W; b] gets
        # sum_t XH[t] @ dZ[t]^T.
        # The transposed copies go into buffers already in cache: D's, now spent, and a pooled one.
        k = XH.shape[1]
        dZ_fm = D.reshape(four_u, steps, batch)
        np.copyto(dZ_fm, dZ.transpose(1, 0, 2))
        XH_fm = _take((k, steps, batch), dtype)
        np.copyto(XH_fm, XH[:steps].transpose(1, 0, 2))
        g_all = np.matmul(XH_fm.reshape(k, -1), dZ_fm.reshape(four_u, -1).T)[:, inverse]  # (k, 4u)
        _give(XH_fm)
        g_rec = g_all[:u] if needs[3] else None
        g_kernel = g_all[u:u + n] if needs[1] else None
        g_bias = g_all[-1] if needs[2] else None
    _give(D, A, dZ)
    return (gx, g_kernel, g_bias, g_rec, (dh.T if needs[4] else None), (dc.T if needs[5] else None))


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
    the final c; or, with ``last_only``, the final h (B, u). Gates in Keras's order i, f, c, o."""
    return _lstm_forward(x, kernel, bias, recurrent_kernel, h0, c0, mask, rec_mask, activation,
                         recurrent_activation, go_backwards, last_only, cache)


@lstm_sequence.defvjp
def _(g, ans, needs, x, kernel, bias, recurrent_kernel, h0, c0, mask, rec_mask, activation="tanh",
      recurrent_activation="sigmoid", go_backwards=False, last_only=False, cache=None):
    if "pooled" not in cache:
        lstm_sequence.forward(x, kernel, bias, recurrent_kernel, h0, c0, mask, rec_mask, activation,
                              recurrent_activation, go_backwards, last_only, cache)
    grads = _lstm_backward(g, [needs[0], needs[1], bias is not None and needs[2], needs[3], needs[4],
                               needs[5]], x, kernel, recurrent_kernel, activation, recurrent_activation,
                           go_backwards, last_only, cache)
    _recycle(cache)
    return grads + (None, None)


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
