//===- CudaRuntime.cpp - mgpu* runtime over the CUDA driver API -----------===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The functions the host code of mp-gpu-pipeline calls (the mgpu* ABI of MLIR
// 22's gpu-to-llvm lowering), implemented on the CUDA driver API. Built
// against the CUDA headers and linked to the driver stub, so it builds on
// machines without a GPU; at run time it needs libcuda.so.1 (the driver).
//
// Every entry point first makes sure the driver is initialized and the
// device's primary context is current. Failures are reported, recorded and
// turned into null handles or no-ops (see mp/Runtime/CudaRuntime.h); nothing
// here aborts the process.
//
//===----------------------------------------------------------------------===//

#include "mp/Runtime/CudaRuntime.h"

#include <cuda.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#define MP_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

struct State {
  std::mutex mutex;
  bool initialized = false;
  CUresult initResult = CUDA_SUCCESS;
  std::string initMessage;
  int deviceOrdinal = 0;
  CUdevice device = 0;
  CUcontext context = nullptr;
  std::string description;
  std::string chip;
  std::string lastError;
};

State &state() {
  static State s;
  return s;
}

/// Names of the errors a machine without a usable GPU produces, for when
/// the driver cannot describe them itself (the stub's cuGetErrorName fails).
const char *fallbackName(CUresult result, const char **text) {
  switch (result) {
  case CUDA_ERROR_STUB_LIBRARY:
    *text = "CUDA driver is a stub library";
    return "CUDA_ERROR_STUB_LIBRARY";
  case CUDA_ERROR_NO_DEVICE:
    *text = "no CUDA-capable device is detected";
    return "CUDA_ERROR_NO_DEVICE";
  case CUDA_ERROR_SYSTEM_DRIVER_MISMATCH:
    *text = "system has unsupported display driver / cuda driver combination";
    return "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH";
  case CUDA_ERROR_NOT_INITIALIZED:
    *text = "initialization error";
    return "CUDA_ERROR_NOT_INITIALIZED";
  case CUDA_ERROR_INVALID_DEVICE:
    *text = "invalid device ordinal";
    return "CUDA_ERROR_INVALID_DEVICE";
  default:
    *text = "no description from the driver";
    return nullptr;
  }
}

std::string describe(CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS || !name ||
      cuGetErrorString(result, &text) != CUDA_SUCCESS || !text) {
    name = fallbackName(result, &text);
    if (!name)
      return "CUresult " + std::to_string(static_cast<int>(result)) + " (" +
             text + ")";
  }
  return std::string(name) + " (" + text + ")";
}

void record(const char *entry, const std::string &message) {
  std::string line = std::string("mp_cuda_runtime: ") + entry + ": " + message;
  std::fprintf(stderr, "%s\n", line.c_str());
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.lastError.empty())
    s.lastError = line;
}

/// Initializes the driver once; returns the result of that initialization.
CUresult initialize() {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.initialized)
    return s.initResult;
  s.initialized = true;
  auto fail = [&](const char *what, CUresult r) {
    s.initResult = r;
    s.initMessage = std::string(what) + " failed: " + describe(r);
    return r;
  };
  if (CUresult r = cuInit(0))
    return fail("cuInit", r);
  int count = 0;
  if (CUresult r = cuDeviceGetCount(&count))
    return fail("cuDeviceGetCount", r);
  if (count == 0)
    return fail("cuDeviceGetCount", CUDA_ERROR_NO_DEVICE);
  if (s.deviceOrdinal < 0 || s.deviceOrdinal >= count)
    return fail("cuDeviceGet", CUDA_ERROR_INVALID_DEVICE);
  if (CUresult r = cuDeviceGet(&s.device, s.deviceOrdinal))
    return fail("cuDeviceGet", r);
  if (CUresult r = cuDevicePrimaryCtxRetain(&s.context, s.device))
    return fail("cuDevicePrimaryCtxRetain", r);
  char name[256] = {0};
  cuDeviceGetName(name, sizeof(name) - 1, s.device);
  int major = 0, minor = 0;
  cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                       s.device);
  cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                       s.device);
  s.chip = "sm_" + std::to_string(major) + std::to_string(minor);
  s.description = std::string(name) + " (" + s.chip + ")";
  s.initResult = CUDA_SUCCESS;
  return CUDA_SUCCESS;
}

/// Makes the primary context current; false (and an error recorded for
/// `entry`) when the driver or device is unusable.
bool ready(const char *entry) {
  if (initialize() != CUDA_SUCCESS) {
    record(entry, state().initMessage);
    return false;
  }
  if (CUresult r = cuCtxSetCurrent(state().context)) {
    record(entry, "cuCtxSetCurrent failed: " + describe(r));
    return false;
  }
  return true;
}

