"""What the oracle generators tools/linalg_oracle.py and tools/fft_oracle.py share: their JSON case
format, the encoding of arrays, deterministic per-case inputs, and the command line with its
staleness check.

The JSON format (one case per line, so diffs stay readable; dumps writes it, tests/oracle_cases.h
reads it):

  {"cases": [
  {"name": unique case name, "op": the op (the C++ table's key), "x64": whether
   jx::config::enable_x64 is on (an argument or result has one of the generator's wide dtypes),
   "args": [array, ...], "params": {op-specific options}, "expected": [array, ...],
   "rtol": float, "atol": float},
  ...
  ]}

  array (encode): {"dtype": "float32" | "float64" | "complex64" | "complex128" | "int32" | "int64"
  | "bool", "shape": [...], "data": [...]} with the row-major flat data. Floating-point numbers are
  Python's repr of a double, or the strings "nan", "inf", "-inf"; complex entries are [re, im] pairs.

Arrays (Arr) hold their values exactly in float64 / complex128 (or int64 / bool), whatever their
dtype: float32 and complex64 values are rounded to the dtype (rnd) but kept in double precision.

Inputs. rng_for(name) is the case's own np.random.default_rng, seeded with the CRC-32 of the case's
name, so adding or removing a case changes no other case. uniform draws from it (the real and
imaginary parts independently) in double precision and rounds to the dtype; NumPy's uniform draws
are exact IEEE arithmetic on the generator's integers, so the inputs are the same bits on every CPU.

Command line (main): without options the generator rewrites its file; --stats only prints the number
of cases per op; --check regenerates the file in memory and fails if the committed one is stale,
by tools/oracle_compare.py's rules: everything but floating-point numbers identical, inputs within
1e-6 relative (identical, with exact_inputs), tolerances within 1e-6 relative, and expected values
within a quarter of their case's tolerance, since the last bits of LAPACK's and pocketfft's results
depend on the CPU.

The generators import this module as a sibling (the script's folder is first on sys.path), as they
import oracle_compare.
"""

import argparse
import json
import math
import os
import sys
import zlib
from collections import Counter

import numpy as np

import oracle_compare

# ------------------------------------------------------------------------------------------------
# Dtypes, arrays and cases
# ------------------------------------------------------------------------------------------------

SHORT = {"float32": "f32", "float64": "f64", "complex64": "c64", "complex128": "c128",
         "int32": "i32", "int64": "i64", "bool": "b"}
NP = {"float32": np.float32, "float64": np.float64, "complex64": np.complex64,
      "complex128": np.complex128, "int32": np.int32, "int64": np.int64, "bool": np.bool_}
REAL = {"float32": "float32", "float64": "float64", "complex64": "float32", "complex128": "float64"}
COMPLEX = {"float32": "complex64", "float64": "complex128", "complex64": "complex64",
           "complex128": "complex128"}
INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint32")
EPS = {"float32": 2.0 ** -23, "float64": 2.0 ** -52}


def is_complex(dtype):
    return dtype.startswith("complex")


def eps(dtype):
    """The unit roundoff of the dtype's real type."""
    return EPS[REAL[dtype]]


class Arr:
    """An array of a dtype; the values are held in float64/complex128 (exactly) or Python ints."""

    def __init__(self, values, dtype):
        self.dtype = dtype
        if dtype in INTEGER_DTYPES:
            self.values = np.asarray(values, dtype=np.int64)
        elif dtype == "bool":
            self.values = np.asarray(values, dtype=np.bool_)
        else:
            self.values = np.asarray(values, dtype=np.complex128 if is_complex(dtype) else np.float64)


