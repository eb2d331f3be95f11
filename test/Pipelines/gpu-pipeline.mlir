// REQUIRES: cuda-libdevice
// RUN: mp-opt %s --mp-gpu-pipeline="chip=sm_90 serialize=false" | FileCheck %s
// RUN: mp-opt %s --mp-gpu-pipeline="chip=sm_80 block-size=128" | FileCheck %s --check-prefix=PTX
// RUN: mp-opt %s --mp-gpu-pipeline --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPELINE

// mp-gpu-pipeline: the casts are integer arithmetic inside the kernels, every
// loop nest is a kernel in one gpu.module, the host code allocates managed
// buffers, copies the arguments in and the results out, and launches.

// PIPELINE:      mp-lower-casts
// PIPELINE:      convert-mp-to-linalg
// PIPELINE:      one-shot-bufferize
// PIPELINE:      mp-gpu-buffers
// PIPELINE:      convert-linalg-to-parallel-loops
// PIPELINE:      mp-gpu-map-loops
// PIPELINE:      gpu-map-parallel-loops
// PIPELINE:      convert-parallel-loops-to-gpu
// PIPELINE:      gpu-kernel-outlining
// PIPELINE:      mp-gpu-merge-modules
// PIPELINE:      nvvm-attach-target{{.*}}chip=sm_90 {{.*}}features=+ptx80
// PIPELINE:      convert-gpu-to-nvvm
// PIPELINE:      gpu-to-llvm
// PIPELINE:      gpu-module-to-binary{{.*}}format=isa

// CHECK-NOT:   f8
// CHECK-LABEL: llvm.func @conv_relu_cast
// COM: Arguments are copied into managed memory, results back.
//       CHECK:   llvm.call @mgpuMemAlloc
//       CHECK:   gpu.launch_func @mp_kernels::@{{[a-z_0-9]+}} blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}})
//       CHECK:   llvm.call @mgpuMemFree
//       CHECK:   llvm.return
// COM: Only one gpu.module, holding every kernel, for sm_90 at PTX 8.0.
//       CHECK: gpu.module @mp_kernels [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80", link = [{{.*}}libdevice.10.bc"]>]
//       CHECK:   llvm.func @conv_relu_cast_kernel({{.*}}) attributes {gpu.kernel, gpu.known_block_size = array<i32: 256, 1, 1>, {{.*}}nvvm.kernel, nvvm.maxntid = array<i32: 256, 1, 1>}
// COM: The rounding of the cast is integer arithmetic on the f32 bits.
//   CHECK-DAG:   llvm.bitcast %{{.*}} : f32 to i32
//   CHECK-DAG:   nvvm.read.ptx.sreg.ctaid.x
//   CHECK-DAG:   nvvm.read.ptx.sreg.tid.x
//   CHECK-NOT: gpu.module
//   CHECK-NOT: scf.
//   CHECK-NOT: memref.

// PTX-NOT:     gpu.module
// PTX-LABEL:   llvm.func @conv_relu_cast
//       PTX:   gpu.launch_func @mp_kernels::
// PTX:         gpu.binary @mp_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80"
// PTX-SAME:      assembly = "{{.*}}.version 8.0\0A.target sm_80\0A
// PTX-SAME:      .maxntid 128, 1, 1
// PTX-NOT:     cvt.rn.satfinite
func.func @conv_relu_cast(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x8x8xf32> {
  %y = mp.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x8x8xf32>
  %r = mp.relu %y : tensor<2x4x8x8xf32>
  %c = mp.cast %r to <e4m3> : tensor<2x4x8x8xf32>
  return %c : tensor<2x4x8x8xf32>
}
