# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Extracts the PTX of every gpu.binary (format=isa) in an MLIR file and
assembles it with ptxas for the chip it targets.

usage: check_ptx.py --ptxas PTXAS [--keep DIR] [--count-op TEXT ...] FILE.mlir

Prints one line per object and a summary:
  ptx @<binary> sm_<N> ptx-isa <V>: <B> bytes, <K> kernels, ptxas ok
  ptxas accepted <n> of <m> objects (<total> bytes of PTX)
  op '<TEXT>': <count>            (for each --count-op)
Exits 1 when an object is not PTX or ptxas rejects it (its log is printed).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile


def mlir_string(text, start):
    """Decodes the MLIR string literal whose opening quote is at `start`;
    returns (bytes, index after the closing quote)."""
    out = bytearray()
    i = start + 1
    while True:
        c = text[i]
        if c == '"':
            return bytes(out), i + 1
        if c == "\\":
            nxt = text[i + 1]
            if nxt in '\\"':
                out += nxt.encode()
                i += 2
            elif nxt == "n":
                out += b"\n"
                i += 2
            elif nxt == "t":
                out += b"\t"
                i += 2
            else:
                out.append(int(text[i + 1:i + 3], 16))
                i += 3
        else:
            out += c.encode("utf-8")
            i += 1


def objects(text):
    """Yields (binary name, chip, PTX bytes) for each gpu.object."""
    for m in re.finditer(r"gpu\.binary @([\w$.]+)", text):
        name = m.group(1)
        end = text.find("\n", m.end())
        body = text[m.end():end if end >= 0 else len(text)]
        for obj in re.finditer(r'chip = "(sm_\w+)"', body):
            key = body.find("assembly = ", obj.end())
            if key < 0:
                yield name, obj.group(1), None
                continue
            ptx, _ = mlir_string(body, key + len("assembly = "))
            yield name, obj.group(1), ptx


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ptxas", required=True)
    parser.add_argument("--keep", help="write the .ptx files here")
    parser.add_argument("--count-op", action="append", default=[])
    parser.add_argument("file")
    args = parser.parse_args()
    with open(args.file) as f:
        text = f.read()

    found = list(objects(text))
    if not found:
        print("error: no gpu.binary in " + args.file)
        return 1
    ok = 0
    total = 0
    allptx = b""
    with tempfile.TemporaryDirectory() as tmp:
        for name, chip, ptx in found:
            if ptx is None:
                print("error: @%s has no PTX (use format=isa)" % name)
                return 1
            total += len(ptx)
            allptx += ptx
            version = re.search(rb"^\.version (\S+)", ptx, re.M)
            target = re.search(rb"^\.target (\S+)", ptx, re.M)
            kernels = len(re.findall(rb"^\.(?:visible )?\.?entry ", ptx, re.M))
            path = os.path.join(args.keep or tmp, "%s_%s.ptx" % (name, chip))
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
            with open(path, "wb") as f:
                f.write(ptx)
            proc = subprocess.run(
                [args.ptxas, "-arch=" + chip, path, "-o",
                 os.path.join(tmp, "out.cubin")],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            status = "ptxas ok" if proc.returncode == 0 else "ptxas FAILED"
            print("ptx @%s %s ptx-isa %s: %d bytes, %d kernels, %s" % (
                name, target.group(1).decode() if target else "?",
                version.group(1).decode() if version else "?", len(ptx),
                kernels, status))
            if proc.returncode != 0:
                sys.stdout.write(proc.stdout.decode(errors="replace"))
                continue
            ok += 1
    print("ptxas accepted %d of %d objects (%d bytes of PTX)" % (
        ok, len(found), total))
    for op in args.count_op:
        print("op '%s': %d" % (op, allptx.count(op.encode())))
    return 0 if ok == len(found) else 1


if __name__ == "__main__":
    sys.exit(main())
