#!/usr/bin/python3
"""A safetensors reference file built by hand from the specification, for tests/core/test_safetensors.c.

Debian has no python3-safetensors, so the format is written here straight from the spec
(https://huggingface.co/docs/safetensors): an 8-byte little-endian header length, a JSON header
padded with spaces, then the byte buffer. The layout deliberately differs from scar's writer:
tensors in insertion order (so some are misaligned), pretty-printed JSON with \\u escapes.

    /usr/bin/python3 tools/make_safetensors_fixture.py            # writes tests/ref/safetensors/
    /usr/bin/python3 tools/make_safetensors_fixture.py --verify F  # checks any file against the spec

Only the standard library is used.
"""
import json
import os
import struct
import sys

SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "U16": 2, "I16": 2, "F16": 2,
         "BF16": 2, "U32": 4, "I32": 4, "F32": 4, "U64": 8, "I64": 8, "F64": 8}


def bf16(values):
    """bfloat16: the upper half of each float32."""
    return b"".join(struct.pack("<f", v)[2:] for v in values)


# (name, dtype, shape, bytes), in file order. "mask" first puts "weight" at an odd offset.
TENSORS = [
    ("mask", "BOOL", [5], bytes([1, 0, 1, 1, 0])),
    ("weight", "F32", [2, 3], struct.pack("<6f", 0.5, 1.0, -1.25, 2.0, 3.5, -0.375)),
    ("ids", "I64", [4], struct.pack("<4q", 0, -1, 2**40, -(2**53))),
    ("u8", "U8", [3], bytes([0, 128, 255])),
    ("half", "F16", [3], struct.pack("<3e", 1.0, -2.5, 65504.0)),
    ("bf", "BF16", [2], bf16([1.0, -3.0])),
    ("scalar", "F64", [], struct.pack("<d", 3.141592653589793)),
    ("empty", "I32", [0, 3], b""),
    ("i16", "I16", [2], struct.pack("<2h", -32768, 32767)),
    ("i8", "I8", [2], struct.pack("<2b", -128, 127)),
    ("u16", "U16", [1], struct.pack("<H", 65535)),
    ("i32", "I32", [2, 1], struct.pack("<2i", -2**31, 2**31 - 1)),
    ("u32", "U32", [1], struct.pack("<I", 2**32 - 1)),
    ("u64", "U64", [1], struct.pack("<Q", 2**64 - 1)),
    ("fp8", "F8_E4M3", [2], bytes([0x38, 0xb8])),
    ("fp8b", "F8_E5M2", [1, 1, 1, 1, 1], bytes([0x3c])),
]
METADATA = {"format": "pt", "producer": "make_safetensors_fixture.py", "unicode": "\u00e9\u2713"}


def build():
    header, buf = {"__metadata__": METADATA}, b""
    for name, dtype, shape, data in TENSORS:
        n = 1
        for d in shape:
            n *= d
        assert n * SIZES[dtype] == len(data), name
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(buf), len(buf) + len(data)]}
        buf += data
    text = json.dumps(header, indent=1).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + buf


def verify(path):
    """Every rule of the spec; raises on the first violation, prints a summary otherwise."""
    blob = open(path, "rb").read()
    assert len(blob) >= 8, "shorter than 8 bytes"
    (n,) = struct.unpack("<Q", blob[:8])
    assert 8 + n <= len(blob), "header runs past the end"
    text = blob[8:8 + n].decode("utf-8")
    assert text.startswith("{"), "header does not start with '{'"

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), "duplicate keys"
        return dict(pairs)

    header = json.loads(text, object_pairs_hook=no_duplicates)
    meta = header.pop("__metadata__", None) or {}
    assert all(isinstance(v, str) for v in meta.values()), "metadata values must be strings"
    buf_len, spans = len(blob) - 8 - n, []
    for name, info in header.items():
        assert set(info) == {"dtype", "shape", "data_offsets"}, name
        count = 1
        for d in info["shape"]:
            assert isinstance(d, int) and d >= 0, name
            count *= d
        begin, end = info["data_offsets"]
        assert 0 <= begin <= end <= buf_len, name
        assert count * SIZES[info["dtype"]] == end - begin, name
        spans.append((begin, end, name))
    at = 0
    for begin, end, name in sorted(spans):
        assert begin == at, f"{name}: overlap or hole at {at}"
        at = end
    assert at == buf_len, "buffer not fully covered"
    print(f"{path}: ok, header {n} bytes (multiple of 8: {n % 8 == 0}), {len(spans)} tensors, "
          f"metadata {sorted(meta)}")
    for begin, end, name in sorted(spans):
        info = header[name]
        print(f"  {name}: {info['dtype']} {info['shape']} [{begin}, {end})")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--verify":
        for p in sys.argv[2:]:
            verify(p)
        return
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref", "safetensors")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "reference.safetensors")
    with open(path, "wb") as f:
        f.write(build())
    verify(path)
    ref = {"metadata": METADATA,
           "tensors": [{"name": n, "dtype": d, "shape": s, "hex": b.hex()} for n, d, s, b in TENSORS]}
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