def number(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def encode(a):
    flat = a.values.ravel()
    if a.dtype in INTEGER_DTYPES:
        data = [int(v) for v in flat]
    elif a.dtype == "bool":
        data = [bool(v) for v in flat]
    elif is_complex(a.dtype):
        data = [[number(v.real), number(v.imag)] for v in flat]
    else:
        data = [number(v) for v in flat]
    return {"dtype": a.dtype, "shape": list(a.values.shape), "data": data}


class Cases(list):
    """A generator's cases, in order, with unique names. A case is x64 when one of its arrays has one
    of wide_dtypes."""

    def __init__(self, wide_dtypes):
        super().__init__()
        self.wide_dtypes = tuple(wide_dtypes)
        self.names = set()

    def clear(self):
        super().clear()
        self.names.clear()

    def add(self, name, op, args, expected, params=None, rtol=0.0, atol=0.0):
        """Appends the case (args and expected are lists of Arr) and returns it."""
        assert name not in self.names, name
        self.names.add(name)
        x64 = any(a.dtype in self.wide_dtypes for a in list(args) + list(expected))
        rtol, atol = float(rtol), float(atol)
        assert math.isfinite(rtol) and math.isfinite(atol) and rtol >= 0 and atol >= 0, name
        case = {"name": name, "op": op, "x64": x64, "args": [encode(a) for a in args],
                "params": params or {}, "expected": [encode(e) for e in expected],
                "rtol": rtol, "atol": atol}
        self.append(case)
        return case


def rng_for(name):
    """The case's own generator, seeded with the CRC-32 of its name."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def shape_name(*shapes):
    return "_".join("x".join(str(d) for d in s) if len(s) else "scalar" for s in shapes)


# ------------------------------------------------------------------------------------------------
# Inputs: exact, CPU-independent draws
# ------------------------------------------------------------------------------------------------

def cplx(re, im):
    out = np.empty(np.broadcast_shapes(np.shape(re), np.shape(im)), dtype=np.complex128)
    out.real = re
    out.imag = im
    return out


def rnd(values, dtype):
    """The values rounded to dtype, held in float64 / complex128."""
    v = np.asarray(values)
    if not is_complex(dtype):
        assert not np.iscomplexobj(v)
    v = v.astype(NP[dtype])
    return v.astype(np.complex128 if is_complex(dtype) else np.float64)


def uniform(rng, shape, dtype, lo=-1.0, hi=1.0):
    if is_complex(dtype):
        return rnd(cplx(rng.uniform(lo, hi, shape), rng.uniform(lo, hi, shape)), dtype)
    return rnd(rng.uniform(lo, hi, shape), dtype)


# ------------------------------------------------------------------------------------------------
# The file and the command line
# ------------------------------------------------------------------------------------------------

def dumps(cases):
    body = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases]
    return '{"cases": [\n' + ",\n".join(body) + "\n]}\n"


def stale_at(path, text, exact_inputs=False):
    """Where the committed file at path differs from the freshly generated text beyond
    tools/oracle_compare.py's tolerances ("cases[3]/expected..."), or None where it is current.
    With exact_inputs, the numbers in args and params must be identical too."""
    with open(path) as f:
        committed = json.loads(f.read())["cases"]

    def tolerance_at(key_path, node):
        if "rtol" in node:
            if key_path.endswith("/expected"):
                return oracle_compare.case_tolerance(node, "rtol", "atol")
            if exact_inputs and (key_path.endswith("/args") or key_path.endswith("/params")):
                return (0.0, 0.0)
        return None

    difference = oracle_compare.first_difference(committed, json.loads(text)["cases"], tolerance_at)
    return None if difference is None else f"cases{difference}"


def main(description, generate, out_path, root, exact_inputs=False, verify=None):
    """A generator's command line; returns its exit status. generate() returns the Cases; verify,
    where given, is what --verify runs (it returns the exit status)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="fail if the committed file differs")
    parser.add_argument("--out", default=out_path)
    parser.add_argument("--stats", action="store_true", help="only print the number of cases per op")
    if verify is not None:
        parser.add_argument("--verify", action="store_true",
                            help="replay every case in its own precision and with likely mistakes")
    args = parser.parse_args()
    cases = generate()
    text = dumps(cases)
    if args.stats:
        for op, count in Counter(c["op"] for c in cases).items():
            print(f"{op}: {count}")
        print(f"total: {len(cases)}")
        return 0
    if verify is not None and args.verify:
        return verify()
    if args.check:
        where = stale_at(args.out, text, exact_inputs)
        if where is not None:
            print(f"{args.out} is stale at {where}: regenerate it with /usr/bin/python3 {sys.argv[0]}",
                  file=sys.stderr)
            return 1
        return 0
    with open(args.out, "w") as f:
        f.write(text)
    print(f"wrote {len(cases)} cases, {len(text) / 1e6:.2f} MB, to {os.path.relpath(args.out, root)}")
    return 0
