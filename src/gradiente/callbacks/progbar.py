"""``Progbar``: the classic Keras text progress bar.

``3/3 [==============================] - 0s 61ms/step - loss: 1.1145 - accuracy: 0.3500``
"""
import collections.abc
import sys
import time

from gradiente.callbacks import terminal

# Off a live display: a plain progress line this often, in epochs expected to last longer
# than _LOG_MIN_EPOCH seconds; shorter epochs print their finished line only.
_LOG_INTERVAL = 30.0
_LOG_MIN_EPOCH = 60.0
_MIN_BAR = 10  # the bar shrinks to this many characters before the metrics lose digits


def format_value(value, precision=4):
    """``%.4f``, or ``%.4e`` for magnitudes at or below 1e-3 (Keras's rule); text as is."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.{precision}f}" if abs(number) > 1e-3 else f"{number:.{precision}e}"


def format_time_per_unit(seconds, unit_name):
    """``2s/step``, ``61ms/step`` or ``815us/step``."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def format_eta(seconds):
    """``7s``, ``1:05`` or ``1:02:03``."""
    seconds = int(seconds)
    if seconds > 3600:
        return f"{seconds // 3600}:{(seconds % 3600) // 60:02d}:{seconds % 60:02d}"
    if seconds > 60:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds}s"


class Progbar:
    """A text progress bar written to ``sys.stdout``.

    On a terminal the line fits its width: the bar shrinks first, then the metrics lose
    digits, and a line that still does not fit is cut (a wrapped line cannot be redrawn).
    Off a live display (a pipe, a file, CI logs) ``verbose=1`` prints the finished line only,
    plus a plain progress line every 30 s in epochs expected to last over a minute.

    Args:
        target: total number of steps, or ``None`` when unknown.
        width: characters inside the brackets (at most).
        verbose: 0 silent, 1 a bar redrawn in place with ``\\r``, 2 one line when finished.
        interval: least seconds between two redraws (the last one is always drawn).
        stateful_metrics: names whose values are shown as given; other values are averaged
            over the steps they were reported for.
        unit_name: the unit in ``61ms/step``.
    """

    def __init__(self, target, width=30, verbose=1, interval=0.1, stateful_metrics=None,
                 unit_name="step"):
        if target is not None and (not isinstance(target, int) or target < 0):
            raise ValueError(f"Progbar: `target` must be a non-negative int or None; received {target!r}.")
        self.target = target
        self.width = int(width)
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self.unit_name = unit_name
        self._totals = {}  # averaged name -> [sum of value * steps, steps]
        self._latest = {}  # stateful name -> latest value
        self._order = []  # names in the order they were first reported
        self._seen = 0
        self._start = time.perf_counter()
        self._last_draw = None
        self._drawn_width = 0
        self._live = terminal.live_display(sys.stdout)

    def update(self, current, values=None, finalize=None):
        """Move to step ``current``; ``values`` is a list of ``(name, value)`` or a dict."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if values is not None:
            self._record(current, values.items() if isinstance(values, collections.abc.Mapping) else values)
        self._seen = current
        if self.verbose == 1:
            now = time.perf_counter()
            if not finalize and not self._due(now, current):
                return
            self._last_draw = now
            self._draw_bar(current, now, finalize)
        elif self.verbose == 2 and finalize:
            self._draw_line(current, time.perf_counter())

    def would_draw(self, finalize=False):
        """Would an update now redraw (``verbose=1``: at most once per ``interval``)?"""
        if self.verbose != 1:
            return bool(finalize) and self.verbose == 2
        return finalize or self._due(time.perf_counter(), self._seen + 1)

    def _due(self, now, current):
        """Is an intermediate redraw due at step ``current``?"""
        if self._live:
            return self._last_draw is None or now - self._last_draw >= self.interval
        elapsed = now - self._start
        since = now - (self._last_draw if self._last_draw is not None else self._start)
        if since < _LOG_INTERVAL:
            return False
        if self.target is None or current <= 0:
            return True
        return elapsed * self.target / current >= _LOG_MIN_EPOCH  # the epoch's expected length

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _record(self, current, items):
        steps = max(current - self._seen, 1)
        for name, value in items:
            if name in self.stateful_metrics:
                if name not in self._latest:
                    self._order.append(name)
                self._latest[name] = value
            elif name in self._totals:
                total = self._totals[name]
                total[0] += value * steps
                total[1] += steps
            else:
                self._order.append(name)
                self._totals[name] = [value * steps, steps]

    def _metrics_text(self, precision=4):
        parts = []
        for name in self._order:
            if name in self._latest:
                value = self._latest[name]
            else:
                total, steps = self._totals[name]
                value = total / steps
            parts.append(f" - {name}: {format_value(value, precision)}")
        return "".join(parts)

    def _bar(self, current, width):
        target = self.target
        if target is None:
            return f"{current:7d}/Unknown"
        filled = min(int(width * current / target), width) if target else width
        bar = f"{current:{len(str(target))}d}/{target} ["
        if filled > 0:
            bar += "=" * (filled - 1) + (">" if current < target else "=")
        return bar + "." * (width - filled) + "]"

    def _fitted_line(self, current, info, room):
        """The line at full width, or fitted into ``room`` characters."""
        line = self._bar(current, self.width) + info + self._metrics_text()
        if room is None or len(line) <= room:
            return line
        width = max(self.width - (len(line) - room), min(_MIN_BAR, self.width))
        for precision in (4, 3, 2, 1):  # one digit left still tells 0.2 from 0.9
            line = self._bar(current, width) + info + self._metrics_text(precision)
            if len(line) <= room:
                return line
        return line[:room]

    def _draw_bar(self, current, now, finalize):
        target = self.target
        elapsed = now - self._start
        per_step = elapsed / current if current else 0.0
        if target is None or finalize:
            info = f" - {elapsed:.0f}s {format_time_per_unit(per_step, self.unit_name)}"
        else:
            info = f" - ETA: {format_eta(per_step * (target - current))}"
        if not self._live:
            _write(self._bar(current, self.width) + info + self._metrics_text() + "\n")
            return
        columns = terminal.columns(sys.stdout)
        # One column spare: writing the last one makes some terminals wrap at once.
        room = None if columns is None else max(columns - 1, 1)
        line = self._fitted_line(current, info, room)
        # Spaces wipe the tail of a longer previous line that \r does not erase (never past
        # the room left, should the terminal have narrowed since).
        wipe = self._drawn_width if room is None else min(self._drawn_width, room)
        padding = " " * max(wipe - len(line), 0)
        self._drawn_width = len(line)
        _write("\r" + line + padding + ("\n" if finalize else ""))

    def _draw_line(self, current, now):
        target = self.target
        count = f"{current}" if target is None else f"{current:{len(str(target))}d}/{target}"
        elapsed = now - self._start
        per_step = elapsed / current if current else 0.0
        _write(
            f"{count} - {elapsed:.0f}s{self._metrics_text()}"
            f" - {format_time_per_unit(elapsed, 'epoch')}"
            f" - {format_time_per_unit(per_step, self.unit_name)}\n"
        )


def _write(text):
    # Looked up on each call so redirected or captured stdout (pytest, notebooks) is honoured.
    stream = sys.stdout
    stream.write(text)
    stream.flush()
