"""Issue 15's benchmark: TextVectorization.adapt and its call on 100,000 short strings,
against plain Python doing the same work.

    python benchmarks/text_preprocessing.py [--samples 100000] [--repeats 5]

The strings are generated sentences (3 to 12 words drawn from 5,000 made-up words with
Zipf-like frequencies, capitalised, with punctuation). The baseline standardizes each
string (lower, delete punctuation), splits it on whitespace, counts tokens in a dict,
sorts them by (count, token) descending for the vocabulary, then maps each string's
tokens through the dict with a list comprehension and pads/cuts them into an int64
(samples, 20) array. The layer runs ``TextVectorization(max_tokens=20000,
output_sequence_length=20)``. Both must give the same vocabulary and indices (checked).
The two take turns, repeat by repeat. Printed: the best times and the ratios
layer / baseline (target <= 1.0).
"""
import argparse
import collections
import os
import string
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

MAX_TOKENS, LENGTH = 20_000, 20
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def sentences(n, seed=0):
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = ["".join(rng.choice(letters, rng.integers(2, 9))) for _ in range(5000)]
    weights = 1.0 / np.arange(1, 5001)
    weights /= weights.sum()
    lengths = rng.integers(3, 13, size=n)
    picks = rng.choice(5000, size=int(lengths.sum()), p=weights)
    marks = rng.choice([".", "!", "?", ",", ""], size=n)
    out, start = [], 0
    for i, k in enumerate(lengths):
        text = " ".join(words[j] for j in picks[start:start + k])
        out.append(text.capitalize() + marks[i])
        start += k
    return out


def baseline_adapt(texts):
    counts = collections.Counter()
    for s in texts:
        counts.update(s.lower().translate(_PUNCTUATION).split())
    ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)[:MAX_TOKENS - 2]
    return {token: i for i, (token, _) in enumerate(ranked, 2)}


def baseline_call(vocab, texts):
    out = np.zeros((len(texts), LENGTH), dtype=np.int64)
    for i, s in enumerate(texts):
        ids = [vocab.get(t, 1) for t in s.lower().translate(_PUNCTUATION).split()[:LENGTH]]
        out[i, :len(ids)] = ids
    return out


def best_of_turns(first, second, repeats):
    """Best times of two functions run in turns (a machine slowing down slows both)."""
    times, results = ([], []), [None, None]
    for _ in range(repeats):
        for k, fn in enumerate((first, second)):
            start = time.perf_counter()
            results[k] = fn()
            times[k].append(time.perf_counter() - start)
    return min(times[0]), min(times[1]), results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from gradiente import layers

    texts = np.array(sentences(args.samples), dtype=object)
    layer = layers.TextVectorization(max_tokens=MAX_TOKENS, output_sequence_length=LENGTH)

    base_adapt, ours_adapt, (vocab, _) = best_of_turns(
        lambda: baseline_adapt(texts), lambda: layer.adapt(texts), args.repeats)
    assert layer.get_vocabulary()[2:] == list(vocab), "vocabularies differ"
    base_call, ours_call, (expected, got) = best_of_turns(
        lambda: baseline_call(vocab, texts), lambda: layer(texts).numpy(), args.repeats)
    np.testing.assert_array_equal(got, expected)

    print(f"{args.samples:,} strings, vocabulary {len(vocab) + 2:,}, best of {args.repeats}")
    print(f"adapt: TextVectorization {ours_adapt * 1e3:8.1f} ms   plain Python {base_adapt * 1e3:8.1f} ms   "
          f"ratio {ours_adapt / base_adapt:.2f}")
    print(f"call:  TextVectorization {ours_call * 1e3:8.1f} ms   plain Python {base_call * 1e3:8.1f} ms   "
          f"ratio {ours_call / base_call:.2f}")


if __name__ == "__main__":
    main()
