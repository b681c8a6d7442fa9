"""The optional matplotlib import, in one place.

Pictures are drawn on ``matplotlib.figure.Figure`` objects made directly, never through
``pyplot``: no global figure registry to leak into, no GUI backend needed, and
``savefig`` picks the writer from the file's extension (PNG through Agg, SVG, PDF).
"""


import io

_FIGURE = None


def require(what):
    """Import matplotlib (or raise an ImportError that says how to get it) and return the
    Figure class to draw on: matplotlib's, plus a PNG view for notebooks."""
    global _FIGURE
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            f"{what} draws with matplotlib, which is not installed. It is an optional extra of "
            "gradiente: install it with `pip install gradiente[plot]` (or `pip install matplotlib`)."
        ) from None
    if _FIGURE is None:
        class NotebookFigure(Figure):
            """A Figure that IPython shows inline as a PNG; ``savefig`` works as ever.

            A Figure made without pyplot has no rich view of its own: without
            ``%matplotlib inline`` a notebook would show ``<Figure size 900x320 ...>``.
            """

            def _repr_png_(self):
                buffer = io.BytesIO()
                self.savefig(buffer, format="png")
                return buffer.getvalue()

        _FIGURE = NotebookFigure
    return _FIGURE


def available():
    """True when matplotlib can be imported (the demo uses this to decide what to save)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def finish(fig, path):
    """Save ``fig`` to ``path`` (format from the extension) and return the path as a str;
    without a path, return the figure itself."""
    if path is None:
        return fig
    path = str(path)
    fig.savefig(path)
    return path
