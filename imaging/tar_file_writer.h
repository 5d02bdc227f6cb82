#pragma once
// A tar (pax) file written whole or not at all: members go to PATH.tmp, commit() closes it,
// fsyncs it, renames it to PATH and fsyncs the folder; a writer destroyed before commit()
// removes the temporary file. Members are regular files, mode 0644, mtime 0.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "common/result.h"

struct archive;

namespace slipway::imaging {

class TarFileWriter {
 public:
  explicit TarFileWriter(std::filesystem::path path);
  ~TarFileWriter();
  TarFileWriter(const TarFileWriter&) = delete;
  TarFileWriter& operator=(const TarFileWriter&) = delete;

  Status open();
  Status add(const std::string& member, std::span<const uint8_t> data);
  Status add(const std::string& member, const std::string& text);
  Status commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  archive* archive_ = nullptr;
  bool committed_ = false;
};

}  // namespace slipway::imaging
