# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# REQUIRES: py-onnx, py-torch
# RUN: %PYTHON %s mp-run %t | FileCheck %s
#
# A small PyTorch CNN (grouped and depthwise convs, BatchNorm2d, ReLU6,
# residual add, chunk + cat, max and average pooling (one padded: Pad +
# AveragePool),
# `x.view(x.size(0), -1)`, a BN1d
# after a Linear, channel shuffle) exported by torch.onnx in training mode
# with a dynamic batch, imported with --batch and --weights-dir, and JIT-run
# by mp-run: loss and new BN running statistics match PyTorch's training-mode
# forward pass (F.cross_entropy) on the same batch.

import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from mpt.ir import parse_signature

mp_run, out = sys.argv[1], sys.argv[2]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
warnings.simplefilter("ignore")
torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.bn2 = nn.BatchNorm2d(8, momentum=0.2)
        self.pw = nn.Conv2d(8, 8, 1, groups=2)
        self.pool = nn.MaxPool2d(2)
        self.avg = nn.AvgPool2d(2)
        self.smooth = nn.AvgPool2d(3, stride=1, padding=1)  # exported as Pad + AveragePool
        self.fc1 = nn.Linear(8 * 2 * 2, 16)
        self.bn3 = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        y = F.relu6(self.bn2(self.dw(x)))
        x = self.pw(y) + x
        n, c, h, w = x.shape
        x = x.view(n, 2, c // 2, h, w).transpose(1, 2).contiguous().view(n, c, h, w)
        a, b = x.chunk(2, dim=1)
        x = torch.cat([F.relu(b), a], 1)
        x = self.avg(self.pool(self.smooth(x)))
        x = x.view(x.size(0), -1)
        return self.fc2(F.relu(self.bn3(self.fc1(x))))


net = Net()
net.train()
path = os.path.join(out, "net.onnx")
torch.onnx.export(net, torch.randn(2, 3, 8, 8), path, opset_version=13,
                  training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False,
                  input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
mlir = os.path.join(out, "net.mlir")
subprocess.run([sys.executable, "-m", "mpt", "import-onnx", path, "--batch", "6",
                "-o", mlir, "--weights-dir", os.path.join(out, "w")], check=True)
text = open(mlir).read()
print(text.splitlines()[1])
# CHECK: // net: ONNX opset 13, pytorch {{.*}}; 1005 parameters in 14 tensors, 6 BN statistics.
assert "1005 parameters" in text and sum(p.numel() for p in net.parameters()) == 1005
print([line.split(" {")[0].strip() for line in text.splitlines() if "mp.avg_pool2d" in line])
# CHECK: ['%smooth.AveragePool = mp.avg_pool2d {{%[^ ]+}} kernel [3, 3] stride [1, 1] padding [1, 1]', '%avg.AveragePool = mp.avg_pool2d %pool.MaxPool kernel [2, 2] stride [2, 2] padding [0, 0]']
ops = sorted({line.split(" = mp.")[1].split(" ")[0] for line in text.splitlines()
              if " = mp." in line})
print("ops: " + " ".join(ops))
# CHECK: ops: add avg_pool2d batch_norm channel_shuffle concat conv2d linear log_softmax max_pool2d nll_loss relu relu6 reshape split

x = torch.randn(6, 3, 8, 8)
label = torch.tensor([0, 1, 2, 3, 4, 0])
np.save(os.path.join(out, "x.npy"), x.numpy())
np.save(os.path.join(out, "label.npy"), label.numpy().astype(np.int32))
args = parse_signature(text)
cmd = [mp_run, mlir, "-f", "net", "--output-dir", os.path.join(out, "res")]
for a in args:
    f = {"input": "x.npy", "label": "label.npy"}.get(
        a["role"], os.path.join("w", "%s@%s.npy" % (a["role"], a["name"])))
    cmd += ["--input", os.path.join(out, f)]
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

stats = [a["name"] for a in args if a["role"] == "bn_stat"]
with torch.no_grad():
    ref_loss = F.cross_entropy(net(x), label).item()
ref = dict(net.state_dict())
got = np.load(os.path.join(out, "res", "net.result0.npy"))
print("loss: mp %.6f torch %.6f" % (got, ref_loss))
assert abs(got - ref_loss) < 1e-5 * max(1.0, abs(ref_loss))
worst = 0.0
for i, name in enumerate(stats, 1):
    g = np.load(os.path.join(out, "res", "net.result%d.npy" % i))
    worst = max(worst, float(np.max(np.abs(g - ref[name].numpy()))))
print("%d running statistics, max abs difference %s" % (
    len(stats), "< 1e-5" if worst < 1e-5 else worst))
# CHECK: loss: mp [[L:[0-9.]+]] torch [[L]]
# CHECK: 6 running statistics, max abs difference < 1e-5
