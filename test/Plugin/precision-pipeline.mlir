// mp-precision-pipeline (mp::buildPrecisionPipeline) through the plugin and
// through mp-opt: build step -> assign -> [instrument] -> [report].

// RUN: mlir-opt --load-dialect-plugin=%mp_plugin --load-pass-plugin=%mp_plugin \
// RUN:   %s --pass-pipeline="builtin.module(mp-precision-pipeline{ratio=0.5})" \
// RUN:   -o /dev/null | FileCheck %s --check-prefix=REPORT
// RUN: mp-opt %s --mp-precision-pipeline="ratio=0.5" -o /dev/null \
// RUN:   | FileCheck %s --check-prefix=REPORT
// RUN: mp-opt %s --mp-precision-pipeline="ratio=0.5 report=false instrument=true" \
// RUN:   | FileCheck %s --check-prefix=IR
// RUN: mp-opt %s --mp-precision-pipeline="function=tiny policy=fp32 report-format=json" \
// RUN:   -o /dev/null | FileCheck %s --check-prefix=JSON

// REPORT: == @tiny_train_step
// REPORT: policy: {{.*}}policy=ours ratio=0.5
// REPORT: conv1 v activation forward 1 2x2x4x4 128 64 paper_143
// COM: The loss and its gradient (group 3, kept high) count the batch size,
// COM: 2 elements each (docs/Paper.md 2.1).
// REPORT: loss v loss forward 3 scalar 4 2 paper_169
// REPORT: paper model (docs/Paper.md 2): 687 B (fp32 2184 B, all-16-bit 1092 B)

// IR-NOT: == @tiny_train_step
// IR: func.func @tiny(
// IR: func.func @tiny_eval(
// IR: func.func @tiny_train_step(
// IR-SAME: tensor<{{[0-9]+}}xi1>
// IR: mp.guarded_cast

// JSON: "schema": "mp-report/1"

func.func @tiny(%x: tensor<2x1x4x4xf32> {mp.role = #mp.role<input>, mp.name = "input"},
                %y: tensor<2xi32> {mp.role = #mp.role<label>, mp.name = "label"},
                %w1: tensor<2x1x3x3xf32> {mp.role = #mp.role<weight>, mp.name = "conv1.weight"},
                %w2: tensor<2x2x1x1xf32> {mp.role = #mp.role<weight>, mp.name = "conv2.weight"},
                %fw: tensor<3x2xf32> {mp.role = #mp.role<weight>, mp.name = "fc.weight"},
                %fb: tensor<3xf32> {mp.role = #mp.role<weight>, mp.name = "fc.bias"})
    -> (tensor<f32> {mp.role = #mp.role<loss>}) {
  %c1 = mp.conv2d %x, %w1 stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 {mp.name = "conv1"} : (tensor<2x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<2x2x4x4xf32>
  %r1 = mp.relu %c1 {mp.name = "relu1"} : tensor<2x2x4x4xf32>
  %c2 = mp.conv2d %r1, %w2 stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 {mp.name = "conv2"} : (tensor<2x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<2x2x4x4xf32>
  %p = mp.global_avg_pool %c2 {mp.name = "pool"} : tensor<2x2x4x4xf32> -> tensor<2x2xf32>
  %l = mp.linear %p, %fw, %fb {mp.name = "fc"} : (tensor<2x2xf32>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %ls = mp.log_softmax %l {mp.name = "log_softmax"} : tensor<2x3xf32>
  %loss = mp.nll_loss %ls, %y {mp.name = "loss"} : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}
