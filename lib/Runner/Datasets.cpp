//===- Datasets.cpp - Image classification data for mp-train ---*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Runner/Datasets.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <zlib.h>

using namespace mp;
using llvm::createStringError;

static llvm::Error dataError(const llvm::Twine &msg) {
  return createStringError(std::errc::invalid_argument, "%s",
                           msg.str().c_str());
}

/// Reads a whole file, transparently gunzipping it.
static llvm::Expected<std::vector<uint8_t>> readMaybeGzip(llvm::StringRef path) {
  if (!llvm::sys::fs::exists(path))
    return dataError("cannot read '" + path + "': no such file");
  gzFile f = gzopen(path.str().c_str(), "rb");
  if (!f)
    return dataError("cannot open '" + path + "'");
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  while (true) {
    int n = gzread(f, buf, sizeof(buf));
    if (n < 0) {
      int err;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      return dataError("cannot read '" + path + "': " + msg +
                       " (corrupt gzip data?)");
    }
    if (n == 0) {
      // A gzip stream cut short reads as a clean end unless we ask.
      int err = Z_OK;
      const char *msg = gzerror(f, &err);
      if (err != Z_OK && err != Z_STREAM_END) {
        std::string text = msg ? msg : "read error";
        gzclose(f);
        return dataError("cannot read '" + path + "': " + text +
                         " (truncated or corrupt gzip data)");
      }
      break;
    }
    out.insert(out.end(), buf, buf + n);
  }
  gzclose(f);
  return out;
}

static uint32_t bigEndian32(const uint8_t *p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
         (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

llvm::Expected<Dataset> mp::loadIdx(llvm::StringRef imagesPath,
                                    llvm::StringRef labelsPath,
                                    int64_t classes) {
  auto images = readMaybeGzip(imagesPath);
  if (!images)
    return images.takeError();
  auto labels = readMaybeGzip(labelsPath);
  if (!labels)
    return labels.takeError();
  // Images: magic 0x00000803, count, rows, cols, then bytes.
  if (images->size() < 16 || bigEndian32(images->data()) != 0x803)
    return dataError("'" + imagesPath +
                     "' is not an IDX image file (expected magic 0x00000803)");
  uint32_t n = bigEndian32(images->data() + 4);
  uint32_t rows = bigEndian32(images->data() + 8);
  uint32_t cols = bigEndian32(images->data() + 12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
    return dataError("'" + imagesPath + "' has implausible image size " +
                     llvm::Twine(rows) + "x" + llvm::Twine(cols));
  uint64_t need = 16 + uint64_t(n) * rows * cols;
  if (images->size() < need)
    return dataError("'" + imagesPath + "' is truncated: " +
                     llvm::Twine(n) + " images of " + llvm::Twine(rows) + "x" +
                     llvm::Twine(cols) + " need " + llvm::Twine(need) +
                     " bytes, found " + llvm::Twine(images->size()));
  // Labels: magic 0x00000801, count, then bytes.
  if (labels->size() < 8 || bigEndian32(labels->data()) != 0x801)
    return dataError("'" + labelsPath +
                     "' is not an IDX label file (expected magic 0x00000801)");
  uint32_t nl = bigEndian32(labels->data() + 4);
  if (nl != n)
    return dataError("'" + labelsPath + "' has " + llvm::Twine(nl) +
                     " labels but '" + imagesPath + "' has " + llvm::Twine(n) +
                     " images");
  if (labels->size() < 8 + uint64_t(n))
    return dataError("'" + labelsPath + "' is truncated: expected " +
                     llvm::Twine(n) + " labels");
  Dataset d;
  d.channels = 1;
  d.height = rows;
  d.width = cols;
  d.classes = classes;
  d.images.assign(images->begin() + 16, images->begin() + need);
  d.labels.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    int label = (*labels)[8 + i];
    if (label >= classes)
      return dataError("'" + labelsPath + "' label #" + llvm::Twine(i) +
                       " is " + llvm::Twine(label) + ", outside [0, " +
                       llvm::Twine(classes) + ")");
    d.labels[i] = label;
  }
  return d;
}

llvm::Expected<Dataset> mp::loadFashionMnist(llvm::StringRef dir, bool train) {
  std::string root = dir.empty() ? "/usr/share/datasets/fashion-mnist" : dir.str();
  if (!llvm::sys::fs::is_directory(root))
    return dataError("Fashion-MNIST not found in '" + root +
                     "': install Debian's dataset-fashion-mnist package "
                     "(apt-get install dataset-fashion-mnist) or pass "
                     "--data-dir with the IDX files");
  llvm::StringRef prefix = train ? "train" : "t10k";
  auto find = [&](llvm::StringRef kind) {
    llvm::SmallString<128> gz(root), plain(root);
    llvm::sys::path::append(gz, prefix + "-" + kind + "-idx" +
                                    (kind == "images" ? "3" : "1") +
                                    "-ubyte.gz");
    llvm::sys::path::append(plain, prefix + "-" + kind + "-idx" +
                                       (kind == "images" ? "3" : "1") +
                                       "-ubyte");
    return llvm::sys::fs::exists(gz) ? std::string(gz) : std::string(plain);
  };
  auto d = loadIdx(find("images"), find("labels"), 10);
  if (!d)
    return d.takeError();
  d->name = train ? "fashion-mnist/train" : "fashion-mnist/test";
  d->mean = {0.2860f};
  d->stddev = {0.3530f};
  return d;
}

llvm::Expected<Dataset> mp::loadCifar(llvm::StringRef dir, int classes,
                                      bool train) {
  if (classes != 10 && classes != 100)
    return dataError("CIFAR has 10 or 100 classes, not " + llvm::Twine(classes));
  std::vector<std::string> files;
  if (classes == 10) {
    if (train)
      for (int i = 1; i <= 5; ++i)
        files.push_back("data_batch_" + std::to_string(i) + ".bin");
    else
      files.push_back("test_batch.bin");
  } else {
    files.push_back(train ? "train.bin" : "test.bin");
  }
  int64_t labelBytes = classes == 10 ? 1 : 2, imageBytes = 3 * 32 * 32;
  int64_t record = labelBytes + imageBytes;
  Dataset d;
  d.name = (classes == 10 ? "cifar10/" : "cifar100/") +
           std::string(train ? "train" : "test");
  d.channels = 3;
  d.height = d.width = 32;
  d.classes = classes;
  for (const std::string &file : files) {
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, file);
    auto bytes = readMaybeGzip(path);
    if (!bytes)
      return dataError(llvm::toString(bytes.takeError()) +
                       " (CIFAR binary version expected in --data-dir)");
    if (bytes->empty() || bytes->size() % record != 0)
      return dataError("'" + path + "' is not a CIFAR-" + llvm::Twine(classes) +
                       " binary file: its size " + llvm::Twine(bytes->size()) +
                       " is not a multiple of the " + llvm::Twine(record) +
                       "-byte record");
    for (size_t off = 0; off < bytes->size(); off += record) {
      int label = (*bytes)[off + labelBytes - 1]; // fine label for CIFAR-100
      if (label >= classes)
        return dataError("'" + path + "' record " +
                         llvm::Twine(off / record) + " has label " +
                         llvm::Twine(label) + ", outside [0, " +
                         llvm::Twine(classes) + ")");
      d.labels.push_back(label);
      d.images.insert(d.images.end(), bytes->begin() + off + labelBytes,
                      bytes->begin() + off + record);
    }
  }
  if (classes == 10) {
    d.mean = {0.4914f, 0.4822f, 0.4465f};
    d.stddev = {0.2470f, 0.2435f, 0.2616f};
  } else {
    d.mean = {0.5071f, 0.4865f, 0.4409f};
    d.stddev = {0.2673f, 0.2564f, 0.2762f};
  }
  return d;
}

Dataset mp::makeSynthetic(int64_t n, int64_t channels, int64_t height,
                          int64_t width, int64_t classes, uint64_t seed) {
  Dataset d;
  d.name = "synthetic";
  d.channels = channels;
  d.height = height;
  d.width = width;
  d.classes = classes;
  std::mt19937_64 rng(seed);
  int64_t pixels = d.imageBytes();
  std::vector<uint8_t> prototypes(classes * pixels);
  std::uniform_int_distribution<int> byte(0, 255);
  for (uint8_t &p : prototypes)
    p = byte(rng);
  std::normal_distribution<float> noise(0.0f, 40.0f);
  d.images.resize(n * pixels);
  d.labels.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    int32_t label = int32_t(rng() % uint64_t(classes));
    d.labels[i] = label;
    for (int64_t k = 0; k < pixels; ++k) {
      float v = prototypes[label * pixels + k] + noise(rng);
      d.images[i * pixels + k] = uint8_t(std::min(255.0f, std::max(0.0f, v)));
    }
  }
  d.mean.assign(channels, 0.5f);
  d.stddev.assign(channels, 0.25f);
  return d;
}

