# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Runs mp ops through convert-mp-to-linalg on the CPU and checks them.

A test script creates a `Harness`, adds kernels (one mp op each, with numpy
inputs and numpy reference outputs), and calls `run()`. The harness writes one
module: a function per kernel plus `main`, which feeds every kernel its inputs
as dense constants and prints every result. f32 results are printed as their
bit patterns (printMemrefI32 of a bitcast), so the comparison sees the exact
f32 values and not printMemrefF32's six digits. The module goes through
`mp-opt --convert-mp-to-linalg`, `mlir-opt` (the mp-cpu-pipeline passes) and
`mlir-runner`.

Usage: script.py MP_OPT MLIR_OPT MLIR_RUNNER C_RUNNER_UTILS_SO
"""

import os
import re
import subprocess
import sys
import tempfile

import numpy as np

MLIR_OPT_PASSES = [
    "--canonicalize", "--cse", "--linalg-fuse-elementwise-ops", "--canonicalize",
    "--one-shot-bufferize=bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map",
    "--convert-linalg-to-loops", "--lower-affine", "--convert-scf-to-cf",
    "--expand-strided-metadata", "--lower-affine",
    "--finalize-memref-to-llvm", "--convert-math-to-llvm",
    "--convert-math-to-libm", "--convert-arith-to-llvm",
    "--convert-cf-to-llvm", "--convert-func-to-llvm",
    "--reconcile-unrealized-casts",
]

_ELT = {np.dtype(np.float32): "f32", np.dtype(np.int32): "i32",
        np.dtype(np.int64): "i64", np.dtype(np.bool_): "i1"}


def ttype(shape, dtype=np.float32):
    """The MLIR tensor type of a numpy shape and dtype."""
    elt = _ELT[np.dtype(dtype)]
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def ty(a):
    """The MLIR tensor type of a numpy array."""
    return ttype(a.shape, a.dtype)


def dense(a):
    """A dense attribute holding exactly the array's values (raw hex)."""
    a = np.ascontiguousarray(a)
    if a.dtype == np.bool_:
        return "dense<[" + ", ".join("true" if v else "false"
                                     for v in a.ravel()) + "]>"
    return 'dense<"0x' + a.astype(a.dtype.newbyteorder("<")).tobytes().hex().upper() + '">'


