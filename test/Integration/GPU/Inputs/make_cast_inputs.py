# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes a .npy of 131072 f32: every upper-16-bit pattern with zero low
bits (all signs, exponents, specials and rounding boundaries of the 8- and
16-bit formats), then the same patterns with seeded random low bits.
Standard library only. usage: make_cast_inputs.py OUT.npy"""

import random
import struct
import sys

rng = random.Random(7)
words = [hi << 16 for hi in range(65536)]
words += [(hi << 16) | rng.getrandbits(16) for hi in range(65536)]
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % len(words)
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
    f.write(header.encode("latin1"))
    f.write(struct.pack("<%dI" % len(words), *words))
