// RUN: not mp-opt %s -split-input-file 2>&1 | FileCheck %s --implicit-check-not="Stack dump" --implicit-check-not="PLEASE submit"

// Unparsable input gives a located diagnostic and a non-zero exit, not a crash.

// CHECK: syntax-error.mlir:[[@LINE+1]]:14: error: expected non-function type
func.func @f( {{{ ]] %%

// -----

func.func @unterminated() {
// CHECK: syntax-error.mlir:[[@LINE+1]]:7: error: expected operation name in quotes
  %0 =
// -----

// CHECK: syntax-error.mlir:[[@LINE+1]]:1: error: custom op 'garbage' is unknown
garbage tokens ! @ 42
