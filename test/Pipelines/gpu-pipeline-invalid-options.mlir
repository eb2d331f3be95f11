// RUN: not mp-opt %s --mp-gpu-pipeline="chip=sm_9x" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not mp-opt %s --mp-gpu-pipeline="chip=gfx90a" 2>&1 | FileCheck %s --check-prefix=CHIP2
// RUN: not mp-opt %s --mp-gpu-pipeline="chip=sm_70" 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: not mp-opt %s --mp-gpu-pipeline="format=elf" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not mp-opt %s --mp-gpu-pipeline="block-size=100" 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not mp-opt %s --mp-gpu-pipeline="block-size=2048" 2>&1 | FileCheck %s --check-prefix=BLOCK2
// RUN: not mp-opt %s --mp-gpu-pipeline="features=+sm90" 2>&1 | FileCheck %s --check-prefix=FEATURES
// RUN: not mp-opt %s --mp-gpu-pipeline="cuda-path=%t.nonexistent" 2>&1 | FileCheck %s --check-prefix=CUDA
// RUN: rm -rf %t.cuda && mkdir -p %t.cuda/nvvm/libdevice && touch %t.cuda/nvvm/libdevice/libdevice.10.bc
// RUN: not mp-opt %s --mp-gpu-pipeline="cuda-path=%t.cuda format=bin" 2>&1 | FileCheck %s --check-prefix=PTXAS

// Every bad option of mp-gpu-pipeline fails on the module with one message.

// CHIP: error: mp-gpu-pipeline: unknown chip 'sm_9x' (expected sm_<N> for a compute capability CUDA 13 supports: sm_75, sm_80,
// CHIP2: error: mp-gpu-pipeline: unknown chip 'gfx90a'
// OLD: error: mp-gpu-pipeline: unknown chip 'sm_70'
// FORMAT: error: mp-gpu-pipeline: unknown format 'elf' (expected isa, bin or fatbin)
// BLOCK: error: mp-gpu-pipeline: block-size must be a multiple of 32 in [32, 1024], got 100
// BLOCK2: error: mp-gpu-pipeline: block-size must be a multiple of 32 in [32, 1024], got 2048
// FEATURES: error: mp-gpu-pipeline: features must be '+ptx<NN>' (a PTX ISA version), got '+sm90'
// CUDA: error: mp-gpu-pipeline: no libdevice at '{{.*}}nonexistent/nvvm/libdevice/libdevice.10.bc' (set cuda-path to a CUDA toolkit)
// PTXAS: error: mp-gpu-pipeline: format=bin needs ptxas, but '{{.*}}cuda/bin/ptxas' is not executable (use format=isa or set cuda-path)
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = mp.relu %x : tensor<4xf32>
  return %r : tensor<4xf32>
}
