"""``gradiente.layers``: the Keras layer catalogue, one concept per module."""
from gradiente.layers.layer import Layer
from gradiente.layers.input_spec import InputSpec
from gradiente.layers.node import KerasTensor
from gradiente.layers.input_layer import Input, InputLayer
from gradiente.layers.dense import Dense
