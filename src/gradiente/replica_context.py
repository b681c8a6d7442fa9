"""The data-parallel run this process belongs to, as the lower levels see it.

``keras.distribution`` (a level above models) registers a runtime here when a distribution
spans several processes; the training loops, callbacks and saving only ask this module, so
nothing below ``gradiente.distribution`` imports it. Without a distribution (or with one
process) ``current()`` is None and everything runs as on one machine.
"""
_state = {"replicas": None}


def current():
    """The active multi-process runtime, or None (one process)."""
    return _state["replicas"]


def set_current(replicas):
    _state["replicas"] = replicas


def is_writer():
    """Whether this process writes files and prints progress: process 0 of a data-parallel
    run, or the only process."""
    replicas = _state["replicas"]
    return replicas is None or replicas.rank == 0


def shard_bounds(rows, index, count):
    """``[lo, hi)``: process ``index`` of ``count``'s contiguous share of ``rows`` rows; the
    first ``rows % count`` processes take one row more."""
    base, extra = divmod(rows, count)
    lo = index * base + min(index, extra)
    return lo, lo + base + (1 if index < extra else 0)


def run(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``; in a multi-process run, an error on this process ends the
    whole job (the others would otherwise wait for it forever)."""
    replicas = _state["replicas"]
    if replicas is None:
        return fn(*args, **kwargs)
    return replicas.guarded(fn, *args, **kwargs)
