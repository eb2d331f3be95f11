"""Writes .npy files with broken headers: bad-npy.py DIR."""
import os
import struct
import sys


def write(path, header, payload=b""):
    header = header.encode("latin1")
    pad = (64 - (10 + len(header) + 1) % 64) % 64
    header += b" " * pad + b"\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload)


out = sys.argv[1]
data = struct.pack("<4f", 1, 2, 3, 4)
write(os.path.join(out, "noparen.npy"),
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4, }", data)
write(os.path.join(out, "nodim.npy"),
      "{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }", data)
write(os.path.join(out, "short.npy"),
      "{'descr': '<f4', 'fortran_order': False, 'shape': (8,), }", data)
write(os.path.join(out, "huge.npy"),
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }", data)
write(os.path.join(out, "long.npy"),
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data)
for name, labels in [("labels-ok", (2, -1)), ("labels-high", (0, 3)),
                     ("labels-low", (-5, 1))]:
    write(os.path.join(out, name + ".npy"),
          "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
          struct.pack("<2i", *labels))
