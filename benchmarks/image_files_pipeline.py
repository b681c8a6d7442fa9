"""image_dataset_from_directory on PNG files beside a plain Python loop doing the same work.

    OMP_NUM_THREADS=1 python benchmarks/image_files_pipeline.py [n_images] [rounds]

Writes ``n_images`` (default 10,000) 32x32 RGB PNGs in 10 class folders into a temporary
folder, then times one full pass of:
  - gradiente: ``image_dataset_from_directory(image_size=(32, 32), batch_size=32,
    shuffle=False)``: listing, decoding in threads, batching, prefetching;
  - baseline: the same files in the same order, a loop of Pillow decode + RGB convert +
    float32 array, ``np.stack`` per 32.
Then the same two with a consumer that spends ``WORK_MS`` per batch in NumPy matrix products
(a training step's stand-in): the pipeline's prefetching can overlap decoding with it, the
loop cannot.
Rounds alternate; medians and the ratio gradiente / baseline are printed (lower is better).
"""
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import gradiente as keras  # noqa: E402

BATCH, SIZE, WORK_MS = 32, 32, 5.0


def write_images(root, n):
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in range(10):
        os.makedirs(os.path.join(root, f"class_{c}"))
    for i in range(n):
        pixels = rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(os.path.join(root, f"class_{i % 10}", f"{i:05d}.png"))


def baseline_pass(paths, work_s):
    from PIL import Image

    count = 0
    for start in range(0, len(paths), BATCH):
        images = []
        for path in paths[start:start + BATCH]:
            with open(path, "rb") as handle:
                with Image.open(io.BytesIO(handle.read())) as img:
                    images.append(np.asarray(img.convert("RGB"), dtype=np.float32))
        batch = np.stack(images)
        count += len(batch)
        _consume(work_s)
    return count


def pipeline_pass(root, work_s):
    ds = keras.utils.image_dataset_from_directory(root, image_size=(SIZE, SIZE), batch_size=BATCH,
                                                  shuffle=False, verbose=False)
    count = 0
    for images, _ in ds:
        count += len(images)
        _consume(work_s)
    return count, ds.file_paths


_A = np.random.default_rng(0).normal(size=(160, 160)).astype(np.float32)


def _consume(seconds):
    # A training step's stand-in: NumPy matrix products, which (like a real step's) release
    # the GIL while they run, so a producer thread can decode meanwhile.
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        _A @ _A


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main(n=10_000, rounds=3):
    with tempfile.TemporaryDirectory() as root:
        start = time.perf_counter()
        write_images(root, n)
        print(f"wrote {n} PNGs of {SIZE}x{SIZE} in {time.perf_counter() - start:.1f} s; {os.cpu_count()} CPUs")
        count, paths = pipeline_pass(root, 0.0)  # warm the file cache; the order the loop uses
        assert count == n
        for work_ms in (0.0, WORK_MS):
            ours, theirs = [], []
            for _ in range(rounds):
                ours.append(timed(pipeline_pass, root, work_ms / 1000))
                theirs.append(timed(baseline_pass, paths, work_ms / 1000))
            a, b = statistics.median(ours), statistics.median(theirs)
            label = "decode only" if not work_ms else f"with {work_ms:.0f} ms of work per batch"
            print(f"{label:32s} gradiente {a:6.2f} s  baseline {b:6.2f} s  ratio {a / b:.2f}  "
                  f"({n / a:,.0f} vs {n / b:,.0f} images/s)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
