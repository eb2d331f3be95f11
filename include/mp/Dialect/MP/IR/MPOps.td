//===- MPOps.td - mp dialect operations --------------------*- tablegen -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Forward, backward and optimizer ops of a CNN training step. Tensors are f32,
// statically shaped, NCHW. Shape rules that ODS cannot express are checked in
// MPOps.cpp and name the expected and the actual shape.
//
//===----------------------------------------------------------------------===//

#ifndef MP_DIALECT_MP_IR_MPOPS_TD
#define MP_DIALECT_MP_IR_MPOPS_TD

include "mp/Dialect/MP/IR/MPDialect.td"
include "mp/Dialect/MP/IR/MPAttrs.td"
include "mp/Dialect/MP/IR/MPInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class MP_PhaseOp<string mnemonic, Trait phase, list<Trait> traits = [],
                 list<string> overridden = []>
    : MP_Op<mnemonic, !listconcat([Pure, phase,
        DeclareOpInterfaceMethods<MP_TrainingOpInterface, overridden>], traits)>;

class MP_FwdOp<string mnemonic, list<Trait> traits = [],
               list<string> overridden = []>
    : MP_PhaseOp<mnemonic, MP_ForwardPhase,
        !listconcat([DeclareOpInterfaceMethods<MP_DifferentiableOpInterface>],
                    traits), overridden>;
class MP_BwdOp<string mnemonic, list<Trait> traits = [],
               list<string> overridden = []>
    : MP_PhaseOp<mnemonic, MP_BackwardPhase, traits, overridden>;

//===----------------------------------------------------------------------===//
// Cast
//===----------------------------------------------------------------------===//

