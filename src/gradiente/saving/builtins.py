"""The built-in classes and functions a config may name, per category, and the ``module``
label Keras 3 writes for each category.

The tables are fixed (a file cannot add to them) and built once, on first use, from the
library's own modules. A ``module`` label in a config only chooses among these tables; it
is never imported.
"""
import functools
import inspect

# The label Keras 3 writes in "module" for a built-in object of each category.
CATEGORY_MODULES = {
    "layers": "keras.layers", "optimizers": "keras.optimizers",
    "schedules": "keras.optimizers.schedules", "losses": "keras.losses",
    "metrics": "keras.metrics", "initializers": "keras.initializers",
    "regularizers": "keras.regularizers", "constraints": "keras.constraints",
}
# Keras 3 writes these for its model classes (and "keras.layers" for InputLayer).
MODEL_MODULES = {"Sequential": "keras", "Model": "keras", "Functional": "keras.src.models.functional"}
FUNCTION_CATEGORIES = ("activations", "losses", "metrics")


@functools.lru_cache(maxsize=None)
def classes(category):
    """{class name: class} of the built-in classes of ``category``."""
    from gradiente import constraints, initializers, layers, losses, metrics, models, optimizers, regularizers
    from gradiente.layers.layer import Layer

    if category == "layers":
        # layers.load_all(): gradiente.layers loads its names on first use, so its namespace
        # holds only those read so far.
        exported = {**layers.load_all(), **vars(models)}
        found = {name: obj for name, obj in exported.items()
                 if isinstance(obj, type) and issubclass(obj, Layer) and not name.startswith("_")}
        # Keras writes a class's own name, which can differ from the name it is exported
        # under (GroupedQueryAttention, exported as GroupQueryAttention).
        for cls in list(found.values()):
            found.setdefault(cls.__name__, cls)
        # keras.ops calls in a graph (x + y): not exported, but a Functional config holds them.
        from gradiente.layers.op_layer import OpLayer

        found["OpLayer"] = OpLayer
        return found
    if category == "optimizers":
        return {cls.__name__: cls for cls in optimizers.ALL.values()}
    if category == "schedules":
        return dict(optimizers.schedules.ALL)
    if category == "losses":
        return dict(losses.CLASSES)
    if category == "metrics":
        return dict(metrics.CLASSES)
    if category == "initializers":
        return dict(initializers._CLASSES)
    if category == "regularizers":
        return {cls.__name__: cls for cls in set(regularizers._NAMES.values())}
    if category == "constraints":
        return {cls.__name__: cls for cls in set(constraints._NAMES.values())}
    raise ValueError(f"Unknown object category {category!r}.")


@functools.lru_cache(maxsize=None)
def functions(category):
    """{name: function} of the built-in functions of ``category`` (activations, losses,
    metrics) that a config may name."""
    from gradiente import activations, losses, metrics

    if category == "activations":
        return {**activations.ALL, **activations._ALIASES}
    if category == "losses":
        return dict(losses.FUNCTIONS)
    if category == "metrics":
        return {name: getattr(metrics, name) for name in metrics.__all__
                if inspect.isfunction(getattr(metrics, name, None))}
    raise ValueError(f"Unknown function category {category!r}.")


def category_of_module(module):
    """The category a ``module`` label names ("keras.layers", "gradiente.losses", ...), or
    None for a label that names no built-in category."""
    if not isinstance(module, str):
        return None
    package, _, rest = module.partition(".")
    if package not in ("keras", "gradiente"):
        return None
    if rest in ("", "models", "src.models.functional", "src.models.sequential", "src.models.model"):
        return "layers"  # models live in the layers table
    for category in (*CATEGORY_MODULES, "activations"):
        if rest == category or rest.endswith("." + category):
            return category
    return None


def find_class(class_name, module=None):
    """The built-in class ``class_name`` in the category ``module`` names; with no usable
    label, the one class of that name in any category. Returns (class or None, candidates):
    several candidates mean the name is ambiguous without a label (a loss and a metric
    share ``MeanSquaredError``)."""
    category = category_of_module(module)
    if category is not None and category != "activations":
        cls = classes(category).get(class_name)
        return cls, [cls] if cls else []
    found = [(cat, classes(cat)[class_name]) for cat in CATEGORY_MODULES if class_name in classes(cat)]
    if len(found) == 1:
        return found[0][1], [found[0][1]]
    return None, [f"{CATEGORY_MODULES[cat]}.{class_name}" for cat, _ in found]


def find_function(name, module=None):
    """The built-in function ``name``: in the category ``module`` names, else the first of
    activations, losses, metrics that has it."""
    category = category_of_module(module)
    order = (category,) if category in FUNCTION_CATEGORIES else FUNCTION_CATEGORIES
    for cat in order:
        fn = functions(cat).get(name)
        if fn is not None:
            return fn
    return None


def module_label(cls):
    """The ``module`` Keras 3 writes for the built-in class ``cls``; None for a class that
    is not built in."""
    for category in CATEGORY_MODULES:
        if classes(category).get(cls.__name__) is cls:
            if category == "layers" and cls.__name__ in MODEL_MODULES:
                return MODEL_MODULES[cls.__name__]
            return CATEGORY_MODULES[category]
    return None


def is_builtin_function(fn):
    name = getattr(fn, "__name__", None)
    return any(functions(cat).get(name) is fn for cat in FUNCTION_CATEGORIES)
