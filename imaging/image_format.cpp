#include "imaging/image_format.h"

#include <zlib.h>
#include <zstd.h>

#include <array>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace slipway::imaging {
namespace {

struct FormatName {
  ImageFormat format;
  std::string_view name;
};
constexpr std::array<FormatName, 6> kFormatNames = {{
    {ImageFormat::kRaw, "raw"},
    {ImageFormat::kRawZst, "raw.zst"},
    {ImageFormat::kTar, "tar"},
    {ImageFormat::kTarGz, "tar.gz"},
    {ImageFormat::kTarZst, "tar.zst"},
    {ImageFormat::kIso, "iso"},
}};

bool has_at(std::span<const uint8_t> data, size_t offset, std::string_view magic) {
  return data.size() >= offset + magic.size() &&
         std::memcmp(data.data() + offset, magic.data(), magic.size()) == 0;
}

// Magic numbers of what is refused, to say what the file is instead of "unknown".
struct Refused {
  size_t offset;
  std::string_view magic;
  std::string_view what;
};
constexpr std::array<Refused, 5> kRefused = {{
    {0, "QFI\xfb", "a qcow2 image (convert it: qemu-img convert -O raw IN OUT)"},
    {0,
     "\xfd"
     "7zXZ",
     "xz-compressed (recompress it with zstd)"},
    {0, "BZh", "bzip2-compressed (recompress it with zstd)"},
    {0, "KDMV", "a VMDK image (convert it: qemu-img convert -O raw IN OUT)"},
    {0, "conectix", "a VHD image (convert it: qemu-img convert -O raw IN OUT)"},
}};

constexpr std::string_view kZstdMagic = "\x28\xb5\x2f\xfd";
constexpr std::string_view kGzipMagic = "\x1f\x8b";

bool is_tar(std::span<const uint8_t> d) { return has_at(d, 257, "ustar"); }
bool is_iso(std::span<const uint8_t> d) { return has_at(d, 32769, "CD001"); }

bool is_raw_disk(std::span<const uint8_t> d) {
  return has_at(d, 510, "\x55\xaa") || has_at(d, 512, "EFI PART") || has_at(d, 4096, "EFI PART") ||
         has_at(d, 1080, "\x53\xef") || has_at(d, 0, "XFSB") || has_at(d, 0, "LUKS\xba\xbe");
}

// The first decompressed bytes (at most kFormatProbeBytes) of a possibly truncated zstd stream.
std::vector<uint8_t> zstd_head(std::span<const uint8_t> in) {
  std::vector<uint8_t> out(kFormatProbeBytes);
  ZSTD_DStream* stream = ZSTD_createDStream();
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  while (input.pos < input.size && output.pos < output.size) {
    size_t rc = ZSTD_decompressStream(stream, &output, &input);
    if (ZSTD_isError(rc) || rc == 0) break;
  }
  ZSTD_freeDStream(stream);
  out.resize(output.pos);
  return out;
}

std::vector<uint8_t> gzip_head(std::span<const uint8_t> in) {
  std::vector<uint8_t> out(kFormatProbeBytes);
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return {};
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  inflate(&z, Z_SYNC_FLUSH);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

Error refusal(std::string_view what) {
  return Error{"not an image Slipway can install: " + std::string(what) +
               "; supported: raw disk (MBR/GPT or a bare filesystem), raw.zst, tar, tar.gz, "
               "tar.zst, ISO 9660"};
}

}  // namespace

std::string_view to_string(ImageFormat format) {
  for (const auto& f : kFormatNames) {
    if (f.format == format) return f.name;
  }
  return "unknown";
}

std::optional<ImageFormat> parse_image_format(std::string_view text) {
  for (const auto& f : kFormatNames) {
    if (f.name == text) return f.format;
  }
  return std::nullopt;
}

Result<ImageFormat> detect_image_format(std::span<const uint8_t> head) {
  if (head.size() > kFormatProbeBytes) head = head.first(kFormatProbeBytes);
  if (is_iso(head)) return ImageFormat::kIso;
  if (is_tar(head)) return ImageFormat::kTar;
  if (has_at(head, 0, kZstdMagic)) {
    auto inner = zstd_head(head);
    if (is_tar(inner)) return ImageFormat::kTarZst;
    if (is_raw_disk(inner) || is_iso(inner)) return ImageFormat::kRawZst;
    return refusal("zstd-compressed data that is neither a tar archive nor a disk image");
  }
  if (has_at(head, 0, kGzipMagic)) {
    if (is_tar(gzip_head(head))) return ImageFormat::kTarGz;
    return refusal("gzip-compressed data that is not a tar archive (recompress it with zstd)");
  }
  for (const auto& r : kRefused) {
    if (has_at(head, r.offset, r.magic)) return refusal(r.what);
  }
  if (is_raw_disk(head)) return ImageFormat::kRaw;
  if (head.empty()) return refusal("an empty file");
  return refusal("no partition table, filesystem or archive signature found");
}

Result<ImageFormat> detect_file_format(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open " + path.string()};
  std::vector<uint8_t> head(kFormatProbeBytes);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return detect_image_format(head);
}

}  // namespace slipway::imaging
