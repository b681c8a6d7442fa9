"""``gradiente.metrics``: stateful metrics (``update_state`` / ``result`` / ``reset_state``)
and ``get``, which makes a new metric from a name and names it as written."""
from gradiente import _lazy
from gradiente.metrics.metric import Metric
from gradiente.utils.naming import to_snake_case

# typing.TYPE_CHECKING without importing typing; mypy reads this name as True.
TYPE_CHECKING = False

# Names load on first use (issue 18): training imports Metric and Mean, and a model compiled
# with "accuracy" needs only that module; the rest load when named (get, CLASSES, load_all).
_EXPORTS = {
    "gradiente.metrics.accuracy": (
        "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
        "SparseTopKCategoricalAccuracy", "TopKCategoricalAccuracy", "accuracy", "accuracy_for", "binary_accuracy",
        "categorical_accuracy", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
        "top_k_categorical_accuracy",
    ),
    "gradiente.metrics.at_constraint": ("PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
                                        "SpecificityAtSensitivity"),
    "gradiente.metrics.auc": ("AUC",),
    "gradiente.metrics.confusion": ("FalseNegatives", "FalsePositives", "Precision", "Recall", "TrueNegatives",
                                    "TruePositives"),
    "gradiente.metrics.correlation": ("ConcordanceCorrelation", "PearsonCorrelation", "concordance_correlation",
                                      "pearson_correlation"),
    "gradiente.metrics.f_score": ("F1Score", "FBetaScore"),
    "gradiente.metrics.iou": ("BinaryIoU", "IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU"),
    "gradiente.metrics.metric": ("Metric",),
    "gradiente.metrics.probabilistic": (
        "BinaryCrossentropy", "CategoricalCrossentropy", "CategoricalHinge", "Hinge", "KLDivergence", "Poisson",
        "SparseCategoricalCrossentropy", "SquaredHinge",
    ),
    "gradiente.metrics.reduction": ("Mean", "MeanMetricWrapper", "Sum"),
    "gradiente.metrics.regression": (
        "CosineSimilarity", "LogCoshError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
        "MeanSquaredLogarithmicError", "R2Score", "RootMeanSquaredError",
    ),
}
# Bound now: the name is also its module's, which would take its place once imported.
from gradiente.metrics.accuracy import accuracy  # noqa: E402

_getattr, _dir, _exported, load_all = _lazy.exports(globals(), _EXPORTS)
# Short aliases, besides each class's snake_case name (Keras's function names).
_ALIASES = {"mse": "MeanSquaredError", "MSE": "MeanSquaredError", "mae": "MeanAbsoluteError",
            "MAE": "MeanAbsoluteError", "mape": "MeanAbsolutePercentageError",
            "MAPE": "MeanAbsolutePercentageError", "msle": "MeanSquaredLogarithmicError",
            "MSLE": "MeanSquaredLogarithmicError", "bce": "BinaryCrossentropy", "BCE": "BinaryCrossentropy"}


def _tables():
    """``(CLASSES, NAMES)``: every metric class by class name, and by snake_case name or
    alias; built (loading every metric module) on first use, then stored as module names."""
    if "CLASSES" not in globals():
        classes = {name: value for name, value in load_all().items() if isinstance(value, type) and name != "Metric"}
        names = {to_snake_case(name): cls for name, cls in classes.items()}
        names.update({alias: classes[name] for alias, name in _ALIASES.items()})
        globals().update(CLASSES=classes, NAMES=names)
    return globals()["CLASSES"], globals()["NAMES"]


def __getattr__(name):
    if name in ("CLASSES", "NAMES"):
        return _tables()[name == "NAMES"]
    return _getattr(name)


def __dir__():
    return sorted(set(_dir()) | {"CLASSES", "NAMES"})


def get(identifier):
    """A metric from a name (a new instance named exactly as written: ``"MAE"`` gives a
    MeanAbsoluteError named ``MAE``), a config dict, or a Metric / callable (as is)."""
    if isinstance(identifier, Metric) or (callable(identifier) and not isinstance(identifier, (str, type))):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        classes, names = _tables()
        cls = classes.get(identifier) or names.get(identifier)
        if cls is not None:
            return cls(name=identifier)
    raise ValueError(
        f"Could not interpret metric identifier: {identifier}. Valid names: "
        f"{', '.join(sorted(set(_tables()[1]) | set(_tables()[0])))}."
    )


def serialize(metric):
    if not isinstance(metric, Metric):
        raise ValueError(f"Cannot serialize {metric!r}: it is not a Metric.")
    return {"module": "keras.metrics", "class_name": type(metric).__name__,
            "config": metric.get_config()}


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _tables()[0].get(name)
    if cls is None:
        raise ValueError(f"Could not interpret metric identifier: {name}.")
    return cls.from_config(config.get("config", {}))


__all__ = ["get", "serialize", "deserialize", *_exported]

if TYPE_CHECKING:  # what a type checker (and an IDE) sees; nothing here runs
    from gradiente.metrics.accuracy import (
        Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
        SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy, accuracy_for,
        binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
        sparse_top_k_categorical_accuracy, top_k_categorical_accuracy,
    )
    from gradiente.metrics.at_constraint import (
        PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
    )
    from gradiente.metrics.auc import AUC
    from gradiente.metrics.confusion import (
        FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    )
    from gradiente.metrics.correlation import (
        ConcordanceCorrelation, PearsonCorrelation, concordance_correlation, pearson_correlation,
    )
    from gradiente.metrics.f_score import F1Score, FBetaScore
    from gradiente.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
    from gradiente.metrics.probabilistic import (
        BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, Hinge, KLDivergence, Poisson,
        SparseCategoricalCrossentropy, SquaredHinge,
    )
    from gradiente.metrics.reduction import Mean, MeanMetricWrapper, Sum
    from gradiente.metrics.regression import (
        CosineSimilarity, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError,
        MeanSquaredError, MeanSquaredLogarithmicError, R2Score, RootMeanSquaredError,
    )
