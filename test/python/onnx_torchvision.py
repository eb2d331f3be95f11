# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# REQUIRES: py-onnx, py-torch, py-torchvision
# RUN: %PYTHON %s mp-opt %t | FileCheck %s
#
# torchvision's resnet18 exported by torch.onnx and imported by mpt matches
# the model zoo's resnet18.
#
# The zoo's resnet18 is the CIFAR variant (3x3 stride-1 stem, no max-pool);
# torchvision's is the ImageNet one (7x7 stride-2 stem, 3x3 max-pool). The
# comparison uses the torchvision model with the usual CIFAR modification
# (conv1 = Conv2d(3, 64, 3, 1, 1, bias=False), maxpool = Identity), which is
# the zoo's architecture: same parameter count as PyTorch reports, same
# weight shapes in the same order, and, from `mp-opt --mp-build-training-step
# --mp-report=format=json`, the same tensor groups (the paper's Algorithm 1:
# count, elements and tensors per group) and the same memory totals. The
# unmodified ImageNet variant is imported too (at 64x64 to save time; the
# parameters do not depend on the input size) and its counts are printed.
#
# The model is exported in training mode (TrainingMode.TRAINING, opset 13,
# no constant folding) so BatchNormalization stays a separate node with its
# running statistics; an eval-mode export folds BN into the convolutions.

import json
import os
import shutil
import subprocess
import sys
import warnings

import torch
import torchvision

from mpt.ir import parse_signature

mp_opt, out = sys.argv[1], sys.argv[2]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
warnings.simplefilter("ignore")
torch.manual_seed(0)
BATCH = 8


def export(model, size, path):
    model.train()
    torch.onnx.export(model, torch.randn(2, 3, size, size), path, opset_version=13,
                      training=torch.onnx.TrainingMode.TRAINING,
                      do_constant_folding=False, input_names=["input"],
                      output_names=["logits"])


def mpt(*args):
    subprocess.run([sys.executable, "-m", "mpt"] + list(args), check=True)


def report(mlir, name):
    path = os.path.join(out, name + ".json")
    subprocess.run([mp_opt, mlir, "--mp-build-training-step",
                    "--mp-report=format=json output=%s" % path, "-o", os.devnull],
                   check=True)
    return json.load(open(path))["functions"][0]


def weights(mlir):
    return [a for a in parse_signature(open(mlir).read()) if a["role"] == "weight"]


cifar = torchvision.models.resnet18(num_classes=10)
cifar.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
cifar.maxpool = torch.nn.Identity()
torch_params = sum(p.numel() for p in cifar.parameters())
export(cifar, 32, os.path.join(out, "resnet18_cifar.onnx"))
mpt("import-onnx", os.path.join(out, "resnet18_cifar.onnx"), "--batch", str(BATCH),
    "--name", "resnet18", "-o", os.path.join(out, "imported.mlir"))
mpt("emit", "resnet18", "--batch", str(BATCH), "--classes", "10", "--size", "32x32",
    "-o", os.path.join(out, "zoo.mlir"))

imported, zoo = weights(os.path.join(out, "imported.mlir")), weights(
    os.path.join(out, "zoo.mlir"))
count = [sum(torch.Size(a["shape"]).numel() for a in w) for w in (imported, zoo)]
print("parameters: torch %d, imported %d, zoo %d" % (torch_params, count[0], count[1]))
# CHECK: parameters: torch 11173962, imported 11173962, zoo 11173962
assert torch_params == count[0] == count[1]
print("weight tensors: imported %d, zoo %d" % (len(imported), len(zoo)))
# CHECK-NEXT: weight tensors: imported 62, zoo 62
assert [a["shape"] for a in imported] == [a["shape"] for a in zoo]
renamed = set()
for a, b in zip(imported, zoo):
    pa, pb = a["name"].split("."), b["name"].split(".")
    renamed |= {(x, y) for x, y in zip(pa, pb) if x != y}
print("names that differ: %s" % ", ".join("%s/%s" % p for p in sorted(renamed)))
# torchvision calls the shortcut "downsample" and the classifier "fc".
# CHECK-NEXT: names that differ: downsample/shortcut, fc/linear
stats = [a for a in parse_signature(open(os.path.join(out, "imported.mlir")).read())
         if a["role"] == "bn_stat"]
print("bn statistics: %d" % len(stats))
# CHECK-NEXT: bn statistics: 40

ri = report(os.path.join(out, "imported.mlir"), "imported")
rz = report(os.path.join(out, "zoo.mlir"), "zoo")
gi = [(g["elements"], g["tensors"]) for g in ri["groups"]]
gz = [(g["elements"], g["tensors"]) for g in rz["groups"]]
print("groups: imported %d, zoo %d, identical %s" % (len(gi), len(gz), gi == gz))
# CHECK-NEXT: groups: imported 22, zoo 22, identical True
print("tensors: imported %d, zoo %d" % (len(ri["tensors"]), len(rz["tensors"])))
# CHECK-NEXT: tensors: imported [[N:[0-9]+]], zoo [[N]]
print("paper elements: imported %d, zoo %d" % (ri["totals"]["paper"]["elements"],
                                              rz["totals"]["paper"]["elements"]))
# CHECK-NEXT: paper elements: imported [[E:[0-9]+]], zoo [[E]]
print("peak bytes equal: %s" % (ri["totals"]["peak"] == rz["totals"]["peak"]))
# CHECK-NEXT: peak bytes equal: True
assert gi == gz and ri["totals"] == rz["totals"]

# The ImageNet variant: 7x7 stem and max-pool; 7680 more stem parameters.
imagenet = torchvision.models.resnet18(num_classes=10)
export(imagenet, 64, os.path.join(out, "resnet18_imagenet.onnx"))
mpt("import-onnx", os.path.join(out, "resnet18_imagenet.onnx"), "--batch", "2", "-o",
    os.path.join(out, "imagenet.mlir"))
text = open(os.path.join(out, "imagenet.mlir")).read()
w = weights(os.path.join(out, "imagenet.mlir"))
print("imagenet: torch %d, imported %d in %d tensors" % (
    sum(p.numel() for p in imagenet.parameters()),
    sum(torch.Size(a["shape"]).numel() for a in w), len(w)))
# CHECK-NEXT: imagenet: torch 11181642, imported 11181642 in 62 tensors
print([line.strip().split(" {")[0] for line in text.splitlines()
       if "mp.max_pool2d" in line or "= mp.conv2d %x" in line])
# CHECK-NEXT: ['%conv1 = mp.conv2d %x, %conv1.weight stride [2, 2] padding [3, 3] dilation [1, 1] groups 1', '%maxpool.MaxPool = mp.max_pool2d %relu.Relu kernel [3, 3] stride [2, 2] padding [1, 1]']
r = report(os.path.join(out, "imagenet.mlir"), "imagenet")
print("imagenet groups: %d" % len(r["groups"]))
# CHECK-NEXT: imagenet groups: 22
