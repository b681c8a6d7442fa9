"""``gradiente.losses``: loss functions (per-sample values) and Loss classes (weighted,
reduced), with ``get`` / ``serialize`` / ``deserialize`` as Keras names them."""
from gradiente.losses.ctc import CTC, ctc
from gradiente.losses.focal import (
    BinaryFocalCrossentropy, CategoricalFocalCrossentropy, binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from gradiente.losses.hinge import (
    CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge,
)
from gradiente.losses.loss import Loss, LossFunctionWrapper, reduce_weighted_values
from gradiente.losses.probabilistic import (
    BinaryCrossentropy, CategoricalCrossentropy, CategoricalGeneralizedCrossEntropy, KLDivergence,
    Poisson, SparseCategoricalCrossentropy, binary_crossentropy, categorical_crossentropy,
    categorical_generalized_cross_entropy, kl_divergence, poisson, sparse_categorical_crossentropy,
)
from gradiente.losses.regression import (
    CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredError, MeanSquaredLogarithmicError, cosine_similarity, huber, log_cosh,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error,
)
from gradiente.losses.segmentation import Dice, Tversky, dice, tversky
from gradiente.losses.similarity import Circle, circle

# Keras's short aliases are the same function objects.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
bce = BCE = binary_crossentropy
kld = KLD = kl_divergence

FUNCTIONS = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, poisson, hinge,
    squared_hinge, categorical_hinge, cosine_similarity, binary_focal_crossentropy,
    categorical_focal_crossentropy, dice, tversky, circle, ctc, categorical_generalized_cross_entropy,
)}
ALIASES = {"mse": mse, "MSE": mse, "mae": mae, "MAE": mae, "mape": mape, "MAPE": mape,
           "msle": msle, "MSLE": msle, "bce": bce, "BCE": bce, "kld": kld, "KLD": kld}
CLASSES = {cls.__name__: cls for cls in (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    Huber, LogCosh, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge, CosineSimilarity,
    BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice, Tversky, Circle,
    CTC, CategoricalGeneralizedCrossEntropy,
)}
# The class that wraps each function, for code that needs a weighted, reduced Loss object.
CLASS_OF = {
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError, huber: Huber, log_cosh: LogCosh,
    binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy, kl_divergence: KLDivergence,
    poisson: Poisson, hinge: Hinge, squared_hinge: SquaredHinge,
    categorical_hinge: CategoricalHinge, cosine_similarity: CosineSimilarity,
    binary_focal_crossentropy: BinaryFocalCrossentropy,
    categorical_focal_crossentropy: CategoricalFocalCrossentropy, dice: Dice, tversky: Tversky,
    circle: Circle, ctc: CTC, categorical_generalized_cross_entropy: CategoricalGeneralizedCrossEntropy,
}


def _valid_names():
    return ", ".join(list(FUNCTIONS) + list(ALIASES) + list(CLASSES))


def get(identifier):
    """A loss from a name, a config dict, a Loss instance or a callable (returned as is).

    Every name gives a new Loss *object* (``"mse"`` -> ``MeanSquaredError()``, whose
    ``.fn`` is the function), so the result takes ``sample_weight`` and reduces; Keras
    returns the bare function for function names. ``to_loss`` also wraps callables.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        fn = FUNCTIONS.get(identifier) or ALIASES.get(identifier)
        if fn is not None:
            return CLASS_OF[fn]()
        if identifier in CLASSES:
            return CLASSES[identifier]()
        raise ValueError(
            f"Could not interpret loss identifier: {identifier}. Valid names: {_valid_names()}."
        )
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def to_loss(identifier):
    """A Loss object for any identifier ``get`` accepts: plain functions are wrapped in
    their Keras class (or a LossFunctionWrapper for user functions). What compile() needs."""
    loss = get(identifier)
    if loss is None or isinstance(loss, Loss):
        return loss
    cls = CLASS_OF.get(loss)
    return cls() if cls is not None else LossFunctionWrapper(loss)


def serialize(loss):
    """A Loss instance -> ``{"class_name", "config"}``; a named function -> its name."""
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config()}
    name = getattr(loss, "__name__", None)
    if name in FUNCTIONS and FUNCTIONS[name] is loss:
        return name
    raise ValueError(
        f"Cannot serialize loss {loss!r}: it is neither a Loss instance nor a named loss "
        "function of gradiente.losses."
    )


def deserialize(config, custom_objects=None):
    """A loss from ``serialize``'s output."""
    if isinstance(config, str):
        found = (custom_objects or {}).get(config)
        return found if found is not None else FUNCTIONS.get(config) or get(config)
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or CLASSES.get(name)
    if cls is None:
        if name in FUNCTIONS or name == "function":
            return FUNCTIONS[config.get("config") if name == "function" else name]
        raise ValueError(f"Could not interpret loss identifier: {name}. Valid names: {_valid_names()}.")
    return cls.from_config(config.get("config", {}))


__all__ = (["Loss", "LossFunctionWrapper", "reduce_weighted_values", "get", "to_loss",
            "serialize", "deserialize"] + list(FUNCTIONS) + list(ALIASES) + list(CLASSES))
