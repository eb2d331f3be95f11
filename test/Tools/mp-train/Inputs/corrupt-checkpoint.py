# Copies the checkpoint SRC to DST and damages it the way MODE says:
#   truncate      cut the first tensor file in half
#   mix           replace a tensor file by the same file of checkpoint OTHER
#   no-manifest   remove manifest.json (an interrupted write)
#   state K=V     set state.json's field K to the JSON value V and update
#                 the manifest's size and checksum (a consistent but
#                 invalid state, as a hand edit would make)
#   extra         list one more tensor in the manifest
import json
import os
import shutil
import sys
import zlib

mode, src, dst = sys.argv[1:4]
shutil.rmtree(dst, ignore_errors=True)
shutil.copytree(src, dst)
manifest_path = os.path.join(dst, "manifest.json")
manifest = json.load(open(manifest_path))
tensors = [f["name"] for f in manifest["files"] if f["name"].endswith(".npy")]


def refresh(name):
    data = open(os.path.join(dst, name), "rb").read()
    for f in manifest["files"]:
        if f["name"] == name:
            f["bytes"] = len(data)
            f["crc32"] = zlib.crc32(data)
    json.dump(manifest, open(manifest_path, "w"), indent=2)


if mode == "truncate":
    path = os.path.join(dst, tensors[0])
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
elif mode == "mix":
    other = sys.argv[4]
    shutil.copy(os.path.join(other, tensors[0]), os.path.join(dst, tensors[0]))
elif mode == "no-manifest":
    os.remove(manifest_path)
elif mode == "state":
    key, value = sys.argv[4].split("=", 1)
    path = os.path.join(dst, "state.json")
    state = json.load(open(path))
    node = state
    parts = key.split(".")
    for p in parts[:-1]:
        node = node[p]
    node[parts[-1]] = json.loads(value)
    json.dump(state, open(path, "w"))
    refresh("state.json")
elif mode == "extra":
    shutil.copy(os.path.join(dst, tensors[0]), os.path.join(dst, "weight@ghost.npy"))
    manifest["files"].append({"name": "weight@ghost.npy", "bytes": 0, "crc32": 0})
    refresh("weight@ghost.npy")
else:
    sys.exit("unknown mode " + mode)
