#!/usr/bin/python3
"""Checks jx::io's files against an implementation of the formats that is not jx's own.

Run with Debian's python3-numpy (the default `python3` may have no NumPy); ctest runs both halves
(tests/CMakeLists.txt), around the C++ side in tests/io/python_interop_test.cpp:

    /usr/bin/python3 tools/safetensors_check.py write DIR   # files for jx to read
    /usr/bin/python3 tools/safetensors_check.py check DIR   # checks the files jx wrote to DIR

The safetensors files are read and written here from the format's description alone (8-byte
little-endian header length, JSON header, raw little-endian data) with `json`, `struct` and NumPy;
where Hugging Face's `safetensors` package is installed (Debian has none so far) it reads and writes
them too. The .npy and .npz files go through NumPy's own np.save / np.savez / np.load.

Both sides fill tensors with the same formula of the element index, so neither trusts the other's
output: for a tensor of dtype D and shape (3, 4) (i = 0 .. 11, row-major),

    BOOL  i % 3 == 0             I8   7i - 40              U8   20i + 5
    I16   1000i - 5000           U16  5000i + 7
    I32   123456789i - 700000000 U32  300000000i + 11
    I64   1234567890123i - 2^62  U64  2^63 + 1234567890123i
    F16, BF16   (i - 5.5) / 4    F32, F64   (i - 5.5) / 3 rounded to the type

plus a PRNG key tensor holding the uint32 words [[1, 2], [3, 4], [5, 6]].
"""

import json
import os
import struct
import sys

import numpy as np

try:
    import safetensors.numpy as safetensors_numpy  # Hugging Face's package, when installed
except ImportError:
    safetensors_numpy = None

SHAPE = (3, 4)
DTYPES = ["BOOL", "I8", "I16", "I32", "I64", "U8", "U16", "U32", "U64", "F16", "BF16", "F32", "F64"]
NUMPY_TYPES = {"BOOL": np.bool_, "I8": np.int8, "I16": np.int16, "I32": np.int32, "I64": np.int64,
               "U8": np.uint8, "U16": np.uint16, "U32": np.uint32, "U64": np.uint64, "F16": np.float16,
               "BF16": np.uint16, "F32": np.float32, "F64": np.float64}  # BF16 as its raw 16-bit words
ITEMSIZE = {"BOOL": 1, "I8": 1, "U8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4,
            "F32": 4, "I64": 8, "U64": 8, "F64": 8}
KEY_WORDS = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.uint32)


def formula(dtype):
    """The values of a tensor of `dtype` (a safetensors name), as a NumPy array of SHAPE."""
    i = np.arange(12, dtype=object)  # Python integers: exact before the cast
    values = {
        "BOOL": [v % 3 == 0 for v in i],
        "I8": [7 * v - 40 for v in i],
        "I16": [1000 * v - 5000 for v in i],
        "I32": [123456789 * v - 700000000 for v in i],
        "I64": [1234567890123 * v - 2**62 for v in i],
        "U8": [20 * v + 5 for v in i],
        "U16": [5000 * v + 7 for v in i],
        "U32": [300000000 * v + 11 for v in i],
        "U64": [2**63 + 1234567890123 * v for v in i],
    }
    if dtype in values:
        return np.array(values[dtype], dtype=NUMPY_TYPES[dtype]).reshape(SHAPE)
    if dtype in ("F16", "BF16"):
        exact = np.array([(v - 5.5) / 4 for v in i], dtype=np.float32)  # multiples of 1/8: exact in both
        if dtype == "F16":
            return exact.astype(np.float16).reshape(SHAPE)
        return (exact.view(np.uint32) >> 16).astype(np.uint16).reshape(SHAPE)
    return np.array([(v - 5.5) / 3 for v in i], dtype=np.float64).astype(NUMPY_TYPES[dtype]).reshape(SHAPE)


def fail(message):
    print("safetensors_check: " + message, file=sys.stderr)
    sys.exit(1)


