#!/usr/bin/python3
"""Small .npy files written by real NumPy, for tests/core/test_npy.c.

    /usr/bin/python3 tools/make_npy_fixtures.py             # writes tests/ref/npy/
    /usr/bin/python3 tools/make_npy_fixtures.py --check F... # loads .npy files with NumPy, prints them

Writes tests/ref/npy/*.npy and expected.json: for each readable file its dtype (scar's name), shape
and values flattened in C order; for each file scar must refuse, a phrase its error must contain.
Needs Debian's python3-numpy; the outputs are committed, so the test suite does not.
"""
import json
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref", "npy")
NAMES = {"f2": "F16", "f4": "F32", "f8": "F64", "i1": "I8", "i2": "I16", "i4": "I32", "i8": "I64",
         "u1": "U8", "u2": "U16", "u4": "U32", "u8": "U64", "b1": "BOOL"}


def arrays():
    """(file, array, format version); every value is exact in a double and in JSON."""
    return [
        ("f4_2x3.npy", np.array([[0.5, -1.25, 3.0], [1 / 3, 1e-8, -7.0]], dtype="<f4"), None),
        ("f8_vec.npy", np.array([np.pi, -0.0, 1e300, 5e-324], dtype="<f8"), None),
        ("f2_vec.npy", np.array([1.0, -2.5, 65504.0, 2.0**-24], dtype="<f2"), None),
        ("i4_scalar.npy", np.array(-123456, dtype="<i4"), None),
        ("i8_5d.npy", (np.arange(12, dtype="<i8") * -(2**40)).reshape(2, 1, 3, 1, 2), None),
        ("i2_vec.npy", np.array([-32768, 0, 32767], dtype="<i2"), None),
        ("u1_vec.npy", np.array([0, 1, 127, 128, 255], dtype="|u1"), None),
        ("i1_2x2.npy", np.array([[-128, 0], [1, 127]], dtype="|i1"), None),
        ("u2_vec.npy", np.array([0, 65535], dtype="<u2"), None),
        ("u4_vec.npy", np.array([0, 4294967295], dtype="<u4"), None),
        ("u8_vec.npy", np.array([0, 2**53], dtype="<u8"), None),
        ("b1_vec.npy", np.array([True, False, True], dtype="|b1"), None),
        ("f4_empty.npy", np.zeros((0, 3), dtype="<f4"), None),
        ("f4_fortran.npy", np.asfortranarray(np.arange(12, dtype="<f4").reshape(3, 4)), None),
        ("i2_fortran_3d.npy", np.asfortranarray(np.arange(24, dtype="<i2").reshape(2, 3, 4)), None),
        ("f4_v2.npy", np.arange(6, dtype="<f4").reshape(3, 2) / 4, (2, 0)),
        ("i4_v3.npy", np.arange(5, dtype="<i4") - 2, (3, 0)),
    ]


def refused():
    """(file, array, phrase in scar's error)."""
    return [
        ("big_endian.npy", np.array([1.0, 2.0], dtype=">f4"), "big-endian"),
        ("complex.npy", np.array([1 + 2j], dtype="<c8"), "unsupported dtype '<c8'"),
        ("structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]), "structured"),
        ("object.npy", np.array([None, "x"], dtype=object), "unsupported dtype '|O'"),
    ]


def save(path, a, version):
    if version is None:
        np.save(path, a)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=version)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        for p in sys.argv[2:]:
            a = np.load(p)
            print(f"{p}: {a.dtype.str} {a.shape} {a.ravel().tolist()[:8]}")
        return
    os.makedirs(OUT, exist_ok=True)
    expected = {"arrays": [], "refused": []}
    for name, a, version in arrays():
        save(os.path.join(OUT, name), a, version)
        back = np.load(os.path.join(OUT, name))
        assert back.dtype == a.dtype and back.shape == a.shape and (back == a).all(), name
        values = [float(v) if a.dtype.kind == "f" else int(v) for v in a.ravel(order="C")]
        expected["arrays"].append({"file": name, "dtype": NAMES[a.dtype.str[1:]],
                                   "shape": list(a.shape), "values": values})
    for name, a, phrase in refused():
        np.save(os.path.join(OUT, name), a, allow_pickle=True)
        expected["refused"].append({"file": name, "error": phrase})
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"wrote {len(expected['arrays']) + len(expected['refused'])} files to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
