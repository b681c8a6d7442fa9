"""Issue 18: ``import gradiente`` loads subpackages on first use, and every way in still works.

Each check that depends on what is already imported runs in a fresh interpreter.
"""
import ast
import os
import subprocess
import sys

import numpy as np
import pytest

import gradiente

SRC = os.path.dirname(os.path.dirname(os.path.abspath(gradiente.__file__)))


def run_python(code):
    """Run ``code`` in a fresh interpreter that imports this checkout; return its stdout."""
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def loaded_after(statement):
    code = f"import sys\n{statement}\nprint(sorted(sys.modules))"
    return set(ast.literal_eval(run_python(code).splitlines()[-1]))


def subpackages():
    """The package's own modules and subpackages, read from its folder."""
    folder = os.path.dirname(gradiente.__file__)
    names = set()
    for entry in os.scandir(folder):
        if entry.name.endswith(".py") and not entry.name.startswith("_"):
            names.add(entry.name[:-3])
        elif entry.is_dir() and os.path.exists(os.path.join(entry.path, "__init__.py")):
            names.add(entry.name)
    return sorted(names)


def test_bare_import_loads_no_subpackage():
    loaded = loaded_after("import gradiente")
    assert [m for m in loaded if m.startswith("gradiente.")] == []
    for heavy in ("gradiente.saving", "gradiente.callbacks", "matplotlib", "numpy", "zipfile", "json"):
        assert heavy not in loaded


def test_building_a_model_does_not_load_saving_callbacks_or_plotting():
    loaded = loaded_after("import gradiente as keras\n"
                          "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
                          "model.compile(optimizer='sgd', loss='mse', metrics=['mae'])")
    assert "gradiente.layers" in loaded and "gradiente.models" in loaded
    for lazy in ("gradiente.saving", "gradiente.callbacks", "gradiente.datasets", "gradiente.visualization",
                 "matplotlib", "zipfile", "socket"):
        assert lazy not in loaded, lazy


def test_each_subpackage_is_an_attribute_in_a_fresh_interpreter():
    # One interpreter per name, so an import cycle that only bites when that subpackage is
    # the first one loaded shows up.
    names = subpackages()
    assert {"layers", "models", "ops", "saving", "callbacks", "optimizers", "metrics", "losses",
            "utils", "datasets", "backend", "visualization"} <= set(names)
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    code = ("import sys, types, gradiente\nname = sys.argv[1]\nvalue = getattr(gradiente, name)\n"
            "assert isinstance(value, types.ModuleType) and value.__name__ == 'gradiente.' + name, value\n"
            "assert value is sys.modules['gradiente.' + name]\n")
    failures = {}
    for start in range(0, len(names), 4):  # a few at a time: each loads most of the library
        running = {name: subprocess.Popen([sys.executable, "-c", code, name], env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True) for name in names[start:start + 4]}
        for name, process in running.items():
            _, err = process.communicate(timeout=180)
            if process.returncode:
                failures[name] = err.strip().splitlines()[-1:]
    assert failures == {}


@pytest.mark.parametrize("statement", [
    "from gradiente.layers import Dense",
    "from gradiente.models import Sequential",
    "import gradiente.autodiff",
    "from gradiente.losses import MeanSquaredError",
    "from gradiente.optimizers import SGD",
])
def test_a_submodule_imported_first_works(statement):
    run_python(statement)


def test_top_level_names_resolve_to_their_modules():
    keras = gradiente
    assert keras.Sequential is keras.models.Sequential and keras.Model is keras.models.Model
    assert keras.Input is keras.layers.Input and keras.Layer is keras.layers.Layer
    assert keras.Tensor is keras.autodiff.Tensor and keras.Variable is keras.autodiff.Variable
    assert keras.convert_to_tensor is keras.ops.convert_to_tensor
    assert keras.Loss is keras.losses.Loss and keras.Metric is keras.metrics.Metric
    assert keras.Optimizer is keras.optimizers.Optimizer
    from gradiente import layers

    assert layers.Dense is keras.layers.Dense
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert model.predict(np.ones((1, 3), dtype='float32'), verbose=0).shape == (1, 2)


def test_models_reexports_saving_functions_lazily():
    assert gradiente.models.load_model is gradiente.saving.load_model
    assert gradiente.models.save_model is gradiente.saving.save_model
    assert gradiente.models.model_from_json is gradiente.saving.model_from_json
    assert {"load_model", "save_model", "model_from_json", "Sequential"} <= set(dir(gradiente.models))
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        gradiente.models.nonexistent


