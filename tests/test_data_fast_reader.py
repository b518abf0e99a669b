"""The compiled NTU ``.skeleton`` path (motionzoo/data/_fasttext.py + ntu._parse_fast) against the line-by-line
parser: bit-identical values on real excerpts and synthetic files, exact number conversion, and a hand-over (not an
error) on anything unusual so that the careful parser names the problem."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import need_shared
from motionzoo.data import SkeletonFormatError, read_ntu_skeleton, write_synthetic_ntu
from motionzoo.data import ntu
from motionzoo.data._fasttext import scan_numbers
from motionzoo.data.synthetic import format_ntu_skeleton, synthetic_ntu_sequence

pytest.importorskip("numba")

FIELDS = ("num_frames", "bodies_per_frame", "frame_of_body", "slot_of_body", "body_ids", "body_info", "joints")


def assert_bit_identical(a: ntu.NtuSkeleton, b: ntu.NtuSkeleton):
    assert a.num_frames == b.num_frames
    for k in FIELDS[1:]:
        x, y = getattr(a, k), getattr(b, k)
        assert x.dtype == y.dtype and x.shape == y.shape, k
        assert x.tobytes() == y.tobytes(), k  # bitwise: also tells -0.0 from 0.0


def both(path, raw):
    fast = ntu._parse_fast(str(path), raw)
    assert fast is not None, "the fast path handed over a well-formed file"
    return fast, ntu._parse_lines(str(path), raw)


@pytest.mark.parametrize("name", ["S001C001P001R001A001.first2frames.skeleton",
                                  "S001C001P001R001A050.first2frames.skeleton"])
def test_fast_equals_lines_on_real_excerpts(name):
    p = need_shared("data", "ntu_skeleton_excerpts", name)
    raw = p.read_bytes()
    assert_bit_identical(*both(p, raw))
    # CRLF, LF, no final newline, trailing blank lines, tabs and leading spaces parse identically too
    variants = [raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), raw.rstrip(b"\r\n"), raw + b"\n  \n\n",
                raw.replace(b" ", b"\t"), b"\n".join(b"  " + ln for ln in raw.split(b"\n"))]
    for v in variants:
        assert_bit_identical(*both(p, v))
        assert_bit_identical(ntu._parse_fast(str(p), v), ntu._parse_fast(str(p), raw))


def test_fast_equals_lines_on_synthetic_corpus(tmp_path):
    paths = write_synthetic_ntu(tmp_path, num_classes=60, samples_per_class=1, frames=(5, 30), seed=3)
    for p in paths[45:]:  # 1 and 2 bodies
        assert_bit_identical(*both(p, p.read_bytes()))
    # zero-body frames, three bodies, ids below 2**53, scientific notation in joints and body info
    rng = np.random.default_rng(0)
    xyz = [synthetic_ntu_sequence(7, 4, rng, body=b) for b in range(3)]
    lines = format_ntu_skeleton(xyz, [5, 2 ** 53 + 1, 2 ** 64 - 1]).split("\r\n")[:-1]
    lines = ["6"] + lines[1:] + ["0", "0"]
    lines[5] = lines[5].replace(lines[5].split()[1], "-4.248406E-05").replace(lines[5].split()[4], "1.5e+02")
    lines[2] = "5 0 1 1 1 1 0 -8.920905e-2 1E-300 2"    # body 0's info line
    raw = "\r\n".join(lines).encode()
    fast, lines_rec = both(tmp_path / "x.skeleton", raw)
    assert_bit_identical(fast, lines_rec)
    assert fast.bodies_per_frame.tolist() == [3, 3, 3, 3, 0, 0] and fast.body_info[0, -2] == 1e-300
    assert [int(i) for i in fast.body_ids[:3]] == [5, 2 ** 53 + 1, 2 ** 64 - 1]


def _random_tokens(rng, n):
    """Numbers in every form the grammar allows, including the ones that need the exact fallback."""
    out = []
    for _ in range(n):
        kind = rng.integers(0, 6)
        v = rng.normal(0, 10.0 ** rng.integers(-8, 9))
        if kind == 0:
            out.append(f"{v:.7G}")
        elif kind == 1:
            out.append(repr(float(v)))                             # 17 significant digits: exact fallback
        elif kind == 2:
            out.append(f"{v:.{rng.integers(0, 12)}f}")
        elif kind == 3:
            out.append(f"{v:.{rng.integers(1, 9)}e}".replace("e", rng.choice(["e", "E"])))
        elif kind == 4:
            out.append(rng.choice(["0", "-0", "+0.0", ".5", "5.", "-.25", "+7", "00012", "1e22", "1e23", "1e-22",
                                   "9007199254740993", "123456789012345678901234", "4.9e-324", "1e400",
                                   "0.000000000000000000000001", "1.5E+00"]))
        else:
            out.append(str(int(rng.integers(0, 10 ** rng.integers(1, 19)))))
    return out


def test_scan_numbers_is_exact():
    rng = np.random.default_rng(1)
    toks = _random_tokens(rng, 20000)
    raw = ("\n".join(" ".join(toks[i:i + 7]) for i in range(0, len(toks), 7))).encode()
    got = scan_numbers(raw)
    want = np.array([float(t) for t in toks])
    assert got.values.tobytes() == want.tobytes()
    assert got.line_counts.tolist() == [len(toks[i:i + 7]) for i in range(0, len(toks), 7)]
    assert got.plain.tolist() == [t.isdigit() for t in toks]
    assert [raw[a:b].decode() for a, b in zip(got.starts[:50], got.ends[:50])] == toks[:50]


@pytest.mark.parametrize("text", ["", "   \n", "1 2\r3", "1 x", "1 - 2", "1..2", "1.2.3", "1e", "1e+", "1E5.3",
                                  "--1", "1-2", ".", "-", "1 nan", "inf", "1_0", "0x10", "1\x0b2", "1,2"])
def test_scan_numbers_hands_over_outside_the_grammar(text):
    assert scan_numbers(text.encode()) is None


def _ntu_lines():
    rng = np.random.default_rng(0)
    return format_ntu_skeleton([synthetic_ntu_sequence(5, 3, rng)], [72057594037927936]).split("\r\n")[:-1]


@pytest.mark.parametrize("mutate", [
    lambda L: L[:40],                                                    # truncated
    lambda L: L[:3] + ["24"] + L[4:],                                    # wrong joint count
    lambda L: L[:6] + [L[6] + " 1"] + L[7:],                             # 13 fields
    lambda L: L[:6] + [" ".join(L[6].split()[:11])] + L[7:],            # 11 fields
    lambda L: L[:6] + [" ".join(L[6].split()[:6])] + [" ".join(L[6].split()[6:])] + L[7:],  # a record on 2 lines
    lambda L: L[:6] + [" ".join(L[6].split() + L[7].split())] + L[8:],  # two records on one line
    lambda L: ["4"] + L[1:],                                             # frame count disagrees
    lambda L: ["2"] + L[1:],                                             # extra lines
    lambda L: L[:10] + [""] + L[10:],                                    # blank line inside
    lambda L: L[:2] + ["1 2 3"] + L[3:],                                 # short body-info line
    lambda L: L[:2] + [L[2].replace(L[2].split()[0], "7.5", 1)] + L[3:],  # non-integer body id
    lambda L: ["3 0"] + L[1:],                                           # frame count line with two tokens
    lambda L: L[:1] + ["17"] + L[2:],                                    # implausible body count
    lambda L: L[:6] + [L[6].replace(L[6].split()[0], "1e400", 1)] + L[7:],  # overflow to inf
])
def test_fast_path_hands_over_and_the_careful_parser_raises(tmp_path, mutate):
    raw = "\r\n".join(mutate(_ntu_lines())).encode()
    p = tmp_path / "S001C001P001R001A001.skeleton"
    assert ntu._parse_fast(str(p), raw) is None
    with pytest.raises(SkeletonFormatError):
        read_ntu_skeleton(p, data=raw)


def test_public_reader_uses_the_fast_path(tmp_path, monkeypatch):
    raw = "\r\n".join(_ntu_lines()).encode()
    monkeypatch.setattr(ntu, "_parse_lines", lambda *a: pytest.fail("fell back on a well-formed file"))
    assert read_ntu_skeleton(tmp_path / "a.skeleton", data=raw).joints.shape == (3, 25, 12)
