"""What ``compile(loss=..., metrics=..., weighted_metrics=...)`` becomes: one loss object and
one metric object over all of a model's outputs, as Keras 3 builds them.

Both are built lazily, on the first targets and predictions they see, because the right
accuracy (binary, categorical or sparse) and the loss per output depend on their shapes.
Targets and predictions may come as one array, a list (in output order) or a dict keyed by
output name; ``flatten_y`` puts them in output order.

Names follow Keras: with one output, metrics keep their own names (``"accuracy"``,
``"mean_absolute_error"``); with several, they are prefixed by the output name
(``"department_accuracy"``), and each output's loss is tracked as ``"<output>_loss"``. A
weighted metric whose name is already taken becomes ``"weighted_<name>"``.
"""
import numpy as np

from gradiente import ops
from gradiente.metrics.metric import Metric
from gradiente.metrics.reduction import Mean
from gradiente.utils.data import batch_size_of


def flatten_y(y, names, what="y"):
    """One entry per output, in output order; a dict is read by output name (a missing
    name gives None, an unknown key is an error)."""
    if y is None:
        return None
    if isinstance(y, dict):
        if names is None:
            return [y[k] for k in sorted(y)]
        unknown = sorted(set(y) - set(names))
        if unknown:
            raise ValueError(
                f"{what} is a dict with key(s) {unknown} that name no output of the model; "
                f"its outputs are {list(names)}."
            )
        return [y.get(n) for n in names]
    if isinstance(y, (list, tuple)):
        return list(y)
    return [y]


def _spread(spec, names, n, what):
    """A per-output spec (single, list, or dict by output name) as a list of ``n`` entries."""
    if isinstance(spec, dict):
        if names is None:
            raise ValueError(
                f"compile(): `{what}` is a dict, but this model's outputs have no names; pass "
                "a list in output order instead."
            )
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(
                f"compile(): `{what}` names output(s) {unknown}, but the model's outputs are "
                f"{list(names)}."
            )
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and n > 1:
        if len(spec) != n:
            raise ValueError(
                f"compile(): `{what}` has {len(spec)} entries, but the model has {n} outputs"
                f"{'' if names is None else ' ' + str(list(names))}: give one per output, or a "
                "dict keyed by output name."
            )
        return list(spec)
    if isinstance(spec, (list, tuple)) and n == 1 and what in ("loss", "loss_weights"):
        if len(spec) != 1:
            raise ValueError(f"compile(): `{what}` has {len(spec)} entries, but the model has one output.")
        return list(spec)
    return [spec] * n


def _output_names(names, n):
    return list(names) if names is not None and len(names) == n else None


def _shape(value):
    return tuple(value.shape) if hasattr(value, "shape") else np.shape(value)


# --- losses ------------------------------------------------------------------------------
def _get_loss(identifier, y_true, y_pred):
    """A Loss object; ``"crossentropy"``/``"ce"`` pick binary, sparse or categorical
    cross-entropy from the shapes, as ``"accuracy"`` does for metrics."""
    from gradiente import losses

    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        t, p = _shape(y_true), _shape(y_pred)
        if p and p[-1] == 1:
            identifier = "binary_crossentropy"
        elif len(t) < len(p) or (t and t[-1] == 1 and p[-1] > 1):
            identifier = "sparse_categorical_crossentropy"
        else:
            identifier = "categorical_crossentropy"
    return losses.to_loss(identifier)


