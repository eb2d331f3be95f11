//===- Allocations.cpp - Counting allocator for compiled code -------------===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each block carries a 16-byte header just below the pointer it returns:
// the pointer malloc gave and the requested size, so a free knows both.
//
//===----------------------------------------------------------------------===//

#include "mp/Runner/Allocations.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

using namespace mp;

namespace {
struct Header {
  void *base;
  size_t size;
};
static_assert(sizeof(Header) == 16, "the header must keep 16-byte alignment");

std::atomic<int64_t> current{0}, peak{0}, allocations{0};
} // namespace

AllocationStats mp::getAllocationStats() {
  AllocationStats s;
  s.currentBytes = current.load();
  s.peakBytes = peak.load();
  s.allocations = allocations.load();
  return s;
}

void mp::resetAllocationPeak() {
  peak.store(current.load());
  allocations.store(0);
}

void *mp::countedAlignedAlloc(size_t alignment, size_t size) {
  if (alignment < alignof(Header) * 2)
    alignment = alignof(Header) * 2;
  if (alignment & (alignment - 1))
    return nullptr;
  if (size > SIZE_MAX - alignment - sizeof(Header))
    return nullptr;
  void *base = std::malloc(size + alignment + sizeof(Header));
  if (!base)
    return nullptr;
  auto addr = reinterpret_cast<uintptr_t>(base) + sizeof(Header);
  addr = (addr + alignment - 1) & ~(uintptr_t(alignment) - 1);
  Header header{base, size};
  std::memcpy(reinterpret_cast<void *>(addr - sizeof(Header)), &header,
              sizeof(Header));
  int64_t now = current.fetch_add(int64_t(size)) + int64_t(size);
  int64_t seen = peak.load();
  while (now > seen && !peak.compare_exchange_weak(seen, now)) {
  }
  allocations.fetch_add(1);
  return reinterpret_cast<void *>(addr);
}

void mp::countedFree(void *ptr) {
  if (!ptr)
    return;
  Header header;
  std::memcpy(&header, static_cast<char *>(ptr) - sizeof(Header),
              sizeof(Header));
  current.fetch_sub(int64_t(header.size));
  std::free(header.base);
}
