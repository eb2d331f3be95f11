# RUN: rm -rf %t && mkdir -p %t
# RUN: %PYTHON %s %t mp-run | FileCheck %s
#
# Every mp op lowered by mp-cpu-pipeline with mp-tile-and-vectorize against
# the scalar loop nests (mp-run --vectorize=false), one module per case, on
# integer-valued inputs in [-3, 3]: products and sums of such values are
# exact in f32, so every summation order (per-lane partial sums, FMA) gives
# the same bits and the results must be identical. Cases whose lowering
# divides, takes roots or exponentials before summing (batch norm, softmax,
# average pools) or multiplies by inexact constants (SGD's momentum and
# weight decay, where FMA rounds once instead of twice) are compared with a relative tolerance of 1e-5 of the
# tensor's largest magnitude instead. Shapes are chosen to exercise full and
# masked vector blocks, unroll tails, strides (gathers), packing of weights,
# strided accumulators, groups and reductions over merged loops.
#
# CHECK-NOT: MISMATCH
# CHECK-NOT: FAIL
# CHECK: {{[0-9]+}} cases match

import os
import re
import struct
import subprocess
import sys

COMPARE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs",
                       "compare-npy.py")
WORK, MP_RUN = sys.argv[1], sys.argv[2]

# name: (exact, signature, body). The body's last line is the return.
CASES = {
    "conv_odd_width": (True, "%x: tensor<4x8x13x13xf32>, %w: tensor<16x8x3x3xf32>", """
    %y = mp.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<4x8x13x13xf32>, tensor<16x8x3x3xf32>) -> tensor<4x16x13x13xf32>
    return %y : tensor<4x16x13x13xf32>"""),
    "conv_stride2_bias": (True, "%x: tensor<4x8x13x13xf32>, %w: tensor<12x8x3x3xf32>, %b: tensor<12xf32>", """
    %y = mp.conv2d %x, %w, %b stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<4x8x13x13xf32>, tensor<12x8x3x3xf32>, tensor<12xf32>) -> tensor<4x12x7x7xf32>
    return %y : tensor<4x12x7x7xf32>"""),
    "conv_dilated": (True, "%x: tensor<2x4x12x12xf32>, %w: tensor<8x4x3x3xf32>", """
    %y = mp.conv2d %x, %w stride [1, 1] padding [2, 2] dilation [2, 2] groups 1 : (tensor<2x4x12x12xf32>, tensor<8x4x3x3xf32>) -> tensor<2x8x12x12xf32>
    return %y : tensor<2x8x12x12xf32>"""),
    "conv_groups": (True, "%x: tensor<2x8x10x10xf32>, %w: tensor<12x4x3x3xf32>", """
    %y = mp.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 2 : (tensor<2x8x10x10xf32>, tensor<12x4x3x3xf32>) -> tensor<2x12x10x10xf32>
    return %y : tensor<2x12x10x10xf32>"""),
    "conv_depthwise": (True, "%x: tensor<2x16x9x9xf32>, %w: tensor<16x1x3x3xf32>", """
    %y = mp.conv2d %x, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 16 : (tensor<2x16x9x9xf32>, tensor<16x1x3x3xf32>) -> tensor<2x16x5x5xf32>
    return %y : tensor<2x16x5x5xf32>"""),
    "conv_depthwise_multiplier": (True, "%x: tensor<2x4x8x8xf32>, %w: tensor<8x1x3x3xf32>", """
    %y = mp.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 4 : (tensor<2x4x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x8x8xf32>
    return %y : tensor<2x8x8x8xf32>"""),
    "conv_1x1": (True, "%x: tensor<4x24x6x6xf32>, %w: tensor<40x24x1x1xf32>", """
    %y = mp.conv2d %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<4x24x6x6xf32>, tensor<40x24x1x1xf32>) -> tensor<4x40x6x6xf32>
    return %y : tensor<4x40x6x6xf32>"""),
    "conv_small_spatial": (True, "%x: tensor<8x48x4x4xf32>, %w: tensor<40x48x3x3xf32>", """
    %y = mp.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<8x48x4x4xf32>, tensor<40x48x3x3xf32>) -> tensor<8x40x4x4xf32>
    return %y : tensor<8x40x4x4xf32>"""),
    "conv_input_grad_stride2": (True, "%dy: tensor<4x12x7x7xf32>, %w: tensor<12x8x3x3xf32>", """
    %dx = mp.conv2d_input_grad %dy, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<4x12x7x7xf32>, tensor<12x8x3x3xf32>) -> tensor<4x8x13x13xf32>
    return %dx : tensor<4x8x13x13xf32>"""),
    "conv_weight_grad": (True, "%dy: tensor<4x16x13x13xf32>, %x: tensor<4x8x13x13xf32>", """
    %dw = mp.conv2d_weight_grad %dy, %x stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<4x16x13x13xf32>, tensor<4x8x13x13xf32>) -> tensor<16x8x3x3xf32>
    return %dw : tensor<16x8x3x3xf32>"""),
    "conv_weight_grad_stride2": (True, "%dy: tensor<4x12x7x7xf32>, %x: tensor<4x8x13x13xf32>", """
    %dw = mp.conv2d_weight_grad %dy, %x stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<4x12x7x7xf32>, tensor<4x8x13x13xf32>) -> tensor<12x8x3x3xf32>
    return %dw : tensor<12x8x3x3xf32>"""),
    "conv_weight_grad_small_spatial": (True, "%dy: tensor<8x40x4x4xf32>, %x: tensor<8x48x4x4xf32>", """
    %dw = mp.conv2d_weight_grad %dy, %x stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<8x40x4x4xf32>, tensor<8x48x4x4xf32>) -> tensor<40x48x3x3xf32>
    return %dw : tensor<40x48x3x3xf32>"""),
    "conv_weight_grad_depthwise": (True, "%dy: tensor<2x16x5x5xf32>, %x: tensor<2x16x9x9xf32>", """
    %dw = mp.conv2d_weight_grad %dy, %x stride [2, 2] padding [1, 1] dilation [1, 1] groups 16 : (tensor<2x16x5x5xf32>, tensor<2x16x9x9xf32>) -> tensor<16x1x3x3xf32>
    return %dw : tensor<16x1x3x3xf32>"""),
    "linear": (True, "%x: tensor<20x36xf32>, %w: tensor<10x36xf32>, %b: tensor<10xf32>", """
    %y = mp.linear %x, %w, %b : (tensor<20x36xf32>, tensor<10x36xf32>, tensor<10xf32>) -> tensor<20x10xf32>
    return %y : tensor<20x10xf32>"""),
    "linear_grads": (True, "%dy: tensor<20x10xf32>, %w: tensor<10x36xf32>, %x: tensor<20x36xf32>", """
    %dx = mp.linear_input_grad %dy, %w : (tensor<20x10xf32>, tensor<10x36xf32>) -> tensor<20x36xf32>
    %dw = mp.linear_weight_grad %dy, %x : (tensor<20x10xf32>, tensor<20x36xf32>) -> tensor<10x36xf32>
    %db = mp.bias_grad %dy : tensor<20x10xf32> -> tensor<10xf32>
    return %dx, %dw, %db : tensor<20x36xf32>, tensor<10x36xf32>, tensor<10xf32>"""),
    "max_pool": (True, "%x: tensor<2x3x11x11xf32>, %dy: tensor<2x3x6x6xf32>", """
    %y = mp.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1] : tensor<2x3x11x11xf32> -> tensor<2x3x6x6xf32>
    %dx = mp.max_pool2d_grad %dy, %x kernel [3, 3] stride [2, 2] padding [1, 1] : (tensor<2x3x6x6xf32>, tensor<2x3x11x11xf32>) -> tensor<2x3x11x11xf32>
    return %y, %dx : tensor<2x3x6x6xf32>, tensor<2x3x11x11xf32>"""),
    "avg_pool": (False, "%x: tensor<2x3x10x10xf32>, %dy: tensor<2x3x5x5xf32>", """
    %y = mp.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<2x3x10x10xf32> -> tensor<2x3x5x5xf32>
    %dx = mp.avg_pool2d_grad %dy kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<2x3x5x5xf32> -> tensor<2x3x10x10xf32>
    return %y, %dx : tensor<2x3x5x5xf32>, tensor<2x3x10x10xf32>"""),
    "global_avg_pool": (False, "%x: tensor<4x24x7x7xf32>, %dy: tensor<4x24xf32>", """
    %y = mp.global_avg_pool %x : tensor<4x24x7x7xf32> -> tensor<4x24xf32>
    %dx = mp.global_avg_pool_grad %dy : tensor<4x24xf32> -> tensor<4x24x7x7xf32>
    return %y, %dx : tensor<4x24xf32>, tensor<4x24x7x7xf32>"""),
    "batch_norm": (False, "%x: tensor<8x12x9x9xf32>, %g: tensor<12xf32>, %b: tensor<12xf32>, %m: tensor<12xf32>, %v: tensor<12xf32>, %dy: tensor<8x12x9x9xf32>", """
    %y, %rm, %rv = mp.batch_norm %x, %g, %b, %m, %v eps 1.0e-05 momentum 0.1 : (tensor<8x12x9x9xf32>, tensor<12xf32>, tensor<12xf32>, tensor<12xf32>, tensor<12xf32>) -> (tensor<8x12x9x9xf32>, tensor<12xf32>, tensor<12xf32>)
    %dx, %dg, %db = mp.batch_norm_grad %dy, %x, %g eps 1.0e-05 : (tensor<8x12x9x9xf32>, tensor<8x12x9x9xf32>, tensor<12xf32>) -> (tensor<8x12x9x9xf32>, tensor<12xf32>, tensor<12xf32>)
    %yi = mp.batch_norm_inference %x, %g, %b, %m, %v eps 1.0e-05 : (tensor<8x12x9x9xf32>, tensor<12xf32>, tensor<12xf32>, tensor<12xf32>, tensor<12xf32>) -> tensor<8x12x9x9xf32>
    return %y, %rm, %rv, %dx, %dg, %db, %yi : tensor<8x12x9x9xf32>, tensor<12xf32>, tensor<12xf32>, tensor<8x12x9x9xf32>, tensor<12xf32>, tensor<12xf32>, tensor<8x12x9x9xf32>"""),
    "elementwise": (True, "%x: tensor<6x7x5xf32>, %y: tensor<6x7x5xf32>", """
    %r = mp.relu %x : tensor<6x7x5xf32>
    %r6 = mp.relu6 %y : tensor<6x7x5xf32>
    %dr = mp.relu_grad %y, %x : tensor<6x7x5xf32>
    %dr6 = mp.relu6_grad %x, %y : tensor<6x7x5xf32>
    %s = mp.add %r, %r6 : tensor<6x7x5xf32>
    %p = mp.mul %dr, %dr6 : tensor<6x7x5xf32>
    return %s, %p : tensor<6x7x5xf32>, tensor<6x7x5xf32>"""),
    "loss": (False, "%x: tensor<12x10xf32>, %l: tensor<12xi32>, %dy: tensor<12x10xf32>", """
    %y = mp.log_softmax %x : tensor<12x10xf32>
    %loss = mp.nll_loss %y, %l : (tensor<12x10xf32>, tensor<12xi32>) -> tensor<f32>
    %dl = mp.nll_loss_grad %loss, %l : (tensor<f32>, tensor<12xi32>) -> tensor<12x10xf32>
    %dx = mp.log_softmax_grad %dy, %y : tensor<12x10xf32>
    %c = mp.count_correct %x, %l : (tensor<12x10xf32>, tensor<12xi32>) -> tensor<i64>
    return %loss, %dl, %dx, %c : tensor<f32>, tensor<12x10xf32>, tensor<12x10xf32>, tensor<i64>"""),
    "dropout": (True, "%x: tensor<7x37xf32>, %s: tensor<i64>", """
    %y = mp.dropout %x, %s ratio 2.5e-01 : (tensor<7x37xf32>, tensor<i64>) -> tensor<7x37xf32>
    %dx = mp.dropout_grad %x, %s ratio 5.0e-01 : (tensor<7x37xf32>, tensor<i64>) -> tensor<7x37xf32>
    return %y, %dx : tensor<7x37xf32>, tensor<7x37xf32>"""),
    "sgd": (False, "%p: tensor<13x9xf32>, %g: tensor<13x9xf32>, %m: tensor<13x9xf32>, %lr: tensor<f32>, %s: tensor<f32>", """
    %p2, %m2 = mp.sgd %p, %g, %m, %lr grad_scale %s momentum 9.0e-01 weight_decay 5.0e-04 nesterov : (tensor<13x9xf32>, tensor<13x9xf32>, tensor<13x9xf32>, tensor<f32>, tensor<f32>) -> (tensor<13x9xf32>, tensor<13x9xf32>)
    return %p2, %m2 : tensor<13x9xf32>, tensor<13x9xf32>"""),
    "shapes": (True, "%a: tensor<8x4x3x3xf32>, %b: tensor<8x6x3x3xf32>", """
    %c = mp.concat %a, %b axis 1 : (tensor<8x4x3x3xf32>, tensor<8x6x3x3xf32>) -> tensor<8x10x3x3xf32>
    %s = mp.channel_shuffle %c groups 2 : tensor<8x10x3x3xf32>
    %u, %v = mp.split %s axis 1 : (tensor<8x10x3x3xf32>) -> (tensor<8x3x3x3xf32>, tensor<8x7x3x3xf32>)
    %r = mp.reshape %v : tensor<8x7x3x3xf32> to tensor<56x9xf32>
    return %u, %r : tensor<8x3x3x3xf32>, tensor<56x9xf32>"""),
    "all_finite": (True, "%a: tensor<16x4x3x3xf32>, %b: tensor<19xf32>", """
    %ok = mp.all_finite %a, %b : (tensor<16x4x3x3xf32>, tensor<19xf32>) -> tensor<i1>
    return %ok : tensor<i1>"""),
    "fp8_casts": (True, "%x: tensor<5x37xf32>", """
    %a = mp.cast %x to <e4m3> : tensor<5x37xf32>
    %b = mp.cast %x to <paper_143> : tensor<5x37xf32>
    return %a, %b : tensor<5x37xf32>, tensor<5x37xf32>"""),
}

