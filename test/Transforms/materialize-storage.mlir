// RUN: mp-opt %s --mp-materialize-storage --split-input-file | FileCheck %s
// RUN: mp-opt %s --mp-materialize-storage=max-bits=8 --split-input-file | FileCheck %s --check-prefix=BITS8
// RUN: not mp-opt %s --mp-materialize-storage=max-bits=12 --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: mp-materialize-storage: max-bits must be 8 or 16, got 12

// An 8-bit cast read by two ops: one encode where the cast was, one decode
// just before each reader (a reader using it twice shares one).
// CHECK-LABEL: func.func @two_readers
//       CHECK:   %[[C:.+]] = mp.encode %{{.*}} to <paper_143> {mp.tensor = "a"} : tensor<4xf32> -> tensor<4xi8>
//       CHECK:   mp.relu
//  CHECK-NEXT:   %[[D0:.+]] = mp.decode %[[C]] from <paper_143> : tensor<4xi8> -> tensor<4xf32>
//  CHECK-NEXT:   mp.grad_sum %[[D0]], %[[D0]]
//  CHECK-NEXT:   %[[D1:.+]] = mp.decode %[[C]] from <paper_143> : tensor<4xi8> -> tensor<4xf32>
//  CHECK-NEXT:   mp.relu %[[D1]]
//   CHECK-NOT:   mp.cast
// BITS8-LABEL: func.func @two_readers
//       BITS8:   mp.encode
func.func @two_readers(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = mp.cast %x to <paper_143> {mp.tensor = "a"} : tensor<4xf32>
  %r = mp.relu %y : tensor<4xf32>
  %s = mp.grad_sum %a, %a for %x : tensor<4xf32>
  %t = mp.relu %a : tensor<4xf32>
  return %s, %t : tensor<4xf32>, tensor<4xf32>
}

// -----

// 16-bit formats in i16 (only with max-bits=16); wider formats and fp32
// stay casts.
// CHECK-LABEL: func.func @widths
//       CHECK:   mp.encode %{{.*}} to <paper_169> : tensor<4xf32> -> tensor<4xi16>
//       CHECK:   mp.encode %{{.*}} to <bf16> : tensor<4xf32> -> tensor<4xi16>
//       CHECK:   mp.cast %{{.*}} to <exp = 8, man = 15
// BITS8-LABEL: func.func @widths
//   BITS8-NOT:   mp.encode
func.func @widths(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %a = mp.cast %x to <paper_169> : tensor<4xf32>
  %b = mp.cast %x to <bf16> : tensor<4xf32>
  %c = mp.cast %x to <exp = 8, man = 15, bias = 127, specials = ieee, overflow = inf, rounding = nearest_even> : tensor<4xf32>
  %ra = mp.relu %a : tensor<4xf32>
  %rb = mp.relu %b : tensor<4xf32>
  %rc = mp.relu %c : tensor<4xf32>
  return %ra, %rb, %rc : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A promotable tensor (mp-expand-guarded-casts' select between its two
// casts) is one encode in a container for both formats; its readers decode
// with the same flag.
// CHECK-LABEL: func.func @guarded
//  CHECK-SAME:   %[[X:[a-z0-9]+]]: tensor<4xf32>, %[[P:[a-z0-9]+]]: i1
//       CHECK:   %[[C:.+]] = mp.encode %[[X]] to <paper_152> or <paper_169> if %[[P]] : tensor<4xf32> -> tensor<4xi16>
//  CHECK-NEXT:   %[[D:.+]] = mp.decode %[[C]] from <paper_152> or <paper_169> if %[[P]] : tensor<4xi16> -> tensor<4xf32>
//  CHECK-NEXT:   mp.relu %[[D]]
//   CHECK-NOT:   arith.select
func.func @guarded(%x: tensor<4xf32>, %p: i1) -> tensor<4xf32> {
  %lo = mp.cast %x to <paper_152> : tensor<4xf32>
  %hi = mp.cast %x to <paper_169> : tensor<4xf32>
  %s = arith.select %p, %hi, %lo : tensor<4xf32>
  %r = mp.relu %s : tensor<4xf32>
  return %r : tensor<4xf32>
}
