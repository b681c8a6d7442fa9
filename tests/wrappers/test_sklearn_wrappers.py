"""The scikit-learn wrappers inside scikit-learn's own tools: Pipeline, GridSearchCV,
cross_val_score, clone, pickle; and what they refuse."""
import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import gradiente as keras  # noqa: E402
from gradiente.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402


def classifier_model(X, y, hidden=16, learning_rate=0.01):
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(X.shape[1],))
    h = keras.layers.Dense(hidden, activation="relu")(inputs)
    outputs = keras.layers.Dense(y.shape[1], activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(learning_rate))
    return model


def regressor_model(X, y, hidden=16):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(0.02))
    return model


@pytest.fixture(scope="module")
def blobs():
    X, y = make_classification(n_samples=240, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=3, class_sep=2.0, random_state=0)
    return X * 10 + 5, np.array(["cat", "dog", "emu"])[y]  # unscaled features, string labels


def test_pipeline_grid_search_learns_and_keeps_labels(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), SKLearnClassifier(classifier_model, fit_kwargs={"epochs": 25}))
    grid = GridSearchCV(pipe, {"sklearnclassifier__model_kwargs": [{"hidden": 4}, {"hidden": 16}]}, cv=2)
    grid.fit(X, y)
    assert set(grid.cv_results_["params"][0]) == {"sklearnclassifier__model_kwargs"}
    assert grid.best_score_ > 0.8  # three classes: chance is 1/3
    predicted = grid.predict(X[:10])
    assert predicted.dtype.kind == "U" and set(predicted) <= {"cat", "dog", "emu"}
    estimator = grid.best_estimator_[-1]
    assert list(estimator.classes_) == ["cat", "dog", "emu"]
    assert estimator.decision_function(StandardScaler().fit(X).transform(X[:4])).shape == (4, 3)
    assert estimator.n_features_in_ == 6


def test_cross_val_score_and_clone(blobs):
    X, y = blobs
    est = SKLearnClassifier(classifier_model, model_kwargs={"hidden": 16}, fit_kwargs={"epochs": 25})
    scores = cross_val_score(make_pipeline(StandardScaler(), est), X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8
    twin = clone(est)
    assert twin is not est and twin.get_params()["model_kwargs"] == {"hidden": 16}
    assert twin.get_params()["fit_kwargs"] == {"epochs": 25}
    assert not hasattr(twin, "model_")


def test_fit_does_not_change_constructor_arguments(blobs):
    X, y = blobs
    fit_kwargs = {"epochs": 2}
    est = SKLearnClassifier(classifier_model, fit_kwargs=fit_kwargs)
    est.fit(X, y, epochs=3, batch_size=16)
    assert fit_kwargs == {"epochs": 2} and est.fit_kwargs is fit_kwargs
    assert est.epoch_ == 3  # the fit-time argument wins


def test_regressor_shapes_and_score():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=1)
    y = (y - y.mean()) / y.std()
    est = make_pipeline(StandardScaler(), SKLearnRegressor(regressor_model, fit_kwargs={"epochs": 60}))
    est.fit(X, y)
    assert est.predict(X).shape == (200,)
    assert est.score(X, y) > 0.9


def test_transformer_gives_model_outputs():
    X, y = make_regression(n_samples=60, n_features=4, n_targets=2, random_state=0)

    def embedding_model(X, y):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.compile(loss="mse", optimizer="sgd")
        return model

    trs = SKLearnTransformer(embedding_model, fit_kwargs={"epochs": 1}).fit(X, y)
    np.testing.assert_allclose(trs.transform(X), trs.model_.predict(X.astype(np.float32), verbose=0), rtol=1e-6)


def test_model_instance_is_cloned_unless_warm_start(blobs):
    X, y = blobs
    model = classifier_model(X, np.zeros((1, 3)))
    before = [w.copy() for w in model.get_weights()]
    est = SKLearnClassifier(model, fit_kwargs={"epochs": 1}).fit(X, y)
    assert est.model_ is not model
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    warm = SKLearnClassifier(model, warm_start=True, fit_kwargs={"epochs": 1}).fit(X, y)
    assert warm.model_ is model
    first = [w.copy() for w in warm.model_.get_weights()]
    warm.fit(X, y)  # continues from the weights the first fit left
    assert warm.model_ is model and any(not np.array_equal(a, b) for a, b in zip(first, model.get_weights()))


def test_fitted_estimator_pickles_with_its_model(blobs):
    X, y = blobs
    est = SKLearnClassifier(classifier_model, fit_kwargs={"epochs": 3}).fit(X, y)
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(copy.decision_function(X), est.decision_function(X))
    assert copy.model_.optimizer.iterations == est.model_.optimizer.iterations


def test_refusals(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="binary and multiclass"):
        SKLearnClassifier(classifier_model).fit(X, np.random.rand(len(X)))
    with pytest.raises(ValueError, match="only one class"):
        SKLearnClassifier(classifier_model).fit(X, np.zeros(len(X)))

    def uncompiled(X, y):
        return keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])

    with pytest.raises(RuntimeError, match="must be compiled"):
        SKLearnClassifier(uncompiled).fit(X, y)
    with pytest.raises(TypeError, match="not a gradiente Model"):
        SKLearnClassifier(lambda X, y: "a model").fit(X, y)
    with pytest.raises(TypeError, match="must be a compiled gradiente Model or a callable"):
        SKLearnRegressor(42).fit(X, np.zeros(len(X)))

    fitted = SKLearnClassifier(classifier_model, fit_kwargs={"epochs": 1}).fit(X, y)
    fitted.model_ = keras.Sequential([keras.Input((6,)), keras.layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match="one unit per class"):
        fitted.predict(X)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        SKLearnRegressor(regressor_model).predict(X)


def test_missing_scikit_learn_says_what_to_install(monkeypatch):
    import sys

    import gradiente.wrappers as wrappers

    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r"pip install 'gradiente\[sklearn\]'"):
        wrappers.__getattr__("SKLearnClassifier")
