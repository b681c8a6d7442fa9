"""GradientMonitor: is the gradient reaching every layer, and is it the right size?

Per layer and per epoch it records, from the real training steps:

- ``grad_norm``: the mean over the epoch's batches of each weight's gradient norm;
- ``update_ratio``: ||Δw|| / ||w|| of one optimizer step (the layer's weights taken
  together), averaged over a few sampled steps per epoch (``update_samples``): a copy of
  the weights before a step is compared with the weights after it;
- ``dead_fraction`` (relu-like layers: relu, relu6, sparse_plus, hard_shrink, soft_shrink,
  whose output is exactly 0 where their derivative is): the share of units never nonzero
  over the epoch;
- ``saturated_fraction`` (sigmoid/tanh layers, and their piecewise-linear kin hard_sigmoid,
  sparse_sigmoid and hard_tanh): the share of the layer's unit outputs where the derivative
  is below 1% of its maximum (for the piecewise ones: exactly 0, at the clipped values).

The activations are read by wrapping the monitored layers' ``call`` (an instance attribute,
set in ``on_train_begin`` and removed in ``on_train_end``); only forward passes made under
a recording GradientTape (fit's training steps) count, so validation does not.
``report()`` turns the records into plain-language advice; ``problems`` holds the same as
dicts (``layer``, ``cause``, ``epoch``, ``message``).
"""
import math

import numpy as np

from gradiente.autodiff.tape import ACTIVE_TAPES
from gradiente.autodiff.tensor import Tensor
from gradiente.callbacks.callback import Callback

# sigmoid' = s(1-s) <= 1/4: below 1% of that when s is within 0.0025063 of 0 or 1.
_SIGMOID_EDGE = 0.5 - (1 - math.sqrt(1 - 0.01)) / 2
# tanh' = 1 - t^2 <= 1: below 1% when |t| > sqrt(0.99).
_TANH_EDGE = math.sqrt(0.99)
_ADVICE = {
    "dead_relu": "try a lower learning rate, he_normal initialization or leaky_relu",
    "saturation": ("scale the inputs (e.g. a Normalization layer), use smaller initial weights "
                   "(glorot_uniform), BatchNormalization before the activation, or relu in hidden layers"),
    "vanishing": "use relu-like activations in hidden layers, he_normal initialization or BatchNormalization",
    "exploding": ("lower the learning rate, clip gradients (clipnorm=1.0 in the optimizer) "
                  "and normalise the inputs"),
    "large_updates": "the learning rate is probably too high (a healthy step changes about 0.1% of the weights)",
}


def _activation_kind(layer):
    """'relu', 'sigmoid', 'tanh', 'clip01', 'clip11' or 'step' for layers whose activation we
    can judge, else None ('clip01'/'clip11': flat outside outputs in [0, 1] / [-1, 1])."""
    from gradiente import activations, ops
    from gradiente.layers.activation_layers import ReLU

    if isinstance(layer, ReLU):
        return "relu" if layer.negative_slope == 0 and layer.threshold == 0 else None
    fn = getattr(layer, "activation", None)
    if not callable(fn):
        return None
    kinds = {activations.relu: "relu", activations.relu6: "relu", ops.relu: "relu",
             activations.sparse_plus: "relu", activations.hard_shrink: "relu",
             activations.soft_shrink: "relu", ops.sparse_plus: "relu", ops.hard_shrink: "relu",
             ops.soft_shrink: "relu",
             activations.sigmoid: "sigmoid", ops.sigmoid: "sigmoid", activations.tanh: "tanh",
             ops.tanh: "tanh", activations.hard_sigmoid: "clip01", ops.hard_sigmoid: "clip01",
             activations.sparse_sigmoid: "clip01", ops.sparse_sigmoid: "clip01",
             activations.hard_tanh: "clip11", ops.hard_tanh: "clip11",
             activations.heaviside: "step", activations.sign: "step"}
    return kinds.get(fn)


def _family(name):
    return "relu" if name in ("relu", "relu6") else name


