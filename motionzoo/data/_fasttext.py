"""A compiled tokenizer for whitespace-separated decimal text (numba): one pass over the bytes gives every number
as float64, bit-identical to a correctly rounded parser (Python's ``float``, numpy's ``loadtxt``), and the number
of tokens on every line.

    toks = scan_numbers(raw)          # None when the text is outside the grammar below, or numba is missing
    toks.values[k]                    # float64 of the k-th token
    toks.line_counts[l]               # tokens on the l-th line (trailing empty lines removed)

Why: the NTU ``.skeleton`` reader spent most of its time converting numbers one string at a time (about 250 ns per
number on a shared core, in ``float`` as in numpy's C text parser).  The loop below costs a few ns per byte.

Grammar (anything else returns None, and the caller falls back to its careful line-by-line parse, which then
either succeeds or raises an error naming the line and field):

    token  = [+-] digits* [ "." digits* ] [ (E|e) [+-] digits+ ]    (at least one mantissa digit)
    spaces = " ", "\\t", "\\n", "\\r\\n"                                (a lone "\\r" is outside the grammar)

Exactness (Clinger's fast path): with the mantissa digits forming an integer m <= 2**53 and a decimal exponent
|e| <= 22, both m and 10**|e| are exact doubles, so one IEEE multiplication (e >= 0) or division (e < 0) is
correctly rounded, i.e. it gives the bits a correctly rounded strtod gives.  Other tokens (more digits, a large
exponent) are flagged and converted by Python's ``float`` one by one; in NTU files these are only the 17-digit
body ids.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

__all__ = ["NumberTokens", "scan_numbers", "compiled_scanner_available"]

_logger = logging.getLogger(__name__)
_POW10 = np.array([10.0 ** k for k in range(23)])  # exact doubles 1e0 .. 1e22
_TWO_53 = 2 ** 53


@dataclass(frozen=True)
class NumberTokens:
    """values (N,) float64 | plain (N,) bool: digits only (no sign, '.' or exponent: a count or an id; exact in
    `values` up to 2**53) | starts, ends (N,) int64 byte offsets of each token | line_counts (L,) int64 tokens per
    line, the lines as ``bytes.splitlines`` sees them, trailing empty lines removed."""

    values: np.ndarray
    plain: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    line_counts: np.ndarray


def _scan_kernel(buf, pow10, values, plain, slow, starts, ends, line_counts):  # pragma: no cover - compiled
    """Fill the output arrays; returns (tokens, lines), or (-1, 0) when `buf` is outside the grammar.  `slow[k]`
    marks a token whose value must come from a correctly rounded parser (more digits than the fast path, large
    exponent).  Plain Python on purpose: numba compiles it (see `_compiled`)."""
    n = buf.shape[0]
    ntok = 0
    nline = 0
    on_line = 0
    i = 0
    while i < n:
        c = buf[i]
        if c == 32 or c == 9:
            i += 1
            continue
        if c == 10 or c == 13:
            if c == 13:
                if i + 1 >= n or buf[i + 1] != 10:
                    return -1, 0
                i += 1
            line_counts[nline] = on_line
            nline += 1
            on_line = 0
            i += 1
            continue
        start = i
        neg = False
        signed = False
        if c == 45 or c == 43:
            neg = c == 45
            signed = True
            i += 1
        m = 0                               # the mantissa digits as one integer (up to 18 of them)
        nd = 0                              # mantissa digits
        nfrac = 0                           # of which after the '.'
        has_dot = False
        while i < n:
            c = buf[i]
            if 48 <= c <= 57:
                if nd < 18:
                    m = m * 10 + (c - 48)
                    nfrac += has_dot
                nd += 1
            elif c == 46 and not has_dot:
                has_dot = True
            else:
                break
            i += 1
        if nd == 0:
            return -1, 0
        e = 0
        big_exp = False
        has_exp = False
        if i < n and (buf[i] == 69 or buf[i] == 101):
            has_exp = True
            i += 1
            eneg = False
            if i < n and (buf[i] == 45 or buf[i] == 43):
                eneg = buf[i] == 45
                i += 1
            ne = 0
            while i < n and 48 <= buf[i] <= 57:
                if ne < 6:
                    e = e * 10 + (buf[i] - 48)
                ne += 1
                i += 1
            if ne == 0:
                return -1, 0
            big_exp = ne > 5
            if eneg:
                e = -e
        if i < n:
            c = buf[i]
            if not (c == 32 or c == 9 or c == 10 or c == 13):
                return -1, 0
        e -= nfrac
        is_slow = nd > 18 or m > 9007199254740992 or big_exp or e < -22 or e > 22
        v = 0.0
        if not is_slow:
            if e >= 0:
                v = float(m) * pow10[e]
            else:
                v = float(m) / pow10[-e]
        values[ntok] = -v if neg else v
        plain[ntok] = not (signed or has_dot or has_exp)
        slow[ntok] = is_slow
        starts[ntok] = start
        ends[ntok] = i
        ntok += 1
        on_line += 1
    if on_line:
        line_counts[nline] = on_line
        nline += 1
    return ntok, nline


_COMPILED = None


def _compiled():
    """The numba-compiled kernel (compiled once, cached on disk next to this file), or None without numba."""
    global _COMPILED
    if _COMPILED is None:
        try:
            import numba
        except ImportError:
            _logger.warning("numba is not installed: skeleton text files are parsed by the slower line-by-line "
                            "reader (pip install numba)")
            _COMPILED = False
        else:
            _COMPILED = numba.njit(cache=True, nogil=True)(_scan_kernel)
    return _COMPILED or None


def compiled_scanner_available() -> bool:
    return _compiled() is not None


class _Workspace(threading.local):
    """Output buffers reused from call to call (per thread): fresh multi-megabyte arrays cost more in page faults
    than the scan itself."""

    def __init__(self):
        self.cap = 0

    def get(self, n_bytes: int):
        cap = n_bytes // 2 + 1                  # a token and its separator take >= 2 bytes
        if cap > self.cap:
            self.cap = max(cap, 2 * self.cap)
            self.values = np.empty(self.cap)
            self.plain = np.empty(self.cap, np.bool_)
            self.slow = np.empty(self.cap, np.bool_)
            self.starts = np.empty(self.cap, np.int64)
            self.ends = np.empty(self.cap, np.int64)
            self.line_counts = np.empty(2 * self.cap + 1, np.int64)
        return self.values, self.plain, self.slow, self.starts, self.ends, self.line_counts


_WORKSPACE = _Workspace()


def scan_numbers(raw: bytes) -> NumberTokens | None:
    """All whitespace-separated numbers of `raw` (see the module doc), or None when the text is outside the
    grammar or numba is missing (the caller then parses it carefully).  Never raises on bad input.

    The arrays returned are views of buffers that the next call in the same thread overwrites: copy what you
    keep."""
    kernel = _compiled()
    if kernel is None or not raw:
        return None
    values, plain, slow, starts, ends, line_counts = _WORKSPACE.get(len(raw))
    ntok, nline = kernel(np.frombuffer(raw, np.uint8), _POW10, values, plain, slow, starts, ends, line_counts)
    if ntok <= 0:
        return None
    for k in np.flatnonzero(slow[:ntok]).tolist():  # rare: long or extreme numbers, exact by Python's float
        values[k] = float(raw[starts[k]:ends[k]])
    used = np.flatnonzero(line_counts[:nline])
    return NumberTokens(values[:ntok], plain[:ntok], starts[:ntok], ends[:ntok], line_counts[: used[-1] + 1])