/// Checks a driver call made by `entry`; records and returns false on error.
bool check(const char *entry, const char *call, CUresult result) {
  if (result == CUDA_SUCCESS)
    return true;
  record(entry, std::string(call) + " failed: " + describe(result));
  return false;
}

} // namespace

//===----------------------------------------------------------------------===//
// mpCuda*: runner API
//===----------------------------------------------------------------------===//

MP_EXPORT int mpCudaInit(char *message, size_t size) {
  CUresult r = initialize();
  if (r == CUDA_SUCCESS && message && size)
    message[0] = 0;
  if (r != CUDA_SUCCESS && message && size) {
    std::strncpy(message, state().initMessage.c_str(), size - 1);
    message[size - 1] = 0;
  }
  return static_cast<int>(r);
}

MP_EXPORT const char *mpCudaDeviceDescription(void) {
  return state().description.c_str();
}

MP_EXPORT const char *mpCudaDeviceChip(void) {
  return state().chip.c_str();
}

MP_EXPORT const char *mpCudaGetLastError(void) {
  return state().lastError.c_str();
}

MP_EXPORT void mpCudaClearError(void) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.lastError.clear();
}

//===----------------------------------------------------------------------===//
// mgpu*: the ABI of MLIR's gpu-to-llvm lowering
//===----------------------------------------------------------------------===//

MP_EXPORT void mgpuSetDefaultDevice(int32_t ordinal) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.initialized && s.deviceOrdinal != ordinal) {
    std::fprintf(stderr,
                 "mp_cuda_runtime: mgpuSetDefaultDevice: device %d already "
                 "in use, ignoring %d\n",
                 s.deviceOrdinal, ordinal);
    return;
  }
  s.deviceOrdinal = ordinal;
}

MP_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  if (!ready("mgpuModuleLoad"))
    return nullptr;
  CUmodule module = nullptr;
  if (!check("mgpuModuleLoad", "cuModuleLoadData",
             cuModuleLoadData(&module, data)))
    return nullptr;
  return module;
}

MP_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  if (!ready("mgpuModuleLoadJIT"))
    return nullptr;
  // PTX: the driver compiles it for the device; keep its log for errors.
  char log[8192] = {0};
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log) - 1)};
  CUmodule module = nullptr;
  CUresult r = cuModuleLoadDataEx(&module, data, 3, options, values);
  if (r != CUDA_SUCCESS) {
    record("mgpuModuleLoadJIT",
           "cuModuleLoadDataEx failed: " + describe(r) +
               (log[0] ? std::string("; JIT log: ") + log : std::string()));
    return nullptr;
  }
  return module;
}

MP_EXPORT void mgpuModuleUnload(CUmodule module) {
  if (!module || !ready("mgpuModuleUnload"))
    return;
  check("mgpuModuleUnload", "cuModuleUnload", cuModuleUnload(module));
}

MP_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  if (!ready("mgpuModuleGetFunction"))
    return nullptr;
  if (!module) {
    record("mgpuModuleGetFunction",
           std::string("no module (loading it failed) for kernel '") +
               (name ? name : "") + "'");
    return nullptr;
  }
  CUfunction function = nullptr;
  if (!check("mgpuModuleGetFunction", "cuModuleGetFunction",
             cuModuleGetFunction(&function, module, name)))
    return nullptr;
  return function;
}

MP_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                intptr_t gridY, intptr_t gridZ,
                                intptr_t blockX, intptr_t blockY,
                                intptr_t blockZ, int32_t sharedMemBytes,
                                CUstream stream, void **params, void **extra,
                                size_t /*paramsCount*/) {
  if (!ready("mgpuLaunchKernel"))
    return;
  if (!function) {
    record("mgpuLaunchKernel", "no kernel (its lookup failed); not launched");
    return;
  }
  check("mgpuLaunchKernel", "cuLaunchKernel",
        cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                       sharedMemBytes, stream, params, extra));
}

MP_EXPORT CUstream mgpuStreamCreate(void) {
  if (!ready("mgpuStreamCreate"))
    return nullptr;
  CUstream stream = nullptr;
  if (!check("mgpuStreamCreate", "cuStreamCreate",
             cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING)))
    return nullptr;
  return stream;
}

MP_EXPORT void mgpuStreamDestroy(CUstream stream) {
  if (!stream || !ready("mgpuStreamDestroy"))
    return;
  check("mgpuStreamDestroy", "cuStreamDestroy", cuStreamDestroy(stream));
}

MP_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  if (!ready("mgpuStreamSynchronize"))
    return;
  // A kernel's faults surface here; report them with the launch's context.
  check("mgpuStreamSynchronize", "cuStreamSynchronize",
        cuStreamSynchronize(stream));
}

MP_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  if (!ready("mgpuStreamWaitEvent") || !event)
    return;
  check("mgpuStreamWaitEvent", "cuStreamWaitEvent",
        cuStreamWaitEvent(stream, event, 0));
}