# --- safetensors, from the format's description ------------------------------------------------------

def write_safetensors(path, tensors, metadata):
    """tensors: {name: (dtype name, numpy array)}; the data in order of decreasing element size."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    order = sorted(tensors, key=lambda name: -ITEMSIZE[tensors[name][0]])
    for name in order:
        dtype, array = tensors[name]
        size = array.size * ITEMSIZE[dtype]
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in order:
            f.write(np.ascontiguousarray(tensors[name][1]).astype(tensors[name][1].dtype.newbyteorder("<")).tobytes())


def read_safetensors(path):
    """Returns ({name: (dtype name, numpy array)}, metadata), checking the layout rules."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        fail(f"{path}: too short")
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        fail(f"{path}: header length {length} past the end")
    header = json.loads(data[8:8 + length].decode("utf-8"))
    if (8 + length) % 8 != 0:
        fail(f"{path}: data does not start at a multiple of 8")
    metadata = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        fail(f"{path}: __metadata__ values must be strings")
    buffer = data[8 + length:]
    tensors, ranges = {}, []
    for name, info in header.items():
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if set(info) != {"dtype", "shape", "data_offsets"} or dtype not in DTYPES:
            fail(f"{path}: tensor {name}: bad entry {info}")
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != count * ITEMSIZE[dtype]:
            fail(f"{path}: tensor {name}: offsets do not match the shape")
        if begin % ITEMSIZE[dtype] != 0:
            fail(f"{path}: tensor {name}: not aligned to its element size")
        array = np.frombuffer(buffer[begin:end], dtype=np.dtype(NUMPY_TYPES[dtype]).newbyteorder("<"))
        tensors[name] = (dtype, array.reshape(shape))
        ranges.append((begin, end))
    covered = 0
    for begin, end in sorted(ranges):
        if begin != covered:
            fail(f"{path}: the tensors' data has a hole or an overlap at byte {covered}")
        covered = end
    if covered != len(buffer):
        fail(f"{path}: {len(buffer) - covered} bytes of data belong to no tensor")
    return tensors, metadata


def tree_leaves(node, out):
    """The leaves of a jx.tree structure (see src/io/tree_structure.h), in order."""
    if node is None:
        return out
    if "array" in node or "key" in node:
        out.append(node)
    elif "tuple" in node or "list" in node:
        for child in node.get("tuple", node.get("list")):
            tree_leaves(child, out)
    elif "dict" in node:
        for key in node["dict"]:  # jx writes dict keys sorted, as json.loads keeps them
            tree_leaves(node["dict"][key], out)
    elif "custom" in node:
        for child in node["children"]:
            tree_leaves(child, out)
    elif "static" not in node:
        fail(f"unknown jx.tree node {node}")
    return out


def expect_equal(what, actual, expected):
    if actual.dtype != expected.dtype or actual.shape != expected.shape:
        fail(f"{what}: {actual.dtype}{actual.shape} where {expected.dtype}{expected.shape} was expected")
    if not np.array_equal(actual.view(np.uint8), expected.view(np.uint8)):
        fail(f"{what}: values {actual.ravel().tolist()} where {expected.ravel().tolist()} were expected")


# --- The two halves ----------------------------------------------------------------------------------

