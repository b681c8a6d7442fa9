"""gradiente beside PyTorch in one job: the harness shared by the benchmarks that compare them.

PyTorch runs in a child process of the job (so gradiente's imports and allocator settings
stay out of it), kept alive between epochs, and the two libraries take turns epoch by epoch:
a machine that slows down for a while slows both. Both get the same number of threads.

Importing this module pins the BLAS/OpenMP thread counts from ``--threads`` in ``sys.argv``:
those libraries read them when first loaded, so import it before NumPy.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def _threads_from_argv(default="1"):
    if "--threads" in sys.argv[:-1]:
        return sys.argv[sys.argv.index("--threads") + 1]
    return default


for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv()


def timed(epoch, x, y):
    start = time.perf_counter()
    epoch(x, y)
    return time.perf_counter() - start


def arguments(doc, extra=None):
    """The command line every side-by-side benchmark takes (``extra(parser)`` adds its own)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="epochs timed per library; the best is kept")
    parser.add_argument("--threads", type=int, default=1, help="BLAS / PyTorch threads, the same for both")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one gradiente epoch")
    parser.add_argument("--torch-server", action="store_true", help=argparse.SUPPRESS)
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def serve(run_for):
    """The child process: read a run's name per line, answer with one epoch's seconds.
    ``run_for(name)`` gives that run's (epoch function, (x, y)), made once per name."""
    try:
        import torch
    except ImportError:
        print("NO-TORCH", flush=True)
        return
    torch.set_num_threads(int(_threads_from_argv()))
    print(f"READY PyTorch {torch.__version__} ({torch.get_num_threads()} threads)", flush=True)
    runs = {}
    for line in sys.stdin:
        name = line.strip()
        if name not in runs:
            runs[name] = run_for(name)
        epoch, (x, y) = runs[name]
        print(f"TIME {timed(epoch, x, y)}", flush=True)


class TorchChild:
    """A PyTorch process (``script --torch-server``) kept alive between epochs; ``start``
    gives None where PyTorch is not installed."""

    @classmethod
    def start(cls, script, threads):
        env = {**os.environ, "GRADIENTE_MALLOC_TUNING": "0"}
        proc = subprocess.Popen([sys.executable, script, "--torch-server", "--threads", str(threads)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        first = proc.stdout.readline().strip()
        if not first.startswith("READY"):
            proc.communicate()
            return None
        child = cls()
        child.proc, child.label = proc, first[len("READY "):]
        return child

    def epoch(self, name):
        self.proc.stdin.write(name + "\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline().split()[1])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def compare(label, name, ours_epoch, x, y, child, args, profile_rows=15):
    """Warm both up, optionally profile gradiente's epoch, then time ``args.repeats`` epochs
    of each in turns and print the best epochs' ratio and the median of the paired ratios."""
    ours_epoch(x[:2000], y[:2000])  # warm-up: first-call costs, tracing and buffer pools
    if child:
        child.epoch(name)           # the child's warm-up
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(ours_epoch, x, y)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(profile_rows)
    ours, theirs = [], []
    for _ in range(args.repeats):
        ours.append(timed(ours_epoch, x, y))
        if child:
            theirs.append(child.epoch(name))
    line = f"{label}: gradiente {min(ours):.2f} s"
    if child:
        # Paired: each epoch against PyTorch's epoch right after it, under the same conditions.
        paired = statistics.median(a / b for a, b in zip(ours, theirs))
        line += (f", PyTorch {min(theirs):.2f} s, ratio: best {min(ours) / min(theirs):.2f}, "
                 f"paired median {paired:.2f} (target <= 1.0)")
    print(line + f"  [best of {args.repeats} epochs, {args.threads} thread(s)]")