def _activation_name(layer):
    fn = getattr(layer, "activation", None)
    return getattr(fn, "__name__", type(layer).__name__.lower())


class _ActivationStats:
    """Per-epoch counters of one layer's outputs."""

    def __init__(self, layer, kind):
        self.layer, self.kind = layer, kind
        self.channel_axis = 1 if getattr(layer, "data_format", None) == "channels_first" else -1
        self.reset()

    def reset(self):
        self.last = None     # the output of the latest training step (for fit's replay)
        self.active = None   # relu: units nonzero at least once this epoch
        self.saturated = 0   # sigmoid/tanh: outputs in the flat tails
        self.total = 0

    def observe(self, out):
        """Count one training step's output (a Tensor, or its array in a replayed step)."""
        a = out.data if isinstance(out, Tensor) else out
        if not isinstance(a, np.ndarray) or a.ndim < 2:
            return
        if self.kind == "relu":
            axis = self.channel_axis % a.ndim
            # relu-like outputs are 0 exactly where their derivative is (shrinks: on both sides).
            fired = np.moveaxis(a, axis, -1).reshape(-1, a.shape[axis]).any(axis=0)
            self.active = fired if self.active is None else self.active | fired
        elif self.kind == "sigmoid":
            self.saturated += int(np.count_nonzero(np.abs(a - 0.5) > _SIGMOID_EDGE))
            self.total += a.size
        elif self.kind == "tanh":
            self.saturated += int(np.count_nonzero(np.abs(a) > _TANH_EDGE))
            self.total += a.size
        elif self.kind == "clip01":
            self.saturated += int(np.count_nonzero((a <= 0) | (a >= 1)))
            self.total += a.size
        elif self.kind == "clip11":
            self.saturated += int(np.count_nonzero(np.abs(a) >= 1))
            self.total += a.size


