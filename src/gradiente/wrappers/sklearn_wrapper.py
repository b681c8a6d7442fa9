"""scikit-learn estimators wrapping a gradiente model (Keras 3's ``keras.wrappers``).

``model`` is a compiled Model (cloned for each ``fit`` unless ``warm_start``) or a callable
``model(X=..., y=..., **model_kwargs)`` returning a compiled Model. X: (n_samples,
n_features); y: (n_samples,) or (n_samples, n_outputs).
"""
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from gradiente.models.cloning import clone_model
from gradiente.models.model import Model

try:  # scikit-learn >= 1.6 moved data validation to a function
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _sk_validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)


def _validate(estimator, X, y=None, reset=True):
    # Keras's models compute in float32; validating to it also rejects strings and NaN early.
    if y is None:
        return _sk_validate_data(estimator, X, reset=reset, dtype=np.float32)
    return _sk_validate_data(estimator, X, y, reset=reset, dtype=np.float32, multi_output=True,
                             y_numeric=False)


class _KerasEstimator(BaseEstimator):
    """What the three wrappers share: building the model, fitting it, predicting."""

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True  # weights start random unless the user seeds them
        return tags

    @property
    def epoch_(self):
        """Epochs run by the last ``fit``."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def _build_model(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            model = self.model if self.warm_start else clone_model(self.model)
        elif callable(self.model):
            model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        else:
            raise TypeError(
                f"{type(self).__name__}: `model` must be a compiled gradiente Model or a callable "
                f"returning one, received {type(self.model).__name__}."
            )
        if not isinstance(model, Model):
            raise TypeError(
                f"{type(self).__name__}: the `model` callable returned {type(model).__name__}, "
                "not a gradiente Model."
            )
        if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None \
                or getattr(model, "loss", None) is None:
            raise RuntimeError(
                f"{type(self).__name__}: model '{model.name}' must be compiled with a loss and an "
                "optimizer before the wrapper fits it."
            )
        return model

    def fit(self, X, y, **kwargs):
        """Fit the model on X, y; keyword arguments go to ``Model.fit`` (they override
        ``fit_kwargs``). Returns self."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X, y = _validate(self, X, y, reset=True)
        y_model = self._encode_target(y, reset=True)
        model = self._build_model(X, y_model)
        # A copy: scikit-learn's contract forbids fit from changing constructor arguments.
        fit_kwargs = {**(self.fit_kwargs or {}), **kwargs}
        fit_kwargs.setdefault("verbose", 0)
        self.history_ = model.fit(X, y_model, **fit_kwargs)
        self.model_ = model
        return self

    def _raw_predict(self, X):
        check_is_fitted(self)
        X = _validate(self, X, reset=False)
        return np.asarray(self.model_.predict(X, verbose=0))

    def _encode_target(self, y, reset):
        # Object arrays of numbers are 'unknown' to scikit-learn; it raises "Unknown label type".
        type_of_target(y, input_name="y", raise_unknown=True)
        y = np.asarray(y, dtype=np.float32)
        if reset:
            self._y_ndim = y.ndim
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def predict(self, X):
        """Predictions for X, in the shape of the targets ``fit`` saw."""
        return self._decode_target(self._raw_predict(X))

    def _decode_target(self, out):
        return out


class SKLearnClassifier(ClassifierMixin, _KerasEstimator):
    """A classifier: targets are one-hot encoded for the model, which outputs one column
    per class (``classes_``); ``predict`` returns the class of the largest output and
    ``decision_function`` the raw outputs (n_samples, n_classes). As in Keras there is no
    ``predict_proba``: the outputs are probabilities only if the last layer makes them so."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags

    def _encode_target(self, y, reset):
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"SKLearnClassifier supports binary and multiclass targets only; y is '{kind}'."
            )
        y = np.asarray(y).reshape(-1, 1)
        if reset:
            self._encoder = OneHotEncoder(sparse_output=False, dtype=np.float32).fit(y)
            self.classes_ = self._encoder.categories_[0]
            if len(self.classes_) < 2:
                raise ValueError(
                    "SKLearnClassifier can't train with only one class in y "
                    f"({self.classes_[0]!r}); a classifier needs at least two."
                )
        return self._encoder.transform(y)

    def _decode_target(self, out):
        if out.ndim != 2 or out.shape[1] != len(self.classes_):
            raise ValueError(
                f"SKLearnClassifier: the model outputs shape {out.shape}, but there are "
                f"{len(self.classes_)} classes: its last layer needs one unit per class."
            )
        return self.classes_[np.argmax(out, axis=1)]

    def decision_function(self, X):
        """The model's raw outputs, (n_samples, n_classes)."""
        return self._raw_predict(X)


class SKLearnRegressor(RegressorMixin, _KerasEstimator):
    """A regressor: y (n_samples,) or (n_samples, n_outputs) is fitted as given; ``predict``
    returns the same shape."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags

    def _decode_target(self, out):
        if self._y_ndim == 1 and out.ndim == 2 and out.shape[1] == 1:
            return out[:, 0]
        return out


class SKLearnTransformer(TransformerMixin, _KerasEstimator):
    """A transformer: ``fit`` trains the model on X, y; ``transform(X)`` returns the model's
    outputs (n_samples, n_outputs), e.g. an embedding."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # outputs are float32 whatever X was
        return tags

    def transform(self, X):
        """The model's outputs for X."""
        return self._raw_predict(X)
