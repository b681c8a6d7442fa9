"""``keras.wrappers``: scikit-learn estimators around gradiente models.

scikit-learn is an optional extra; it is imported when a wrapper is first looked up, so
``import gradiente`` stays light and a missing install says what to run.
"""

import importlib

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def __getattr__(name):
    if name not in __all__:
        raise AttributeError(f"module 'gradiente.wrappers' has no attribute '{name}'")
    try:
        importlib.import_module("sklearn")
    except ImportError as exc:
        raise ImportError(
            f"gradiente.wrappers.{name} needs scikit-learn: pip install 'gradiente[sklearn]' "
            "(or pip install scikit-learn)."
        ) from exc
    from gradiente.wrappers import sklearn_wrapper

    return getattr(sklearn_wrapper, name)


def __dir__():
    return sorted(list(globals()) + __all__)
