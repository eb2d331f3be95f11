//===- Npy.h - NumPy .npy encoding and parsing ------------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The one place that knows the .npy layout (format versions 1 to 3, C order,
// little-endian): the runner's tensors, checkpoints and the TOSA importer's
// weight files all go through it.
//
//===----------------------------------------------------------------------===//

#ifndef MP_SUPPORT_NPY_H
#define MP_SUPPORT_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <optional>
#include <string>

namespace mp::npy {

/// The product of `shape`, or nothing when a dimension is negative or the
/// product does not fit in int64_t.
std::optional<int64_t> getElementCount(llvm::ArrayRef<int64_t> shape);

/// The magic, version and padded header of a version-1.0 file holding an
/// array of `shape` with dtype `descr` ("<f4", "<i4", "<i8", "|b1"); the
/// payload follows it.
std::string encodeHeader(llvm::StringRef descr, llvm::ArrayRef<int64_t> shape);

/// A parsed file: its dtype, shape and payload (exactly the array's bytes;
/// trailing bytes are refused).
struct Array {
  std::string descr;
  llvm::SmallVector<int64_t, 4> shape;
  int64_t elements = 0;
  llvm::StringRef payload;
};

/// Parses `bytes` of a .npy file named `name` (for messages). The dtype is
/// returned as written; `elementBytes` gives the size of one element of
/// `descr` (0 when unsupported, which is an error).
llvm::Expected<Array> parse(llvm::StringRef bytes, llvm::StringRef name,
                            unsigned (*elementBytes)(llvm::StringRef descr));

/// The file stem of a parameter or state tensor in a weights directory or a
/// checkpoint: `<role>@<name>` ("weight@conv1.weight"), with '%' and '/' in
/// the name (ONNX node names) written "%25" and "%2F". The one naming rule
/// of mp-train checkpoints, the TOSA importer's and the ONNX importer's
/// weight files.
std::string getTensorFileStem(llvm::StringRef role, llvm::StringRef name);

} // namespace mp::npy

#endif // MP_SUPPORT_NPY_H
