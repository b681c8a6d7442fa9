"""Reading and setting the optimizer's learning rate, for the callbacks that schedule it."""


def _optimizer(model, owner):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(
            f"{owner} needs a compiled model whose optimizer has a `learning_rate`; "
            f"model.optimizer is {optimizer!r}. Call model.compile(optimizer=...) first."
        )
    return optimizer


def get_learning_rate(model, owner):
    return float(_optimizer(model, owner).learning_rate)


def set_learning_rate(model, value, owner):
    _optimizer(model, owner).learning_rate = float(value)