int64_t mp::assembleBatch(const Dataset &data, llvm::ArrayRef<int64_t> order,
                          int64_t first, const Augment &augment,
                          std::mt19937_64 &rng, HostTensor &images,
                          HostTensor &labels) {
  int64_t batch = labels.getShape()[0];
  int64_t c = data.channels, h = data.height, w = data.width;
  float *out = images.as<float>();
  int32_t *lab = labels.as<int32_t>();
  int64_t real = 0;
  for (int64_t b = 0; b < batch; ++b) {
    int64_t pos = first + b;
    bool valid = pos < int64_t(order.size());
    int64_t idx = order[valid ? pos : pos % std::max<int64_t>(1, order.size())];
    lab[b] = valid ? data.labels[idx] : -1;
    real += valid;
    int64_t dy = 0, dx = 0;
    bool flip = false;
    if (augment.enabled) {
      int64_t range = 2 * augment.padding + 1;
      dy = int64_t(rng() % uint64_t(range)) - augment.padding;
      dx = int64_t(rng() % uint64_t(range)) - augment.padding;
      flip = augment.flip && (rng() & 1);
    }
    const uint8_t *src = data.images.data() + idx * data.imageBytes();
    for (int64_t ch = 0; ch < c; ++ch) {
      float mean = data.mean[ch], inv = 1.0f / data.stddev[ch];
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          int64_t sy = y + dy, sx = (flip ? w - 1 - x : x) + dx;
          float v = (sy < 0 || sy >= h || sx < 0 || sx >= w)
                        ? 0.0f
                        : src[(ch * h + sy) * w + sx] / 255.0f;
          out[((b * c + ch) * h + y) * w + x] = (v - mean) * inv;
        }
    }
  }
  return real;
}
