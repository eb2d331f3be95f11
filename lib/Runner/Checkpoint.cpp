//===- Checkpoint.cpp - Atomic, verified checkpoint directories -*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Runner/Checkpoint.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

using namespace mp;
using llvm::createStringError;
using llvm::StringRef;
namespace fs = llvm::sys::fs;
namespace json = llvm::json;

static llvm::Error errnoError(const llvm::Twine &what, StringRef path) {
  std::error_code ec(errno, std::generic_category());
  return createStringError(ec, "%s '%s': %s", what.str().c_str(),
                           path.str().c_str(), ec.message().c_str());
}

static uint32_t checksum(StringRef bytes) {
  return llvm::crc32(llvm::arrayRefFromStringRef(bytes));
}

/// Writes `bytes` to `path` and forces them to the disk.
static llvm::Error writeSynced(StringRef path, StringRef bytes) {
  std::string p = path.str();
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return errnoError("cannot create", path);
  const char *data = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      llvm::Error e = errnoError("cannot write", path);
      ::close(fd);
      return e;
    }
    data += n;
    left -= size_t(n);
  }
  if (::fsync(fd) != 0) {
    llvm::Error e = errnoError("cannot sync", path);
    ::close(fd);
    return e;
  }
  if (::close(fd) != 0)
    return errnoError("cannot close", path);
  return llvm::Error::success();
}

/// Forces a directory's entries (new files, renames) to the disk.
static llvm::Error syncDirectory(StringRef path) {
  std::string p = path.str();
  int fd = ::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errnoError("cannot open directory", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    return errnoError("cannot sync directory", path);
  return llvm::Error::success();
}

static std::string joinPath(StringRef dir, StringRef file) {
  llvm::SmallString<256> p(dir);
  llvm::sys::path::append(p, file);
  return std::string(p);
}

bool mp::isCheckpoint(StringRef dir) {
  return fs::exists(joinPath(dir, "manifest.json"));
}

/// Whether `dir` may be replaced: it does not exist, is empty, or is a
/// checkpoint (of this format or of the earlier one with only state.json).
static bool isReplaceable(StringRef dir) {
  if (!fs::exists(dir))
    return true;
  if (isCheckpoint(dir) || fs::exists(joinPath(dir, "state.json")))
    return true;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  return !ec && it == fs::directory_iterator();
}

/// Swaps the directory `from` into place at `to`. Afterwards `from` holds
/// what was at `to` (if anything) and is removed.
static llvm::Error replaceDirectory(StringRef from, StringRef to) {
  std::string src = from.str(), dst = to.str();
  if (!fs::exists(to)) {
    if (::rename(src.c_str(), dst.c_str()) != 0)
      return errnoError("cannot rename '" + from + "' to", to);
    return llvm::Error::success();
  }
#ifdef RENAME_EXCHANGE
  // One atomic step: the old and the new directory trade names.
  if (::renameat2(AT_FDCWD, src.c_str(), AT_FDCWD, dst.c_str(),
                  RENAME_EXCHANGE) == 0) {
    fs::remove_directories(from, /*IgnoreErrors=*/true);
    return llvm::Error::success();
  }
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    return errnoError("cannot exchange '" + from + "' with", to);
#endif
  // Two steps where the file system cannot exchange: for a moment only the
  // old checkpoint (moved aside) and the new one exist, both complete.
  std::string aside = dst + ".old-" + std::to_string(::getpid());
  fs::remove_directories(aside, /*IgnoreErrors=*/true);
  if (::rename(dst.c_str(), aside.c_str()) != 0)
    return errnoError("cannot move aside", to);
  if (::rename(src.c_str(), dst.c_str()) != 0)
    return errnoError("cannot rename '" + from + "' to", to);
  fs::remove_directories(aside, /*IgnoreErrors=*/true);
  return llvm::Error::success();
}

llvm::Error
mp::writeCheckpoint(StringRef dirArg,
                    const std::map<std::string, const HostTensor *> &tensors,
                    const json::Object &state,
                    const CheckpointWriteOptions &options) {
  llvm::SmallString<256> dir(dirArg);
  llvm::sys::path::remove_dots(dir, /*remove_dot_dot=*/true);
  while (dir.size() > 1 && llvm::sys::path::is_separator(dir.back()))
    dir.pop_back();
  if (!isReplaceable(dir))
    return createStringError(std::errc::file_exists,
                             "refusing to replace '%s': it exists and is not "
                             "a checkpoint",
                             dir.c_str());
  StringRef parent = llvm::sys::path::parent_path(dir);
  if (parent.empty())
    parent = ".";
  if (std::error_code ec = fs::create_directories(parent))
    return createStringError(ec, "cannot create '%s': %s",
                             parent.str().c_str(), ec.message().c_str());

  // Leftovers of interrupted writes are incomplete by construction.
  std::string stem = (llvm::sys::path::filename(dir) + ".tmp-").str();
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end;
       it.increment(ec))
    if (llvm::sys::path::filename(it->path()).starts_with(stem))
      fs::remove_directories(it->path(), /*IgnoreErrors=*/true);

  std::string tmp = (dir + ".tmp-" + llvm::Twine(::getpid())).str();
  if (std::error_code ec = fs::create_directory(tmp))
    return createStringError(ec, "cannot create '%s': %s", tmp.c_str(),
                             ec.message().c_str());

  json::Array files;
  unsigned written = 0;
  auto put = [&](StringRef name, StringRef bytes) -> llvm::Error {
    if (llvm::Error e = writeSynced(joinPath(tmp, name), bytes))
      return e;
    files.push_back(json::Object{{"name", name.str()},
                                 {"bytes", int64_t(bytes.size())},
                                 {"crc32", int64_t(checksum(bytes))}});
    if (options.abortAfterFiles && ++written == options.abortAfterFiles) {
      llvm::errs() << "checkpoint: aborting after " << written
                   << " files (testing)\n";
      std::abort();
    }
    return llvm::Error::success();
  };
  for (const auto &[name, tensor] : tensors) {
    if (name.empty() || StringRef(name).contains('/') || name == "." ||
        name == "..")
      return createStringError(std::errc::invalid_argument,
                               "'%s' is not a valid checkpoint tensor name",
                               name.c_str());
    if (llvm::Error e = put(name + ".npy", encodeNpy(*tensor)))
      return e;
  }
  std::string stateText;
  llvm::raw_string_ostream(stateText) << json::Value(json::Object(state))
                                      << "\n";
  if (llvm::Error e = put("state.json", stateText))
    return e;
  std::string manifestText;
  llvm::raw_string_ostream(manifestText)
      << llvm::formatv(
             "{0:2}",
             json::Value(json::Object{{"format", kCheckpointFormat},
                                      {"files", std::move(files)}}))
      << "\n";
  // The manifest comes last: a directory without one was never finished.
  if (llvm::Error e = writeSynced(joinPath(tmp, "manifest.json"), manifestText))
    return e;
  if (llvm::Error e = syncDirectory(tmp))
    return e;
  if (llvm::Error e = replaceDirectory(tmp, dir))
    return e;
  return syncDirectory(parent);
}

