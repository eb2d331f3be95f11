// REQUIRES: cuda-libdevice
// RUN: mp-opt %s --mp-gpu-pipeline="chip=sm_90" | FileCheck %s --check-prefix=SM90
// RUN: mp-opt %s --mp-gpu-pipeline="chip=sm_89 serialize=false" | FileCheck %s --check-prefix=ASM
// RUN: mp-opt %s --mp-gpu-pipeline="chip=sm_80" | FileCheck %s --check-prefix=SM80
// RUN: mp-opt %s --mp-gpu-pipeline="chip=sm_90 native-casts=false" | FileCheck %s --check-prefix=SM80

// On sm_89 and later, casts to saturating OCP E4M3 / E5M2 with
// round-to-nearest-even use cvt.rn.satfinite (f32 -> 8 bits) and
// cvt.rn.f16x2 (8 bits -> f16, exact); every other format, and every format
// on sm_80 or with native-casts=false, stays integer emulation. The presets
// e4m3 (overflow to NaN) and e5m2 (overflow to inf) do not match satfinite,
// which clamps.

// ASM-LABEL: llvm.func @casts
// ASM:       gpu.module @mp_kernels
// ASM-DAG:   llvm.inline_asm asm_dialect = att "{ .reg .b16 mp_fp8; cvt.rn.satfinite.e4m3x2.f32 mp_fp8, $1, $1; cvt.rn.f16x2.e4m3x2 $0, mp_fp8; }", "=r,f" %{{.*}} : (f32) -> i32
// ASM-DAG:   llvm.inline_asm asm_dialect = att "{ .reg .b16 mp_fp8; cvt.rn.satfinite.e5m2x2.f32 mp_fp8, $1, $1; cvt.rn.f16x2.e5m2x2 $0, mp_fp8; }", "=r,f" %{{.*}} : (f32) -> i32
// ASM-DAG:   llvm.fpext %{{.*}} : f16 to f32
// ASM-NOT:   cvt.rn.satfinite

// SM90: gpu.binary @mp_kernels
// SM90-SAME: cvt.rn.satfinite.e4m3x2.f32
// SM90-SAME: cvt.rn.f16x2.e4m3x2
// SM90-SAME: cvt.rn.satfinite.e5m2x2.f32

// SM80: gpu.binary @mp_kernels
// SM80-NOT: cvt.rn.satfinite
// SM80-NOT: e4m3x2
func.func @casts(%x: tensor<1024xf32>) -> (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>) {
  %a = mp.cast %x to <e4m3, overflow = saturate> : tensor<1024xf32>
  %b = mp.cast %x to <e5m2, overflow = saturate> : tensor<1024xf32>
  %c = mp.cast %x to <e4m3> : tensor<1024xf32>
  %d = mp.cast %x to <paper_143> : tensor<1024xf32>
  return %a, %b, %c, %d : tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>
}