NPY_CODES = {"f32": ("<f4", "f"), "i32": ("<i4", "i"), "i64": ("<i8", "q")}


def write_npy(path, dtype, shape, values):
    descr, code = NPY_CODES[dtype]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % d for d in shape))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) +
                header.encode("latin1") +
                struct.pack("<%d%s" % (len(values), code), *values))


def make_inputs(case_dir, name, signature):
    """Integer-valued inputs; labels in [0, classes), seeds fixed."""
    state = [sum(map(ord, name)) * 2654435761 % 2**32]

    def rand(n):
        state[0] = (state[0] * 1103515245 + 12345) % 2**31
        return state[0] % n

    paths = []
    args = re.findall(r"%(\w+): tensor<([0-9x]*)x?(f32|i32|i64)>", signature)
    for i, (arg, dims, dtype) in enumerate(args):
        shape = [int(d) for d in dims.split("x") if d]
        count = 1
        for d in shape:
            count *= d
        if dtype == "f32" and arg in ("lr", "s"):
            values = [0.5] * count
        elif dtype == "f32":
            values = [float(rand(7) - 3) for _ in range(count)]
        elif arg == "l":
            values = [rand(10) for _ in range(count)]
        else:
            values = [12345 + rand(100) for _ in range(count)]
        path = os.path.join(case_dir, "arg%d.npy" % i)
        write_npy(path, dtype, shape, values)
        paths.append(path)
    return paths