def fd_grad(f, x, dy, h=1e-3):
    """Central finite differences, in float64, of sum(dy * f(x)) w.r.t. x."""
    x = np.array(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    g = np.zeros_like(x)
    flat = x.reshape(-1)
    gf = g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = np.sum(dy * f(x))
        flat[i] = old - h
        minus = np.sum(dy * f(x))
        flat[i] = old
        gf[i] = (plus - minus) / (2 * h)
    return g


class Harness:
    def __init__(self, title):
        self.title = title
        self.kernels = []
        self.errors = {}
        if len(sys.argv) != 5:
            sys.exit(__doc__)
        self.mp_opt, self.mlir_opt, self.runner, cutils = sys.argv[1:5]
        if not os.path.isabs(cutils) or not os.path.exists(cutils):
            # %mlir_c_runner_utils is a bare file name when the build did not
            # set MLIR_LIB_DIR; the libraries sit next to mlir-runner's bin/.
            cutils = os.path.join(os.path.dirname(os.path.dirname(
                os.path.realpath(self.runner))), "lib", os.path.basename(cutils))
        libdir = os.path.dirname(cutils)
        self.libs = ",".join([cutils, os.path.join(libdir, "libmlir_runner_utils.so")])

    def add(self, name, op, inputs, results, expected, tol=1e-4,
            extra_checks=()):
        """Adds kernel @name computing `op`.

        op: the mp op text, with {0}, {1}, ... for the inputs; its result
          types must be spelled in it (use `ty` / `ttype`).
        inputs: numpy arrays (f32, i32, i64).
        results: (shape, dtype) per result.
        expected: numpy reference per result (None: not compared here).
        tol: allowed max |got - ref| / max |ref| (0: exact).
        extra_checks: callables f(results) -> (label, error, tolerance) or
          (label, error, tolerance, False) for checks beyond the reference
          (finite differences, statistics); the False form does not count
          towards the reported max error of the op.
        """
        self.kernels.append(dict(name=name, op=op, inputs=inputs,
                                 results=results, expected=expected, tol=tol,
                                 extra=extra_checks))

    # ------------------------------------------------------------------
    def _module(self):
        lines = ["func.func private @printMemrefI32(memref<*xi32>)",
                 "func.func private @printMemrefI64(memref<*xi64>)"]
        for k in self.kernels:
            args = ", ".join(f"%a{i}: {ty(a)}" for i, a in enumerate(k["inputs"]))
            rtys = [ttype(s, d) for s, d in k["results"]]
            names = [f"%a{i}" for i in range(len(k["inputs"]))]
            op = k["op"].format(*names)
            nres = len(rtys)
            lines.append(f"func.func @{k['name']}({args}) -> ({', '.join(rtys)}) {{")
            if nres == 1:
                lines.append(f"  %r = {op}")
                lines.append(f"  return %r : {rtys[0]}")
            else:
                lines.append(f"  %r:{nres} = {op}")
                lines.append("  return " + ", ".join(f"%r#{i}" for i in range(nres))
                             + " : " + ", ".join(rtys))
            lines.append("}")
        lines.append("func.func @main() {")
        for ki, k in enumerate(self.kernels):
            cs = []
            for i, a in enumerate(k["inputs"]):
                lines.append(f"  %k{ki}_in{i} = arith.constant {dense(a)} : {ty(a)}")
                cs.append(f"%k{ki}_in{i}")
            rtys = [ttype(s, d) for s, d in k["results"]]
            outs = [f"%k{ki}_out{i}" for i in range(len(rtys))]
            lines.append(f"  {', '.join(outs)} = call @{k['name']}({', '.join(cs)}) : "
                         f"({', '.join(ty(a) for a in k['inputs'])}) -> ({', '.join(rtys)})")
            for i, ((shape, dtype), v) in enumerate(zip(k["results"], outs)):
                lines += self._print(f"k{ki}_p{i}", v, shape, np.dtype(dtype))
        lines.append("  return")
        lines.append("}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _print(tag, v, shape, dtype):
        rank = len(shape)
        dims = ", ".join(f"d{i}" for i in range(rank))
        idmap = f"affine_map<({dims}) -> ({dims})>"
        iters = ", ".join(['"parallel"'] * rank)
        out = []
        if dtype == np.float32 or dtype == np.bool_:
            src_elt, dst_elt = ("f32", "i32") if dtype == np.float32 else ("i1", "i64")
            conv = ("arith.bitcast %x : f32 to i32" if dtype == np.float32
                    else "arith.extui %x : i1 to i64")
            out += [
                f"  %{tag}_e = tensor.empty() : {ttype(shape, np.int32 if dst_elt == 'i32' else np.int64)}",
                f"  %{tag}_b = linalg.generic {{indexing_maps = [{idmap}, {idmap}], "
                f"iterator_types = [{iters}]}} ins({v} : {ttype(shape, dtype)}) "
                f"outs(%{tag}_e : {ttype(shape, np.int32 if dst_elt == 'i32' else np.int64)}) {{",
                f"  ^bb0(%x: {src_elt}, %o: {dst_elt}):",
                f"    %c = {conv}",
                f"    linalg.yield %c : {dst_elt}",
                f"  }} -> {ttype(shape, np.int32 if dst_elt == 'i32' else np.int64)}",
            ]
            v = f"%{tag}_b"
            elt = dst_elt
        else:
            elt = _ELT[dtype]
        mshape = "".join(f"{d}x" for d in shape)
        fn = "printMemrefI32" if elt == "i32" else "printMemrefI64"
        out += [
            f"  %{tag}_m = bufferization.to_buffer {v} : tensor<{mshape}{elt}> to memref<{mshape}{elt}>",
            f"  %{tag}_u = memref.cast %{tag}_m : memref<{mshape}{elt}> to memref<*x{elt}>",
            f"  call @{fn}(%{tag}_u) : (memref<*x{elt}>) -> ()",
        ]
        return out

    def _execute(self, module):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "ops.mlir")
            with open(src, "w") as f:
                f.write(module)
            steps = [[self.mp_opt, src, "--convert-mp-to-linalg"],
                     [self.mlir_opt] + MLIR_OPT_PASSES,
                     [self.runner, "-e", "main", "-entry-point-result=void",
                      "-shared-libs=" + self.libs]]
            data = None
            for cmd in steps:
                p = subprocess.run(cmd, input=data, capture_output=True, text=True)
                if p.returncode != 0:
                    keep = os.path.join(tempfile.mkdtemp(prefix="mp-ops-"),
                                        f"{self.title}.failed.mlir")
                    with open(keep, "w") as f:
                        f.write(data if data is not None else module)
                    sys.exit(f"{os.path.basename(cmd[0])} failed ({p.returncode}); "
                             f"its input is in {keep}:\n{p.stderr[-4000:]}")
                data = p.stdout
            return data

    @staticmethod
    def _parse(text):
        blocks = text.split("Unranked Memref")[1:]
        vals = []
        for b in blocks:
            data = b.split("data =", 1)[1]
            vals.append(np.array([int(t) for t in re.findall(r"-?\d+", data)],
                                 dtype=np.int64))
        return vals

    def run(self):
        out = self._execute(self._module())
        printed = self._parse(out)
        nexpected = sum(len(k["results"]) for k in self.kernels)
        if len(printed) != nexpected:
            sys.exit(f"expected {nexpected} printed results, got {len(printed)}")
        failures = 0
        pi = 0
        for k in self.kernels:
            got = []
            for shape, dtype in k["results"]:
                raw = printed[pi]
                pi += 1
                dtype = np.dtype(dtype)
                if dtype == np.float32:
                    arr = raw.astype(np.int32).view(np.float32).reshape(shape)
                elif dtype == np.bool_:
                    arr = (raw != 0).reshape(shape)
                else:
                    arr = raw.astype(dtype).reshape(shape)
                got.append(arr)
            checks = []
            for i, (g, e) in enumerate(zip(got, k["expected"])):
                if e is None:
                    continue
                checks.append((f"result {i}", compare(g, e), k["tol"]))
            for extra in k["extra"]:
                checks.append(extra(got))
            for check in checks:
                label, err, tol = check[:3]
                ok = err <= tol
                failures += not ok
                if len(check) < 4 or check[3]:
                    key = k["name"].split("__")[0]
                    self.errors[key] = max(self.errors.get(key, 0.0), err)
                print(f"{'ok  ' if ok else 'FAIL'} {k['name']} {label}: "
                      f"error {err:.3g} (tolerance {tol:.3g})")
        print(f"{self.title}: {len(self.kernels)} kernels, {failures} failed checks")
        print("max error per op: " + ", ".join(
            f"{n} {e:.2g}" for n, e in sorted(self.errors.items())))
        if failures:
            sys.exit(1)


def compare(got, ref):
    """max |got - ref| / max |ref| (exact match required where ref is NaN/inf
    or where ref is integer); inf when shapes or special values differ."""
    ref = np.asarray(ref)
    if got.shape != ref.shape:
        return float("inf")
    if ref.dtype.kind in "biu":
        return 0.0 if np.array_equal(got.astype(ref.dtype), ref) else float("inf")
    ref = ref.astype(np.float64)
    g = got.astype(np.float64)
    special = ~np.isfinite(ref)
    if not np.array_equal(np.isnan(g), np.isnan(ref)):
        return float("inf")
    if not np.array_equal(g[special & ~np.isnan(ref)], ref[special & ~np.isnan(ref)]):
        return float("inf")
    fin = ~special
    if not fin.any():
        return 0.0
    scale = np.max(np.abs(ref[fin]))
    diff = np.max(np.abs(g[fin] - ref[fin]))
    if scale == 0.0:
        return diff
    return diff / scale
