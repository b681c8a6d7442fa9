"""Pictures of what happens inside a network: activation functions beside their
derivatives, model diagrams, learning curves, learning-rate sweeps.

Every function here needs matplotlib (``pip install gradiente[plot]``); the numbers they
draw are available without it (``GradientMonitor.records``, ``find_learning_rate``).
"""
from gradiente.visualization.activations_plot import activation_curves, plot_activations
from gradiente.visualization.history_plot import plot_history
from gradiente.visualization.model_diagram import model_graph, plot_model
from gradiente.visualization.demo import save_demo_plots

__all__ = ["activation_curves", "plot_activations", "plot_history", "model_graph", "plot_model",
           "save_demo_plots"]
