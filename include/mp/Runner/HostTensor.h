//===- HostTensor.h - Tensors in host memory and .npy I/O -------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_RUNNER_HOSTTENSOR_H
#define MP_RUNNER_HOSTTENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <memory>
#include <string>

namespace mp {

/// Element types the runner can exchange with compiled code.
enum class ElementKind { f32, i32, i64, i1 };

/// Returns "f32", "i32", ... for messages.
llvm::StringRef stringifyElementKind(ElementKind kind);

/// Bytes per element in memory (i1 is stored as one byte, as LLVM does).
unsigned getElementBytes(ElementKind kind);

/// A dense, row-major, 64-byte aligned tensor in host memory.
class HostTensor {
public:
  HostTensor() = default;
  HostTensor(llvm::ArrayRef<int64_t> shape, ElementKind kind);

  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  ElementKind getKind() const { return kind; }
  int64_t getNumElements() const;
  size_t getByteSize() const { return getNumElements() * getElementBytes(kind); }
  void *getData() { return data.get(); }
  const void *getData() const { return data.get(); }
  template <typename T> T *as() { return static_cast<T *>(getData()); }
  template <typename T> const T *as() const {
    return static_cast<const T *>(getData());
  }
  /// "[128, 3, 32, 32] f32".
  std::string describe() const;

private:
  struct Free {
    void operator()(void *p) const;
  };
  llvm::SmallVector<int64_t, 4> shape;
  ElementKind kind = ElementKind::f32;
  std::unique_ptr<void, Free> data;
};

/// Reads a NumPy .npy file (version 1-3, little-endian <f4, <i4, <i8 or |b1,
/// C order). Errors name the file and what is wrong with it.
llvm::Expected<HostTensor> readNpy(llvm::StringRef path);

/// Decodes the bytes of a .npy file; `name` is used in messages.
llvm::Expected<HostTensor> decodeNpy(llvm::StringRef bytes,
                                     llvm::StringRef name);

/// The bytes of `tensor` as a .npy file.
std::string encodeNpy(const HostTensor &tensor);

/// Writes `tensor` as a version 1.0 .npy file.
llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor);

} // namespace mp

#endif // MP_RUNNER_HOSTTENSOR_H
