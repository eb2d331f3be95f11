#!/usr/bin/env python3
"""Writes the seed corpus of mp-fuzz: every .mlir file under test/ and
examples/, split at `// -----` (the --split-input-file marker) into one
input per module, without its RUN and CHECK lines.

  scripts/fuzz-corpus.py OUT_DIR
"""
import hashlib
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
count = 0
for top in ("test", "examples"):
    for dirpath, _, files in os.walk(os.path.join(root, top)):
        for name in sorted(files):
            if not name.endswith(".mlir"):
                continue
            text = open(os.path.join(dirpath, name), encoding="utf-8").read()
            for part in text.split("\n// -----\n"):
                lines = [l for l in part.splitlines()
                         if not l.lstrip().startswith("// RUN")
                         and "CHECK" not in l and "expected-" not in l]
                body = "\n".join(lines).strip() + "\n"
                if len(body) < 16 or len(body) > 64 * 1024:
                    continue
                digest = hashlib.sha1(body.encode()).hexdigest()[:16]
                with open(os.path.join(out, digest + ".mlir"), "w") as f:
                    f.write(body)
                count += 1
print("%d seeds in %s" % (count, out))
