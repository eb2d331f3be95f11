"""Writes damaged Fashion-MNIST-style IDX files into sub-folders of argv[1]."""
import gzip
import os
import struct
import sys

root = sys.argv[1]

def images(n, magic=0x803, truncate=0):
    data = struct.pack(">IIII", magic, n, 28, 28) + bytes(n * 28 * 28)
    return data[:len(data) - truncate] if truncate else data

def labels(values, magic=0x801):
    return struct.pack(">II", magic, len(values)) + bytes(values)

def write(folder, name, data, gz=False):
    os.makedirs(os.path.join(root, folder), exist_ok=True)
    path = os.path.join(root, folder, name + (".gz" if gz else ""))
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as f:
        f.write(data)

ok = labels([1, 2, 3, 4, 5, 6, 7, 8])
write("magic", "train-images-idx3-ubyte", images(8, magic=0x802))
write("magic", "train-labels-idx1-ubyte", ok)
write("truncated", "train-images-idx3-ubyte", images(8, truncate=3136), gz=True)
write("truncated", "train-labels-idx1-ubyte", ok)
write("label", "train-images-idx3-ubyte", images(8))
write("label", "train-labels-idx1-ubyte", labels([1, 2, 3, 12, 5, 6, 7, 8]))
write("count", "train-images-idx3-ubyte", images(8))
write("count", "train-labels-idx1-ubyte", labels([1, 2, 3, 4, 5, 6, 7]))
os.makedirs(os.path.join(root, "gzip"), exist_ok=True)
with open(os.path.join(root, "gzip", "train-images-idx3-ubyte.gz"), "wb") as f:
    f.write(gzip.compress(images(8))[:40])
write("gzip", "train-labels-idx1-ubyte", ok)
write("cifar", "data_batch_1.bin", bytes(3000))
