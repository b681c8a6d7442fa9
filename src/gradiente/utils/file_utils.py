"""``keras.utils.get_file``: download a file once into a cache, check its hash, extract it."""
import os
import urllib.parse

from gradiente.utils.archives import extract_archive


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None,
             force_download=False):
    """The local path of the file at ``origin``, downloaded into
    ``cache_dir/cache_subdir/fname`` unless already there with the right hash.

    ``cache_dir`` defaults to ``~/.gradiente`` (Keras: ``~/.keras``); with the default
    subfolder "datasets", ``$GRADIENTE_DATA_DIR`` replaces that folder as it does for
    ``keras.datasets``. ``file_hash``: SHA-256 or MD5 hex digest (``hash_algorithm`` "auto"
    tells them by length); a cached file that fails it is downloaded again, a download that
    fails it is an error. ``extract`` (or ``untar``): unpack a tar/zip archive, refusing any
    member that would land outside, and return the extraction folder (Keras 3's names:
    ``<fname without suffixes>_extracted`` when fname has a dot, else ``fname`` with the
    archive kept as ``<fname>_archive``).
    """
    from gradiente.datasets import download

    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if hash_algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(f'`hash_algorithm` must be "auto", "sha256" or "md5"; received {hash_algorithm!r}.')
    if file_hash is not None:
        file_hash = str(file_hash).lower()
        wanted = download.algorithm_of(file_hash) if hash_algorithm == "auto" else hash_algorithm
        if len(file_hash) != {"sha256": 64, "md5": 32}[wanted]:
            raise ValueError(f"`file_hash` {file_hash!r} is not a {wanted} hex digest.")
    datadir = _data_dir(cache_dir, cache_subdir, download)
    provided = fname is not None and os.fspath(fname) != ""
    fname = os.fspath(fname) if provided else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not provided and (not fname or fname in (os.curdir, os.pardir)):
        raise ValueError(
            f"Can't parse the file name from the origin provided: '{origin}'. Please specify the "
            f"`fname` argument.")
    if os.sep in fname or (os.altsep and os.altsep in fname) or fname in (os.curdir, os.pardir):
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the file's parent "
            f"directory, use the `cache_dir` argument. Received: fname={fname}")
    extraction_dir = None
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, fname[:fname.find(".")] + "_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, fname + "_archive")
    else:
        target = os.path.join(datadir, fname)
    _download_if_needed(origin, target, file_hash, hash_algorithm, force_download, download)
    if extraction_dir is None:
        return target
    if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
        raise ValueError(
            f"Could not extract {target}: it is not a {'tar' if untar else archive_format} archive "
            f"(tar, tar.gz, tar.bz2, tar.xz or zip).")
    return extraction_dir


def _data_dir(cache_dir, cache_subdir, download):
    if cache_dir is None and cache_subdir == "datasets" and os.environ.get(download.DATA_DIR_ENV):
        return download.cache_dir()
    base = os.path.expanduser(cache_dir) if cache_dir is not None else os.path.join(os.path.expanduser("~"), ".gradiente")
    return os.path.join(base, cache_subdir)


def _download_if_needed(origin, target, file_hash, hash_algorithm, force_download, download):
    algorithm = None if file_hash is None else (
        download.algorithm_of(file_hash) if hash_algorithm == "auto" else hash_algorithm)
    if os.path.exists(target) and not force_download:
        if file_hash is None or download.hash_of(target, algorithm) == file_hash:
            return
        print(f"A local file was found, but it seems to be incomplete or outdated because the "
              f"{algorithm} file hash does not match the original value of {file_hash} so we will "
              f"re-download the data.")
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    except OSError as err:
        raise download.DatasetDownloadError(f"Cannot create the cache folder {os.path.dirname(target)} ({err}).") from err
    download._download(origin, target, file_hash, None)
