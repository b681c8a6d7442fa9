"""Issue 18's import benchmark: how long ``import gradiente`` takes beside ``import numpy``.

    python benchmarks/import_time.py [--runs 30] [--top 15] [--baseline OTHER/src]

Each measurement is a fresh interpreter (``python -c ...``) timed from the inside with
``time.perf_counter`` around the statement alone, so interpreter start-up is not counted.
The statements run in turns (numpy, gradiente, lecture, model, numpy, ...), so a machine
that slows down for a while slows all of them. Printed: min and median of each, and
gradiente's own part (its time minus NumPy's); target: own part <= 40 ms.

- ``numpy``: ``import numpy``, the floor: gradiente cannot be faster than its dependency.
- ``gradiente``: the bare ``import gradiente``; subpackages load on first use.
- ``lecture``: ``import gradiente as keras`` and reading ``keras.Sequential``,
  ``keras.layers.Dense``, ``keras.Input``: what a notebook's first cell touches.
- ``model``: up to a compiled model (the lecture's MLP built and compiled): everything a
  first ``fit`` needs except the callbacks, so what laziness cannot save shows here.

``--clock cpu`` times the process's CPU time instead of the elapsed time: on a machine shared
with other jobs, waiting for a core then does not count.

``--baseline`` times the same statements on another copy of the sources (e.g. an older
commit: ``git archive HEAD~3 src | tar -x -C /tmp/old``, then ``--baseline /tmp/old/src``),
in the same turns, so before and after share the machine's moods.

Last, the slowest of gradiente's own modules (and ``numpy``'s total, for scale) in one
``python -X importtime`` run of the lecture statement (cumulative and self microseconds, as
CPython prints them; NumPy's own modules would fill the list otherwise).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATEMENTS = {
    "numpy": "import numpy",
    "gradiente": "import gradiente",
    "lecture": "import gradiente as keras; keras.Sequential; keras.layers.Dense; keras.Input",
    "model": ("import gradiente as keras; from gradiente import layers; "
              "m = keras.Sequential([keras.Input((784,)), layers.Dense(300, activation='relu'), "
              "layers.Dense(10, activation='softmax')]); "
              "m.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy'])"),
}
TIMER = "import time; t = time.{clock}(); {statement}; print(time.{clock}() - t)"
CLOCKS = {"wall": "perf_counter", "cpu": "process_time"}


def _env(src, pycache):
    env = dict(os.environ)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    # An installed package imports from cached bytecode. With PYTHONDONTWRITEBYTECODE set (as
    # on some CI and shared machines) a module whose .pyc is missing or stale is compiled
    # from source on every run, which times the compiler; a private cache folder, written
    # during the warm-up, avoids that without writing into the sources.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def time_once(statement, src, pycache, clock="wall"):
    """Seconds one fresh interpreter spends on ``statement``."""
    timer = TIMER.format(clock=CLOCKS[clock], statement=statement)
    out = subprocess.run([sys.executable, "-c", timer], env=_env(src, pycache),
                         capture_output=True, text=True, check=True).stdout
    return float(out.split()[-1])


def importtime_top(statement, top, src, pycache):
    """The ``top`` gradiente modules (and numpy) with the largest cumulative time in
    ``-X importtime``'s report."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], env=_env(src, pycache),
                         capture_output=True, text=True, check=True).stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        name = parts[-1].strip()
        if len(parts) == 3 and parts[1].strip().isdigit() and (name == "numpy" or name.startswith("gradiente")):
            rows.append((int(parts[1]), int(parts[0].split(":")[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return rows[:top]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--baseline", help="another src folder holding a gradiente package")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall: elapsed time; cpu: the process's CPU time, steadier on a busy machine")
    args = parser.parse_args()

    sources = {"": os.path.join(ROOT, "src")}
    if args.baseline:
        sources[" (baseline)"] = os.path.abspath(args.baseline)
    jobs = [("numpy", STATEMENTS["numpy"], sources[""])]
    jobs += [(name + tag, STATEMENTS[name], src) for tag, src in sources.items()
             for name in STATEMENTS if name != "numpy"]

    with tempfile.TemporaryDirectory(prefix="import_time_pycache_") as pycache:
        for _, statement, src in jobs:
            time_once(statement, src, pycache)  # warm-up: writes the bytecode cache
        times = {label: [] for label, _, _ in jobs}
        for _ in range(args.runs):
            for label, statement, src in jobs:
                times[label].append(time_once(statement, src, pycache, args.clock))
        top = importtime_top(STATEMENTS["lecture"], args.top, sources[""], pycache)

    print(f"{args.runs} fresh interpreters each, taking turns; {args.clock} clock; Python {sys.version.split()[0]}")
    print(f"{'statement':<24}{'min ms':>9}{'median ms':>11}{'own min ms':>12}{'own median ms':>15}")
    numpy_times = times["numpy"]
    for label, values in times.items():
        line = f"{label:<24}{min(values) * 1e3:>9.1f}{statistics.median(values) * 1e3:>11.1f}"
        if label != "numpy":
            # Own part: the difference of the minima, and the median of each run minus the
            # numpy run of the same turn.
            paired = [v - n for v, n in zip(values, numpy_times)]
            line += f"{(min(values) - min(numpy_times)) * 1e3:>12.1f}{statistics.median(paired) * 1e3:>15.1f}"
        print(line)

    print(f"\npython -X importtime -c {STATEMENTS['lecture']!r}:")
    print(f"top {args.top} of gradiente's modules (and numpy) by cumulative us")
    print(f"{'cumulative':>11}{'self':>8}  module")
    for cumulative, own, module in top:
        print(f"{cumulative:>11}{own:>8}  {module}")


if __name__ == "__main__":
    main()
