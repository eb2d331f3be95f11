// REQUIRES: cuda-libdevice
// RUN: mp-opt %s --mp-gpu-pipeline="chip=sm_80 storage=true serialize=false" | FileCheck %s
// RUN: mp-opt %s --mp-gpu-pipeline="chip=sm_90 storage=true format=bin" | FileCheck %s --check-prefix=BIN

// Storage on the GPU: the saved activation and the promotable tensor are
// written by the kernels as 8- and 16-bit codes and read back through their
// decode (each is read by two ops; a value read by one op only fuses into
// it and is never stored); ptxas accepts the kernels (format=bin).

// CHECK: gpu.module @mp_kernels
// CHECK-DAG: llvm.store %{{.*}}, %{{.*}} : i8, !llvm.ptr
// CHECK-DAG: llvm.load %{{.*}} : !llvm.ptr -> i8
// CHECK-DAG: llvm.store %{{.*}}, %{{.*}} : i16, !llvm.ptr
// CHECK-DAG: llvm.load %{{.*}} : !llvm.ptr -> i16
// BIN: gpu.binary @mp_kernels
func.func @stored(%x: tensor<256xf32>, %g: tensor<256xf32>, %p: i1)
    -> (tensor<256xf32>, tensor<256xf32>, tensor<256xf32>) {
  %a = mp.cast %x to <paper_143> : tensor<256xf32>
  %r = mp.relu %a : tensor<256xf32>
  %lo = mp.cast %g to <paper_152> : tensor<256xf32>
  %hi = mp.cast %g to <paper_169> : tensor<256xf32>
  %s = arith.select %p, %hi, %lo : tensor<256xf32>
  %t = mp.relu_grad %s, %a : tensor<256xf32>
  %u = mp.relu %s : tensor<256xf32>
  return %r, %t, %u : tensor<256xf32>, tensor<256xf32>, tensor<256xf32>
}