class CompileLoss:
    """The weighted sum of each output's loss (``model.compiled_loss`` in tf.keras 2).

    ``loss(y_true, y_pred, sample_weight)`` returns the total as a Tensor (None when no
    output has a loss) and records each output's unweighted loss in ``metrics`` (one Mean
    per output with a loss, when there are several). ``compute`` is the same without the
    recording: the training loop records from arrays after its (possibly replayed) step.
    """

    def __init__(self, loss, loss_weights=None, output_names=None):
        entries = loss_weights.values() if isinstance(loss_weights, dict) else \
            loss_weights if isinstance(loss_weights, (list, tuple)) else [loss_weights]
        if loss_weights is not None and (isinstance(loss_weights, (str, bool)) or not all(
                w is None or (isinstance(w, (int, float, np.integer, np.floating)) and not isinstance(w, bool)
                              and np.isfinite(w)) for w in entries)):
            raise ValueError(
                "compile(): `loss_weights` must be a finite number (one output), or a list or "
                f"dict of them (several outputs); received {type(loss_weights).__name__}: {loss_weights!r}."
            )
        self.name = "compile_loss"
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.output_names = output_names
        self.built = False
        self.losses = None        # one Loss (or None) per output
        self.loss_weights = None  # one float per output
        self.metrics = []         # Mean("<output>_loss") per output with a loss, if several

    def build(self, y_true, y_pred):
        """``y_true``, ``y_pred``: one entry per output, in output order."""
        n = len(y_pred)
        names = _output_names(self.output_names, n)
        specs = _spread(self._user_loss, names, n, "loss")
        self.losses = [None if s is None else _get_loss(s, t, p)
                       for s, t, p in zip(specs, y_true or [None] * n, y_pred)]
        if all(s is None for s in self.losses):
            raise ValueError("compile(): every entry of `loss` is None: no output has a loss to train.")
        weights = self._user_loss_weights
        if isinstance(weights, (int, float)):
            weights = [weights] * n
        weights = [None] * n if weights is None else _spread(weights, names, n, "loss_weights")
        self.loss_weights = [1.0 if w is None else float(w) for w in weights]
        present = [i for i, fn in enumerate(self.losses) if fn is not None]
        self.metrics = []
        self._metric_of = [None] * n
        if len(present) > 1:
            for i in present:
                label = names[i] if names is not None else f"output_{i + 1}"
                self._metric_of[i] = Mean(name=f"{label}_loss")
                self.metrics.append(self._metric_of[i])
        self.built = True

    def compute(self, y_true, y_pred, sample_weight=None):
        """(total, per-output losses) as Tensors; entries are None for outputs without a loss."""
        if not self.built:
            self.build(y_true, y_pred)
        if y_true is None:
            raise ValueError(
                "The model was compiled with a loss, but no targets were given: pass y to "
                "fit/evaluate, or compile without `loss` if the model adds its own losses "
                "with add_loss()."
            )
        if len(y_true) != len(y_pred):
            raise ValueError(
                f"The model has {len(y_pred)} outputs but {len(y_true)} target arrays were given."
            )
        total, parts = None, []
        for loss_fn, w, yt, yp in zip(self.losses, self.loss_weights, y_true, y_pred):
            if loss_fn is None:
                parts.append(None)
                continue
            if yt is None:
                raise ValueError("An output that has a loss received no targets: give targets for every output with a loss.")
            value = loss_fn(yt, yp, sample_weight=sample_weight)
            parts.append(value)
            term = value if w == 1.0 else ops.multiply(value, w)
            total = term if total is None else ops.add(total, term)
        return total, parts

    def record(self, parts, batch_size):
        """Add one batch's per-output losses (numbers or arrays) to the loss metrics."""
        for metric, value in zip(self._metric_of, parts):
            if metric is not None and value is not None:
                metric.update_state(float(value), sample_weight=batch_size)

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_true = flatten_y(y_true, self.output_names, "y")
        y_pred = flatten_y(y_pred, self.output_names, "y_pred")
        total, parts = self.compute(y_true, y_pred, sample_weight)
        if self.metrics:
            self.record([None if p is None else p.data for p in parts], batch_size_of(y_pred))
        return total


# --- metrics -----------------------------------------------------------------------------
def _get_metric(identifier, y_true, y_pred):
    """A Metric named as Keras names it: a string keeps its spelling, an object its name,
    a plain function its ``__name__``."""
    from gradiente import metrics

    if identifier is None:
        raise ValueError("compile(): a metric is None; leave it out of the list instead.")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return metrics.accuracy_for(_shape(y_true), _shape(y_pred), identifier)
    metric = metrics.get(identifier)
    if isinstance(metric, type):
        metric = metric()
    if not isinstance(metric, Metric):
        if not callable(metric):
            raise ValueError(f"compile(): could not interpret metric {identifier!r}.")
        metric = metrics.MeanMetricWrapper(metric, name=getattr(metric, "__name__", "metric"))
    return metric


