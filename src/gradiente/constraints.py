"""Weight constraints, applied after each optimizer update: ``max_norm``, ``non_neg``,
``unit_norm``, ``min_max_norm``. A constraint maps a weight array to its projection."""
import numpy as np


class Constraint:
    def __call__(self, w):  # pragma: no cover - abstract
        raise NotImplementedError("Constraint subclasses implement __call__ (abstract)")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class NonNeg(Constraint):
    def __call__(self, w):
        return np.maximum(w, 0)


class MaxNorm(Constraint):
    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = np.sqrt(np.sum(np.square(w), axis=self.axis, keepdims=True))
        return w * (np.clip(norms, 0, self.max_value) / (1e-7 + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (1e-7 + np.sqrt(np.sum(np.square(w), axis=self.axis, keepdims=True)))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = np.sqrt(np.sum(np.square(w), axis=self.axis, keepdims=True))
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


non_neg, max_norm, unit_norm, min_max_norm = NonNeg, MaxNorm, UnitNorm, MinMaxNorm
_NAMES = {"non_neg": NonNeg, "max_norm": MaxNorm, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm,
          "NonNeg": NonNeg, "MaxNorm": MaxNorm, "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm}


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier not in _NAMES:
            found = _user_component(identifier)
            if found is None:
                raise ValueError(f"Could not interpret constraint identifier: {identifier!r}. "
                                 f"Valid names: {', '.join(sorted(n for n in _NAMES if n.islower()))}; "
                                 "a custom one must be registered with "
                                 "@keras.saving.register_keras_serializable() or given in custom_objects.")
            return found
        return _NAMES[identifier]()
    if isinstance(identifier, dict):
        cls = _NAMES.get(identifier.get("class_name"))
        if cls is None:
            return _user_component(identifier)
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")


def _user_component(identifier):
    from gradiente.saving.serialization_lib import user_component

    return user_component(identifier, "constraint")
