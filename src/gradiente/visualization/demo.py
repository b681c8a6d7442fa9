"""What the demo (``python -m gradiente``) saves next to its output when matplotlib is there."""
import os

from gradiente.visualization import _mpl


def save_demo_plots(history=None, directory=".", prefix="gradiente"):
    """Save the activation panel and, given ``model.fit``'s History, the learning curves.

    Returns ``{"activations": path, "history": path}`` for the files written, or ``{}``
    when matplotlib is not installed (the demo then says so instead of failing).
    """
    if not _mpl.available():
        return {}
    from gradiente.visualization.activations_plot import plot_activations
    from gradiente.visualization.history_plot import plot_history

    os.makedirs(directory, exist_ok=True)
    saved = {"activations": plot_activations(path=os.path.join(directory, f"{prefix}_activations.png"))}
    if history is not None:
        saved["history"] = plot_history(history, path=os.path.join(directory, f"{prefix}_learning_curves.png"))
    return saved