class CompileMetrics(Metric):
    """All of ``compile``'s metrics as one: ``update_state(y_true, y_pred, sample_weight)``
    updates each (``sample_weight`` reaches only the weighted ones) and ``result()`` is a
    dict of log name -> value. Named ``"compile_metrics"``, as in Keras 3."""

    def __init__(self, metrics, weighted_metrics, output_names=None):
        super().__init__(name="compile_metrics")
        for what, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                hint = f" Wrap a single metric in a list: {what}=[{value!r}]." if isinstance(value, str) or \
                    isinstance(value, Metric) or callable(value) else ""
                raise ValueError(
                    f"compile(): `{what}` must be a list, tuple or dict of metrics; received "
                    f"{type(value).__name__}: {value!r}.{hint}"
                )
        self._user_metrics = metrics
        self._user_weighted = weighted_metrics
        self.output_names = output_names
        self.built = False
        self._plain = []     # per output: list of (log name, Metric)
        self._weighted = []

    @property
    def metrics(self):
        """Every metric object, unweighted ones first."""
        return [m for entries in self._plain + self._weighted for _, m in entries]

    @property
    def variables(self):
        return [v for m in self.metrics for v in m.variables]

    def build(self, y_true, y_pred):
        n = len(y_pred)
        names = _output_names(self.output_names, n)
        self._plain = self._build_set(self._user_metrics, names, y_true, y_pred, "metrics")
        self._weighted = self._build_set(self._user_weighted, names, y_true, y_pred, "weighted_metrics")
        self._label(names)
        self.built = True

    def _build_set(self, spec, names, y_true, y_pred, what):
        n = len(y_pred)
        if not spec:
            return [[] for _ in range(n)]
        if n == 1:
            per_output = [[s for s in (spec.values() if isinstance(spec, dict) else spec)]]
            if isinstance(spec, dict):
                per_output = [[m for s in per_output[0] for m in (s if isinstance(s, (list, tuple)) else [s])]]
        elif isinstance(spec, dict):
            per_output = _spread(spec, names, n, what)
        elif len(spec) == n and all(s is None or isinstance(s, (list, tuple)) for s in spec):
            per_output = list(spec)
        elif len(spec) == n and names is None:
            per_output = list(spec)
        else:
            per_output = [list(spec)] * n  # a flat list: every metric on every output
        y_true = y_true or [None] * n
        out = []
        for i, entry in enumerate(per_output):
            items = [] if entry is None else (list(entry) if isinstance(entry, (list, tuple)) else [entry])
            built = []
            for item in items:
                metric = _get_metric(item, y_true[i], y_pred[i])
                if any(metric is m for e in out for _, m in e) or any(metric is m for _, m in built):
                    raise ValueError(
                        f"compile(): the metric object {metric.name!r} is used for two outputs; "
                        "give each output its own metric instance."
                    )
                built.append((None, metric))
            out.append(built)
        return out

    def _label(self, names):
        """Log names, unique: prefixed by the output name when there are several outputs."""
        taken = {}

        def unique(base):
            if base not in taken:
                taken[base] = 1
                return base
            index = taken[base]
            taken[base] += 1
            return f"{base}_{index}"

        def prefix(i, name):
            return f"{names[i]}_{name}" if names is not None and len(self._plain) > 1 else name

        for i, entries in enumerate(self._plain):
            self._plain[i] = [(unique(prefix(i, m.name)), m) for _, m in entries]
        for i, entries in enumerate(self._weighted):
            labelled = []
            for _, m in entries:
                name = prefix(i, m.name)
                if name in taken:
                    name = unique(prefix(i, f"weighted_{m.name}"))
                else:
                    taken[name] = 1
                labelled.append((name, m))
            self._weighted[i] = labelled

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = flatten_y(y_true, self.output_names, "y")
        y_pred = flatten_y(y_pred, self.output_names, "y_pred")
        if not self.built:
            self.build(y_true, y_pred)
        if y_true is None:
            raise ValueError("The model has compiled metrics, but no targets were given to update them.")
        for entries, yt, yp in zip(self._plain, y_true, y_pred):
            for _, metric in entries:
                metric.update_state(yt, yp)
        for entries, yt, yp in zip(self._weighted, y_true, y_pred):
            for _, metric in entries:
                metric.update_state(yt, yp, sample_weight=sample_weight)

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def result(self):
        """{log name: value}; empty until the first update builds the metrics."""
        return {label: metric.result() for entries in self._plain + self._weighted
                for label, metric in entries}

    def labels(self):
        return [label for entries in self._plain + self._weighted for label, _ in entries]

    def get_config(self):
        raise NotImplementedError("CompileMetrics is rebuilt by compile(); it has no config of its own.")
