"""Where progress text goes: can it redraw a line in place, and how wide is it?"""
import shutil


def live_display(stream):
    """True when ``stream`` shows a ``\\r`` redraw in place: a terminal or a Jupyter cell.

    Pipes, files and CI logs are not live: there every redraw would become a line of its own
    (Keras treats every POSIX system as live and floods such logs).
    """
    if is_terminal(stream):
        return True
    # ipykernel's OutStream applies carriage returns when a cell's output is shown.
    return type(stream).__module__.startswith("ipykernel")


def is_terminal(stream):
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False


def columns(stream):
    """The terminal's width (``$COLUMNS`` first), or ``None`` off a terminal: a notebook
    cell or a log file has no width to fit."""
    if not is_terminal(stream):
        return None
    return shutil.get_terminal_size().columns