def test_dir_lists_every_subpackage_and_exported_name():
    listed = set(dir(gradiente))
    assert set(subpackages()) <= listed
    assert set(gradiente.__all__) <= listed
    assert {"Sequential", "Model", "Input", "layers", "version", "__version__"} <= listed
    for name in gradiente.__all__:
        assert getattr(gradiente, name) is not None


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'gradiente' has no attribute 'no_such_thing'"):
        gradiente.no_such_thing
    assert not hasattr(gradiente, "_private_name")


def test_a_submodule_missing_its_own_dependency_says_so(tmp_path, monkeypatch):
    # Only a missing gradiente.<name> is "no such attribute"; a module that exists but cannot
    # import what it needs must not hide that behind an AttributeError.
    (tmp_path / "needs_missing_dependency.py").write_text("import gradiente_test_no_such_dependency\n")
    monkeypatch.setattr(gradiente, "__path__", [*gradiente.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "gradiente.needs_missing_dependency", raising=False)
    with pytest.raises(ModuleNotFoundError, match="gradiente_test_no_such_dependency"):
        gradiente.needs_missing_dependency
    assert "needs_missing_dependency" in dir(gradiente)


# Public Layer subclasses under gradiente/layers that Keras does not export either: bases
# shared by exported layers, and the graph's op layer. A new class must be exported (in
# gradiente.layers._EXPORTS) or named here.
INTERNAL_LAYER_CLASSES = {
    "Conv", "ConvTranspose", "DepthwiseConv", "SeparableConv", "Pooling", "GlobalPooling", "Cropping",
    "UpSampling", "ZeroPadding", "OpLayer", "DataLayer", "IndexLookup", "BaseImagePreprocessingLayer",
    "RandomImageLayer", "RandomAffineLayer",
}


def test_every_lazy_layer_name_is_the_object_its_module_defines():
    import importlib

    from gradiente import layers

    table = {name: module for module, names in layers._EXPORTS.items() for name in names}
    assert len(table) == sum(map(len, layers._EXPORTS.values()))  # no name listed twice
    assert sorted(layers.__all__) == sorted(table)
    assert set(table) <= set(dir(layers))
    for name, module in table.items():
        assert getattr(layers, name) is getattr(importlib.import_module(module), name), name
        assert name in vars(layers)  # cached after the first read: later reads are plain
    namespace = {}
    exec("from gradiente.layers import *", namespace)
    assert {n: v for n, v in namespace.items() if n != "__builtins__"} == {n: vars(layers)[n] for n in table}
    assert layers.load_all() == {name: getattr(layers, name) for name in table}


def test_the_layer_table_lists_every_public_layer_class():
    import importlib
    import pkgutil

    from gradiente import layers
    from gradiente.layers.layer import Layer

    exported = {id(value) for value in layers.load_all().values()}
    defined = {}
    for info in pkgutil.walk_packages(layers.__path__, "gradiente.layers."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (isinstance(value, type) and issubclass(value, Layer) and value.__module__ == info.name
                    and not name.startswith("_")):
                defined[name] = value
    assert len(defined) > 100  # the walk found the catalogue
    forgotten = {name for name, cls in defined.items() if id(cls) not in exported} - INTERNAL_LAYER_CLASSES
    assert forgotten == set(), "add these to gradiente.layers._EXPORTS (or INTERNAL_LAYER_CLASSES)"
    assert INTERNAL_LAYER_CLASSES <= set(defined)  # no stale entries


def test_a_layer_loads_only_its_own_modules():
    loaded = loaded_after("import gradiente as keras\nkeras.Sequential; keras.layers.Dense; keras.Input")
    assert {"gradiente.layers.dense", "gradiente.layers.input_layer", "gradiente.layers.op_layer"} <= loaded
    for lazy in ("gradiente.layers.recurrent", "gradiente.layers.convolutional", "gradiente.layers.preprocessing",
                 "gradiente.layers.attention", "gradiente.layers.pooling", "gradiente.layers.serialization",
                 "numpy.random"):  # ~10 ms: the library's generator is made when first drawn from
        assert lazy not in loaded, lazy


def test_each_layer_module_imported_first_in_a_fresh_interpreter():
    # Each module of the table is the first one read through gradiente.layers, so an import
    # cycle hidden by the old import-everything order shows up. One interpreter: forgetting
    # every gradiente module before each try is as fresh, and NumPy loads only once.
    code = ("import importlib, sys\nfrom gradiente import layers\nfailed = []\n"
            "for module, names in layers._EXPORTS.items():\n"
            "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'gradiente']:\n"
            "        del sys.modules[loaded]\n"
            "    try:\n"
            "        from gradiente import layers as fresh\n"
            "        assert getattr(fresh, names[0]) is getattr(importlib.import_module(module), names[0])\n"
            "    except Exception as error:\n"
            "        failed.append(f'{module}: {error!r}')\n"
            "print(len(layers._EXPORTS), failed)\n")
    count, failed = run_python(code).split(" ", 1)
    assert int(count) > 40 and failed.strip() == "[]", failed


def test_a_preprocessing_layer_loads_only_its_module():
    loaded = loaded_after("import gradiente as keras\nkeras.layers.Rescaling; keras.layers.RandomFlip")
    assert {"gradiente.layers.preprocessing.rescaling", "gradiente.layers.preprocessing.image.random_flip"} <= loaded
    for lazy in ("gradiente.layers.preprocessing.hashing", "gradiente.layers.preprocessing.text_vectorization",
                 "gradiente.layers.preprocessing.image.random_zoom"):
        assert lazy not in loaded, lazy
    from gradiente.layers import preprocessing

    assert preprocessing.load_all()["Resizing"] is preprocessing.image.Resizing


def test_a_missing_layer_name_is_an_attribute_error():
    from gradiente import layers

    with pytest.raises(AttributeError, match="module 'gradiente.layers' has no attribute 'Dense2'"):
        layers.Dense2
    with pytest.raises(ImportError, match="Dense2"):
        exec("from gradiente.layers import Dense2", {})
    assert layers.recurrent is sys.modules["gradiente.layers.recurrent"]  # a submodule, as before


@pytest.mark.parametrize("package", ["gradiente.layers", "gradiente.metrics", "gradiente.optimizers",
                                     "gradiente.layers.preprocessing", "gradiente.layers.preprocessing.image"])
def test_lazy_names_survive_their_modules_being_imported_directly(package):
    # Importing package.x sets the package's attribute x to the module: a lazy name equal to
    # a module's (metrics.accuracy) must not be replaced by it.
    code = ("import importlib, sys\npackage = importlib.import_module(sys.argv[1])\n"
            "for module in package._EXPORTS:\n    importlib.import_module(module)\n"
            "wrong = [name for module, names in package._EXPORTS.items() for name in names\n"
            "         if getattr(package, name) is not getattr(sys.modules[module], name)]\n"
            "assert sorted(package.__all__) == sorted(set(package.__all__)), package.__all__\n"
            "print(len(package.__all__), wrong)\n")
    count, wrong = run_python(code.replace("sys.argv[1]", repr(package))).split(" ", 1)
    assert int(count) > 8 and wrong.strip() == "[]", wrong


def test_compiling_with_names_loads_only_those():
    loaded = loaded_after("import gradiente as keras\n"
                          "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
                          "model.compile(optimizer='sgd', loss='mse', metrics=['accuracy'])")
    assert {"gradiente.optimizers.sgd", "gradiente.metrics.accuracy"} <= loaded
    for lazy in ("gradiente.optimizers.adam", "gradiente.optimizers.ftrl", "gradiente.metrics.auc"):
        assert lazy not in loaded, lazy
    from gradiente import optimizers

    assert list(optimizers.ALL) == ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
                                    "lion", "ftrl"]
    assert all(optimizers.ALL[name.lower()] is getattr(optimizers, name) for name in optimizers.load_all())
    assert type(optimizers.get("Nadam")) is optimizers.Nadam and "ALL" in dir(optimizers)


def test_metrics_load_on_first_use_and_tables_stay_complete():
    loaded = loaded_after("import gradiente as keras\nkeras.Sequential; keras.layers.Dense; keras.Input")
    assert {"gradiente.metrics.metric", "gradiente.metrics.reduction"} <= loaded
    for lazy in ("gradiente.metrics.auc", "gradiente.metrics.iou", "gradiente.metrics.probabilistic",
                 "gradiente.losses"):
        assert lazy not in loaded, lazy
    from gradiente import metrics

    assert metrics.get("mae").__class__ is metrics.MeanAbsoluteError and metrics.NAMES["bce"] is metrics.BinaryCrossentropy
    assert set(metrics.CLASSES) == {n for n in metrics.__all__ if isinstance(getattr(metrics, n), type)} - {"Metric"}
    assert {"CLASSES", "NAMES", "AUC", "get"} <= set(dir(metrics))
    assert callable(metrics.accuracy) and not isinstance(metrics.accuracy, type(metrics))
