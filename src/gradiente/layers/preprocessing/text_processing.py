"""TextVectorization's string steps, as TensorFlow's string ops do them: ASCII-only
lowercasing (``tf.strings.lower``), deleting ASCII punctuation (Keras's regex
``[!"#$%&()\\*\\+,-\\./:;<=>?@\\[\\\\\\]^_`{|}~\\']``: exactly ``string.punctuation``),
splitting on ASCII whitespace (``tf.strings.split``), splitting into Unicode code points,
and n-grams joined by a space (``tf.strings.ngrams``: per sample, width by width).

A batch is standardized as one string joined by NUL, so each step is one C-level pass over
all the text instead of one Python call per sample.
"""
import re
import string

import numpy as np

_LOWER = {ord(c): ord(c.lower()) for c in string.ascii_uppercase}
_NO_PUNCTUATION = {ord(c): None for c in string.punctuation}
SEP = "\x00"
# Python's str.split also splits on these; TensorFlow's whitespace is ASCII's six only.
_OTHER_SPACE = re.compile("[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_ASCII_SPACE = re.compile("[ \t\n\r\x0b\x0c]+")


def _standardize_text(text, mode):
    if mode in ("lower", "lower_and_strip_punctuation"):
        # For ASCII text, str.lower is the ASCII lowercasing and runs faster than translate.
        text = text.lower() if text.isascii() else text.translate(_LOWER)
    if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = text.translate(_NO_PUNCTUATION)
    return text


def standardize(strings, mode):
    """A list of str standardized by a built-in ``mode`` (see module doc)."""
    if mode is None or not strings:
        return strings
    text = SEP.join(strings)
    if text.count(SEP) != len(strings) - 1:  # a sample holds NUL itself: one by one
        return [_standardize_text(s, mode) for s in strings]
    return _standardize_text(text, mode).split(SEP)


def split_whitespace(strings):
    """Each string's tokens, split on runs of ASCII whitespace (ends stripped)."""
    if any(_OTHER_SPACE.search(s) for s in strings) if len(strings) < 64 else \
            _OTHER_SPACE.search(SEP.join(strings)):
        return [[t for t in _ASCII_SPACE.split(s) if t] for s in strings]
    return [s.split() for s in strings]


def flat_whitespace_tokens(strings, mode):
    """All samples' tokens in one list, samples separated by a NUL token, standardized by a
    built-in ``mode`` and split on ASCII whitespace; None when a sample holds NUL itself or
    the text holds whitespace that Python splits on and TensorFlow does not."""
    text = SEP.join(strings)
    if text.count(SEP) != len(strings) - 1:
        return None
    if mode is not None:
        text = _standardize_text(text, mode)
    if text.isascii():
        if any(c in text for c in "\x1c\x1d\x1e\x1f"):
            return None
    elif _OTHER_SPACE.search(text):
        return None
    return text.replace(SEP, " \x00 ").split()


def split_characters(strings):
    return [list(s) for s in strings]


def ngrams(rows, widths):
    """Each token list -> its n-grams of each width in ``widths`` (a tuple), joined by a
    space, all of the first width first; a row shorter than a width has none of it."""
    if widths == (1,):
        return rows
    out = []
    for row in rows:
        grams = []
        for w in widths:
            if w == 1:
                grams.extend(row)
            else:
                grams.extend(" ".join(row[i:i + w]) for i in range(len(row) - w + 1))
        out.append(grams)
    return out


def as_token_rows(result, where):
    """A user ``split``'s result (a list of lists, or a 2-D array) as lists of str."""
    if isinstance(result, np.ndarray) and result.ndim == 2:
        return [[str(t) for t in row] for row in result.tolist()]
    try:
        return [[t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in row] for row in result]
    except TypeError:
        raise TypeError(f"{where}: a callable `split` must return one list of tokens per sample, "
                        f"received {type(result).__name__}.") from None
