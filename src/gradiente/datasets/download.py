"""Fetching data set files once into a local cache, checked by SHA-256 and written atomically.

The cache is ``~/.gradiente/datasets`` unless ``GRADIENTE_DATA_DIR`` names another folder.
Files come from ``BASE_URL`` (the mirror Keras uses) unless ``GRADIENTE_DATASETS_URL`` names
another base URL (a local mirror, or a test server).
"""
import hashlib
import os
import warnings

from gradiente.utils.atomic import atomic_write

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
DATA_DIR_ENV = "GRADIENTE_DATA_DIR"
BASE_URL_ENV = "GRADIENTE_DATASETS_URL"
TIMEOUT_S = 60
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
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(fname, sha256, subdir=None, origin=None):
    """The local path of data file ``fname``, downloading it first if it is not cached.

    ``origin`` is the file's name on the server (default ``fname``), under ``base_url()``.

    A cached file whose SHA-256 differs from ``sha256`` (truncated, corrupted) is downloaded
    again. Raises ``DatasetDownloadError`` when offline or when the download is corrupt.
    """
    directory = cache_dir() if subdir is None else os.path.join(cache_dir(), subdir)
    path = os.path.join(directory, fname)
    url = base_url() + (origin or fname)
    if os.path.exists(path):
        if sha256_of(path) == sha256:
            return path
        warnings.warn(
            f"The cached file {path} does not match its SHA-256 checksum (it is incomplete or "
            f"corrupted); downloading it again from {url}.",
            stacklevel=3,
        )
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as err:
        raise DatasetDownloadError(
            f"Cannot create the data set cache folder {directory} ({err}). Set the environment "
            f"variable {DATA_DIR_ENV} to a folder you can write to."
        ) from err
    _download(url, path, sha256)
    return path


def _how_to_fix(url, path, sha256):
    return (
        f"To use it offline, download {url} yourself (a browser, or `curl -L -o {path} {url}`) "
        f"and put it at {path} (set {DATA_DIR_ENV} to cache data sets elsewhere). "
        f"Its SHA-256 must be {sha256}."
    )


def _download(url, path, sha256):
    # Imported here, not at module import: they cost ~20 ms and are rarely needed.
    import http.client
    import urllib.error
    import urllib.request

    print(f"Downloading data from {url}", flush=True)
    digest = hashlib.sha256()
    try:
        # The file appears under its name only complete and verified (utils.atomic).
        with atomic_write(path) as out, urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
            received = digest.hexdigest()
            if received != sha256:
                raise DatasetDownloadError(
                    f"The file downloaded from {url} has SHA-256 {received}, but {sha256} was "
                    f"expected: the transfer was corrupted or the server's file changed. Try again. "
                    + _how_to_fix(url, path, sha256)
                )
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as err:
        if isinstance(err, urllib.error.HTTPError):
            reason = f"HTTP {err.code}: {err.reason}"
        else:
            reason = getattr(err, "reason", None) or err
        raise DatasetDownloadError(
            f"Could not download {os.path.basename(path)} from {url} ({reason}). "
            + _how_to_fix(url, path, sha256)
        ) from err
