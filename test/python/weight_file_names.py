# RUN: %PYTHON %s %t | FileCheck %s
# REQUIRES: py-numpy
#
# One naming rule for tensor files: the ONNX importer's save_weights writes
# the names mp-train's checkpoints and the TOSA importer write
# (`<role>@<name>.npy`, '%' and '/' escaped as %25 and %2F), so a '/' in an
# ONNX node name never points into a subdirectory.
import os
import shutil
import sys
import types

from mpt.onnx_import import ImportResult

out = sys.argv[1]
shutil.rmtree(out, ignore_errors=True)
import numpy as np
fake = types.SimpleNamespace(tensors=[
    ("weight", "features/0/conv.weight", np.zeros((2, 2))),
    ("bn_stat", "bn%1.running_var", np.ones(3)),
])
paths = ImportResult.save_weights(fake, out)
for name in sorted(os.listdir(out)):
    print(name)
# CHECK: bn_stat@bn%251.running_var.npy
# CHECK-NEXT: weight@features%2F0%2Fconv.weight.npy
