"""What a ``.keras`` and a ``.weights.npz`` archive hold (member names, metadata, the
manifest of arrays) and the checks each part gets before anything is built from it."""
import datetime
import os

from gradiente.saving import limits
from gradiente.saving.archive import ArchiveReader
from gradiente.saving.errors import ModelFormatError

FORMAT_VERSION = 1
WEIGHTS_FORMAT_VERSION = 1
MODEL_MEMBERS = {"config.json", "metadata.json", "training_state.json"}
MODEL_PATTERNS = [r"weights/\d{5}\.npy", r"optimizer/\d{5}\.npy"]
WEIGHTS_MEMBERS = {"manifest.json"}
WEIGHTS_PATTERNS = [r"arr_\d+\.npy"]


def version():
    from gradiente import __version__

    return __version__


def manifest_of(variables):
    return [{"path": getattr(v, "path", None) or v.name, "shape": list(v.data.shape),
             "dtype": v.data.dtype.name} for v in variables]


def metadata(kind, format_version):
    return {"library": "gradiente", "gradiente_version": version(), "keras_version": "3",
            "format": kind, "format_version": format_version,
            "date_saved": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def open_archive(filepath, members, patterns, what):
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        raise ModelFormatError(filepath, "it is a folder (a TensorFlow SavedModel?), not a "
                                         f"{what} file.")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: '{filepath}'. Check the path (the current folder "
                                f"is '{os.getcwd()}').")
    return ArchiveReader(filepath, members, patterns, what)


def check_metadata(reader, kind, supported):
    meta = reader.read_json("metadata.json") if reader.has("metadata.json") else None
    if not isinstance(meta, dict):
        raise ModelFormatError(reader.path, "metadata.json is missing or not a JSON object: "
                                            "this is not a gradiente archive.")
    format_version = meta.get("format_version")
    if (not isinstance(format_version, int) or isinstance(format_version, bool)
            or format_version < 1):
        raise ModelFormatError(reader.path, f"metadata.json has no valid format_version "
                                            f"({str(format_version)[:40]!r}).")
    if format_version > supported:
        raise ModelFormatError(reader.path, (
            f"it was written in format version {format_version} (by gradiente "
            f"{str(meta.get('gradiente_version', '?'))[:40]}), but this gradiente {version()} "
            f"reads versions up to {supported}. Upgrade gradiente to load it."))
    if meta.get("format", kind) != kind:
        raise ModelFormatError(reader.path, f"it holds {str(meta.get('format'))[:40]!r}, not a {kind}.")
    return meta


def read_config(reader):
    if not reader.has("config.json"):
        raise ModelFormatError(reader.path, "the archive has no config.json (no architecture).")
    config = reader.read_json("config.json")
    if not isinstance(config, dict):
        raise ModelFormatError(reader.path, "config.json is not a JSON object.")
    return config


def check_manifest(reader, manifest, prefix, what):
    """The manifest: a list of {path, shape, dtype} with exactly one member each, whose
    shape and plain numeric dtype fit in that member. Returns [(shape, dtype)]."""
    if not isinstance(manifest, list):
        raise ModelFormatError(reader.path, f"config.json: `{what}` is not a list.")
    names = {n for n in reader.members if n.startswith(prefix)}
    expected = {f"{prefix}{i:05d}.npy" for i in range(len(manifest))}
    if names != expected:
        raise ModelFormatError(reader.path, (
            f"config.json lists {len(manifest)} {what}, but the archive holds the members "
            f"{sorted(names)[:5]}{'...' if len(names) > 5 else ''} ({len(names)})."))
    entries = []
    for i, entry in enumerate(manifest):
        where = f"config.json: {what} entry {i}"
        if not isinstance(entry, dict):
            raise ModelFormatError(reader.path, f"{where} is malformed: {str(entry)[:100]}.")
        shape = limits.check_shape(entry.get("shape"), reader.path, where)
        dtype = limits.plain_dtype(entry.get("dtype"), reader.path, where)
        info = reader.members[f"{prefix}{i:05d}.npy"]
        nbytes = limits.nbytes(shape, dtype)
        if nbytes > info.file_size:
            raise ModelFormatError(reader.path, (
                f"{what} entry {i} ('{str(entry.get('path'))[:80]}') declares shape {shape} "
                f"({nbytes} bytes), but its member holds only {info.file_size} bytes."))
        entries.append((shape, dtype))
    return entries
