// RUN: mp-opt %s -split-input-file --mp-tile-and-vectorize="vector-bits=256" --canonicalize --cse | FileCheck %s
// RUN: mp-opt %s -split-input-file --mp-tile-and-vectorize="vector-bits=256 fma=false" --canonicalize --cse | FileCheck %s --check-prefix=NOFMA

// mp-tile-and-vectorize on buffers, for 256-bit vectors (8 x f32).

// COM: V = ow (8 lanes), 8 output channels unrolled into 8 accumulators that
// COM: stay in registers through the c, kh, kw loops (iter_args).
// CHECK-LABEL: func.func @conv_vectorizes_ow_unrolls_f
//   CHECK-NOT:   linalg.conv_2d_nchw_fchw
//       CHECK:   memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [1600], strides: [1]
//       CHECK:   scf.for
//       CHECK:   %[[ACC0:.+]] = vector.load %{{.*}} : memref<2048xf32>, vector<8xf32>
//       CHECK:   scf.for {{.*}} iter_args(%{{.*}} = %[[ACC0]], {{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
//       CHECK:     %[[X:.+]] = vector.load %{{.*}} : memref<1600xf32>, vector<8xf32>
//       CHECK:     %[[W:.+]] = memref.load %{{.*}} : memref<1152xf32>
//       CHECK:     %[[WB:.+]] = vector.broadcast %[[W]] : f32 to vector<8xf32>
//       CHECK:     vector.fma %[[X]], %[[WB]], %{{.*}} : vector<8xf32>
//       CHECK:   vector.store %{{.*}} : memref<2048xf32>, vector<8xf32>
// NOFMA-LABEL: func.func @conv_vectorizes_ow_unrolls_f
//   NOFMA-NOT:   vector.fma
//       NOFMA:   arith.mulf %{{.*}} : vector<8xf32>
//       NOFMA:   arith.addf %{{.*}} : vector<8xf32>
func.func @conv_vectorizes_ow_unrolls_f(%x: memref<2x8x10x10xf32>, %w: memref<16x8x3x3xf32>, %y: memref<2x16x8x8xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<2x8x10x10xf32>, memref<16x8x3x3xf32>) outs(%y : memref<2x16x8x8xf32>)
  return
}

// -----

// COM: A 2 x 3 block of accumulators (rows x 8-lane column vectors): each B
// COM: vector is used twice and each broadcast A element three times per k.
// CHECK-LABEL: func.func @matmul_register_block
//   CHECK-NOT:   linalg.matmul
//       CHECK:   scf.for %{{.*}} = %c0 to %c16 step %c2
//       CHECK:   scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
//       CHECK:   %[[A:.+]] = memref.load %{{.*}} : memref<512xf32>
//       CHECK:   %[[B:.+]] = vector.load %{{.*}} : memref<768xf32>, vector<8xf32>
//       CHECK:   %[[AB:.+]] = vector.broadcast %[[A]] : f32 to vector<8xf32>
//       CHECK:   vector.fma %[[AB]], %[[B]], %{{.*}} : vector<8xf32>
func.func @matmul_register_block(%a: memref<16x32xf32>, %b: memref<32x24xf32>, %c: memref<16x24xf32>) {
  linalg.matmul ins(%a, %b : memref<16x32xf32>, memref<32x24xf32>) outs(%c : memref<16x24xf32>)
  return
}

// -----

// COM: 4 x 4 outputs: V = f (output stride 16, so the accumulators are
// COM: gathered and scattered once per block), the weight is packed once into
// COM: a buffer with f innermost, and the input is broadcast per (oh, ow).
// CHECK-LABEL: func.func @small_spatial_conv_packs_weight
//       CHECK:   %[[PACK:.+]] = memref.alloc() {alignment = 64 : i64} : memref<32x3x3x32xf32>
//       CHECK:   %[[PFLAT:.+]] = memref.reinterpret_cast %[[PACK]] to offset: [0], sizes: [9216], strides: [1]
//       CHECK:   vector.gather %{{.*}} : memref<2048xf32>, vector<8xindex>, vector<8xi1>, vector<8xf32> into vector<8xf32>
//       CHECK:   scf.for
//       CHECK:     vector.load %[[PFLAT]][%{{.*}}] : memref<9216xf32>, vector<8xf32>
//       CHECK:     vector.fma
//       CHECK:   vector.scatter %{{.*}} : memref<2048xf32>, vector<8xindex>, vector<8xi1>, vector<8xf32>
//       CHECK:   memref.dealloc %[[PACK]]
func.func @small_spatial_conv_packs_weight(%x: memref<4x32x6x6xf32>, %w: memref<32x32x3x3xf32>, %y: memref<4x32x4x4xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<4x32x6x6xf32>, memref<32x32x3x3xf32>) outs(%y : memref<4x32x4x4xf32>)
  return
}

// -----

#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d1)>
// COM: The per-channel sum over (n, h, w): h and w merge into one contiguous
// COM: loop of 49, summed per lane (6 full vectors, then 1 masked element),
// COM: then across lanes onto the initial value.
// CHECK-LABEL: func.func @channel_sum_vectorizes_reduction
//   CHECK-DAG:   %[[NEG0:.+]] = arith.constant dense<-0.000000e+00> : vector<8xf32>
//   CHECK-DAG:   %[[MASK:.+]] = arith.constant dense<[true, false, false, false, false, false, false, false]> : vector<8xi1>
//       CHECK:   scf.for {{.*}} iter_args(%{{.*}} = %[[NEG0]]
//       CHECK:     scf.for %{{.*}} = %{{.*}} to %c48 step %c8
//       CHECK:       vector.load
//       CHECK:       arith.addf %{{.*}} : vector<8xf32>
//       CHECK:     vector.maskedload %{{.*}}, %[[MASK]]
//       CHECK:     arith.select %[[MASK]]
//       CHECK:   %[[OLD:.+]] = memref.load
//       CHECK:   vector.reduction <add>, %{{.*}}, %[[OLD]] : vector<8xf32> into f32
func.func @channel_sum_vectorizes_reduction(%x: memref<8x4x7x7xf32>, %s: memref<4xf32>) {
  linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%x : memref<8x4x7x7xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %out, %in : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// COM: memref.copy into a strided view becomes vector loads and masked stores
// COM: instead of a call to the generic memrefCopy.
// CHECK-LABEL: func.func @strided_copy
//   CHECK-NOT:   memref.copy
//       CHECK:   vector.maskedstore
func.func @strided_copy(%src: memref<4x6x6xf32>, %dst: memref<4x6x6xf32, strided<[64, 8, 1], offset: 9>>) {
  memref.copy %src, %dst : memref<4x6x6xf32> to memref<4x6x6xf32, strided<[64, 8, 1], offset: 9>>
  return
}

// -----

// COM: Contiguous copies stay: they lower to memcpy.
// CHECK-LABEL: func.func @contiguous_copy_stays
//       CHECK:   memref.copy
func.func @contiguous_copy_stays(%src: memref<4x6x6xf32>, %dst: memref<4x6x6xf32>) {
  memref.copy %src, %dst : memref<4x6x6xf32> to memref<4x6x6xf32>
  return
}

// -----

#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @dynamic_shape_declined
//       CHECK:   linalg.generic
func.func @dynamic_shape_declined(%a: memref<?xf32>, %b: memref<?xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : memref<?xf32>) outs(%b : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %in : f32
    linalg.yield %0 : f32
  }
  return
}
