#pragma once
// What an image is, told by its content (magic bytes), never by its name:
//   iso      ISO 9660 ("CD001" at 32769), hybrid ISOs included (they also carry an MBR)
//   tar      a root-filesystem tarball ("ustar" at 257)
//   tar.gz   gzip whose first decompressed bytes are a tar header
//   tar.zst  zstd whose first decompressed bytes are a tar header
//   raw.zst  zstd whose first decompressed bytes are a raw disk image
//   raw      a disk image: an MBR (55 AA at 510) or GPT ("EFI PART" at 512 or 4096) partition
//            table, or a bare ext2/3/4, XFS or LUKS volume
// Anything else is refused with what it looks like (qcow2, xz, bzip2, gzip that is not a tar,
// unknown). Pure over bytes: the caller reads the first kFormatProbeBytes of the file.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>

#include "common/result.h"

namespace slipway::imaging {

enum class ImageFormat { kRaw, kRawZst, kTar, kTarGz, kTarZst, kIso };

std::string_view to_string(ImageFormat format);  // "raw", "raw.zst", "tar", ...
std::optional<ImageFormat> parse_image_format(std::string_view text);

// How much of the start of a file detection looks at (the ISO 9660 descriptor is at 32 KiB).
constexpr size_t kFormatProbeBytes = 64 * 1024;

// `head`: the first kFormatProbeBytes of the file, or the whole file when it is shorter.
Result<ImageFormat> detect_image_format(std::span<const uint8_t> head);

// Reads the head of a file and detects its format.
Result<ImageFormat> detect_file_format(const std::filesystem::path& path);

}  // namespace slipway::imaging