class GradientMonitor(Callback):
    """Watch gradient health during ``fit`` and explain problems at the end.

    Args: ``every``: record every n-th epoch (1: all). ``path``: save a PNG of the curves
    there at the end of training (needs matplotlib). ``update_samples``: steps per epoch
    used for the update-to-weight ratio. ``verbose``: print the report at the end.
    ``dead_threshold``/``saturation_threshold``: fractions above which a layer is reported.

    After ``fit``: ``records`` is a list of dicts, one per (recorded epoch, layer):
    ``{"epoch", "layer", "activation", "grad_norm": {weight: norm}, "weight_norm",
    "update_ratio", "dead_fraction", "saturated_fraction", "zero_gradient", "non_finite"}``
    (epochs count from 0, as the callback hooks do; messages count from 1, as the
    progress bar does).
    """

    def __init__(self, every=1, path=None, update_samples=4, verbose=1, dead_threshold=0.5,
                 saturation_threshold=0.5):
        super().__init__()
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"GradientMonitor: `every` must be a positive integer, received every={every!r}.")
        if not isinstance(update_samples, int) or update_samples < 0:
            raise ValueError(
                f"GradientMonitor: `update_samples` must be a non-negative integer, received {update_samples!r}."
            )
        for arg, value in (("dead_threshold", dead_threshold), ("saturation_threshold", saturation_threshold)):
            if not 0 < value <= 1:
                raise ValueError(f"GradientMonitor: `{arg}` must be in (0, 1], received {arg}={value!r}.")
        self.every = every
        self.path = path
        self.update_samples = update_samples
        self.verbose = verbose
        self.dead_threshold = dead_threshold
        self.saturation_threshold = saturation_threshold
        self.records = []
        self.problems = []
        self._stats = []
        self._recording = False

    # --- hooks ------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self.records, self.problems = [], []
        self._vars = None
        self._output_layers = {id(t._keras_history[0]) for t in (getattr(self.model, "outputs", None) or [])
                               if t._keras_history is not None}
        self._stats = []
        for layer in self.model._flatten_layers(include_self=False):
            kind = _activation_kind(layer)
            if kind not in (None, "step"):
                stats = _ActivationStats(layer, kind)
                layer.call = self._wrapped_call(layer.call, stats)
                self._stats.append(stats)
        self._kinds = {id(layer): _activation_kind(layer) for layer in self.model._flatten_layers()}

    def _wrapped_call(self, call, stats):
        def call_and_observe(*args, **kwargs):
            out = call(*args, **kwargs)
            if self._recording and ACTIVE_TAPES and kwargs.get("training") is not False:
                stats.observe(out)
                stats.last = out
            return out

        return call_and_observe

    def on_train_end(self, logs=None):
        self._recording = False
        for stats in self._stats:
            stats.layer.__dict__.pop("call", None)
        self._stats = []
        self.problems = self._diagnose()
        if self.verbose and self.problems:
            print(self.report())
        if self.path is not None and self.records:
            self.plot(self.path)

    def on_epoch_begin(self, epoch, logs=None):
        self._recording = epoch % self.every == 0
        self._epoch = epoch
        self._batch = 0
        self._grad_sums = None
        self._snapshot = None
        self._ratios = {}
        for stats in self._stats:
            stats.reset()
        steps = (self.params or {}).get("steps") or 0
        self._sample_every = max(1, steps // self.update_samples) if self.update_samples else 0

    def watched_tensors(self):
        """The monitored layers' outputs in the training step just run: fit, replaying
        that step, passes their new values to ``on_train_step_values``."""
        self._watched = [stats for stats in self._stats if stats.last is not None]
        return [stats.last for stats in self._watched]

    def on_train_step_values(self, arrays):
        if self._recording:
            for stats, array in zip(self._watched, arrays):
                stats.observe(array)

    def on_train_gradients(self, batch, grads, variables):
        if not self._recording:
            return
        if self._vars is None:
            self._set_variables(variables)
        self._close_snapshot()
        norms = np.array([np.nan if g is None else math.sqrt(float(np.vdot(g.data, g.data))) for g in grads])
        if self._grad_sums is None:
            self._grad_sums = np.zeros(len(norms))
            self._zero = np.ones(len(norms), dtype=bool)
            self._non_finite = np.zeros(len(norms), dtype=bool)
            self._n_batches = 0
        present = np.array([g is not None for g in grads])
        finite = np.isfinite(norms)
        self._non_finite |= present & ~finite
        self._zero &= ~present | (norms == 0)
        self._grad_sums += np.where(finite, norms, 0.0)
        self._n_batches += 1
        if self._sample_every and batch % self._sample_every == 0:
            self._snapshot = [v.data.copy() for v in variables]
        self._batch += 1

    def on_epoch_end(self, epoch, logs=None):
        if not self._recording:
            return
        self._close_snapshot()
        self._recording = False
        stats_of = {id(s.layer): s for s in self._stats}
        if self._grad_sums is None:
            return
        mean_norms = self._grad_sums / max(self._n_batches, 1)
        for layer_id, (layer, indices) in self._groups.items():
            weights = [self._vars[i] for i in indices]
            stats = stats_of.get(layer_id)
            ratios = self._ratios.get(layer_id)
            record = {
                "epoch": epoch,
                "layer": layer.name,
                "activation": _activation_name(layer),
                "grad_norm": {self._short(self._vars[i]): float(mean_norms[i]) for i in indices},
                "weight_norm": math.sqrt(sum(float(np.vdot(w.data, w.data)) for w in weights)),
                "update_ratio": float(np.mean(ratios)) if ratios else None,
                "dead_fraction": None,
                "saturated_fraction": None,
                "zero_gradient": bool(self._zero[indices].all()),
                "non_finite": bool(self._non_finite[indices].any()),
            }
            if stats is not None and stats.kind == "relu" and stats.active is not None:
                record["dead_fraction"] = float(1.0 - stats.active.mean())
            elif stats is not None and stats.total:
                record["saturated_fraction"] = stats.saturated / stats.total
            self.records.append(record)

    # --- bookkeeping ------------------------------------------------------------------
    def _set_variables(self, variables):
        """Group the trained variables by the layer that owns them, in model order."""
        self._vars = list(variables)
        self._groups = {}
        for i, v in enumerate(self._vars):
            layer = getattr(v, "_layer", None)
            if layer is None:
                continue
            self._groups.setdefault(id(layer), (layer, []))[1].append(i)

    @staticmethod
    def _short(variable):
        path = getattr(variable, "path", None) or variable.name
        return path.rsplit("/", 1)[-1]

    def _close_snapshot(self):
        """After a sampled step: ||w_after - w_before|| / ||w_before|| per layer."""
        if self._snapshot is None:
            return
        for layer_id, (_, indices) in self._groups.items():
            change = sum(float(np.sum(np.square(self._vars[i].data - self._snapshot[i]))) for i in indices)
            size = sum(float(np.vdot(self._snapshot[i], self._snapshot[i])) for i in indices)
            if size > 0:
                self._ratios.setdefault(layer_id, []).append(math.sqrt(change / size))
        self._snapshot = None

    # --- diagnosis --------------------------------------------------------------------
    def _by_layer(self):
        out = {}
        for r in self.records:
            out.setdefault(r["layer"], []).append(r)
        return out

    def _diagnose(self):
        problems = []
        by_layer = self._by_layer()
        if not by_layer:
            return problems
        layers = {layer.name: layer for layer, _ in self._groups.values()}
        step_layers = [name for name, layer in layers.items() if self._kinds.get(id(layer)) == "step"]

        def add(layer, cause, epoch, text):
            advice = _ADVICE.get(cause)
            problems.append({"layer": layer, "cause": cause, "epoch": epoch,
                             "message": f"{layer}: {text}" + (f" — {advice}." if advice else ".")})

        for name, recs in by_layer.items():
            layer = layers.get(name)
            kind = self._kinds.get(id(layer))
            if all(r["zero_gradient"] for r in recs):
                if kind == "step":
                    text = (f"its weights got exactly zero gradient in every batch: its activation "
                            f"'{recs[0]['activation']}' is a step whose derivative is 0 everywhere, so gradient "
                            "descent cannot change it (nor any layer before it) — use sigmoid, tanh or relu, "
                            "smooth stand-ins that have a derivative")
                elif step_layers:
                    text = (f"its weights got exactly zero gradient in every batch: no gradient flows back "
                            f"through the step activation of {', '.join(repr(s) for s in step_layers)} "
                            "(derivative 0 everywhere) — replace it with sigmoid, tanh or relu")
                else:
                    text = ("its weights got exactly zero gradient in every batch: nothing reaches it "
                            "(all units after it dead, or it does not affect the loss)")
                add(name, "zero_gradient", recs[0]["epoch"] + 1, text)
                continue
            bad = [r for r in recs if r["non_finite"]]
            big = [r for r in recs if max(r["grad_norm"].values()) > 1e3 * max(r["weight_norm"], 1.0)]
            if bad or big:
                r = (bad or big)[0]
                what = "non-finite (inf/nan) gradients" if bad else "gradients over 1000 times the size of its weights"
                add(name, "exploding", r["epoch"] + 1, f"{what} in epoch {r['epoch'] + 1}: exploding gradients")
            # With inf/nan about, "never positive" is the explosion's doing, not dead units.
            dead = [r for r in recs if r["dead_fraction"] is not None and not r["non_finite"]]
            if dead:
                worst = max(dead, key=lambda r: r["dead_fraction"])
                if worst["dead_fraction"] >= self.dead_threshold:
                    add(name, "dead_relu", worst["epoch"] + 1,
                        f"{worst['dead_fraction']:.0%} of {_family(worst['activation'])} units never activated in epoch {worst['epoch'] + 1}")
            sat = [r for r in recs if r["saturated_fraction"] is not None]
            if sat and id(layer) not in self._output_layers:
                # An output sigmoid/softmax is paired with cross-entropy, which cancels its flat tails.
                worst = max(sat, key=lambda r: r["saturated_fraction"])
                if worst["saturated_fraction"] >= self.saturation_threshold:
                    add(name, "saturation", worst["epoch"] + 1,
                        f"{worst['saturated_fraction']:.0%} of its {worst['activation']} outputs were saturated "
                        f"(derivative below 1% of its maximum) in epoch {worst['epoch'] + 1}, so little gradient "
                        "passes through")
            ratios = [r for r in recs if r["update_ratio"] is not None]
            if ratios:
                worst = max(ratios, key=lambda r: r["update_ratio"])
                if worst["update_ratio"] > 0.1:
                    add(name, "large_updates", worst["epoch"] + 1,
                        f"one step changed its weights by {worst['update_ratio']:.0%} in epoch {worst['epoch'] + 1}")
        problems.extend(self._vanishing(by_layer))
        return problems

    def _vanishing(self, by_layer):
        """Compare layers' relative gradients (||g|| / ||w||) in the last recorded epoch."""
        last = max(r["epoch"] for r in self.records)
        rel = {}
        for name, recs in by_layer.items():
            r = next((r for r in recs if r["epoch"] == last), None)
            if r is None or r["zero_gradient"] or r["non_finite"] or r["weight_norm"] == 0:
                continue
            rel[name] = math.sqrt(sum(v * v for v in r["grad_norm"].values())) / r["weight_norm"]
        if len(rel) < 2:
            return []
        low, high = min(rel, key=rel.get), max(rel, key=rel.get)
        if rel[low] > 1e-4 * rel[high] or rel[low] == 0:
            return []
        text = (f"its gradients (relative to its weights) were {rel[low] / rel[high]:.0e} times those of "
                f"'{high}' in epoch {last + 1}: vanishing gradients, it barely learns")
        return [{"layer": low, "cause": "vanishing", "epoch": last + 1,
                 "message": f"{low}: {text} — {_ADVICE['vanishing']}."}]

    def report(self):
        """The diagnosis in plain words, one line per problem (or a line saying all is well)."""
        if not self.records:
            return "GradientMonitor: nothing recorded (was fit run with this callback?)."
        problems = self.problems or self._diagnose()
        if not problems:
            epochs = len({r["epoch"] for r in self.records})
            return f"GradientMonitor: gradients look healthy in all {epochs} recorded epoch(s)."
        return "GradientMonitor report:\n" + "\n".join("  " + p["message"] for p in problems)

    def plot(self, path=None):
        """Curves per layer over the epochs: gradient norm, update ratio, dead and saturated
        fractions. Saves to ``path`` (returns it) or returns the Figure. Needs matplotlib."""
        from gradiente.visualization import _mpl

        Figure = _mpl.require("GradientMonitor.plot")
        panels = [("gradient norm", lambda r: math.sqrt(sum(v * v for v in r["grad_norm"].values())), True),
                  ("update / weight ratio", lambda r: r["update_ratio"], True),
                  ("dead relu fraction", lambda r: r["dead_fraction"], False),
                  ("saturated fraction", lambda r: r["saturated_fraction"], False)]
        fig = Figure(figsize=(10, 6.5), dpi=100, layout="constrained")
        axes = fig.subplots(2, 2).ravel()
        by_layer = self._by_layer()
        for ax, (title, value, log) in zip(axes, panels):
            for name, recs in by_layer.items():
                pts = [(r["epoch"] + 1, value(r)) for r in recs if value(r) is not None]
                if pts:
                    xs, ys = zip(*pts)
                    ax.plot(xs, ys, marker="o", ms=3, label=name, gid=f"{title}:{name}")
            if log and ax.lines and all(y > 0 for line in ax.lines for y in line.get_ydata()):
                ax.set_yscale("log")
            ax.set_title(title)
            ax.set_xlabel("epoch")
            if ax.lines:
                ax.legend(fontsize=7)
            else:
                ax.text(0.5, 0.5, "no such layers", ha="center", va="center", transform=ax.transAxes, color="0.5")
        return _mpl.finish(fig, path)
