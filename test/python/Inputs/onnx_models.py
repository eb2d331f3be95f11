# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Small ONNX classifiers built with onnx.helper (no PyTorch), for the ONNX
import tests. `python3 onnx_models.py DIR` writes every model of MODELS to
DIR/<name>.onnx; the test scripts also import this file to build variants.
"""

import os
import sys

import numpy as np
from onnx import TensorProto, checker, helper, numpy_helper, save


class Graph:
    """Collects nodes and initializers; `model()` returns a checked ModelProto."""

    def __init__(self, name, seed=0):
        self.name = name
        self.nodes = []
        self.inits = []
        self.rng = np.random.RandomState(seed)
        self.count = 0

    def init(self, name, shape, value=None, dtype=np.float32):
        if value is None:
            value = self.rng.uniform(-0.5, 0.5, size=shape)
        value = np.asarray(value, dtype=dtype).reshape(shape)
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def ones(self, name, shape):
        return self.init(name, shape, np.ones(shape))

    def node(self, op, inputs, outputs=1, name=None, **attrs):
        self.count += 1
        name = name or "%s_%d" % (op, self.count)
        if isinstance(outputs, int):
            outputs = ["%s_out%d" % (name, i) for i in range(outputs)]
        self.nodes.append(helper.make_node(op, list(inputs), outputs, name=name, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def conv(self, x, prefix, cin, cout, k, bias=False, group=1, **attrs):
        ins = [x, self.init(prefix + ".weight", (cout, cin // group, k, k))]
        if bias:
            ins.append(self.init(prefix + ".bias", (cout,)))
        return self.node("Conv", ins, name=prefix, kernel_shape=[k, k], group=group,
                         **attrs)

    def bn(self, x, prefix, c, **attrs):
        ins = [x, self.init(prefix + ".weight", (c,)), self.init(prefix + ".bias", (c,)),
               self.init(prefix + ".running_mean", (c,), np.zeros(c)),
               self.init(prefix + ".running_var", (c,), np.ones(c))]
        attrs.setdefault("epsilon", 1e-5)
        attrs.setdefault("momentum", 0.9)
        return self.node("BatchNormalization", ins, name=prefix, **attrs)

    def const(self, value, dtype=np.int64):
        t = numpy_helper.from_array(np.asarray(value, dtype=dtype))
        return self.node("Constant", [], value=t)

    def model(self, input_shape, output, opset=13, input_name="image",
              output_shape=None, check=True):
        x = helper.make_tensor_value_info(input_name, TensorProto.FLOAT, input_shape)
        y = helper.make_tensor_value_info(output, TensorProto.FLOAT, output_shape)
        g = helper.make_graph(self.nodes, self.name, [x], [y], initializer=self.inits)
        m = helper.make_model(g, producer_name="onnx_models.py",
                              opset_imports=[helper.make_operatorsetid("", opset)])
        m.ir_version = 7
        if check:
            checker.check_model(m)
        return m


def lenet():
    """LeNet-5 on 1x28x28 with a symbolic batch: conv (bias, pads 2) - Relu -
    MaxPool, twice; a Shape/Gather/Unsqueeze/Concat flatten; Gemm (transB=1),
    MatMul + Add, Gemm (transB=0); a final Softmax."""
    g = Graph("lenet")
    x = "image"
    for i, (cin, cout) in enumerate(((1, 6), (6, 16)), 1):
        x = g.conv(x, "conv%d" % i, cin, cout, 5, bias=True,
                   pads=[2, 2, 2, 2] if i == 1 else [0, 0, 0, 0])
        x = g.node("Relu", [x], name="relu%d" % i)
        x = g.node("MaxPool", [x], name="pool%d" % i, kernel_shape=[2, 2],
                   strides=[2, 2])
    n = g.node("Gather", [g.node("Shape", [x]), g.const(0)], axis=0)
    shape = g.node("Concat", [g.node("Unsqueeze", [n, g.const([0])]), g.const([-1])],
                   axis=0)
    x = g.node("Reshape", [x, shape], name="flatten")
    x = g.node("Gemm", [x, g.init("fc1.weight", (120, 400)), g.init("fc1.bias", (120,))],
               name="fc1", transB=1)
    x = g.node("Relu", [x], name="relu3")
    x = g.node("MatMul", [x, g.init("fc2.weight_t", (120, 84))], name="fc2")
    x = g.node("Add", [x, g.init("fc2.bias", (84,))], name="fc2_bias")
    x = g.node("Relu", [x], name="relu4")
    x = g.node("Gemm", [x, g.init("fc3.weight_t", (84, 10)), g.init("fc3.bias", (1, 10))],
               name="fc3")
    y = g.node("Softmax", [x], ["probs"], name="softmax", axis=1)
    return g.model(["N", 1, 28, 28], y, output_shape=["N", 10])


def convbn():
    """conv-BN-relu-maxpool(3, 2, pad 1), a stride-2 conv with SAME_LOWER
    padding and one with asymmetric pads [1, 1, 0, 0] (both equal to symmetric
    padding 1), BN, global average pool, Flatten, Gemm, LogSoftmax."""
    g = Graph("convbn", seed=1)
    x = g.conv("image", "conv1", 3, 8, 3, pads=[1, 1, 1, 1])
    x = g.node("Relu", [g.bn(x, "bn1", 8)], name="relu1")
    x = g.node("MaxPool", [x], name="pool", kernel_shape=[3, 3], strides=[2, 2],
               pads=[1, 1, 1, 1])
    x = g.conv(x, "conv2", 8, 16, 3, strides=[2, 2], auto_pad="SAME_LOWER")
    x = g.conv(x, "conv3", 16, 16, 3, strides=[2, 2], pads=[1, 1, 0, 0], bias=True)
    x = g.node("Relu", [g.bn(x, "bn3", 16, momentum=0.99, epsilon=1e-3)], name="relu3")
    x = g.node("GlobalAveragePool", [x], name="gap")
    x = g.node("Flatten", [x], name="flatten", axis=1)
    x = g.node("Gemm", [x, g.init("fc.weight", (5, 16)), g.init("fc.bias", (5,))],
               name="fc", transB=1)
    y = g.node("LogSoftmax", [x], ["logp"], name="logsoftmax", axis=1)
    return g.model([4, 3, 32, 32], y, output_shape=[4, 5])


def mobile():
    """Opset 11: 1x1 conv - BN - Clip(0, 6) (min/max inputs), Pad folded into
    a depthwise 3x3 conv, grouped 1x1 conv (groups 2) with a residual Add, AveragePool,
    GlobalAveragePool, Squeeze (axes attribute), Dropout (ratio attribute),
    Gemm."""
    g = Graph("mobile", seed=2)
    zero, six = g.init("clip_min", (), 0.0), g.init("clip_max", (), 6.0)
    x = g.conv("image", "stem", 3, 8, 1)
    x = g.node("Clip", [g.bn(x, "stem_bn", 8), zero, six], name="stem_relu6")
    r = x
    x = g.node("Pad", [x, g.init("dw_pads", (8,), [0, 0, 1, 1, 0, 0, 1, 1], np.int64)],
               name="dw_pad")
    x = g.conv(x, "dw", 8, 8, 3, group=8)
    x = g.node("Clip", [g.bn(x, "dw_bn", 8), zero, six], name="dw_relu6")
    x = g.conv(x, "pw", 8, 8, 1, group=2)
    x = g.node("Add", [g.bn(x, "pw_bn", 8), r], name="residual")
    x = g.node("AveragePool", [x], name="avgpool", kernel_shape=[2, 2], strides=[2, 2])
    x = g.node("GlobalAveragePool", [x], name="gap")
    x = g.node("Squeeze", [x], name="squeeze", axes=[2, 3])
    x = g.node("Dropout", [x], name="dropout", ratio=0.2)
    y = g.node("Gemm", [x, g.init("classifier.weight", (10, 8)),
                        g.init("classifier.bias", (10,))], ["logits"],
               name="classifier", transB=1)
    return g.model([2, 3, 16, 16], y, opset=11, output_shape=[2, 10])


def shuffle():
    """Opset 13: Split (sizes input) into two branches, conv on one, Concat,
    the channel shuffle Reshape(N, 2, 4, H, W) - Transpose - Reshape with
    Constant shapes, Mul of two branches, Identity, a Reshape with 0 (copy)
    and -1, MatMul + Add."""
    g = Graph("shuffle", seed=3)
    x = g.conv("image", "conv1", 3, 8, 3, pads=[1, 1, 1, 1])
    x = g.node("Relu", [g.bn(x, "bn1", 8)], name="relu1")
    a, b = g.node("Split", [x, g.const([4, 4])], 2, name="split", axis=1)
    b = g.node("Relu", [g.bn(g.conv(b, "branch.conv", 4, 4, 1), "branch.bn", 4)],
               name="branch.relu")
    x = g.node("Concat", [a, b], name="cat", axis=1)
    x = g.node("Reshape", [x, g.const([3, 2, 4, 8, 8])], name="shuffle_view")
    x = g.node("Transpose", [x], name="shuffle_transpose", perm=[0, 2, 1, 3, 4])
    x = g.node("Reshape", [x, g.const([3, -1, 8, 8])], name="shuffle_merge")
    x = g.node("Mul", [x, g.node("Identity", [x], name="same")], name="square")
    x = g.node("MaxPool", [x], name="pool", kernel_shape=[8, 8])
    x = g.node("Reshape", [x, g.const([0, -1])], name="flatten")
    x = g.node("MatMul", [x, g.init("fc.weight_t", (8, 6))], name="fc")
    y = g.node("Add", [g.init("fc.bias", (6,)), x], ["logits"], name="fc_bias")
    return g.model([3, 3, 8, 8], y, output_shape=[3, 6])


def chunk():
    """PyTorch's `chunk` as two Slices of the channels (one mp.split), a
    branch, Concat, ReduceMean over H and W (keepdims=0), Gemm."""
    g = Graph("chunk", seed=5)
    x = g.node("Relu", [g.conv("image", "conv1", 3, 8, 1)], name="relu1")
    a = g.node("Slice", [x, g.const([0]), g.const([4]), g.const([1])], name="left")
    b = g.node("Slice", [x, g.const([4]), g.const([8]), g.const([1])], name="right")
    b = g.node("Relu", [g.conv(b, "branch", 4, 4, 3, pads=[1, 1, 1, 1])], name="relu2")
    x = g.node("Concat", [b, a], name="cat", axis=1)
    x = g.node("ReduceMean", [x], name="mean", axes=[-2, -1], keepdims=0)
    y = g.node("Gemm", [x, g.init("fc.weight", (3, 8))], ["logits"], name="fc", transB=1)
    return g.model([2, 3, 6, 6], y, output_shape=[2, 3])


def tiny():
    """For the numeric check: conv (bias) - BN - Relu - MaxPool - GAP -
    Flatten - Gemm."""
    g = Graph("tiny", seed=4)
    x = g.conv("image", "conv", 2, 3, 3, bias=True, pads=[1, 1, 1, 1])
    x = g.node("Relu", [g.bn(x, "bn", 3)], name="relu")
    x = g.node("MaxPool", [x], name="pool", kernel_shape=[2, 2], strides=[2, 2])
    x = g.node("Flatten", [g.node("GlobalAveragePool", [x], name="gap")], name="flat")
    y = g.node("Gemm", [x, g.init("fc.weight", (4, 3)), g.init("fc.bias", (4,))],
               ["logits"], name="fc", transB=1)
    return g.model([4, 2, 6, 6], y, output_shape=[4, 4])


MODELS = {"lenet": lenet, "convbn": convbn, "mobile": mobile, "shuffle": shuffle,
          "chunk": chunk, "tiny": tiny}


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, fn in MODELS.items():
        save(fn(), os.path.join(out, name + ".onnx"))