MP_EXPORT CUevent mgpuEventCreate(void) {
  if (!ready("mgpuEventCreate"))
    return nullptr;
  CUevent event = nullptr;
  if (!check("mgpuEventCreate", "cuEventCreate",
             cuEventCreate(&event, CU_EVENT_DISABLE_TIMING)))
    return nullptr;
  return event;
}

MP_EXPORT void mgpuEventDestroy(CUevent event) {
  if (!event || !ready("mgpuEventDestroy"))
    return;
  check("mgpuEventDestroy", "cuEventDestroy", cuEventDestroy(event));
}

MP_EXPORT void mgpuEventSynchronize(CUevent event) {
  if (!event || !ready("mgpuEventSynchronize"))
    return;
  check("mgpuEventSynchronize", "cuEventSynchronize",
        cuEventSynchronize(event));
}

MP_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  if (!event || !ready("mgpuEventRecord"))
    return;
  check("mgpuEventRecord", "cuEventRecord", cuEventRecord(event, stream));
}

MP_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream stream,
                             bool isHostShared) {
  if (!ready("mgpuMemAlloc"))
    return nullptr;
  if (sizeBytes == 0)
    return nullptr;
  CUdeviceptr ptr = 0;
  if (isHostShared) {
    // Managed memory: the host code of mp-gpu-pipeline copies arguments in
    // and out with plain loads and stores, kernels use the same pointer.
    if (!check("mgpuMemAlloc", "cuMemAllocManaged",
               cuMemAllocManaged(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL)))
      return nullptr;
  } else if (stream) {
    if (!check("mgpuMemAlloc", "cuMemAllocAsync",
               cuMemAllocAsync(&ptr, sizeBytes, stream)))
      return nullptr;
  } else if (!check("mgpuMemAlloc", "cuMemAlloc",
                    cuMemAlloc(&ptr, sizeBytes))) {
    return nullptr;
  }
  return reinterpret_cast<void *>(ptr);
}

MP_EXPORT void mgpuMemFree(void *ptr, CUstream /*stream*/) {
  if (!ptr || !ready("mgpuMemFree"))
    return;
  // cuMemFree synchronizes with the device, so freeing a buffer a kernel
  // still uses on any stream is safe (if slow).
  check("mgpuMemFree", "cuMemFree",
        cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)));
}

MP_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                          CUstream stream) {
  if (!ready("mgpuMemcpy") || sizeBytes == 0)
    return;
  check("mgpuMemcpy", "cuMemcpyAsync",
        cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                      reinterpret_cast<CUdeviceptr>(src), sizeBytes, stream));
}

MP_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                            CUstream stream) {
  if (!ready("mgpuMemset32") || count == 0)
    return;
  check("mgpuMemset32", "cuMemsetD32Async",
        cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                         stream));
}

MP_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                            CUstream stream) {
  if (!ready("mgpuMemset16") || count == 0)
    return;
  check("mgpuMemset16", "cuMemsetD16Async",
        cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                         stream));
}

/// The leading fields of a ranked memref descriptor, followed by
/// sizes[rank] and strides[rank].
struct DescriptorHead {
  char *allocated;
  char *aligned;
  int64_t offset;
};

/// The contiguous byte range a memref descriptor of `rank` covers.
static std::pair<void *, size_t> rangeOf(int64_t rank, void *descriptor,
                                         int64_t elementSizeBytes) {
  auto *head = static_cast<DescriptorHead *>(descriptor);
  auto *sizes = reinterpret_cast<int64_t *>(head + 1);
  size_t count = 1;
  for (int64_t i = 0; i < rank; ++i)
    count *= static_cast<size_t>(sizes[i]);
  return {head->aligned + head->offset * elementSizeBytes,
          count * static_cast<size_t>(elementSizeBytes)};
}

MP_EXPORT void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  if (!ready("mgpuMemHostRegister") || sizeBytes == 0)
    return;
  check("mgpuMemHostRegister", "cuMemHostRegister",
        cuMemHostRegister(ptr, sizeBytes, CU_MEMHOSTREGISTER_PORTABLE));
}

MP_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                         int64_t elementSizeBytes) {
  auto [ptr, size] = rangeOf(rank, descriptor, elementSizeBytes);
  mgpuMemHostRegister(ptr, size);
}

MP_EXPORT void mgpuMemHostUnregister(void *ptr) {
  if (!ptr || !ready("mgpuMemHostUnregister"))
    return;
  check("mgpuMemHostUnregister", "cuMemHostUnregister",
        cuMemHostUnregister(ptr));
}

MP_EXPORT void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                           int64_t elementSizeBytes) {
  mgpuMemHostUnregister(rangeOf(rank, descriptor, elementSizeBytes).first);
}
