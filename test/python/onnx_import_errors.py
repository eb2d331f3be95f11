# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# REQUIRES: py-onnx
# RUN: %PYTHON %s %t | FileCheck %s
#
# Every error path of the ONNX importer: `python3 -m mpt import-onnx` exits
# with 1 (2 for usage errors), prints one "error:" line naming the node and
# its op type (or the file), no Python traceback, and writes nothing to
# stdout. The command line runs in this process (mpt.cli.main; an uncaught
# exception fails the test), a few cases also as a separate process, and a
# few through the Python API.

import contextlib
import io
import os
import shutil
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper, save

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from onnx_models import Graph, convbn, tiny  # noqa: E402

from mpt.cli import main  # noqa: E402
from mpt.onnx_import import OnnxImportError, import_model  # noqa: E402

out = sys.argv[1]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(["import-onnx"] + list(args))
        except SystemExit as e:  # argparse
            rc = e.code
    assert out.getvalue() == "", out.getvalue()
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 or rc == 2, err.getvalue()
    return rc, lines[-1] if lines else ""


def run_process(*args):
    p = subprocess.run([sys.executable, "-m", "mpt", "import-onnx"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    assert "Traceback" not in p.stderr and p.stdout == "", (p.stdout, p.stderr)
    return p.returncode, p.stderr.strip().splitlines()[-1]


def case(label, model, *args):
    path = os.path.join(out, label + ".onnx")
    if isinstance(model, bytes):
        with open(path, "wb") as f:
            f.write(model)
    else:
        save(model, path)
    rc, err = run(path, *args)
    print("%s: rc=%d %s" % (label, rc, err.replace(out + os.sep, "")))


def small(body, shape=(2, 3, 8, 8), opset=13, output_shape=(2, 4), check=True, seed=0):
    """A graph whose body(g, x) returns the output name."""
    g = Graph("g", seed=seed)
    y = body(g, "image")
    return g.model(list(shape), y, opset=opset, output_shape=list(output_shape),
                   check=check)


def head(g, x, c):
    """global average pool, flatten, linear: a valid classifier tail."""
    x = g.node("Flatten", [g.node("GlobalAveragePool", [x])])
    return g.node("Gemm", [x, g.init("fc.weight", (4, c)), g.init("fc.bias", (4,))],
                  transB=1)


# -- unsupported ops and attributes -------------------------------------------

# CHECK: leaky: rc=1 python3 -m mpt: error: leaky.onnx: node #0 'act' (LeakyRelu): unsupported op type LeakyRelu (supported: Add, AveragePool, BatchNormalization,
case("leaky", small(lambda g, x: head(g, g.node("LeakyRelu", [x], name="act"), 3)))
# CHECK: domain: rc=1 {{.*}}: node #0 'custom' (MyOp): unsupported op com.example::MyOp (only the default ONNX domain is supported)
m = small(lambda g, x: head(g, g.node("MyOp", [x], name="custom", domain="com.example"), 3),
          check=False)
m.opset_import.append(helper.make_operatorsetid("com.example", 1))
case("domain", m)
# CHECK: pool-dilation: rc=1 {{.*}}: node #0 'pool' (MaxPool): dilated pooling (dilations [2, 2]) is not supported
case("pool-dilation", small(lambda g, x: head(g, g.node(
    "MaxPool", [x], name="pool", kernel_shape=[2, 2], dilations=[2, 2]), 3)))
# CHECK: avg-exclude-pad: rc=1 {{.*}}: node #0 'pool' (AveragePool): count_include_pad=0 with padding [1, 1] is not supported: mp.avg_pool2d counts the zero padding in the divisor (count_include_pad=1, PyTorch's default)
case("avg-exclude-pad", small(lambda g, x: head(g, g.node(
    "AveragePool", [x], name="pool", kernel_shape=[3, 3], pads=[1, 1, 1, 1]), 3)))
# CHECK: ceil: rc=1 {{.*}}: node #0 'pool' (MaxPool): ceil_mode=1 gives a larger output than rounding down here (input [8, 8], kernel [3, 3], stride [2, 2], pads [0, 0, 0, 0]); mp pools round down
case("ceil", small(lambda g, x: head(g, g.node(
    "MaxPool", [x], name="pool", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), 3)))
# CHECK: maxpool-indices: rc=1 {{.*}}: node #0 'pool' (MaxPool): output #1 ('idx') is used by another node, but mp.max_pool2d has no indices output
case("maxpool-indices", small(lambda g, x: head(g, g.node("Add", [
    g.node("MaxPool", [x], ["y", "idx"], name="pool", kernel_shape=[1, 1])[0],
    g.node("Cast", ["idx"], to=TensorProto.FLOAT)]), 3)))
# CHECK: clip: rc=1 {{.*}}: node #2 'clip' (Clip): Clip(min=-1.0, max=1.0) is not supported: only Clip(0, 6) (relu6) and Clip(0, inf) (relu)
case("clip", small(lambda g, x: head(g, g.node(
    "Clip", [x, g.const(-1.0, np.float32), g.const(1.0, np.float32)], name="clip"), 3)))
# CHECK: gemm-alpha: rc=1 {{.*}}: node #2 'fc' (Gemm): alpha=2 is not supported (only 1)
case("gemm-alpha", small(lambda g, x: g.node("Gemm", [
    g.node("Flatten", [g.node("GlobalAveragePool", [x])]), g.init("w", (3, 4))],
    name="fc", alpha=2.0)))
# CHECK: gemm-transA: rc=1 {{.*}}: node #2 'fc' (Gemm): transA=1 is not supported (the input must be N x features)
case("gemm-transA", small(lambda g, x: g.node("Gemm", [
    g.node("Flatten", [g.node("GlobalAveragePool", [x])]), g.init("w", (2, 4))],
    name="fc", transA=1)))
# CHECK: gemm-bias: rc=1 {{.*}}: node #2 'fc' (Gemm): bias C must have shape [4] or [1, 4], got [2, 4]
case("gemm-bias", small(lambda g, x: g.node("Gemm", [
    g.node("Flatten", [g.node("GlobalAveragePool", [x])]), g.init("w", (4, 3)),
    g.init("c", (2, 4))], name="fc", transB=1)))
# CHECK: conv1d: rc=1 {{.*}}: node #0 'conv' (Conv): only 2-D convolutions on N x C x H x W tensors are supported, the input has shape [2, 12]
case("conv1d", small(lambda g, x: g.node("Conv", [x, g.init("w", (4, 12, 1))], name="conv"),
                     shape=(2, 12)))
# CHECK: computed-weight: rc=1 {{.*}}: node #1 'conv' (Conv): weight 'Relu_1_out0' must be an initializer: mp takes it as a weight argument, computed weights are not supported
case("computed-weight", small(lambda g, x: head(g, g.node(
    "Conv", [x, g.node("Relu", [x])], name="conv"), 3)))
# CHECK: broadcast: rc=1 {{.*}}: node #1 'add' (Add): broadcasting Add [2, 3, 8, 8] by [2, 3, 1, 1] is not supported; mp.add needs equal shapes
case("broadcast", small(lambda g, x: head(g, g.node(
    "Add", [x, g.node("GlobalAveragePool", [x])], name="add"), 3)))
# CHECK: const-add: rc=1 {{.*}}: node #0 'add' (Add): Add with a constant operand is not supported (a constant bias is supported only right after MatMul)
case("const-add", small(lambda g, x: head(g, g.node(
    "Add", [x, g.init("b", (2, 3, 8, 8))], name="add"), 3)))
# CHECK: sub: rc=1 {{.*}}: node #0 'sub' (Sub): Sub is supported on constant (shape) values only
case("sub", small(lambda g, x: head(g, g.node("Sub", [x, x], name="sub"), 3)))
# CHECK: transpose: rc=1 {{.*}}: node #0 'tr' (Transpose): Transpose is supported only on constants and inside the channel shuffle Reshape(N, g, C/g, H, W) -> Transpose(0, 2, 1, 3, 4) -> Reshape(N, C, H, W)
case("transpose", small(lambda g, x: head(g, g.node(
    "Transpose", [x], name="tr", perm=[0, 1, 3, 2]), 3)))
# CHECK: shuffle-use: rc=1 {{.*}}: node #2 'relu' (Relu): input 'view' is a 5-D intermediate of a channel shuffle; it may only be used by the Transpose and Reshape of that pattern
case("shuffle-use", small(lambda g, x: head(g, g.node("Reshape", [g.node(
    "Relu", [g.node("Reshape", [x, g.const([2, 3, 1, 8, 8])], ["view"])], name="relu"),
    g.const([2, 3, 8, 8])]), 3)))
# CHECK: reshape-5d: rc=1 {{.*}}: node #1 'r' (Reshape): reshaping to rank 5 ([2, 3, 4, 4, 4]) is supported only as the first step of a channel shuffle (N, g, C/g, H, W)
case("reshape-5d", small(lambda g, x: g.node("Reshape", [x, g.const([2, 3, 4, 4, 4])],
                                             name="r"), check=False))
# CHECK: softmax-middle: rc=1 {{.*}}: node #0 'sm' (Softmax): Softmax is supported only as the graph's final op (it is replaced by the loss: log_softmax + nll_loss)
case("softmax-middle", small(lambda g, x: head(g, g.node("Softmax", [x], name="sm"), 3)))
# CHECK: dropout-mask: rc=1 {{.*}}: node #0 'drop' (Dropout): output #1 ('mask') is used by another node, but mp.dropout has no mask output
case("dropout-mask", small(lambda g, x: head(g, g.node("Add", [
    g.node("Dropout", [x], ["y", "mask"], name="drop")[0],
    g.node("Cast", ["mask"], to=TensorProto.FLOAT)]), 3)))
# CHECK: bn-spatial: rc=1 {{.*}}: node #0 'bn' (BatchNormalization): spatial=0 (per-element statistics) is not supported
case("bn-spatial", small(lambda g, x: head(g, g.bn(x, "bn", 3, spatial=0), 3), opset=7))

# CHECK: shape: rc=1 {{.*}}: node #0 'conv' (Conv): conv: conv2d: expected weight shape [4, 3, 3, 3] (input channels 3 / groups 1), but got [4, 5, 3, 3]
case("shape", small(lambda g, x: head(g, g.node("Conv", [x, g.init("w", (4, 5, 3, 3))],
                                                name="conv"), 4)))

# CHECK: gather-range: rc=1 {{.*}}: node #2 'g' (Gather): cannot import this node (IndexError: index 7 is out of bounds for axis 0 with size 4)
case("gather-range", small(lambda g, x: head(g, g.node("Reshape", [x, g.node("Concat", [
    g.node("Gather", [g.node("Shape", [x]), g.const([7])], name="g", axis=0),
    g.const([3, 8, 8])], axis=0)]), 3)))

# CHECK: pad-maxpool: rc=1 {{.*}}: node #1 'pad' (Pad): a Pad is supported only when every user is a Conv or AveragePool (the padding is folded into them), its users are: MaxPool
case("pad-maxpool", small(lambda g, x: head(g, g.node("MaxPool", [g.node(
    "Pad", [x, g.const([0, 0, 1, 1, 0, 0, 1, 1])], name="pad")], kernel_shape=[3, 3]), 3)))
# CHECK: pad-reflect: rc=1 {{.*}}: node #1 'pad' (Pad): mode 'reflect' is not supported (only constant zero padding folded into a Conv or AveragePool)
case("pad-reflect", small(lambda g, x: head(g, g.conv(g.node(
    "Pad", [x, g.const([0, 0, 1, 1, 0, 0, 1, 1])], name="pad", mode="reflect"), "c", 3, 3, 3),
    3)))
# CHECK: pad-value: rc=1 {{.*}}: node #2 'pad' (Pad): only non-negative zero padding of H and W of an N x C x H x W tensor is supported (got pads [0, 0, 1, 1, 0, 0, 1, 1], value 1)
case("pad-value", small(lambda g, x: head(g, g.conv(g.node(
    "Pad", [x, g.const([0, 0, 1, 1, 0, 0, 1, 1]), g.const(1.0, np.float32)], name="pad"),
    "c", 3, 3, 3), 3)))
# CHECK: pad-channels: rc=1 {{.*}}: node #1 'pad' (Pad): only non-negative zero padding of H and W of an N x C x H x W tensor is supported (got pads [0, 1, 0, 0, 0, 0, 0, 0], value 0)
case("pad-channels", small(lambda g, x: head(g, g.conv(g.node(
    "Pad", [x, g.const([0, 1, 0, 0, 0, 0, 0, 0])], name="pad"), "c", 4, 3, 3), 3)))

# CHECK: slice-step: rc=1 {{.*}}: node #4 'sl' (Slice): a Slice of a computed tensor is supported along one axis with step 1 only (got starts [0], ends [3], axes [1], steps [2])
case("slice-step", small(lambda g, x: head(g, g.node("Slice", [
    x, g.const([0]), g.const([3]), g.const([1]), g.const([2])], name="sl"), 2)))
# CHECK: slice-empty: rc=1 {{.*}}: node #3 'sl' (Slice): the slice [5:9] of axis 1 is empty
case("slice-empty", small(lambda g, x: head(g, g.node("Slice", [
    x, g.const([5]), g.const([9]), g.const([1])], name="sl"), 2)))
# CHECK: reducemean: rc=1 {{.*}}: node #0 'mean' (ReduceMean): ReduceMean is supported over the spatial axes [2, 3] of an N x C x H x W tensor only (a global average pool), got axes [1] of shape [2, 3, 8, 8]
case("reducemean", small(lambda g, x: g.node("ReduceMean", [x], name="mean", axes=[1]),
                         output_shape=(2, 8, 8)))

# More node-level checks (one per diagnostic of the importer).
def gap_fc(g, x, c=3):
    return head(g, x, c)


MORE = [
    ("const-act", lambda g, x: gap_fc(g, g.node("Relu", [g.init("k", (2, 3, 8, 8))],
                                                name="r"))),
    ("clip-computed-min", lambda g, x: gap_fc(g, g.node("Clip", [x, g.node(
        "Relu", [x])], name="clip"))),
    ("param-roles", lambda g, x: gap_fc(g, g.node("BatchNormalization", [
        x, g.init("s", (3,)), g.init("b", (3,)), "s", g.init("v", (3,))], name="bn"))),
    ("int-weight", lambda g, x: gap_fc(g, g.node("Conv", [
        x, g.init("w", (3, 3, 1, 1), dtype=np.int64)], name="conv"))),
    ("empty-bias", lambda g, x: gap_fc(g, g.node("Conv", [
        x, g.init("w", (3, 3, 1, 1)), g.init("b", (0,))], name="conv"))),
    ("old-broadcast", lambda g, x: gap_fc(g, g.node("Add", [x, x], name="add",
                                                    broadcast=1))),
    ("conv-pads-len", lambda g, x: gap_fc(g, g.node("Conv", [
        x, g.init("w", (3, 3, 3, 3))], name="conv", pads=[1, 1]))),
    ("conv-auto-pad", lambda g, x: gap_fc(g, g.node("Conv", [
        x, g.init("w", (3, 3, 3, 3))], name="conv", auto_pad="FOO"))),
    ("conv-neg-pads", lambda g, x: gap_fc(g, g.node("Conv", [
        x, g.init("w", (3, 3, 3, 3))], name="conv", pads=[-1, -1, -1, -1]))),
    ("conv-fit", lambda g, x: gap_fc(g, g.node("Conv", [
        x, g.init("w", (3, 3, 9, 9))], name="conv"))),
    ("conv-kernel-shape", lambda g, x: gap_fc(g, g.node("Conv", [
        x, g.init("w", (3, 3, 3, 3))], name="conv", kernel_shape=[5, 5]))),
    ("conv-strides", lambda g, x: gap_fc(g, g.node("Conv", [
        x, g.init("w", (3, 3, 1, 1))], name="conv", strides=[1, 1, 1]))),
    ("conv-weight-rank", lambda g, x: gap_fc(g, g.node("Conv", [
        x, g.init("w", (3, 3, 1))], name="conv"))),
    ("pad-auto-pad", lambda g, x: gap_fc(g, g.node("Conv", [g.node(
        "Pad", [x, g.const([0, 0, 1, 1, 0, 0, 1, 1])], name="pad"),
        g.init("w", (3, 3, 3, 3))], name="conv", auto_pad="VALID"))),
    ("pad-len", lambda g, x: gap_fc(g, g.node("Conv", [g.node(
        "Pad", [x, g.const([1, 1, 1, 1])], name="pad"), g.init("w", (3, 3, 3, 3))],
        name="conv"))),
    ("bn-rank", lambda g, x: g.node("Flatten", [g.bn(g.node(
        "Reshape", [x, g.const([2, 3, 64])]), "bn", 3)])),
    ("pool-rank", lambda g, x: g.node("MaxPool", [g.node("Flatten", [x])], name="pool",
                                      kernel_shape=[2])),
    ("gap-rank", lambda g, x: g.node("GlobalAveragePool", [g.node(
        "Reshape", [x, g.const([2, 3, 64])])], name="gap")),
    ("gemm-rank", lambda g, x: g.node("Gemm", [x, g.init("w", (4, 8))], name="fc",
                                      transB=1)),
    ("gemm-b-rank", lambda g, x: g.node("Gemm", [g.node("Flatten", [x]),
                                                 g.init("w", (4, 192, 1))], name="fc",
                                        transB=1)),
    ("gemm-beta", lambda g, x: g.node("Gemm", [g.node("Flatten", [x]), g.init(
        "w", (4, 192)), g.init("c", (4,))], name="fc", transB=1, beta=0.5)),
    ("matmul-rank", lambda g, x: g.node("MatMul", [x, g.init("w", (8, 4))], name="mm")),
    ("matmul-computed", lambda g, x: g.node("MatMul", [g.node("Flatten", [x]), g.node(
        "Flatten", [x], axis=0)], name="mm")),
    ("matmul-b-rank", lambda g, x: g.node("MatMul", [g.node("Flatten", [x]),
                                                     g.init("w", (192,))], name="mm")),
    ("shuffle-reshape", lambda g, x: gap_fc(g, g.node("Reshape", [g.node("Transpose", [
        g.node("Reshape", [x, g.const([2, 3, 1, 8, 8])])], perm=[0, 2, 1, 3, 4]),
        g.const([2, 3, 4, 16])], name="merge"))),
    ("reshape-copy", lambda g, x: gap_fc(g, g.node("Reshape", [
        x, g.const([0, 0, 0, 0, 0])], name="r"))),
    ("reshape-two-minus", lambda g, x: gap_fc(g, g.node("Reshape", [
        x, g.const([2, -1, -1, 8])], name="r"))),
    ("reshape-bad", lambda g, x: gap_fc(g, g.node("Reshape", [
        x, g.const([5, -1])], name="r"))),
    ("flatten-axis", lambda g, x: g.node("Flatten", [x], name="f", axis=7)),
    ("squeeze-axis", lambda g, x: g.node("Squeeze", [x, g.const([9])], name="sq")),
    ("squeeze-size", lambda g, x: g.node("Squeeze", [x, g.const([2])], name="sq")),
    ("split-count", lambda g, x: gap_fc(g, g.node("Concat", g.node(
        "Split", [x, g.const([1, 2])], 3, name="split", axis=1), axis=1))),
    ("constant-string", lambda g, x: gap_fc(g, g.node("Reshape", [x, g.node(
        "Constant", [], name="c", value_string="1x2")]))),
    ("cast-activation", lambda g, x: gap_fc(g, g.node("Cast", [x], name="cast",
                                                      to=TensorProto.INT32))),
    ("gather-activation", lambda g, x: gap_fc(g, g.node("Gather", [x, g.const([0])],
                                                        name="gather"))),
    ("softmax-axis", lambda g, x: g.node("Softmax", [g.node("Gemm", [
        g.node("Flatten", [g.node("GlobalAveragePool", [x])]), g.init("w", (4, 3))],
        transB=1)], name="sm", axis=0)),
]
# CHECK: const-act: rc=1 {{.*}}: node #0 'r' (Relu): input 'k' is a constant, but mp needs a computed tensor here
# CHECK: clip-computed-min: rc=1 {{.*}}: node #1 'clip' (Clip): min 'Relu_1_out0' must be a constant (an initializer or computed from constants); mp cannot use a computed tensor here
# CHECK: param-roles: rc=1 {{.*}}: node #0 'bn' (BatchNormalization): initializer 's' is used both as a weight and as a bn_stat; mp needs one argument per parameter
# CHECK: int-weight: rc=1 {{.*}}: node #0 'conv' (Conv): weight 'w' has element type int64; parameters must be floating point
# CHECK: empty-bias: rc=1 {{.*}}: node #0 'conv' (Conv): bias 'b' is empty
# CHECK: old-broadcast: rc=1 {{.*}}: node #0 'add' (Add): attribute 'broadcast' is not supported (supported: none)
# CHECK: conv-pads-len: rc=1 {{.*}}: node #0 'conv' (Conv): pads must have 4 values (top, left, bottom, right), got [1, 1]
# CHECK: conv-auto-pad: rc=1 {{.*}}: node #0 'conv' (Conv): auto_pad 'FOO' is not supported
# CHECK: conv-neg-pads: rc=1 {{.*}}: node #0 'conv' (Conv): negative pads [-1, -1, -1, -1] are not supported
# CHECK: conv-fit: rc=1 {{.*}}: node #0 'conv' (Conv): kernel [9, 9] does not fit the padded input
# CHECK: conv-kernel-shape: rc=1 {{.*}}: node #0 'conv' (Conv): kernel_shape [5, 5] differs from the weight's [3, 3]
# CHECK: conv-strides: rc=1 {{.*}}: node #0 'conv' (Conv): strides must have 2 values (2-D only), got [1, 1, 1]
# CHECK: conv-weight-rank: rc=1 {{.*}}: node #0 'conv' (Conv): only 2-D convolutions are supported, the weight has shape [3, 3, 1]
# CHECK: pad-auto-pad: rc=1 {{.*}}: node #2 'conv' (Conv): a Pad folded into a node with auto_pad=VALID is not supported
# CHECK: pad-len: rc=1 {{.*}}: node #1 'pad' (Pad): expected 8 pads for a rank-4 input, got [1, 1, 1, 1]
# CHECK: bn-rank: rc=1 {{.*}}: node #2 'bn' (BatchNormalization): input must be N x C or N x C x H x W, got shape [2, 3, 64]
# CHECK: pool-rank: rc=1 {{.*}}: node #1 'pool' (MaxPool): only 2-D pooling on N x C x H x W tensors is supported, the input has shape [2, 192]
# CHECK: gap-rank: rc=1 {{.*}}: node #2 'gap' (GlobalAveragePool): only N x C x H x W inputs are supported, got shape [2, 3, 64]
# CHECK: gemm-rank: rc=1 {{.*}}: node #0 'fc' (Gemm): input A must be N x features, got shape [2, 3, 8, 8]
# CHECK: gemm-b-rank: rc=1 {{.*}}: node #1 'fc' (Gemm): weight B must be 2-D, got shape [4, 192, 1]
# CHECK: gemm-beta: rc=1 {{.*}}: node #1 'fc' (Gemm): beta=0.5 is not supported (only 1)
# CHECK: matmul-rank: rc=1 {{.*}}: node #0 'mm' (MatMul): only N x K by K x M products are supported, A has shape [2, 3, 8, 8]
# CHECK: matmul-computed: rc=1 {{.*}}: node #2 'mm' (MatMul): B must be a constant weight (an initializer)
# CHECK: matmul-b-rank: rc=1 {{.*}}: node #1 'mm' (MatMul): B must be 2-D, got shape [192]
# CHECK: shuffle-reshape: rc=1 {{.*}}: node #4 'merge' (Reshape): this Reshape of the 5-D channel-shuffle intermediate 'Transpose_3_out0' is not the pattern Reshape(N, g, C/g, H, W) -> Transpose(0, 2, 1, 3, 4) -> Reshape(N, C, H, W)
# CHECK: reshape-copy: rc=1 {{.*}}: node #1 'r' (Reshape): shape [2, 3, 8, 8, 0] copies dimension 4 of a rank-4 input
# CHECK: reshape-two-minus: rc=1 {{.*}}: node #1 'r' (Reshape): shape [2, -1, -1, 8] has more than one -1
# CHECK: reshape-bad: rc=1 {{.*}}: node #1 'r' (Reshape): cannot reshape [2, 3, 8, 8] to [5, -1]
# CHECK: flatten-axis: rc=1 {{.*}}: node #0 'f' (Flatten): axis 7 is out of range for rank 4
# CHECK: squeeze-axis: rc=1 {{.*}}: node #1 'sq' (Squeeze): squeeze axis 9 is out of range for rank 4
# CHECK: squeeze-size: rc=1 {{.*}}: node #1 'sq' (Squeeze): cannot squeeze dimensions [2] of shape [2, 3, 8, 8]
# CHECK: split-count: rc=1 {{.*}}: node #1 'split' (Split): 2 split sizes for 3 outputs
# CHECK: constant-string: rc=1 {{.*}}: node #0 'c' (Constant): only dense numeric constants are supported
# CHECK: cast-activation: rc=1 {{.*}}: node #0 'cast' (Cast): casting a computed f32 tensor to INT32 is not supported
# CHECK: gather-activation: rc=1 {{.*}}: node #1 'gather' (Gather): Gather is supported on constant (shape) values only
# CHECK: softmax-axis: rc=1 {{.*}}: node #3 'sm' (Softmax): softmax over axis 0 of the N x classes logits; mp's loss normalizes over the classes (axis 1)
for label, body in MORE:
    opset = 6 if label == "old-broadcast" else 13
    case(label, small(body, opset=opset, check=False,
                      output_shape=(2, 4) if label != "softmax-axis" else (2, 4)))

# -- padding ---------------------------------------------------------------

# CHECK: asym-pads: rc=1 {{.*}}: node #0 'conv' (Conv): asymmetric padding [0, 0, 1, 1] (top, left, bottom, right) cannot be expressed: mp.conv2d pads both sides of each spatial dimension equally
case("asym-pads", small(lambda g, x: head(g, g.conv(x, "conv", 3, 4, 3, pads=[0, 0, 1, 1]),
                                          4)))
# CHECK: same-upper: rc=1 {{.*}}: node #0 'conv' (Conv): asymmetric padding [0, 0, 1, 1] (top, left, bottom, right) cannot be expressed
case("same-upper", small(lambda g, x: head(g, g.conv(x, "conv", 3, 4, 3, strides=[2, 2],
                                                     auto_pad="SAME_UPPER"), 4)))
# CHECK: pool-asym: rc=1 {{.*}}: node #0 'pool' (MaxPool): asymmetric padding [1, 0, 0, 0] (top, left, bottom, right) cannot be expressed: mp.max_pool2d pads both sides
case("pool-asym", small(lambda g, x: head(g, g.node(
    "MaxPool", [x], name="pool", kernel_shape=[2, 2], pads=[1, 0, 0, 0]), 3)))

# -- graph interface -------------------------------------------------------

# CHECK: symbolic-batch: rc=1 {{.*}}symbolic-batch.onnx: graph input 'image' has a symbolic batch dimension 'N'; give the batch size (--batch N)
case("symbolic-batch", small(lambda g, x: head(g, x, 3), shape=("N", 3, 8, 8)))
# CHECK: symbolic-hw: rc=1 {{.*}}: graph input 'image' has a symbolic dimension 'H' at position 2; mp needs static shapes (only the batch dimension may be symbolic)
case("symbolic-hw", small(lambda g, x: head(g, x, 3), shape=(2, 3, "H", 8)), "--batch", "2")
m = small(lambda g, x: head(g, x, 3))
m.graph.input.append(helper.make_tensor_value_info("extra", TensorProto.FLOAT, [2]))
# CHECK: two-inputs: rc=1 {{.*}}: expected exactly one graph input (the image batch) besides the initializers, found 2: 'image', 'extra'
case("two-inputs", m)
m = small(lambda g, x: head(g, x, 3))
m.graph.input[0].type.tensor_type.elem_type = TensorProto.FLOAT16
# CHECK: f16-input: rc=1 {{.*}}: graph input 'image' has element type FLOAT16; mp imports f32 inputs only
case("f16-input", m)
# CHECK: rank3-input: rc=1 {{.*}}: graph input 'image' has rank 3; expected N x C x H x W or N x features
case("rank3-input", small(lambda g, x: g.node("Relu", [x]), shape=(2, 3, 8)))
m = small(lambda g, x: head(g, x, 3))
m.graph.output.append(helper.make_tensor_value_info("GlobalAveragePool_1_out0",
                                                    TensorProto.FLOAT, [2, 3, 1, 1]))
# CHECK: extra-output: rc=1 {{.*}}: graph output #1 ('GlobalAveragePool_1_out0') is not supported: only the first output (the logits) is used; extra outputs may only be BatchNormalization statistics
case("extra-output", m)
# CHECK: not-logits: rc=1 {{.*}}: output 'Relu_1_out0': the classifier output must be N x classes with N = 2 (the batch), got shape [2, 3, 8, 8]
case("not-logits", small(lambda g, x: g.node("Relu", [x])))
# CHECK: const-output: rc=1 {{.*}}: output 'Shape_1_out0': the classifier output must be a computed N x classes tensor
case("const-output", small(lambda g, x: g.node("Shape", [x])))

# -- malformed files ---------------------------------------------------------

m = tiny()
m.opset_import[0].version = 99
# CHECK: new-opset: rc=1 python3 -m mpt: error: new-opset.onnx uses ONNX opset 99, but the installed onnx {{.*}} knows opsets up to {{[0-9]+}}; export with opset_version <= {{[0-9]+}}
case("new-opset", m)
# CHECK: garbage: rc=1 python3 -m mpt: error: garbage.onnx is not an ONNX model (protobuf parse error: Error parsing message
case("garbage", b"\xff\xfe this is not a protobuf \x00\x01\x02" * 8)
# CHECK: empty: rc=1 python3 -m mpt: error: empty.onnx is not a valid ONNX model: The model does not have an ir_version set properly.
case("empty", b"")
data = open(os.path.join(out, "leaky.onnx"), "rb").read()
# CHECK: truncated: rc=1 python3 -m mpt: error: truncated.onnx is not an ONNX model (protobuf parse error:
case("truncated", data[:len(data) // 2])
g = Graph("g")
a = g.node("Relu", ["b_out"], name="a")
b = g.node("Relu", ["image"], ["b_out"], name="b")
# CHECK: unsorted: rc=1 python3 -m mpt: error: unsorted.onnx is not a valid ONNX model: Nodes in a graph must be topologically sorted, however input 'b_out' of node:
case("unsorted", g.model([2, 3], a, output_shape=[2, 3], check=False))
m = small(lambda g, x: head(g, x, 3))
del m.graph.output[:]
# CHECK: no-outputs: rc=1 {{.*}}no-outputs.onnx: the graph has no outputs
case("no-outputs", m)
m = small(lambda g, x: head(g, x, 3))
m.graph.input[0].type.CopyFrom(helper.make_sequence_type_proto(
    helper.make_tensor_type_proto(TensorProto.FLOAT, [2, 3, 8, 8])))
# CHECK: seq-input: rc=1 {{.*}}seq-input.onnx: graph input 'image' is not a tensor
case("seq-input", m)
m = small(lambda g, x: head(g, x, 3))
m.graph.input[0].type.tensor_type.ClearField("shape")
# The checker of onnx 1.12 already requires the shape.
# CHECK: no-shape: rc=1 {{.*}}no-shape.onnx is not a valid ONNX model: Field 'shape' of 'type' is required but missing.
case("no-shape", m)
m = small(lambda g, x: head(g, x, 3))
w = m.graph.initializer[0]
w.ClearField("float_data")
w.raw_data = b"\0" * 3
# CHECK: bad-initializer: rc=1 {{.*}}bad-initializer.onnx: initializer 'fc.weight' cannot be read: {{.+}}
case("bad-initializer", m)
m = small(lambda g, x: head(g, x, 3))
w = m.graph.initializer[0]
w.ClearField("float_data")
w.ClearField("raw_data")
w.data_location = TensorProto.EXTERNAL
w.external_data.add(key="location", value="weights.bin")
# CHECK: external: rc=1 {{.*}}external.onnx: cannot load the external tensor data: {{.+}}
case("external", m)
g = Graph("g")
y = g.node("MyOp", ["image"], name="custom", domain="com.example")
m = g.model([2, 3], y, output_shape=[2, 3], check=False)
del m.opset_import[:]
m.opset_import.append(helper.make_operatorsetid("com.example", 1))
# CHECK: no-default-opset: rc=1 {{.*}}no-default-opset.onnx: the model imports no version of the default ONNX operator set
case("no-default-opset", m)
rc, err = run(os.path.join(out, "missing.onnx"))
print("missing: rc=%d %s" % (rc, err.replace(out + os.sep, "")))
# CHECK: missing: rc=1 python3 -m mpt: error: cannot read missing.onnx: No such file or directory

# -- command line ------------------------------------------------------------

save(tiny(), os.path.join(out, "tiny.onnx"))
tiny_path = os.path.join(out, "tiny.onnx")
for args in (["--name", "9lives"], ["--batch", "0"], ["--dropout", "maybe"], [],
             ["-o", os.path.join(out, "no", "dir", "x.mlir")],
             ["--weights-dir", os.path.join(out, "tiny.onnx"), "-o", os.devnull]):
    rc, err = run(*([tiny_path] if args != [] else []) + args)
    print("cli: rc=%d %s" % (rc, err.replace(out + os.sep, "")))
# CHECK: cli: rc=1 python3 -m mpt: error: invalid function name '9lives'
# CHECK: cli: rc=2 {{.*}}error: argument --batch: expected a positive integer, got '0'
# CHECK: cli: rc=2 {{.*}}error: argument --dropout: invalid choice: 'maybe' (choose from 'train', 'identity')
# CHECK: cli: rc=2 {{.*}}error: the following arguments are required: MODEL.onnx
# CHECK: cli: rc=1 python3 -m mpt: error: cannot write {{.*}}x.mlir: No such file or directory
# CHECK: cli: rc=1 python3 -m mpt: error: cannot write {{.*}}tiny.onnx: File exists

# The same as separate processes: the exit status and message.
for args in ([os.path.join(out, "leaky.onnx")], [os.path.join(out, "garbage.onnx")],
             [os.path.join(out, "tiny.onnx"), "--batch", "x"]):
    rc, err = run_process(*args)
    print("process: rc=%d %s" % (rc, err.replace(out + os.sep, "")))
# CHECK: process: rc=1 python3 -m mpt: error: leaky.onnx: node #0 'act' (LeakyRelu): unsupported op type LeakyRelu
# CHECK: process: rc=1 python3 -m mpt: error: garbage.onnx is not an ONNX model
# CHECK: process: rc=2 {{.*}}error: argument --batch: expected a positive integer, got 'x'

# -- the Python API raises OnnxImportError ------------------------------------

try:
    import_model(convbn(), batch=2, name="bad name")
except OnnxImportError as err:
    print("api-name: %s" % err)
# CHECK: api-name: invalid function name 'bad name'
m = convbn()
m.graph.node[0].op_type = "Conv3000"
try:
    import_model(m)
except OnnxImportError as err:
    print("api-check: %s" % err)
# CHECK: api-check: <model> is not a valid ONNX model: No Op registered for Conv3000 with domain_version of 13
saved = sys.modules.get("onnx")
sys.modules["onnx"] = None  # as if python3-onnx were not installed
rc, err = run(os.path.join(out, "tiny.onnx"))
sys.modules["onnx"] = saved
print("no-onnx: rc=%d %s" % (rc, err.replace(out + os.sep, "")))
# CHECK: no-onnx: rc=1 python3 -m mpt: error: tiny.onnx: the ONNX importer needs the Python packages 'onnx' and 'numpy' (Debian: python3-onnx): {{.+}}
try:
    import_model(convbn(), dropout="sometimes")
except ValueError as err:
    print("api-dropout: %s" % err)
# CHECK: api-dropout: dropout must be 'train' or 'identity', got 'sometimes'

# The Python API on a good model.
from mpt.onnx_import import import_file  # noqa: E402

r = import_file(os.path.join(out, "tiny.onnx"), name="tiny")
print("api: input %s, logits %s, %d parameters, tensors %s" % (
    r.input, r.logits, r.num_parameters(),
    ", ".join("%s:%s%s" % (role, name, list(v.shape)) for role, name, v in r.tensors)))
# CHECK: api: input image, logits logits, 79 parameters, tensors weight:conv.weight[3, 2, 3, 3], weight:conv.bias[3], weight:bn.weight[3], weight:bn.bias[3], weight:fc.weight[4, 3], weight:fc.bias[4], bn_stat:bn.running_mean[3], bn_stat:bn.running_var[3]
assert r.to_mlir().startswith("// tiny: ONNX opset 13")
