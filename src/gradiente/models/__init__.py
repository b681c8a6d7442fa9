"""``gradiente.models``: Sequential, Functional (``Model(inputs, outputs)``) and subclassed models."""
from gradiente.models.model import Model
from gradiente.models.functional import Functional
from gradiente.models.sequential import Sequential
from gradiente.models.cloning import clone_model
from gradiente.saving.api import load_model, model_from_json, save_model
