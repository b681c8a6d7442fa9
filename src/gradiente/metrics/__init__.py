"""``gradiente.metrics``: stateful metrics (``update_state`` / ``result`` / ``reset_state``)
and ``get``, which makes a new metric from a name and names it as written."""
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
from gradiente.metrics.metric import Metric
from gradiente.metrics.probabilistic import (
    BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, Hinge, KLDivergence, Poisson,
    SparseCategoricalCrossentropy, SquaredHinge,
)
from gradiente.metrics.reduction import Mean, MeanMetricWrapper, Sum
from gradiente.metrics.regression import (
    CosineSimilarity, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredError, MeanSquaredLogarithmicError, R2Score, RootMeanSquaredError,
)
from gradiente.utils.naming import to_snake_case

CLASSES = {cls.__name__: cls for cls in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, Precision, Recall, AUC,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    RootMeanSquaredError, CosineSimilarity, LogCoshError, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge,
    SquaredHinge, CategoricalHinge, F1Score, FBetaScore, R2Score, MeanMetricWrapper,
    TruePositives, TrueNegatives, FalsePositives, FalseNegatives, PrecisionAtRecall,
    RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, IoU, MeanIoU,
    BinaryIoU, OneHotIoU, OneHotMeanIoU, PearsonCorrelation, ConcordanceCorrelation,
)}
# snake_case names (Keras's function names) and short aliases.
NAMES = {to_snake_case(name): cls for name, cls in CLASSES.items()}
NAMES.update({
    "mse": MeanSquaredError, "MSE": MeanSquaredError, "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError, "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError, "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
})


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
        cls = CLASSES.get(identifier) or NAMES.get(identifier)
        if cls is not None:
            return cls(name=identifier)
    raise ValueError(
        f"Could not interpret metric identifier: {identifier}. Valid names: "
        f"{', '.join(sorted(set(NAMES) | set(CLASSES)))}."
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
    cls = (custom_objects or {}).get(name) or CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Could not interpret metric identifier: {name}.")
    return cls.from_config(config.get("config", {}))


__all__ = ["Metric", "get", "serialize", "deserialize", "accuracy_for", "accuracy",
           "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
           "pearson_correlation", "concordance_correlation"] + list(CLASSES)
