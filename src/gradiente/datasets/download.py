"""Fetching data set files once into a local cache, checked by SHA-256 and written atomically.

The cache is ``~/.gradiente/datasets`` unless ``GRADIENTE_DATA_DIR`` names another folder.
Files come from ``BASE_URL`` (the mirror Keras uses) unless ``GRADIENTE_DATASETS_URL`` names
another base URL (a local mirror, or a test server).

A download is bounded three ways: each network operation by ``TIMEOUT_S``, the whole
download by ``DEADLINE_S`` (a server trickling a byte a second never trips a per-read
timeout), and its size by the file's known size (nothing beyond it is read or written).
"""
import hashlib
import os
import warnings

from gradiente.datasets.watchdog import Watchdog
from gradiente.utils.atomic import atomic_write

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
DATA_DIR_ENV = "GRADIENTE_DATA_DIR"
BASE_URL_ENV = "GRADIENTE_DATASETS_URL"
TIMEOUT_S = 60
DEADLINE_S = 30 * 60  # the largest file (26 MB) at 15 KB/s
_CHUNK = 1 << 20


class DatasetDownloadError(OSError):
    """A data set file could not be downloaded, or what arrived fails its checksum."""


def cache_dir():
    """The folder data sets are cached in (not created here)."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    return os.path.join(os.path.expanduser("~"), ".gradiente", "datasets")


def base_url():
    url = os.environ.get(BASE_URL_ENV) or BASE_URL
    return url if url.endswith("/") else url + "/"


def sha256_of(path):
    return hash_of(path, "sha256")


def hash_of(path, algorithm):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def algorithm_of(file_hash):
    """Keras's rule: a 64-digit hash is SHA-256, any other MD5."""
    return "sha256" if len(file_hash) == 64 else "md5"


def url_for(url):
    """A full URL, unless ``GRADIENTE_DATASETS_URL`` names a mirror: then the same file name
    there (tests and offline mirrors serve every file from one folder)."""
    if os.environ.get(BASE_URL_ENV):
        return base_url() + url.rsplit("/", 1)[-1]
    return url


def fetch(fname, sha256, subdir=None, origin=None, size=None, url=None):
    """The local path of data file ``fname``, downloading it first if it is not cached.

    ``origin`` is the file's name on the server (default ``fname``), under ``base_url()``;
    ``size``, its known size in bytes: a server that announces another size or sends more
    is refused before anything beyond it is written. ``url``: a full address instead (for
    files not on Keras's mirror), see ``url_for``. ``sha256`` may also be an MD5 (32 digits).

    A cached file whose size or SHA-256 differs (truncated, corrupted) is downloaded again.
    Raises ``DatasetDownloadError`` when offline, when the download is corrupt, too large
    or too slow, or when the cache entry cannot be used.
    """
    directory = cache_dir() if subdir is None else os.path.join(cache_dir(), subdir)
    path = os.path.join(directory, fname)
    url = url_for(url) if url else base_url() + (origin or fname)
    if os.path.exists(path):
        if _cached_file_is_valid(path, sha256, size, url):
            return path
        warnings.warn(
            f"The cached file {path} does not match its {_NAMES[algorithm_of(sha256)]} checksum (it "
            f"is incomplete or corrupted); downloading it again from {url}.",
            stacklevel=3,
        )
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as err:
        raise DatasetDownloadError(
            f"Cannot create the data set cache folder {directory} ({err}). Set the environment "
            f"variable {DATA_DIR_ENV} to a folder you can write to."
        ) from err
    _download(url, path, sha256, size)
    return path


def _cached_file_is_valid(path, sha256, size, url):
    if not os.path.isfile(path):  # a folder, or a FIFO (reading it would block)
        raise DatasetDownloadError(
            f"The data set cache entry {path} is not a regular file, so the file from {url} "
            f"cannot be stored there. Remove it (or set {DATA_DIR_ENV} to another folder).")
    try:
        if size is not None and os.path.getsize(path) != size:
            return False  # no need to hash what has the wrong size
        return hash_of(path, algorithm_of(sha256)) == sha256
    except OSError as err:
        raise DatasetDownloadError(f"Cannot read the cached data set file {path} ({err}).") from err


_NAMES = {"sha256": "SHA-256", "md5": "MD5"}


def _how_to_fix(url, path, sha256):
    check = f" Its {_NAMES[algorithm_of(sha256)]} must be {sha256}." if sha256 else ""
    return (
        f"To use it offline, download {url} yourself (a browser, or `curl -L -o {path} {url}`) "
        f"and put it at {path} (set {DATA_DIR_ENV} to cache data sets elsewhere).{check}"
    )


def _download(url, path, sha256, size):
    """Download ``url`` to ``path``, checked against ``sha256`` (a SHA-256 or MD5 hex digest,
    or None for no check) and ``size``."""
    # Imported here, not at module import: they cost ~20 ms and are rarely needed.
    import http.client
    import urllib.error

    print(f"Downloading data from {url}", flush=True)
    watchdog = Watchdog(DEADLINE_S)
    try:
        # The file appears under its name only complete and verified (utils.atomic).
        with watchdog, atomic_write(path) as out, watchdog.urlopen(url, TIMEOUT_S) as response:
            _check_announced_size(response, url, size)
            algorithm = algorithm_of(sha256) if sha256 else "sha256"
            received = _copy(response, out, url, size, watchdog, algorithm)
            if sha256 and received != sha256:
                raise DatasetDownloadError(
                    f"The file downloaded from {url} has {_NAMES[algorithm]} {received}, but {sha256} was "
                    f"expected: the transfer was corrupted or the server's file changed. Try again. "
                    + _how_to_fix(url, path, sha256)
                )
    except DatasetDownloadError:
        raise
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError,
            OSError) as err:
        if watchdog.expired:
            reason = f"it did not complete within {DEADLINE_S} s"
        elif isinstance(err, urllib.error.HTTPError):
            reason = f"HTTP {err.code}: {err.reason}"
        elif isinstance(err, (urllib.error.URLError, http.client.HTTPException, TimeoutError,
                              ConnectionError)):
            reason = getattr(err, "reason", None) or err
        else:
            raise  # the disk, not the network (atomic_write's own errors)
        raise DatasetDownloadError(
            f"Could not download {os.path.basename(path)} from {url} ({reason}). "
            + _how_to_fix(url, path, sha256)
        ) from err


def _check_announced_size(response, url, size):
    announced = response.headers.get("Content-Length")
    if size is not None and announced is not None and announced.strip() != str(size):
        raise DatasetDownloadError(
            f"The server announces {announced.strip()[:40]} bytes for {url}, but the file has "
            f"{size}: refusing it before downloading anything.")


def _copy(response, out, url, size, watchdog, algorithm="sha256"):
    """Copy the body to ``out`` (at most ``size`` bytes); returns its hash."""
    digest = hashlib.new(algorithm)
    total = 0
    for chunk in iter(lambda: response.read(_CHUNK), b""):
        total += len(chunk)
        if size is not None and total > size:
            raise DatasetDownloadError(
                f"The server sent more than the {size} bytes of {url}: refusing the rest.")
        digest.update(chunk)
        out.write(chunk)
    if watchdog.expired:  # the connection was cut: what arrived is a truncated file
        raise TimeoutError(f"deadline of {DEADLINE_S} s")
    return digest.hexdigest()
