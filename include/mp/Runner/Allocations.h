//===- Allocations.h - Bytes allocated by compiled code --------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The allocator that JIT-compiled code calls (mp-cpu-pipeline with
// count-allocations lowers memref.alloc/dealloc to
// _mlir_memref_to_llvm_aligned_alloc / _mlir_memref_to_llvm_free) and the
// runner's arenas use. It counts the bytes that are live, the most that were
// live at once, and the number of allocations, process-wide.
//
//===----------------------------------------------------------------------===//

#ifndef MP_RUNNER_ALLOCATIONS_H
#define MP_RUNNER_ALLOCATIONS_H

#include <cstddef>
#include <cstdint>

namespace mp {

struct AllocationStats {
  int64_t currentBytes = 0; ///< Requested bytes live now.
  int64_t peakBytes = 0;    ///< The most live at once since the last reset.
  int64_t allocations = 0;  ///< Calls to allocate since the last reset.
};

/// The counters (all threads).
AllocationStats getAllocationStats();

/// Starts a new measurement: the peak becomes the bytes live now and the
/// allocation count zero.
void resetAllocationPeak();

/// `size` bytes aligned to `alignment` (a power of two; at least 16 is used),
/// counted; null if out of memory.
void *countedAlignedAlloc(size_t alignment, size_t size);

/// Frees memory from countedAlignedAlloc; null is ignored.
void countedFree(void *ptr);

} // namespace mp

#endif // MP_RUNNER_ALLOCATIONS_H
