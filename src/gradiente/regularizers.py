"""Weight penalties: ``l1``, ``l2``, ``l1_l2``. A regularizer maps a weight tensor to a scalar
loss that training adds to the objective (``layer.losses``)."""
from gradiente import ops


class Regularizer:
    def __call__(self, x):  # pragma: no cover - abstract
        raise NotImplementedError("Regularizer subclasses implement __call__ (abstract)")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """l1 · sum(|x|) + l2 · sum(x²)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = float(_check("l1", l1))
        self.l2 = float(_check("l2", l2))

    def __call__(self, x):
        loss = 0.0
        if self.l1:
            loss = ops.multiply(self.l1, ops.sum(ops.abs(x)))
        if self.l2:
            loss = ops.add(loss, ops.multiply(self.l2, ops.sum(ops.square(x))))
        return ops.convert_to_tensor(loss) if not isinstance(loss, ops.Tensor) else loss

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def _check(name, value):
    if value is None or value < 0:
        raise ValueError(f"Regularizer: {name} must be a non-negative number, received {value!r}.")
    return value


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
_NAMES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier not in _NAMES:
            found = _user_component(identifier)
            if found is None:
                raise ValueError(
                    f"Could not interpret regularizer identifier: {identifier!r}. Valid names: l1, l2, "
                    "l1_l2; a custom one must be registered with "
                    "@keras.saving.register_keras_serializable() or given in custom_objects."
                )
            return found
        return _NAMES[identifier]()
    if isinstance(identifier, dict):
        cls = _NAMES.get(identifier.get("class_name"))
        if cls is None:
            return _user_component(identifier)
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(regularizer):
    """``{"class_name", "config"}`` for a built-in regularizer; Keras 3's full record, with
    the registered name, for a user regularizer or function."""
    from gradiente.saving.serialization_lib import component_record

    return component_record(regularizer, {cls.__name__: cls for cls in _NAMES.values()}, "regularizer")


def _user_component(identifier):
    from gradiente.saving.serialization_lib import user_component

    return user_component(identifier, "regularizer")
