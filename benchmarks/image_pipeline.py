"""The image augmentation pipeline (Resizing 32->36, RandomFlip, RandomRotation, RandomZoom,
training=True) on 10,000 RGB images of 32x32, in batches of 128, against two baselines doing
the same work: plain NumPy written by hand (one bilinear matrix product per axis for the
resize, np.where for the flip, one bilinear gather with reflection per geometric transform),
and PyTorch (F.interpolate, torch.where, affine_grid + grid_sample, the usual way to write
it there) if it is installed (pip install torch). Prints seconds per pass (best of
``--repeats``) and the ratios.

    python benchmarks/image_pipeline.py [--repeats 3] [--threads 1]
"""
import os
import sys

if "--threads" in sys.argv[:-1]:
    _threads = sys.argv[sys.argv.index("--threads") + 1]
else:
    _threads = "1"
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads  # read when BLAS loads: before NumPy is imported

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import gradiente as keras  # noqa: E402

N, SIZE, OUT, BATCH = 10_000, 32, 36, 128
ROTATION, ZOOM = 0.1, 0.1


def gradiente_pipeline():
    model = keras.Sequential([
        keras.Input((SIZE, SIZE, 3)),
        keras.layers.Resizing(OUT, OUT),
        keras.layers.RandomFlip("horizontal"),
        keras.layers.RandomRotation(ROTATION),
        keras.layers.RandomZoom(ZOOM),
    ])

    def run(x):
        for start in range(0, len(x), BATCH):
            model(x[start:start + BATCH], training=True)

    return run


def _bilinear_matrix(n_in, n_out):
    """(n_out, n_in): half-pixel bilinear with clamped edges."""
    src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    m = np.zeros((n_out, n_in), dtype=np.float32)
    m[np.arange(n_out), lo] += 1 - (src - lo)
    m[np.arange(n_out), hi] += src - lo
    return m


def _reflect(i, n):
    j = np.mod(i, 2 * n)
    return np.where(j >= n, 2 * n - 1 - j, j)


def _sample(x, src_y, src_x):
    """Bilinear reads of x (B, H, W, C) at (B, H, W) positions, reflected at the edges."""
    b, h, w, c = x.shape
    y0, x0 = np.floor(src_y), np.floor(src_x)
    fy, fx = (src_y - y0)[..., None], (src_x - x0)[..., None]
    y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
    flat = x.reshape(-1, c)
    base = (np.arange(b) * h * w)[:, None, None]

    def read(yy, xx):
        return flat[(base + _reflect(yy, h) * w + _reflect(xx, w)).reshape(-1)].reshape(b, h, w, c)

    return ((1 - fy) * ((1 - fx) * read(y0, x0) + fx * read(y0, x0 + 1))
            + fy * ((1 - fx) * read(y0 + 1, x0) + fx * read(y0 + 1, x0 + 1)))


def numpy_pipeline():
    rng = np.random.default_rng(0)
    resize = _bilinear_matrix(SIZE, OUT)
    yy, xx = np.meshgrid(np.arange(OUT, dtype=np.float32), np.arange(OUT, dtype=np.float32), indexing="ij")
    c = (OUT - 1) / 2

    def batch(x):
        x = np.einsum("ih,bhwc,jw->bijc", resize, x, resize, optimize=True)
        flip = rng.random((len(x), 1, 1, 1)) <= 0.5
        x = np.where(flip, x[:, :, ::-1], x)
        angle = rng.uniform(-ROTATION, ROTATION, len(x)).astype(np.float32)[:, None, None] * 2 * math.pi
        cos, sin = np.cos(angle), np.sin(angle)
        x = _sample(x, sin * (xx - c) + cos * (yy - c) + c, cos * (xx - c) - sin * (yy - c) + c)
        z = rng.uniform(1 - ZOOM, 1 + ZOOM, len(x)).astype(np.float32)[:, None, None]
        return _sample(x, z * (yy - c) + c, z * (xx - c) + c)

    def run(x):
        for start in range(0, len(x), BATCH):
            batch(x[start:start + BATCH])

    return run


def torch_pipeline():
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    torch.set_num_threads(int(_threads))
    gen = torch.Generator().manual_seed(0)

    def affine(x, theta):
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)

    def batch(x):
        x = F.interpolate(x, size=(OUT, OUT), mode="bilinear", align_corners=False)
        flip = torch.rand(len(x), 1, 1, 1, generator=gen) <= 0.5
        x = torch.where(flip, x.flip(3), x)
        angle = (torch.rand(len(x), generator=gen) * 2 - 1) * ROTATION * 2 * math.pi
        cos, sin, zero = torch.cos(angle), torch.sin(angle), torch.zeros(len(x))
        x = affine(x, torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1))
        z = 1 + (torch.rand(len(x), generator=gen) * 2 - 1) * ZOOM
        return affine(x, torch.stack([torch.stack([z, zero, zero], 1), torch.stack([zero, z, zero], 1)], 1))

    def run(x):
        with torch.no_grad():
            for start in range(0, len(x), BATCH):
                batch(x[start:start + BATCH])

    return run


def best_of(run, x, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(x)
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="BLAS / PyTorch threads, the same for all")
    args = parser.parse_args()
    x = np.random.default_rng(1).uniform(0, 255, (N, SIZE, SIZE, 3)).astype(np.float32)
    runs = {"gradiente": (gradiente_pipeline(), x), "numpy": (numpy_pipeline(), x)}
    torch_run = torch_pipeline()
    if torch_run is None:
        print("PyTorch is not installed (pip install torch): comparing with plain NumPy only.")
    else:
        import torch
        runs["torch"] = (torch_run, torch.from_numpy(x.transpose(0, 3, 1, 2).copy()))
    # Take turns, pass by pass, so a machine that slows for a while slows every library.
    times = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, (run, data) in runs.items():
            times[name].append(best_of(run, data, 1))
    best = {name: min(t) for name, t in times.items()}
    print(f"{N} images {SIZE}x{SIZE}x3, batch {BATCH}, {args.threads} thread(s): "
          f"Resizing({OUT}) + RandomFlip + RandomRotation({ROTATION}) + RandomZoom({ZOOM})")
    for name, seconds in best.items():
        print(f"  {name:10s} {seconds:7.3f} s   ({N / seconds:8.0f} images/s)")
    for name in best:
        if name != "gradiente":
            print(f"  gradiente / {name}: {best['gradiente'] / best[name]:.2f}")


if __name__ == "__main__":
    main()
