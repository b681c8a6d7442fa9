"""Attention layers, one per module as Keras groups them."""
from gradiente.layers.attention.attention import Attention
from gradiente.layers.attention.additive_attention import AdditiveAttention
