#include "imaging/image_format.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <string>
#include <vector>

namespace slipway::imaging {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes zeros(size_t n) { return Bytes(n, 0); }

void put(Bytes& b, size_t offset, std::string_view magic) {
  if (magic.empty()) return;
  if (b.size() < offset + magic.size()) b.resize(offset + magic.size());
  std::memcpy(b.data() + offset, magic.data(), magic.size());
}

Bytes mbr_disk() {
  Bytes b = zeros(1 << 20);
  put(b, 510, "\x55\xaa");
  return b;
}

Bytes tar_archive() {
  Bytes b = zeros(10240);
  put(b, 0, "etc/hostname");
  put(b, 257,
      std::string_view("ustar\0"
                       "00",
                       8));
  return b;
}

Bytes zstd(const Bytes& in) {
  Bytes out(ZSTD_compressBound(in.size()));
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

Bytes gzip(const Bytes& in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  Bytes out(deflateBound(&z, in.size()) + 64);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

// What detection sees: the first kFormatProbeBytes.
Result<ImageFormat> detect(const Bytes& file) {
  return detect_image_format(std::span(file.data(), std::min(file.size(), kFormatProbeBytes)));
}

std::string refusal(const Bytes& file) {
  auto r = detect(file);
  return r.ok() ? "accepted as " + std::string(to_string(*r)) : r.error().message;
}

TEST(ImageFormat, RawDisks) {
  EXPECT_EQ(*detect(mbr_disk()), ImageFormat::kRaw);
  Bytes gpt = zeros(8192);
  put(gpt, 512, "EFI PART");
  EXPECT_EQ(*detect(gpt), ImageFormat::kRaw);
  Bytes gpt4k = zeros(8192);
  put(gpt4k, 4096, "EFI PART");
  EXPECT_EQ(*detect(gpt4k), ImageFormat::kRaw);
  Bytes ext4 = zeros(4096);
  put(ext4, 1080, "\x53\xef");
  EXPECT_EQ(*detect(ext4), ImageFormat::kRaw);
}

TEST(ImageFormat, IsoEvenWhenHybrid) {
  Bytes iso = mbr_disk();  // isohybrid images carry an MBR too
  put(iso, 32769, "CD001");
  EXPECT_EQ(*detect(iso), ImageFormat::kIso);
}

TEST(ImageFormat, Tarballs) {
  EXPECT_EQ(*detect(tar_archive()), ImageFormat::kTar);
  EXPECT_EQ(*detect(gzip(tar_archive())), ImageFormat::kTarGz);
  EXPECT_EQ(*detect(zstd(tar_archive())), ImageFormat::kTarZst);
}

TEST(ImageFormat, CompressedRawDisk) { EXPECT_EQ(*detect(zstd(mbr_disk())), ImageFormat::kRawZst); }

TEST(ImageFormat, CompressedHeadIsEnoughEvenWhenCut) {
  // Incompressible data after the header: the compressed file is larger than the probe.
  Bytes disk = mbr_disk();
  uint32_t x = 12345;
  for (size_t i = 1024; i < disk.size(); ++i)
    disk[i] = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 24);
  Bytes packed = zstd(disk);
  ASSERT_GT(packed.size(), kFormatProbeBytes);
  EXPECT_EQ(*detect(packed), ImageFormat::kRawZst);
}

TEST(ImageFormat, RefusalsSayWhatItIs) {
  Bytes qcow = zeros(4096);
  put(qcow, 0, "QFI\xfb");
  EXPECT_NE(refusal(qcow).find("qcow2"), std::string::npos);
  Bytes xz = zeros(100);
  put(xz, 0,
      "\xfd"
      "7zXZ");
  EXPECT_NE(refusal(xz).find("xz"), std::string::npos);
  EXPECT_NE(refusal(gzip(mbr_disk())).find("gzip-compressed data that is not a tar"),
            std::string::npos);
  EXPECT_NE(refusal(zstd(zeros(5000))).find("zstd-compressed data"), std::string::npos);
  EXPECT_NE(refusal(zeros(70000)).find("no partition table"), std::string::npos);
  EXPECT_NE(refusal({}).find("empty"), std::string::npos);
  EXPECT_NE(refusal(zeros(70000)).find("supported: raw"), std::string::npos);
}

TEST(ImageFormat, ShortAndGarbageInputsNeverReadPastTheEnd) {
  for (size_t n = 0; n < 600; n += 7) {
    Bytes b(n, 0x28);
    put(b, 0, std::string_view("\x28\xb5\x2f\xfd", std::min<size_t>(4, n)));
    b.resize(n);
    (void)detect_image_format(b);
    Bytes g(n, 0x1f);
    (void)detect_image_format(g);
  }
}

TEST(ImageFormat, NamesRoundTrip) {
  for (auto f : {ImageFormat::kRaw, ImageFormat::kRawZst, ImageFormat::kTar, ImageFormat::kTarGz,
                 ImageFormat::kTarZst, ImageFormat::kIso}) {
    EXPECT_EQ(parse_image_format(to_string(f)), f);
  }
  EXPECT_FALSE(parse_image_format("qcow2"));
}

}  // namespace
}  // namespace slipway::imaging
