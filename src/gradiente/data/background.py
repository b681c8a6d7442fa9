"""Work done ahead of the consumer in threads: ``prefetch`` and ``map(num_parallel_calls=...)``.

Both stop their threads when iteration stops early (the consumer's generator is closed or
collected) and hand a producer's exception to the consumer, which raises it.
"""
import collections
import os
import queue
import threading

from gradiente.data.structure import call_unpacked

AUTOTUNE = -1
_POLL_S = 0.05      # how often a blocked producer looks whether the consumer has gone
_JOIN_S = 10.0      # how long a closing consumer waits for the producer to notice
_DONE, _ITEM, _ERROR = object(), object(), object()


def autotuned_size(size):
    return max(2, min(8, os.cpu_count() or 2)) if size == AUTOTUNE else size


def prefetched(make_iterator, size):
    """Iterate ``make_iterator()`` in a background thread, at most ``size`` elements ahead."""
    slots = queue.Queue(maxsize=size)
    stop = threading.Event()

    def offer(entry):
        while not stop.is_set():
            try:
                slots.put(entry, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        iterator = None
        try:
            iterator = make_iterator()
            for element in iterator:
                if not offer((_ITEM, element)):
                    return
            offer((_DONE, None))
        except BaseException as err:  # handed over, raised by the consumer
            offer((_ERROR, err))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()  # stops an upstream prefetch thread too

    thread = threading.Thread(target=produce, name="gradiente-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = slots.get()
            if kind is _ITEM:
                yield value
            elif kind is _DONE:
                return
            else:
                raise value
    finally:
        stop.set()
        thread.join(_JOIN_S)


def mapped_in_parallel(iterator, fn, workers):
    """``fn`` over ``iterator``'s elements in ``workers`` threads, results in input order."""
    import concurrent.futures  # ~10 ms, paid only by pipelines that map in parallel

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers,
                                                 thread_name_prefix="gradiente-map")
    pending = collections.deque()
    try:
        for element in iterator:
            pending.append(pool.submit(call_unpacked, fn, element))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
