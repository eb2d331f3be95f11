//===- Checkpoint.h - Atomic, verified checkpoint directories ---*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A checkpoint is a directory of .npy tensors, a `state.json` and a
// `manifest.json` that lists every file with its size and CRC-32. It is
// written into a temporary sibling directory, every file and the directory
// are fsync'ed, and the directory then replaces the old one in a single
// rename: a reader sees the old checkpoint or the new one, never a mix.
// Reading verifies every size and checksum before anything is used, so a
// truncated, mixed or corrupted checkpoint is refused with the file named.
//
//===----------------------------------------------------------------------===//

#ifndef MP_RUNNER_CHECKPOINT_H
#define MP_RUNNER_CHECKPOINT_H

#include "mp/Runner/HostTensor.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include <map>
#include <string>

namespace mp {

/// The format tag of manifest.json.
inline constexpr const char *kCheckpointFormat = "mp-checkpoint/1";

struct Checkpoint {
  /// Tensors by name; a tensor `weight@conv1.weight` is the file
  /// `weight@conv1.weight.npy`. Names must be valid file names.
  std::map<std::string, HostTensor> tensors;
  /// The caller's state (step, RNG, loss scale, ...), kept in state.json.
  llvm::json::Object state;
};

struct CheckpointWriteOptions {
  /// Testing only: abort the process after writing this many files of the
  /// new checkpoint (0: never), as a crash in the middle of a write would.
  unsigned abortAfterFiles = 0;
};

/// Writes `tensors` and `state` to `dir` atomically (replacing a previous
/// checkpoint there). Stale temporary directories of earlier interrupted
/// writes to `dir` are removed.
llvm::Error writeCheckpoint(llvm::StringRef dir,
                            const std::map<std::string, const HostTensor *> &tensors,
                            const llvm::json::Object &state,
                            const CheckpointWriteOptions &options = {});

/// Reads and verifies the checkpoint in `dir`.
llvm::Expected<Checkpoint> readCheckpoint(llvm::StringRef dir);

/// Whether `dir` holds a checkpoint (has a manifest.json).
bool isCheckpoint(llvm::StringRef dir);

} // namespace mp

#endif // MP_RUNNER_CHECKPOINT_H
