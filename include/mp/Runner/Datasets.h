//===- Datasets.h - Image classification data for mp-train -------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Loaders for the IDX format (MNIST, Fashion-MNIST; plain or gzip), the
// CIFAR-10/100 binary format and a seeded synthetic set, plus batch assembly
// with normalisation, random crop with padding and horizontal flip.
//
//===----------------------------------------------------------------------===//

#ifndef MP_RUNNER_DATASETS_H
#define MP_RUNNER_DATASETS_H

#include "mp/Runner/HostTensor.h"
#include <random>
#include <vector>

namespace mp {

/// Images as bytes (N x C x H x W) and labels.
struct Dataset {
  std::string name;
  int64_t channels = 0, height = 0, width = 0, classes = 0;
  std::vector<uint8_t> images;
  std::vector<int32_t> labels;
  /// Per-channel normalisation applied to x / 255.
  std::vector<float> mean, stddev;

  int64_t size() const { return labels.size(); }
  int64_t imageBytes() const { return channels * height * width; }
};

/// Reads an IDX image file and an IDX label file (gzip or plain). Errors name
/// the file and say what is wrong (magic, dimensions, truncation, a label
/// outside [0, classes)).
llvm::Expected<Dataset> loadIdx(llvm::StringRef imagesPath,
                                llvm::StringRef labelsPath, int64_t classes);

/// Fashion-MNIST from `dir` (default: Debian's dataset-fashion-mnist under
/// /usr/share/datasets/fashion-mnist). `train` picks train-* or t10k-*.
llvm::Expected<Dataset> loadFashionMnist(llvm::StringRef dir, bool train);

/// CIFAR-10 (data_batch_1..5.bin / test_batch.bin) or CIFAR-100 (train.bin /
/// test.bin, fine labels) binary files in `dir`.
llvm::Expected<Dataset> loadCifar(llvm::StringRef dir, int classes, bool train);

/// A learnable synthetic set: each class has a seeded random prototype and
/// samples are noisy copies of it.
Dataset makeSynthetic(int64_t n, int64_t channels, int64_t height,
                      int64_t width, int64_t classes, uint64_t seed);

/// Augmentation of one batch.
struct Augment {
  bool enabled = false;
  int64_t padding = 4; ///< random crop with zero padding
  bool flip = true;    ///< random horizontal flip
};

/// Fills `images` (B x C x H x W f32, normalised) and `labels` (B, i32) with
/// samples `order[first .. first+B)`; rows past the end of `order` are
/// padded with label -1 (they count neither as correct nor in the loss sum).
/// Returns the number of real rows.
int64_t assembleBatch(const Dataset &data, llvm::ArrayRef<int64_t> order,
                      int64_t first, const Augment &augment,
                      std::mt19937_64 &rng, HostTensor &images,
                      HostTensor &labels);

} // namespace mp

#endif // MP_RUNNER_DATASETS_H
