//===- CudaRuntime.h - C ABI of the mp CUDA runtime wrapper -----*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// libmp_cuda_runtime.so implements, over the CUDA driver API, the mgpu*
// functions that MLIR 22's gpu-to-llvm lowering calls (module load, function
// lookup, launch, streams, events, alloc/free, copies, memset, host
// registration), plus the mpCuda* functions below for runners.
//
// Errors never abort: every entry point checks the driver (cuInit, once),
// prints "mp_cuda_runtime: <entry>: <what>: <CUDA error name> (<string>)" to
// stderr, records the message (mpCudaGetLastError) and returns a null handle
// or does nothing. Runners call mpCudaInit first and do not run compiled code
// when it fails; after a call they check mpCudaGetLastError.
//
//===----------------------------------------------------------------------===//

#ifndef MP_RUNTIME_CUDARUNTIME_H
#define MP_RUNTIME_CUDARUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Initializes the driver and selects the default device (0, or the one set
/// by mgpuSetDefaultDevice). Returns 0 on success; otherwise writes the
/// reason (at most `size` bytes, NUL-terminated) to `message` and returns
/// the CUresult.
int mpCudaInit(char *message, size_t size);

/// "<device name> (sm_<major><minor>)" of the selected device, or "" when
/// mpCudaInit has not succeeded.
const char *mpCudaDeviceDescription(void);

/// "sm_<major><minor>" of the selected device, or "" before mpCudaInit.
const char *mpCudaDeviceChip(void);

/// The message of the first error since the last mpCudaClearError, or "".
const char *mpCudaGetLastError(void);
void mpCudaClearError(void);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // MP_RUNTIME_CUDARUNTIME_H
