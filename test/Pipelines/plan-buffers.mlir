// RUN: mp-opt %s -split-input-file --mp-plan-buffers | FileCheck %s
// RUN: mp-opt %s -split-input-file --mp-plan-buffers=plan=false | FileCheck %s --check-prefix=FREE
// RUN: not mp-opt %s -split-input-file --mp-plan-buffers=alignment=48 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: mp-plan-buffers: alignment must be a power of two, got 48

// A chain a -> b -> c -> d: a dies when c is written, so c reuses a's bytes;
// b and d likewise. 1024 floats = 4096 bytes each, two live at a time.
// CHECK-LABEL: func.func @chain(
//  CHECK-SAME:   %{{.*}}: memref<1024xf32>, %[[ARENA:[a-z0-9]+]]: memref<8192xi8>)
//  CHECK-SAME:   mp.arena_bytes = 8192 : i64, mp.live_peak_bytes = 8192 : i64
//   CHECK-NOT:   memref.alloc
//       CHECK:   %[[A:.+]] = memref.view %[[ARENA]][%[[OFFA:[a-z0-9_]+]]][] : memref<8192xi8> to memref<1024xf32>
//       CHECK:   linalg.copy ins(%arg0 : memref<1024xf32>) outs(%[[A]]
//       CHECK:   %[[B:.+]] = memref.view %[[ARENA]][%[[OFFB:[a-z0-9_]+]]][] : memref<8192xi8> to memref<1024xf32>
//       CHECK:   linalg.copy ins(%[[A]] : memref<1024xf32>) outs(%[[B]]
//       CHECK:   %[[C:.+]] = memref.view %[[ARENA]][%[[OFFA]]][]
//       CHECK:   linalg.copy ins(%[[B]] : memref<1024xf32>) outs(%[[C]]
//       CHECK:   %[[D:.+]] = memref.view %[[ARENA]][%[[OFFB]]][]
//       CHECK:   linalg.copy ins(%[[C]] : memref<1024xf32>) outs(%[[D]]
//       CHECK:   linalg.copy ins(%[[D]] : memref<1024xf32>) outs(%arg0
//   CHECK-NOT:   memref.dealloc
//       CHECK:   return
// Per buffer: allocated just before its first use, freed just after its last.
// FREE-LABEL: func.func @chain(
//  FREE-SAME:   %{{.*}}: memref<1024xf32>)
//  FREE-SAME:   mp.live_peak_bytes = 8192 : i64
//   FREE-NOT:   mp.arena_bytes
//       FREE:   %[[A:.+]] = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
//  FREE-NEXT:   linalg.copy ins(%arg0 : memref<1024xf32>) outs(%[[A]]
//  FREE-NEXT:   %[[B:.+]] = memref.alloc() {alignment = 64 : i64}
//  FREE-NEXT:   linalg.copy ins(%[[A]] : memref<1024xf32>) outs(%[[B]]
//  FREE-NEXT:   memref.dealloc %[[A]]
//  FREE-NEXT:   %[[C:.+]] = memref.alloc()
//  FREE-NEXT:   linalg.copy ins(%[[B]] : memref<1024xf32>) outs(%[[C]]
//  FREE-NEXT:   memref.dealloc %[[B]]
//  FREE-NEXT:   %[[D:.+]] = memref.alloc()
//  FREE-NEXT:   linalg.copy ins(%[[C]] : memref<1024xf32>) outs(%[[D]]
//  FREE-NEXT:   memref.dealloc %[[C]]
//  FREE-NEXT:   linalg.copy ins(%[[D]] : memref<1024xf32>) outs(%arg0
//  FREE-NEXT:   memref.dealloc %[[D]]
//  FREE-NEXT:   return
func.func @chain(%io: memref<1024xf32>) {
  %a = memref.alloc() : memref<1024xf32>
  %b = memref.alloc() : memref<1024xf32>
  %c = memref.alloc() : memref<1024xf32>
  %d = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%io : memref<1024xf32>) outs(%a : memref<1024xf32>)
  linalg.copy ins(%a : memref<1024xf32>) outs(%b : memref<1024xf32>)
  linalg.copy ins(%b : memref<1024xf32>) outs(%c : memref<1024xf32>)
  linalg.copy ins(%c : memref<1024xf32>) outs(%d : memref<1024xf32>)
  linalg.copy ins(%d : memref<1024xf32>) outs(%io : memref<1024xf32>)
  return
}

// -----

