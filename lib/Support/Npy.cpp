//===- Npy.cpp - NumPy .npy encoding and parsing ----------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Support/Npy.h"

#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mp;
using llvm::StringRef;

std::optional<int64_t> npy::getElementCount(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return std::nullopt;
    std::optional<int64_t> next = llvm::checkedMul(n, d);
    if (!next)
      return std::nullopt;
    n = *next;
  }
  return n;
}

std::string npy::encodeHeader(StringRef descr, llvm::ArrayRef<int64_t> shape) {
  std::string dict;
  llvm::raw_string_ostream ds(dict);
  ds << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (int64_t d : shape)
    ds << d << (shape.size() == 1 ? "," : ", ");
  ds << "), }";
  // Magic (6) + version (2) + length (2) + dictionary + '\n', padded to 64.
  size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(char(1));
  out.push_back(char(0));
  out.push_back(char(dict.size() & 0xff));
  out.push_back(char((dict.size() >> 8) & 0xff));
  return out + dict;
}

std::string npy::getTensorFileStem(StringRef role, StringRef name) {
  std::string out = role.str() + "@";
  for (char c : name) {
    if (c == '%')
      out += "%25";
    else if (c == '/')
      out += "%2F";
    else
      out += c;
  }
  return out;
}

/// The text after `'key':` in a header dictionary.
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

llvm::Expected<npy::Array>
npy::parse(StringRef bytes, StringRef name,
           unsigned (*elementBytes)(StringRef descr)) {
  auto bad = [&](const llvm::Twine &why) {
    return llvm::createStringError(std::errc::invalid_argument,
                                   "'%s' is not a valid .npy file: %s",
                                   name.str().c_str(), why.str().c_str());
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
    headerLen = uint32_t(uint8_t(bytes[8])) |
                (uint32_t(uint8_t(bytes[9])) << 8) |
                (uint32_t(uint8_t(bytes[10])) << 16) |
                (uint32_t(uint8_t(bytes[11])) << 24);
    offset = 12;
  } else {
    return bad("unsupported version " + llvm::Twine(major));
  }
  if (headerLen > bytes.size() - offset)
    return bad("truncated header");
  StringRef header = bytes.substr(offset, headerLen);
  Array a;
  a.payload = bytes.drop_front(offset + headerLen);

  auto descr = headerField(header, "descr");
  auto fortran = headerField(header, "fortran_order");
  auto shapeField = headerField(header, "shape");
  if (!descr || !fortran || !shapeField)
    return bad("header lacks descr, fortran_order or shape");
  if (!fortran->starts_with("False"))
    return bad("Fortran-ordered arrays are not supported");
  if (!descr->starts_with("'") || !descr->drop_front().contains('\''))
    return bad("malformed descr");
  a.descr = descr->drop_front().split('\'').first.str();
  unsigned width = elementBytes(a.descr);
  if (width == 0)
    return bad("unsupported dtype '" + a.descr +
               "' (expected <f4, <i4, <i8 or |b1)");
  if (!shapeField->starts_with("(") || !shapeField->drop_front().contains(')'))
    return bad("malformed shape: expected a tuple '(d0, d1, ...)'");
  llvm::SmallVector<StringRef, 4> parts;
  shapeField->drop_front().split(')').first.split(parts, ',', -1,
                                                  /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t d;
    if (part.getAsInteger(10, d) || d < 0)
      return bad("malformed shape dimension '" + part + "'");
    a.shape.push_back(d);
  }
  std::optional<int64_t> elements = getElementCount(a.shape);
  std::optional<int64_t> size =
      elements ? llvm::checkedMul<int64_t>(*elements, width) : std::nullopt;
  if (!size)
    return bad("the shape's element count overflows 64 bits");
  a.elements = *elements;
  if (uint64_t(a.payload.size()) < uint64_t(*size))
    return bad("truncated data: expected " + llvm::Twine(*size) +
               " bytes, found " + llvm::Twine(a.payload.size()));
  if (uint64_t(a.payload.size()) > uint64_t(*size))
    return bad(llvm::Twine(a.payload.size() - *size) +
               " bytes after the array's data");
  a.payload = a.payload.take_front(*size);
  return a;
}