def MP_CastOp : MP_Op<"cast", [Pure, SameOperandsAndResultType, MP_TensorAlias,
    DeclareOpInterfaceMethods<MP_DifferentiableOpInterface>]> {
  let summary = "Round every element to a floating-point format";
  let description = [{
    Rounds each element of `input` to `format` and returns the result in the
    same f32 container: the value is exactly what storing the element in the
    format and loading it back would give (rounding, subnormals, overflow and
    special values as the format says). The gradient is the identity
    (straight-through). This is the op precision assignment inserts.

    ```mlir
    %y = mp.cast %x to <e4m3> : tensor<128x64xf32>
    %z = mp.cast %g to <paper_152> : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins MP_Tensor:$input, MP_FormatAttr:$format);
  let results = (outs MP_Tensor:$result);
  let assemblyFormat = "$input `to` $format attr-dict `:` type($input)";
  let hasFolder = 1;
}

def MP_GuardedCastOp : MP_Op<"guarded_cast", [Pure, MP_TensorAlias,
    AllTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<MP_DifferentiableOpInterface>]> {
  let summary = "Round to a low or a high format chosen at run time, counting overflows";
  let description = [{
    The runtime guard of precision promotion (docs/Paper.md 4): rounds every
    element of `input` to `high` when `promote` is true and to `low`
    otherwise, and returns in `overflows` the number of elements whose f32
    value (before rounding) has a magnitude at least `low`'s overflow
    threshold, the midpoint above its largest finite value. NaN elements do
    not count. The gradient is the identity.

    ```mlir
    %y, %n = mp.guarded_cast %x, %flag low <paper_143> high <paper_169>
               : tensor<128x64x32x32xf32>
    ```
  }];
  let arguments = (ins MP_Tensor:$input, I1:$promote, MP_FormatAttr:$low,
                       MP_FormatAttr:$high);
  let results = (outs MP_Tensor:$result, I64:$overflows);
  let assemblyFormat = [{
    $input `,` $promote `low` $low `high` $high attr-dict `:` type($input)
  }];
}

def MP_EncodeOp : MP_Op<"encode", [Pure]> {
  let summary = "Round every element to a format and keep its code";
  let description = [{
    Storage of a rounded tensor (mp-materialize-storage): each element is
    rounded to `format` exactly as `mp.cast` does and its code (sign,
    biased exponent, mantissa) is stored in the low bits of an integer of
    the result's element type: i8 for formats of at most 8 bits, i16 (or
    wider) up to 16. With `or <high> if %promote` the tensor is stored in
    `high` when `%promote` is true (a promotable tensor): the element type
    must hold codes of both formats. Non-finite values take the format's
    special codes; docs/Design/Storage.md says where a format has none.

    ```mlir
    %c = mp.encode %x to <paper_143> : tensor<128x64xf32> -> tensor<128x64xi8>
    %g = mp.encode %d to <paper_152> or <paper_169> if %flag
           : tensor<128x64xf32> -> tensor<128x64xi16>
    ```
  }];
  let arguments = (ins MP_Tensor:$input, MP_FormatAttr:$format,
                       OptionalAttr<MP_FormatAttr>:$high,
                       Optional<I1>:$promote);
  let results = (outs RankedTensorOf<[AnySignlessInteger]>:$result);
  let assemblyFormat = [{
    $input `to` $format (`or` $high^ `if` $promote)? attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def MP_DecodeOp : MP_Op<"decode", [Pure]> {
  let summary = "The f32 values of stored format codes";
  let description = [{
    The inverse of `mp.encode`: each element of `input` is a code of
    `format` (of `high` when `%promote` is true) and becomes its value in
    f32, bit for bit the value `mp.cast` to that format gives.

    ```mlir
    %x = mp.decode %c from <paper_143> : tensor<128x64xi8> -> tensor<128x64xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnySignlessInteger]>:$input,
                       MP_FormatAttr:$format,
                       OptionalAttr<MP_FormatAttr>:$high,
                       Optional<I1>:$promote);
  let results = (outs MP_Tensor:$result);
  let assemblyFormat = [{
    $input `from` $format (`or` $high^ `if` $promote)? attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Forward ops
//===----------------------------------------------------------------------===//

def MP_Conv2dOp : MP_FwdOp<"conv2d", [DeclareOpInterfaceMethods<
    MP_ParameterOpInterface, ["getGemmInput"]>]> {
  let summary = "2-D convolution (NCHW input, OIHW weight)";
  let description = [{
    `result[n, o, y, x] = bias[o] + sum_{c, ky, kx} input[n, g*C/G + c,
    y*sy - py + ky*dy, x*sx - px + kx*dx] * weight[o, c, ky, kx]` where `g` is
    the group of output channel `o`. The input is zero-padded by `padding` on
    both sides. Input channels and output channels must be divisible by
    `groups`; the weight has `Cin / groups` input channels. The output size is
    `(H + 2p - d(k-1) - 1) / s + 1` per spatial dimension.

    ```mlir
    %y = mp.conv2d %x, %w, %b stride [1, 1] padding [1, 1] dilation [1, 1]
           groups 1 : (tensor<128x3x32x32xf32>, tensor<64x3x3x3xf32>,
                       tensor<64xf32>) -> tensor<128x64x32x32xf32>
    ```
  }];
  let arguments = (ins MP_Tensor4D:$input, MP_Tensor4D:$weight,
                       Optional<MP_Tensor1D>:$bias, MP_Pair:$stride,
                       MP_Pair:$padding, MP_Pair:$dilation, I64Attr:$groups);
  let results = (outs MP_Tensor4D:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `stride` $stride `padding` $padding
    `dilation` $dilation `groups` $groups attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_LinearOp : MP_FwdOp<"linear", [DeclareOpInterfaceMethods<
    MP_ParameterOpInterface, ["getGemmInput"]>]> {
  let summary = "Fully connected layer: input x weight^T + bias";
  let description = [{
    `result[n, m] = bias[m] + sum_k input[n, k] * weight[m, k]`.

    ```mlir
    %y = mp.linear %x, %w, %b : (tensor<128x512xf32>, tensor<10x512xf32>,
                                 tensor<10xf32>) -> tensor<128x10xf32>
    ```
  }];
  let arguments = (ins MP_Tensor2D:$input, MP_Tensor2D:$weight,
                       Optional<MP_Tensor1D>:$bias);
  let results = (outs MP_Tensor2D:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_BatchNormOp : MP_FwdOp<"batch_norm",
    [DeclareOpInterfaceMethods<MP_ParameterOpInterface>], ["getResultRole"]> {
  let summary = "Batch normalization in training mode";
  let description = [{
    Normalizes `input` (N x C or N x C x H x W) per channel with the batch
    mean and biased batch variance, then scales by `gamma` and shifts by
    `beta`. Also returns the updated running statistics:
    `new_mean = (1 - momentum) * running_mean + momentum * batch_mean` and the
    same for the variance, which uses the unbiased batch variance (as PyTorch
    does).

    ```mlir
    %y, %rm, %rv = mp.batch_norm %x, %g, %b, %m, %v eps 1.0e-05 momentum 0.1
        : (tensor<128x64x32x32xf32>, tensor<64xf32>, tensor<64xf32>,
           tensor<64xf32>, tensor<64xf32>)
        -> (tensor<128x64x32x32xf32>, tensor<64xf32>, tensor<64xf32>)
    ```
  }];
  let arguments = (ins MP_Tensor2DOr4D:$input, MP_Tensor1D:$gamma,
                       MP_Tensor1D:$beta, MP_Tensor1D:$running_mean,
                       MP_Tensor1D:$running_var, F64Attr:$eps,
                       F64Attr:$momentum);
  let results = (outs MP_Tensor2DOr4D:$result, MP_Tensor1D:$new_running_mean,
                      MP_Tensor1D:$new_running_var);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `,` $running_mean `,` $running_var `eps` $eps
    `momentum` $momentum attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_BatchNormInferenceOp : MP_FwdOp<"batch_norm_inference",
    [DeclareOpInterfaceMethods<MP_ParameterOpInterface>]> {
  let summary = "Batch normalization with running statistics (evaluation)";
  let description = [{
    `result = (input - mean) / sqrt(var + eps) * gamma + beta` per channel,
    with the running statistics; used by the evaluation function.

    ```mlir
    %y = mp.batch_norm_inference %x, %g, %b, %m, %v eps 1.0e-05
        : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
           tensor<4xf32>) -> tensor<8x4xf32>
    ```
  }];
  let arguments = (ins MP_Tensor2DOr4D:$input, MP_Tensor1D:$gamma,
                       MP_Tensor1D:$beta, MP_Tensor1D:$mean,
                       MP_Tensor1D:$var, F64Attr:$eps);
  let results = (outs MP_Tensor2DOr4D:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `,` $mean `,` $var `eps` $eps attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class MP_UnaryOp<string mnemonic, string sum, string desc>
    : MP_FwdOp<mnemonic, [SameOperandsAndResultType]> {
  let summary = sum;
  let description = desc;
  let arguments = (ins MP_Tensor:$input);
  let results = (outs MP_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def MP_ReluOp : MP_UnaryOp<"relu", "Rectified linear unit", [{
    `result = max(input, 0)`.

    ```mlir
    %y = mp.relu %x : tensor<128x64x32x32xf32>
    ```
  }]>;

def MP_Relu6Op : MP_UnaryOp<"relu6", "ReLU clipped at 6", [{
    `result = min(max(input, 0), 6)` (MobileNet-v2).

    ```mlir
    %y = mp.relu6 %x : tensor<128x32x32x32xf32>
    ```
  }]>;

class MP_BinaryOp<string mnemonic, string sum, string desc>
    : MP_FwdOp<mnemonic, [SameOperandsAndResultType]> {
  let summary = sum;
  let description = desc;
  let arguments = (ins MP_Tensor:$lhs, MP_Tensor:$rhs);
  let results = (outs MP_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def MP_AddOp : MP_BinaryOp<"add", "Elementwise addition", [{
    `result = lhs + rhs` on tensors of the same shape (residual joins).

    ```mlir
    %y = mp.add %a, %b : tensor<128x64x32x32xf32>
    ```
  }]>;

def MP_MulOp : MP_BinaryOp<"mul", "Elementwise multiplication", [{
    `result = lhs * rhs` on tensors of the same shape.

    ```mlir
    %y = mp.mul %a, %b : tensor<128x64x32x32xf32>
    ```
  }]>;

def MP_ConcatOp : MP_FwdOp<"concat"> {
  let summary = "Concatenate tensors along an axis";
  let description = [{
    All inputs have the same rank and agree on every dimension but `axis`;
    the result's `axis` dimension is the sum of theirs.

    ```mlir
    %y = mp.concat %a, %b axis 1 : (tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>)
                                    -> tensor<8x10x2x2xf32>
    ```
  }];
  let arguments = (ins Variadic<MP_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs MP_Tensor:$result);
  let assemblyFormat = [{
    $inputs `axis` $axis attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_SplitOp : MP_FwdOp<"split"> {
  let summary = "Split a tensor into consecutive pieces along an axis";
  let description = [{
    The result types give the size of every piece; they agree with the input
    on every other dimension and their sizes along `axis` sum to the input's.

    ```mlir
    %a, %b = mp.split %x axis 1 : (tensor<8x10x2x2xf32>)
                                   -> (tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>)
    ```
  }];
  let arguments = (ins MP_Tensor:$input, I64Attr:$axis);
  let results = (outs Variadic<MP_Tensor>:$results);
  let assemblyFormat = [{
    $input `axis` $axis attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_ChannelShuffleOp : MP_FwdOp<"channel_shuffle",
    [SameOperandsAndResultType, MP_TensorAlias]> {
  let summary = "ShuffleNet channel shuffle";
  let description = [{
    Views the C channels as a `groups x (C/groups)` matrix, transposes it and
    flattens it back: output channel `i*groups + g` is input channel
    `g*(C/groups) + i`.

    ```mlir
    %y = mp.channel_shuffle %x groups 2 : tensor<8x6x4x4xf32>
    ```
  }];
  let arguments = (ins MP_Tensor4D:$input, I64Attr:$groups);
  let results = (outs MP_Tensor4D:$result);
  let assemblyFormat = "$input `groups` $groups attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def MP_ReshapeOp : MP_FwdOp<"reshape", [MP_TensorAlias]> {
  let summary = "Reshape (flatten) a tensor in row-major order";
  let description = [{
    Reinterprets the elements in row-major order with a new shape of the same
    element count. Creates no new tensor for memory accounting.

    ```mlir
    %y = mp.reshape %x : tensor<128x512x1x1xf32> to tensor<128x512xf32>
    ```
  }];
  let arguments = (ins MP_Tensor:$input);
  let results = (outs MP_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

class MP_PoolOp<string mnemonic, string sum, string desc>
    : MP_FwdOp<mnemonic> {
  let summary = sum;
  let description = desc;
  let arguments = (ins MP_Tensor4D:$input, MP_Pair:$kernel, MP_Pair:$stride,
                       MP_Pair:$padding);
  let results = (outs MP_Tensor4D:$result);
  let assemblyFormat = [{
    $input `kernel` $kernel `stride` $stride `padding` $padding attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def MP_MaxPool2dOp : MP_PoolOp<"max_pool2d", "2-D max pooling", [{
    Maximum over each `kernel` window; padding never wins. The output size is
    `(H + 2p - k) / s + 1`; padding is at most half the kernel.

    ```mlir
    %y = mp.max_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0]
           : tensor<8x4x8x8xf32> -> tensor<8x4x4x4xf32>
    ```
  }]>;

def MP_AvgPool2dOp : MP_PoolOp<"avg_pool2d", "2-D average pooling", [{
    Mean over each `kernel` window, counting zero padding in the divisor
    (PyTorch's default `count_include_pad=True`). The output size is
    `(H + 2p - k) / s + 1`; padding is at most half the kernel.

    ```mlir
    %y = mp.avg_pool2d %x kernel [4, 4] stride [4, 4] padding [0, 0]
           : tensor<128x512x4x4xf32> -> tensor<128x512x1x1xf32>
    ```
  }]>;

def MP_GlobalAvgPoolOp : MP_FwdOp<"global_avg_pool"> {
  let summary = "Mean over the spatial dimensions";
  let description = [{
    `result[n, c] = mean_{h, w} input[n, c, h, w]`; the result is N x C or
    N x C x 1 x 1.

    ```mlir
    %y = mp.global_avg_pool %x : tensor<128x512x4x4xf32> -> tensor<128x512xf32>
    ```
  }];
  let arguments = (ins MP_Tensor4D:$input);
  let results = (outs MP_Tensor2DOr4D:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def MP_DropoutOp : MP_FwdOp<"dropout"> {
  let summary = "Inverted dropout with a counter-based mask";
  let description = [{
    Zeroes each element with probability `ratio` and scales the others by
    `1 / (1 - ratio)`. The mask is a pure function of `seed` and the element
    index, so the backward op recomputes it instead of storing it.

    ```mlir
    %y = mp.dropout %x, %seed ratio 5.0e-01 : (tensor<128x512xf32>, tensor<i64>)
                                              -> tensor<128x512xf32>
    ```
  }];
  let arguments = (ins MP_Tensor:$input, MP_Seed:$seed, F64Attr:$ratio);
  let results = (outs MP_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $seed `ratio` $ratio attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_LogSoftmaxOp : MP_FwdOp<"log_softmax", [SameOperandsAndResultType]> {
  let summary = "Log-softmax over the class dimension of N x C logits";
  let description = [{
    `result[n, c] = input[n, c] - log(sum_k exp(input[n, k]))`.

    ```mlir
    %y = mp.log_softmax %x : tensor<128x10xf32>
    ```
  }];
  let arguments = (ins MP_Tensor2D:$input);
  let results = (outs MP_Tensor2D:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def MP_NllLossOp : MP_FwdOp<"nll_loss", [], ["getResultRole"]> {
  let summary = "Mean negative log-likelihood of the labelled classes";
  let description = [{
    `result = -mean_n input[n, labels[n]]` for N x C log-probabilities and N
    integer labels in [0, C).

    ```mlir
    %l = mp.nll_loss %logp, %labels : (tensor<128x10xf32>, tensor<128xi32>)
                                      -> tensor<f32>
    ```
  }];
  let arguments = (ins MP_Tensor2D:$input, MP_Labels:$labels);
  let results = (outs MP_Scalar:$result);
  let assemblyFormat = [{
    $input `,` $labels attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_CountCorrectOp : MP_FwdOp<"count_correct", [], ["getResultRole"]> {
  let summary = "Number of rows whose arg-max equals the label";
  let description = [{
    Counts `n` with `argmax_c input[n, c] == labels[n]` (first maximum wins).

    ```mlir
    %c = mp.count_correct %logits, %labels : (tensor<128x10xf32>, tensor<128xi32>)
                                             -> tensor<i64>
    ```
  }];
  let arguments = (ins MP_Tensor2D:$input, MP_Labels:$labels);
  let results = (outs MP_Count:$result);
  let assemblyFormat = [{
    $input `,` $labels attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

def MP_Conv2dInputGradOp : MP_BwdOp<"conv2d_input_grad"> {
  let summary = "Gradient of conv2d with respect to its input";
  let description = [{
    The transposed convolution of `grad_output` with `weight`; the result
    type is the forward input's type. Attributes are the forward op's.

    ```mlir
    %dx = mp.conv2d_input_grad %dy, %w stride [1, 1] padding [1, 1]
            dilation [1, 1] groups 1
            : (tensor<8x16x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<8x4x8x8xf32>
    ```
  }];
  let arguments = (ins MP_Tensor4D:$grad_output, MP_Tensor4D:$weight,
                       MP_Pair:$stride, MP_Pair:$padding, MP_Pair:$dilation,
                       I64Attr:$groups);
  let results = (outs MP_Tensor4D:$result);
  let assemblyFormat = [{
    $grad_output `,` $weight `stride` $stride `padding` $padding `dilation`
    $dilation `groups` $groups attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_Conv2dWeightGradOp : MP_BwdOp<"conv2d_weight_grad", [], ["getResultRole"]> {
  let summary = "Gradient of conv2d with respect to its weight";
  let description = [{
    Correlates the forward `input` with `grad_output`; the result type is the
    weight's type. Attributes are the forward op's.

    ```mlir
    %dw = mp.conv2d_weight_grad %dy, %x stride [1, 1] padding [1, 1]
            dilation [1, 1] groups 1
            : (tensor<8x16x8x8xf32>, tensor<8x4x8x8xf32>) -> tensor<16x4x3x3xf32>
    ```
  }];
  let arguments = (ins MP_Tensor4D:$grad_output, MP_Tensor4D:$input,
                       MP_Pair:$stride, MP_Pair:$padding, MP_Pair:$dilation,
                       I64Attr:$groups);
  let results = (outs MP_Tensor4D:$result);
  let assemblyFormat = [{
    $grad_output `,` $input `stride` $stride `padding` $padding `dilation`
    $dilation `groups` $groups attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_BiasGradOp : MP_BwdOp<"bias_grad", [], ["getResultRole"]> {
  let summary = "Gradient of a per-channel bias: sum over all but dim 1";
  let description = [{
    `result[c] = sum over n (and h, w) of grad_output[n, c, ...]`; used for
    conv2d and linear biases.

    ```mlir
    %db = mp.bias_grad %dy : tensor<8x16x8x8xf32> -> tensor<16xf32>
    ```
  }];
  let arguments = (ins MP_Tensor2DOr4D:$grad_output);
  let results = (outs MP_Tensor1D:$result);
  let assemblyFormat = "$grad_output attr-dict `:` type($grad_output) `->` type($result)";
  let hasVerifier = 1;
}

def MP_LinearInputGradOp : MP_BwdOp<"linear_input_grad"> {
  let summary = "Gradient of linear with respect to its input";
  let description = [{
    `result[n, k] = sum_m grad_output[n, m] * weight[m, k]`.

    ```mlir
    %dx = mp.linear_input_grad %dy, %w : (tensor<128x10xf32>, tensor<10x512xf32>)
                                         -> tensor<128x512xf32>
    ```
  }];
  let arguments = (ins MP_Tensor2D:$grad_output, MP_Tensor2D:$weight);
  let results = (outs MP_Tensor2D:$result);
  let assemblyFormat = [{
    $grad_output `,` $weight attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_LinearWeightGradOp : MP_BwdOp<"linear_weight_grad", [], ["getResultRole"]> {
  let summary = "Gradient of linear with respect to its weight";
  let description = [{
    `result[m, k] = sum_n grad_output[n, m] * input[n, k]`.

    ```mlir
    %dw = mp.linear_weight_grad %dy, %x : (tensor<128x10xf32>, tensor<128x512xf32>)
                                          -> tensor<10x512xf32>
    ```
  }];
  let arguments = (ins MP_Tensor2D:$grad_output, MP_Tensor2D:$input);
  let results = (outs MP_Tensor2D:$result);
  let assemblyFormat = [{
    $grad_output `,` $input attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_BatchNormGradOp : MP_BwdOp<"batch_norm_grad", [], ["getResultRole"]> {
  let summary = "Gradient of training-mode batch_norm";
  let description = [{
    Recomputes the batch statistics of `input` and returns the gradients with
    respect to the input, gamma and beta.

    ```mlir
    %dx, %dg, %db = mp.batch_norm_grad %dy, %x, %g eps 1.0e-05
        : (tensor<8x4x2x2xf32>, tensor<8x4x2x2xf32>, tensor<4xf32>)
        -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>)
    ```
  }];
  let arguments = (ins MP_Tensor2DOr4D:$grad_output, MP_Tensor2DOr4D:$input,
                       MP_Tensor1D:$gamma, F64Attr:$eps);
  let results = (outs MP_Tensor2DOr4D:$grad_input, MP_Tensor1D:$grad_gamma,
                      MP_Tensor1D:$grad_beta);
  let assemblyFormat = [{
    $grad_output `,` $input `,` $gamma `eps` $eps attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class MP_ActGradOp<string mnemonic, string sum, string desc>
    : MP_BwdOp<mnemonic, [SameOperandsAndResultType]> {
  let summary = sum;
  let description = desc;
  let arguments = (ins MP_Tensor:$grad_output, MP_Tensor:$input);
  let results = (outs MP_Tensor:$result);
  let assemblyFormat = "$grad_output `,` $input attr-dict `:` type($result)";
}

def MP_ReluGradOp : MP_ActGradOp<"relu_grad", "Gradient of relu", [{
    `result = input > 0 ? grad_output : 0`, with the forward input.

    ```mlir
    %dx = mp.relu_grad %dy, %x : tensor<8x4x2x2xf32>
    ```
  }]>;

def MP_Relu6GradOp : MP_ActGradOp<"relu6_grad", "Gradient of relu6", [{
    `result = 0 < input < 6 ? grad_output : 0`, with the forward input.

    ```mlir
    %dx = mp.relu6_grad %dy, %x : tensor<8x4x2x2xf32>
    ```
  }]>;

def MP_MaxPool2dGradOp : MP_BwdOp<"max_pool2d_grad"> {
  let summary = "Gradient of max_pool2d";
  let description = [{
    Routes each output gradient to the first maximum of its window in the
    forward `input`; contributions of overlapping windows add up.

    ```mlir
    %dx = mp.max_pool2d_grad %dy, %x kernel [2, 2] stride [2, 2] padding [0, 0]
            : (tensor<8x4x4x4xf32>, tensor<8x4x8x8xf32>) -> tensor<8x4x8x8xf32>
    ```
  }];
  let arguments = (ins MP_Tensor4D:$grad_output, MP_Tensor4D:$input,
                       MP_Pair:$kernel, MP_Pair:$stride, MP_Pair:$padding);
  let results = (outs MP_Tensor4D:$result);
  let assemblyFormat = [{
    $grad_output `,` $input `kernel` $kernel `stride` $stride `padding` $padding
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_AvgPool2dGradOp : MP_BwdOp<"avg_pool2d_grad"> {
  let summary = "Gradient of avg_pool2d";
  let description = [{
    Spreads each output gradient evenly (divided by the kernel area) over its
    window; the result type is the forward input's type.

    ```mlir
    %dx = mp.avg_pool2d_grad %dy kernel [2, 2] stride [2, 2] padding [0, 0]
            : tensor<8x4x4x4xf32> -> tensor<8x4x8x8xf32>
    ```
  }];
  let arguments = (ins MP_Tensor4D:$grad_output, MP_Pair:$kernel,
                       MP_Pair:$stride, MP_Pair:$padding);
  let results = (outs MP_Tensor4D:$result);
  let assemblyFormat = [{
    $grad_output `kernel` $kernel `stride` $stride `padding` $padding attr-dict
    `:` type($grad_output) `->` type($result)
  }];
  let hasVerifier = 1;
}

def MP_GlobalAvgPoolGradOp : MP_BwdOp<"global_avg_pool_grad"> {
  let summary = "Gradient of global_avg_pool";
  let description = [{
    `result[n, c, h, w] = grad_output[n, c] / (H * W)`.

    ```mlir
    %dx = mp.global_avg_pool_grad %dy : tensor<8x4xf32> -> tensor<8x4x2x2xf32>
    ```
  }];
  let arguments = (ins MP_Tensor2DOr4D:$grad_output);
  let results = (outs MP_Tensor4D:$result);
  let assemblyFormat = "$grad_output attr-dict `:` type($grad_output) `->` type($result)";
  let hasVerifier = 1;
}

def MP_DropoutGradOp : MP_BwdOp<"dropout_grad"> {
  let summary = "Gradient of dropout";
  let description = [{
    Applies the forward op's mask (recomputed from `seed`) and scale to
    `grad_output`.

    ```mlir
    %dx = mp.dropout_grad %dy, %seed ratio 5.0e-01
            : (tensor<128x512xf32>, tensor<i64>) -> tensor<128x512xf32>
    ```
  }];
  let arguments = (ins MP_Tensor:$grad_output, MP_Seed:$seed, F64Attr:$ratio);
  let results = (outs MP_Tensor:$result);
  let assemblyFormat = [{
    $grad_output `,` $seed `ratio` $ratio attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_LogSoftmaxGradOp : MP_BwdOp<"log_softmax_grad", [SameOperandsAndResultType]> {
  let summary = "Gradient of log_softmax";
  let description = [{
    `result[n, c] = grad_output[n, c] - exp(output[n, c]) * sum_k
    grad_output[n, k]`, with the forward op's output.

    ```mlir
    %dx = mp.log_softmax_grad %dy, %y : tensor<128x10xf32>
    ```
  }];
  let arguments = (ins MP_Tensor2D:$grad_output, MP_Tensor2D:$output);
  let results = (outs MP_Tensor2D:$result);
  let assemblyFormat = "$grad_output `,` $output attr-dict `:` type($result)";
}

def MP_NllLossGradOp : MP_BwdOp<"nll_loss_grad"> {
  let summary = "Gradient of nll_loss";
  let description = [{
    `result[n, c] = c == labels[n] ? -grad_output / N : 0`; the result type is
    the forward input's type.

    ```mlir
    %dx = mp.nll_loss_grad %dl, %labels : (tensor<f32>, tensor<128xi32>)
                                          -> tensor<128x10xf32>
    ```
  }];
  let arguments = (ins MP_Scalar:$grad_output, MP_Labels:$labels);
  let results = (outs MP_Tensor2D:$result);
  let assemblyFormat = [{
    $grad_output `,` $labels attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_GradSumOp : MP_BwdOp<"grad_sum", [SameOperandsAndResultType],
                            ["getResultRole"]> {
  let summary = "The gradient of a tensor: the sum of its contributions";
  let description = [{
    Defines the gradient of `of` (dv for an activation, dtheta for a weight)
    as the sum of `contributions`, one per consumer of `of` in the forward
    graph. `mp-build-training-step` emits exactly one per value that needs a
    gradient, so analyses find every tensor's gradient by following the use
    of `of`, and precision assignment rounds each contribution separately, as
    the paper does (docs/Paper.md 5.4). `of` only names the tensor: its data is not
    read, and lowering drops it.

    ```mlir
    %g = mp.grad_sum %c0, %c1 for %x : tensor<8x4x2x2xf32>
    ```
  }];
  let arguments = (ins Variadic<MP_Tensor>:$contributions, MP_Tensor:$of);
  let results = (outs MP_Tensor:$result);
  let assemblyFormat = "$contributions `for` $of attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimizer ops
//===----------------------------------------------------------------------===//

def MP_SGDOp : MP_PhaseOp<"sgd", MP_OptimizerPhase, [], ["getResultRole"]> {
  let summary = "SGD update with momentum, weight decay and optional Nesterov";
  let description = [{
    With `g = grad + weight_decay * param` and
    `buf' = momentum * momentum_buffer + g` (PyTorch's convention, no
    dampening), the update is `param' = param - lr * d` where `d = buf'`, or
    `d = g + momentum * buf'` with `nesterov`. Returns `param'` and `buf'`.
    With `grad_scale` (dynamic loss scaling) `grad` is divided by it first.

    ```mlir
    %p2, %m2 = mp.sgd %p, %g, %m, %lr momentum 9.0e-01 weight_decay 5.0e-04
        : (tensor<64x3x3x3xf32>, tensor<64x3x3x3xf32>, tensor<64x3x3x3xf32>,
           tensor<f32>) -> (tensor<64x3x3x3xf32>, tensor<64x3x3x3xf32>)
    ```
  }];
  let arguments = (ins MP_Tensor:$param, MP_Tensor:$grad,
                       MP_Tensor:$momentum_buffer, MP_Scalar:$lr,
                       Optional<MP_Scalar>:$grad_scale, F64Attr:$momentum, F64Attr:$weight_decay,
                       UnitAttr:$nesterov);
  let results = (outs MP_Tensor:$new_param, MP_Tensor:$new_momentum_buffer);
  let assemblyFormat = [{
    $param `,` $grad `,` $momentum_buffer `,` $lr
    (`grad_scale` $grad_scale^)? `momentum` $momentum
    `weight_decay` $weight_decay (`nesterov` $nesterov^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MP_AllFiniteOp : MP_PhaseOp<"all_finite", MP_OptimizerPhase, [],
                                ["getResultRole"]> {
  let summary = "Whether every element of every operand is finite";
  let description = [{
    Returns true when no element of any operand is inf or NaN; dynamic loss
    scaling uses it to skip a step whose gradients overflowed.

    ```mlir
    %ok = mp.all_finite %g0, %g1 : (tensor<16x4x3x3xf32>, tensor<16xf32>)
                                   -> tensor<i1>
    ```
  }];
  let arguments = (ins Variadic<MP_Tensor>:$inputs);
  let results = (outs 0DTensorOf<[I1]>:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
}

#endif // MP_DIALECT_MP_IR_MPOPS_TD