// A view keeps its buffer alive: %a is read through %s after %b is written,
// so they cannot share. Sizes are rounded up to 64 bytes (10 x f32 -> 64).
// CHECK-LABEL: func.func @alias_keeps_alive(
//  CHECK-SAME:   %[[ARENA:[a-z0-9]+]]: memref<128xi8>)
//  CHECK-SAME:   mp.arena_bytes = 128 : i64
// FREE-LABEL: func.func @alias_keeps_alive(
//       FREE:   %[[A:.+]] = memref.alloc() {alignment = 64 : i64} : memref<2x5xf32>
//       FREE:   %[[S:.+]] = memref.collapse_shape %[[A]]
//       FREE:   linalg.copy ins(%[[S]] : memref<10xf32>) outs(%arg1
//  FREE-NEXT:   memref.dealloc %[[A]]
func.func @alias_keeps_alive(%in: memref<2x5xf32>, %out: memref<10xf32>) {
  %a = memref.alloc() : memref<2x5xf32>
  linalg.copy ins(%in : memref<2x5xf32>) outs(%a : memref<2x5xf32>)
  %s = memref.collapse_shape %a [[0, 1]] : memref<2x5xf32> into memref<10xf32>
  %b = memref.alloc() : memref<2x5xf32>
  linalg.copy ins(%in : memref<2x5xf32>) outs(%b : memref<2x5xf32>)
  linalg.copy ins(%s : memref<10xf32>) outs(%out : memref<10xf32>)
  memref.dealloc %b : memref<2x5xf32>
  return
}

// -----

// A returned buffer belongs to the caller: neither planned nor freed. The
// dead one is removed.
// CHECK-LABEL: func.func @returned(
//  CHECK-SAME:   mp.arena_bytes = 0 : i64, mp.live_peak_bytes = 0 : i64
//       CHECK:   %[[R:.+]] = memref.alloc() : memref<4xf32>
//  CHECK-NEXT:   linalg.copy
//  CHECK-NEXT:   return %[[R]]
// FREE-LABEL: func.func @returned(
//   FREE-NOT:   memref.dealloc
//       FREE:   return
func.func @returned(%in: memref<4xf32>) -> memref<4xf32> {
  %dead = memref.alloc() : memref<8xf32>
  %r = memref.alloc() : memref<4xf32>
  linalg.copy ins(%in : memref<4xf32>) outs(%r : memref<4xf32>)
  return %r : memref<4xf32>
}

// -----

// A buffer used inside a loop lives until the loop ends; one allocated in
// the loop body is freed in it, after its last use there.
// CHECK-LABEL: func.func @loops(
//  CHECK-SAME:   %[[ARENA:[a-z0-9]+]]: memref<64xi8>)
//       CHECK:   memref.view %[[ARENA]]
//       CHECK:   scf.for
//       CHECK:     %[[T:.+]] = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
//  CHECK-NEXT:     linalg.copy ins(%{{.*}} : memref<4xf32>) outs(%[[T]]
//  CHECK-NEXT:     linalg.copy ins(%[[T]] : memref<4xf32>) outs(%arg1
//  CHECK-NEXT:     memref.dealloc %[[T]]
//  CHECK-NEXT:   }
//  CHECK-NEXT:   return
func.func @loops(%in: memref<4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%in : memref<4xf32>) outs(%a : memref<4xf32>)
  scf.for %i = %c0 to %c3 step %c1 {
    %t = memref.alloc() : memref<4xf32>
    linalg.copy ins(%a : memref<4xf32>) outs(%t : memref<4xf32>)
    linalg.copy ins(%t : memref<4xf32>) outs(%out : memref<4xf32>)
  }
  return
}

// -----

// A function that is called keeps its signature: its arena is allocated on
// entry and freed before it returns.
// CHECK-LABEL: func.func private @callee(
//  CHECK-SAME:   %{{.*}}: memref<16xf32>)
//  CHECK-SAME:   mp.arena_bytes = 64 : i64
//       CHECK:   %[[ARENA:[a-z0-9]+]] = memref.alloc() {alignment = 64 : i64} : memref<64xi8>
//       CHECK:   memref.view %[[ARENA]]
//       CHECK:   memref.dealloc %[[ARENA]]
//  CHECK-NEXT:   return
// CHECK-LABEL: func.func @caller(
//  CHECK-SAME:   %{{.*}}: memref<16xf32>)
//  CHECK-NEXT:   call @callee
func.func private @callee(%io: memref<16xf32>) {
  %a = memref.alloc() : memref<16xf32>
  linalg.copy ins(%io : memref<16xf32>) outs(%a : memref<16xf32>)
  linalg.copy ins(%a : memref<16xf32>) outs(%io : memref<16xf32>)
  return
}
func.func @caller(%io: memref<16xf32>) {
  call @callee(%io) : (memref<16xf32>) -> ()
  return
}

// -----

// Dynamic shapes cannot be views of the arena: allocated at first use and
// freed at last use in both modes.
// CHECK-LABEL: func.func @dynamic(
//       CHECK:   %[[A:.+]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?xf32>
//  CHECK-NEXT:   linalg.copy
//  CHECK-NEXT:   memref.dealloc %[[A]]
func.func @dynamic(%in: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %in, %c0 : memref<?xf32>
  %a = memref.alloc(%n) : memref<?xf32>
  linalg.copy ins(%in : memref<?xf32>) outs(%a : memref<?xf32>)
  return
}
