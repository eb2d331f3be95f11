// mp ops parse and print through upstream mlir-opt with the dialect plugin,
// in custom and generic form.

// RUN: mlir-opt --load-dialect-plugin=%mp_plugin %s \
// RUN:   | mlir-opt --load-dialect-plugin=%mp_plugin | FileCheck %s
// RUN: mlir-opt --load-dialect-plugin=%mp_plugin %s --mlir-print-op-generic \
// RUN:   | mlir-opt --load-dialect-plugin=%mp_plugin | FileCheck %s

// Without the plugin upstream mlir-opt does not know the dialect.
// RUN: not mlir-opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN
// NOPLUGIN: error: Dialect `mp' not found

// The pass plugin registers the passes and pipelines (listed by --help
// although only --pass-pipeline reaches them; see report.test).
// RUN: mlir-opt --load-pass-plugin=%mp_plugin --help | FileCheck %s --check-prefix=HELP
// HELP-DAG: --mp-assign-precision
// HELP-DAG: --mp-build-training-step
// HELP-DAG: --mp-report
// HELP-DAG: --convert-mp-to-linalg
// HELP-DAG: --mp-cpu-pipeline

// Loading the plugins twice registers everything once (no "registered more
// than once" / "registered multiple times" abort).
// RUN: mlir-opt --load-dialect-plugin=%mp_plugin --load-dialect-plugin=%mp_plugin \
// RUN:   --load-pass-plugin=%mp_plugin --load-pass-plugin=%mp_plugin %s \
// RUN:   --pass-pipeline="builtin.module(mp-strip-annotations)" | FileCheck %s --check-prefix=TWICE
// TWICE: mp.relu

// CHECK-LABEL: func.func @casts
//  CHECK-SAME:   (%[[X:.+]]: tensor<4x8xf32>)
func.func @casts(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // CHECK: %[[A:.+]] = mp.cast %[[X]] to <e4m3> : tensor<4x8xf32>
  %a = mp.cast %x to <e4m3> : tensor<4x8xf32>
  // CHECK: %[[B:.+]] = mp.cast %[[A]] to <paper_169, overflow = inf> : tensor<4x8xf32>
  %b = mp.cast %a to <paper_169, overflow = inf> : tensor<4x8xf32>
  // CHECK: %[[R:.+]] = mp.relu %[[B]] {mp.name = "r"} : tensor<4x8xf32>
  %r = mp.relu %b {mp.name = "r"} : tensor<4x8xf32>
  // CHECK: return %[[R]]
  return %r : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @linear
func.func @linear(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  // CHECK: mp.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %y = mp.linear %x, %w, %b : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
