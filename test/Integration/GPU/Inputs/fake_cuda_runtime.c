/* Licensed under the Apache License v2.0 with LLVM Exceptions.
 * SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 *
 * A stand-in for libmp_cuda_runtime.so on machines without a GPU, for
 * jit-host-path.test: it reports a device, allocates "managed" memory with
 * malloc and launches nothing. It lets the JIT compile and run the host code
 * of mp-gpu-pipeline (argument copies, allocations, launches, frees) and
 * prints what the host code asked for at exit. Kernel results are not
 * computed. With FAKE_CUDA_LAUNCH_ERROR set, every launch records that
 * text as the runtime's last error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long loads, functions, launches, allocs, frees, syncs;
static const char *lastError = "";
static long long threads;

static void report(void) {
  fprintf(stderr,
          "fake-cuda: %ld module loads, %ld function lookups, %ld launches "
          "(%lld threads), %ld allocations, %ld frees, %ld syncs\n",
          loads, functions, launches, threads, allocs, frees, syncs);
}

int mpCudaInit(char *message, size_t size) {
  (void)message;
  (void)size;
  atexit(report);
  return 0;
}
const char *mpCudaDeviceChip(void) { return "sm_90"; }
const char *mpCudaDeviceDescription(void) { return "fake (sm_90)"; }
const char *mpCudaGetLastError(void) { return lastError; }
void mpCudaClearError(void) { lastError = ""; }

void *mgpuModuleLoad(void *data, size_t size) {
  (void)size;
  ++loads;
  return data;
}
void *mgpuModuleLoadJIT(void *data, int opt) {
  (void)opt;
  /* format=isa embeds PTX text: check it is there. */
  if (!strstr((const char *)data, ".target sm_90"))
    fprintf(stderr, "fake-cuda: module is not PTX for sm_90\n");
  ++loads;
  return data;
}
void mgpuModuleUnload(void *module) { (void)module; }
void *mgpuModuleGetFunction(void *module, const char *name) {
  (void)module;
  ++functions;
  return (void *)name;
}
void mgpuLaunchKernel(void *f, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz, int32_t smem,
                      void *stream, void **params, void **extra, size_t n) {
  (void)f, (void)smem, (void)stream, (void)params, (void)extra, (void)n;
  ++launches;
  if (getenv("FAKE_CUDA_LAUNCH_ERROR"))
    lastError = getenv("FAKE_CUDA_LAUNCH_ERROR");
  threads += (long long)gx * gy * gz * bx * by * bz;
}
void *mgpuStreamCreate(void) { return (void *)1; }
void mgpuStreamDestroy(void *s) { (void)s; }
void mgpuStreamSynchronize(void *s) {
  (void)s;
  ++syncs;
}
void *mgpuMemAlloc(uint64_t size, void *stream, _Bool shared) {
  (void)stream, (void)shared;
  ++allocs;
  return calloc(1, size ? size : 1);
}
void mgpuMemFree(void *p, void *stream) {
  (void)stream;
  if (p) {
    ++frees;
    free(p);
  }
}