def main():
    bad = 0
    for name, (exact, signature, body) in CASES.items():
        case_dir = os.path.join(WORK, name)
        os.makedirs(case_dir, exist_ok=True)
        results = body.strip().splitlines()[-1].split(":", 1)[1].strip()
        module = os.path.join(case_dir, "case.mlir")
        with open(module, "w") as f:
            f.write("func.func @%s(%s) -> (%s) {%s\n}\n" %
                    (name, signature, results, body))
        inputs = ["--input=" + p for p in make_inputs(case_dir, name, signature)]
        outs = {}
        for vectorize in ("false", "true"):
            out = os.path.join(case_dir, "vectorize-" + vectorize)
            proc = subprocess.run(
                [MP_RUN, module, "-f", name, "--vectorize=" + vectorize,
                 "--output-dir", out] + inputs,
                capture_output=True, text=True)
            if proc.returncode != 0:
                print("%s: FAIL (mp-run --vectorize=%s)\n%s" %
                      (name, vectorize, proc.stderr))
                bad += 1
                break
            outs[vectorize] = out
        else:
            tolerance = ["--rtol", "0"] if exact else [
                "--rtol", "1e-5", "--scale", "tensor"]
            proc = subprocess.run(
                [sys.executable, COMPARE, outs["false"], outs["true"]] +
                tolerance, capture_output=True, text=True)
            if proc.returncode != 0:
                print("%s: FAIL\n%s" % (name, proc.stdout))
                bad += 1
            else:
                print("%s: ok (%s)" % (name, "exact" if exact else "rtol 1e-5"))
    if bad:
        print("%d of %d cases differ" % (bad, len(CASES)))
        return 1
    print("%d cases match" % len(CASES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