def check_jx_files(directory):
    """Checks what tests/io/python_interop_test.cpp (IoPythonInterop.WriteFilesForPython) wrote."""
    path = os.path.join(directory, "from_jx.safetensors")
    tensors, metadata = read_safetensors(path)
    if metadata.get("jx.version") != "1":
        fail(f"{path}: jx.version is {metadata.get('jx.version')!r}")
    structure = json.loads(metadata["jx.tree"])
    leaves = tree_leaves(structure, [])
    names = [leaf.get("array", leaf.get("key")) for leaf in leaves]
    if sorted(names) != sorted(tensors):
        fail(f"{path}: jx.tree names {sorted(names)}, the file holds {sorted(tensors)}")
    for dtype in DTYPES:
        name = "dtypes." + dtype
        stored_dtype, array = tensors[name]
        if stored_dtype != dtype:
            fail(f"{path}: {name} stored as {stored_dtype}")
        expect_equal(f"{path}: {name}", array, formula(dtype))
    keys = [leaf for leaf in leaves if "key" in leaf]
    if [leaf["key"] for leaf in keys] != ["rng"] or keys[0].get("impl") != "threefry2x32":
        fail(f"{path}: the key leaf is missing or not marked: {keys}")
    expect_equal(f"{path}: rng", tensors["rng"][1], KEY_WORDS)
    step = structure["custom"] == "InteropState" and structure["children"][structure["fields"].index("step")]
    if step != {"static": "int", "value": 7}:
        fail(f"{path}: the static leaf 'step' is {step}")
    if safetensors_numpy is not None:
        loaded = safetensors_numpy.load_file(path)
        for dtype in DTYPES:
            if dtype != "BF16":  # NumPy has no bfloat16
                expect_equal(f"{path} (safetensors package): dtypes.{dtype}", loaded["dtypes." + dtype], formula(dtype))

    npy = np.load(os.path.join(directory, "from_jx.npy"))
    expect_equal("from_jx.npy", npy, formula("F32"))
    for name in ["from_jx.npz", "from_jx_zip64.npz"]:
        with np.load(os.path.join(directory, name)) as archive:
            if sorted(archive.files) != sorted(d.lower() for d in DTYPES if d != "BF16"):
                fail(f"{name}: members {archive.files}")
            for dtype in DTYPES:
                if dtype != "BF16":
                    expect_equal(f"{name}: {dtype.lower()}", archive[dtype.lower()], formula(dtype))
    print(f"safetensors_check: jx's files in {directory} hold what they should"
          + ("" if safetensors_numpy else " (safetensors package not installed: skipped its read)"))


def write_python_files(directory):
    """Writes what IoPythonInterop.ReadFilesFromPython reads."""
    os.makedirs(directory, exist_ok=True)
    tensors = {"dtypes." + d: (d, formula(d)) for d in DTYPES}
    tensors["rng"] = ("U32", KEY_WORDS)
    tensors["layers.0.w"] = ("F32", np.full((2, 2), 0.5, dtype=np.float32))
    tree = {"dict": {
        "dtypes": {"dict": {d: {"array": "dtypes." + d} for d in DTYPES}},
        "layers": {"list": [{"dict": {"w": {"array": "layers.0.w"}}}, None]},
        "rng": {"key": "rng", "impl": "threefry2x32"},
        "step": {"static": "int", "value": 7},
    }}
    write_safetensors(os.path.join(directory, "from_python.safetensors"), tensors,
                      {"jx.tree": json.dumps(tree), "jx.version": "1"})
    plain = {"dtypes." + d: (d, formula(d)) for d in DTYPES}
    write_safetensors(os.path.join(directory, "from_python_plain.safetensors"), plain, {"format": "np"})
    if safetensors_numpy is not None:
        safetensors_numpy.save_file({"dtypes." + d: formula(d) for d in DTYPES if d != "BF16"},
                                    os.path.join(directory, "from_safetensors_package.safetensors"))

    np.save(os.path.join(directory, "from_python.npy"), formula("I16").astype(">i2"))  # big-endian
    np.save(os.path.join(directory, "from_python_fortran.npy"), np.asfortranarray(formula("F64")))
    arrays = {d.lower(): formula(d) for d in DTYPES if d != "BF16"}
    np.savez(os.path.join(directory, "from_python.npz"), **arrays)
    np.savez_compressed(os.path.join(directory, "from_python_compressed.npz"), **arrays)
    print(f"safetensors_check: wrote Python's files to {directory}")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        fail("usage: safetensors_check.py write|check DIR")
    if sys.argv[1] == "write":
        write_python_files(sys.argv[2])
    else:
        check_jx_files(sys.argv[2])


if __name__ == "__main__":
    main()
