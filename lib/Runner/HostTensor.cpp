//===- HostTensor.cpp - Tensors in host memory and .npy I/O ----*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Runner/HostTensor.h"
#include "mp/Support/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>
#include <cstring>

using namespace mp;
using llvm::createStringError;
using llvm::StringRef;

StringRef mp::stringifyElementKind(ElementKind kind) {
  switch (kind) {
  case ElementKind::f32:
    return "f32";
  case ElementKind::i32:
    return "i32";
  case ElementKind::i64:
    return "i64";
  case ElementKind::i1:
    return "i1";
  }
  return "?";
}

unsigned mp::getElementBytes(ElementKind kind) {
  switch (kind) {
  case ElementKind::f32:
  case ElementKind::i32:
    return 4;
  case ElementKind::i64:
    return 8;
  case ElementKind::i1:
    return 1;
  }
  return 1;
}

void HostTensor::Free::operator()(void *p) const { std::free(p); }

HostTensor::HostTensor(llvm::ArrayRef<int64_t> shape, ElementKind kind)
    : shape(shape), kind(kind) {
  size_t bytes = getByteSize();
  size_t rounded = (bytes + 63) / 64 * 64;
  void *p = std::aligned_alloc(64, rounded ? rounded : 64);
  if (!p) {
    llvm::errs() << "error: out of memory allocating " << bytes << " bytes\n";
    std::exit(1);
  }
  std::memset(p, 0, rounded ? rounded : 64);
  data.reset(p);
}

int64_t HostTensor::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string HostTensor::describe() const {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "] " << stringifyElementKind(kind);
  return s;
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

static unsigned descrBytes(StringRef descr) {
  if (descr == "<f4" || descr == "<i4")
    return 4;
  if (descr == "<i8")
    return 8;
  if (descr == "|b1" || descr == "|u1")
    return 1;
  return 0;
}

llvm::Expected<HostTensor> mp::decodeNpy(StringRef bytes, StringRef name) {
  auto array = npy::parse(bytes, name, descrBytes);
  if (!array)
    return array.takeError();
  ElementKind kind = array->descr == "<f4"   ? ElementKind::f32
                     : array->descr == "<i4" ? ElementKind::i32
                     : array->descr == "<i8" ? ElementKind::i64
                                             : ElementKind::i1;
  HostTensor t(array->shape, kind);
  std::memcpy(t.getData(), array->payload.data(), array->payload.size());
  return std::move(t);
}

llvm::Expected<HostTensor> mp::readNpy(StringRef path) {
  auto bufOr = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
  if (!bufOr)
    return createStringError(bufOr.getError(), "cannot read '%s': %s",
                             path.str().c_str(),
                             bufOr.getError().message().c_str());
  return decodeNpy((*bufOr)->getBuffer(), path);
}

std::string mp::encodeNpy(const HostTensor &t) {
  const char *descr = t.getKind() == ElementKind::f32   ? "<f4"
                      : t.getKind() == ElementKind::i32 ? "<i4"
                      : t.getKind() == ElementKind::i64 ? "<i8"
                                                        : "|b1";
  std::string out = npy::encodeHeader(descr, t.getShape());
  out.append(static_cast<const char *>(t.getData()), t.getByteSize());
  return out;
}

llvm::Error mp::writeNpy(StringRef path, const HostTensor &t) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return createStringError(ec, "cannot write '%s': %s", path.str().c_str(),
                             ec.message().c_str());
  os << encodeNpy(t);
  os.close();
  if (os.has_error())
    return createStringError(os.error(), "cannot write '%s'",
                             path.str().c_str());
  return llvm::Error::success();
}
