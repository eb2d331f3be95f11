//===- HostTensor.cpp - Tensors in host memory and .npy I/O ----*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Runner/HostTensor.h"

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

/// Extracts the value of `'key':` from a .npy header dictionary.
static std::optional<StringRef> headerField(StringRef header, StringRef key) {
  std::string quoted = ("'" + key + "'").str();
  size_t pos = header.find(quoted);
  if (pos == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(pos + quoted.size()).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

llvm::Expected<HostTensor> mp::readNpy(StringRef path) {
  auto bufOr = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
  if (!bufOr)
    return createStringError(bufOr.getError(), "cannot read '%s': %s",
                             path.str().c_str(),
                             bufOr.getError().message().c_str());
  StringRef bytes = (*bufOr)->getBuffer();
  auto bad = [&](const llvm::Twine &why) {
    return createStringError(std::errc::invalid_argument, "'%s' is not a valid .npy file: %s",
                             path.str().c_str(), why.str().c_str());
  };
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return bad("missing the \\x93NUMPY magic");
  unsigned major = uint8_t(bytes[6]);
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = uint8_t(bytes[8]) | (uint8_t(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return bad("truncated header");
    headerLen = uint32_t(uint8_t(bytes[8])) | (uint32_t(uint8_t(bytes[9])) << 8) |
                (uint32_t(uint8_t(bytes[10])) << 16) |
                (uint32_t(uint8_t(bytes[11])) << 24);
    offset = 12;
  } else {
    return bad("unsupported version " + llvm::Twine(major));
  }
  if (offset + headerLen > bytes.size())
    return bad("truncated header");
  StringRef header = bytes.substr(offset, headerLen);
  StringRef payload = bytes.drop_front(offset + headerLen);

  auto descr = headerField(header, "descr");
  auto fortran = headerField(header, "fortran_order");
  auto shapeField = headerField(header, "shape");
  if (!descr || !fortran || !shapeField)
    return bad("header lacks descr, fortran_order or shape");
  if (!fortran->starts_with("False"))
    return bad("Fortran-ordered arrays are not supported");
  ElementKind kind;
  if (descr->starts_with("'<f4'"))
    kind = ElementKind::f32;
  else if (descr->starts_with("'<i4'"))
    kind = ElementKind::i32;
  else if (descr->starts_with("'<i8'"))
    kind = ElementKind::i64;
  else if (descr->starts_with("'|b1'") || descr->starts_with("'|u1'"))
    kind = ElementKind::i1;
  else
    return bad("unsupported dtype " + descr->split(',').first +
               " (expected <f4, <i4, <i8 or |b1)");
  if (!shapeField->starts_with("(") ||
      !shapeField->drop_front().contains(')'))
    return bad("malformed shape: expected a tuple '(d0, d1, ...)'");
  StringRef dims = shapeField->drop_front().split(')').first;
  llvm::SmallVector<int64_t, 4> shape;
  llvm::SmallVector<StringRef, 4> parts;
  dims.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t d;
    if (part.getAsInteger(10, d) || d < 0)
      return bad("malformed shape dimension '" + part + "'");
    shape.push_back(d);
  }
  HostTensor t(shape, kind);
  if (payload.size() < t.getByteSize())
    return bad("truncated data: expected " + llvm::Twine(t.getByteSize()) +
               " bytes for shape " + t.describe() + ", found " +
               llvm::Twine(payload.size()));
  std::memcpy(t.getData(), payload.data(), t.getByteSize());
  return std::move(t);
}

llvm::Error mp::writeNpy(StringRef path, const HostTensor &t) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return createStringError(ec, "cannot write '%s': %s", path.str().c_str(),
                             ec.message().c_str());
  const char *descr = t.getKind() == ElementKind::f32   ? "<f4"
                      : t.getKind() == ElementKind::i32 ? "<i4"
                      : t.getKind() == ElementKind::i64 ? "<i8"
                                                        : "|b1";
  std::string header;
  llvm::raw_string_ostream hs(header);
  hs << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (int64_t d : t.getShape())
    hs << d << ", ";
  hs << "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char((header.size() >> 8) & 0xff) << header;
  os.write(static_cast<const char *>(t.getData()), t.getByteSize());
  os.close();
  if (os.has_error())
    return createStringError(os.error(), "cannot write '%s'",
                             path.str().c_str());
  return llvm::Error::success();
}
