// RUN: mp-opt %examples/small_cnn.mlir --mp-build-training-step --mp-annotate-arena | FileCheck %s
// RUN: mp-opt %examples/small_cnn.mlir --mp-build-training-step --mp-annotate-arena --mp-report=function=small_cnn_train_step -o /dev/null | FileCheck %s --check-prefix=REPORT
// RUN: mp-opt %examples/small_cnn.mlir --mp-build-training-step --mp-report=function=small_cnn_train_step -o /dev/null | FileCheck %s --check-prefix=NOARENA

// The tensor-level functions are unchanged (still mp ops on tensors) and
// carry the figures of their lowered copies; mp-report prints them beside
// its liveness model (the arena equals what mp-run measures:
// test/Tools/mp-run/plan-buffers.test). Without the pass the report has no
// such line.
// CHECK-LABEL: func.func @small_cnn_train_step(
//  CHECK-SAME:   mp.arena_bytes = {{[0-9]+}} : i64, mp.live_peak_bytes = {{[0-9]+}} : i64
//       CHECK:   mp.conv2d
// REPORT: peak model (liveness, with master weights, momenta, BN statistics):
// REPORT: planned arena (mp-plan-buffers, the lowered step's temporaries): {{[0-9.]+}} KiB (live-buffer peak {{[0-9.]+}} KiB); with the persistent state
// NOARENA-NOT: planned arena