llvm::Expected<Checkpoint> mp::readCheckpoint(StringRef dir) {
  auto damaged = [&](const llvm::Twine &why) {
    return createStringError(std::errc::invalid_argument,
                             "checkpoint '%s' is damaged: %s",
                             dir.str().c_str(), why.str().c_str());
  };
  std::string manifestPath = joinPath(dir, "manifest.json");
  if (!fs::exists(manifestPath)) {
    if (!fs::is_directory(dir))
      return createStringError(std::errc::no_such_file_or_directory,
                               "no checkpoint at '%s'", dir.str().c_str());
    return damaged("it has no manifest.json (an interrupted write, or not a "
                   "checkpoint of format " +
                   llvm::Twine(kCheckpointFormat) + ")");
  }
  auto manifestBuf = llvm::MemoryBuffer::getFile(manifestPath);
  if (!manifestBuf)
    return createStringError(manifestBuf.getError(), "cannot read '%s'",
                             manifestPath.c_str());
  auto manifest = json::parse((*manifestBuf)->getBuffer());
  if (!manifest)
    return damaged("manifest.json is not JSON: " +
                   llvm::toString(manifest.takeError()));
  json::Object *m = manifest->getAsObject();
  if (!m || m->getString("format") != std::optional<StringRef>(kCheckpointFormat))
    return damaged("manifest.json is not of format " +
                   llvm::Twine(kCheckpointFormat));
  json::Array *files = m->getArray("files");
  if (!files)
    return damaged("manifest.json has no file list");

  Checkpoint ck;
  bool haveState = false;
  for (const json::Value &v : *files) {
    const json::Object *f = v.getAsObject();
    std::optional<StringRef> name = f ? f->getString("name") : std::nullopt;
    std::optional<int64_t> bytes = f ? f->getInteger("bytes") : std::nullopt;
    std::optional<int64_t> crc = f ? f->getInteger("crc32") : std::nullopt;
    if (!name || !bytes || !crc || name->empty() || name->contains('/') ||
        *name == "." || *name == ".." || *bytes < 0 || *crc < 0 ||
        *crc > int64_t(UINT32_MAX))
      return damaged("manifest.json has a malformed file entry");
    std::string path = joinPath(dir, *name);
    auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
    if (!buf)
      return damaged("cannot read '" + *name + "': " +
                     buf.getError().message());
    StringRef data = (*buf)->getBuffer();
    if (int64_t(data.size()) != *bytes)
      return damaged("'" + *name + "' has " + llvm::Twine(data.size()) +
                     " bytes, the manifest lists " + llvm::Twine(*bytes));
    if (checksum(data) != uint32_t(*crc))
      return damaged("'" + *name + "' does not match its checksum");
    if (*name == "state.json") {
      auto parsed = json::parse(data);
      if (!parsed || !parsed->getAsObject()) {
        if (!parsed)
          llvm::consumeError(parsed.takeError());
        return damaged("state.json is not a JSON object");
      }
      ck.state = std::move(*parsed->getAsObject());
      haveState = true;
      continue;
    }
    if (!name->ends_with(".npy"))
      return damaged("unexpected file '" + *name + "' in the manifest");
    auto t = decodeNpy(data, path);
    if (!t)
      return t.takeError();
    if (!ck.tensors.emplace(name->drop_back(4).str(), std::move(*t)).second)
      return damaged("'" + *name + "' is listed twice");
  }
  if (!haveState)
    return damaged("the manifest lists no state.json");
  return std::move(ck);
}
