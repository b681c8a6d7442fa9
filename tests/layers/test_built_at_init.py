"""Layers without state are built when made, as Keras 3 builds them in ``__init__``; layers
with weights (and Keras's unbuilt stateless ones, such as Flatten) wait for their input."""
import pytest

from gradiente import layers

BUILT = [
    lambda: layers.MaxPooling1D(), lambda: layers.MaxPooling2D(), lambda: layers.MaxPooling3D(),
    lambda: layers.AveragePooling1D(), lambda: layers.AveragePooling2D(), lambda: layers.AveragePooling3D(),
    lambda: layers.GlobalMaxPooling1D(), lambda: layers.GlobalAveragePooling2D(),
    lambda: layers.GlobalAveragePooling3D(), lambda: layers.Activation("relu"), lambda: layers.ReLU(),
    lambda: layers.LeakyReLU(), lambda: layers.ELU(), lambda: layers.Softmax(), lambda: layers.Identity(),
    lambda: layers.Masking(), lambda: layers.Dropout(0.5), lambda: layers.SpatialDropout1D(0.5),
    lambda: layers.SpatialDropout2D(0.5), lambda: layers.GaussianNoise(0.1),
    lambda: layers.GaussianDropout(0.1), lambda: layers.AlphaDropout(0.1), lambda: layers.Reshape((2, 3)),
]
NOT_BUILT = [
    lambda: layers.Dense(2), lambda: layers.PReLU(), lambda: layers.Conv2D(2, 3), lambda: layers.Flatten(),
    lambda: layers.Permute((2, 1)), lambda: layers.RepeatVector(2), lambda: layers.UpSampling2D(),
    lambda: layers.ZeroPadding2D(), lambda: layers.Concatenate(), lambda: layers.Lambda(lambda x: x),
    lambda: layers.BatchNormalization(), lambda: layers.LSTM(2),
]


@pytest.mark.parametrize("make", BUILT)
def test_stateless_layers_are_built_at_construction(make):
    layer = make()
    assert layer.built is True
    assert layer.weights == [] and layer.count_params() == 0


@pytest.mark.parametrize("make", NOT_BUILT)
def test_other_layers_wait_for_their_input(make):
    assert make().built is False


def test_a_subclass_with_its_own_build_is_not_marked_built():
    class Scaled(layers.Dropout):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    layer = Scaled(0.5)
    assert layer.built is False
    layer.build((None, 4))
    assert layer.scale.shape == (4,)
