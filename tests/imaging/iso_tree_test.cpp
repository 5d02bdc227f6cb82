#include "imaging/iso_tree.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "imaging/image_format.h"
#include "tests/common/test_dir.h"
#include "tests/imaging/iso_builder.h"

namespace slipway::imaging {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(IsoTree, ExtractsADebianLayoutAndFindsKernelAndInitrd) {
  testutil::TestDir dir;
  ASSERT_TRUE(testutil::make_iso(dir / "debian.iso",
                                 {{"install.amd/vmlinuz", "KERNEL"},
                                  {"install.amd/initrd.gz", "INITRD"},
                                  {"pool/main/b/base-files/base-files_12.4_amd64.deb", "DEB"},
                                  {"md5sum.txt", "sums"}}));
  EXPECT_EQ(*detect_file_format(dir / "debian.iso"), ImageFormat::kIso);
  ASSERT_TRUE(extract_iso(dir / "debian.iso", dir / "tree").ok());
  EXPECT_EQ(read(dir / "tree/install.amd/vmlinuz"), "KERNEL");
  EXPECT_EQ(read(dir / "tree/pool/main/b/base-files/base-files_12.4_amd64.deb"), "DEB");
  auto boot = find_boot_files(dir / "tree");
  ASSERT_TRUE(boot);
  EXPECT_EQ(boot->distribution, "debian");
  EXPECT_EQ(boot->kernel, "install.amd/vmlinuz");
  EXPECT_EQ(boot->initrd, "install.amd/initrd.gz");
}

TEST(IsoTree, KnownLayouts) {
  testutil::TestDir dir;
  auto layout_of = [&](const std::string& kernel, const std::string& initrd) {
    fs::path tree = dir / ("t" + std::to_string(std::hash<std::string>{}(kernel + initrd)));
    fs::create_directories((tree / kernel).parent_path());
    fs::create_directories((tree / initrd).parent_path());
    std::ofstream(tree / kernel) << "k";
    std::ofstream(tree / initrd) << "i";
    return find_boot_files(tree);
  };
  auto ubuntu = layout_of("casper/vmlinuz", "casper/initrd");
  ASSERT_TRUE(ubuntu);
  EXPECT_EQ(ubuntu->distribution, "ubuntu");
  auto fedora = layout_of("images/pxeboot/vmlinuz", "images/pxeboot/initrd.img");
  ASSERT_TRUE(fedora);
  EXPECT_EQ(fedora->distribution, "redhat");
  EXPECT_EQ(fedora->initrd, "images/pxeboot/initrd.img");
  EXPECT_FALSE(layout_of("boot/vmlinuz", "boot/initrd")) << "not a known layout";
  EXPECT_FALSE(layout_of("casper/vmlinuz", "casper/other")) << "a kernel alone is not enough";
}

TEST(IsoTree, NotAnIsoFailsAndLeavesNothing) {
  testutil::TestDir dir;
  std::ofstream(dir / "junk.iso") << std::string(100000, 'j');
  auto s = extract_iso(dir / "junk.iso", dir / "tree");
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(fs::exists(dir / "tree"));
  fs::create_directories(dir / "exists");
  EXPECT_FALSE(extract_iso(dir / "junk.iso", dir / "exists").ok()) << "the destination must be new";
}

TEST(IsoTree, LimitsRefuseABomb) {
  testutil::TestDir dir;
  ASSERT_TRUE(testutil::make_iso(dir / "big.iso",
                                 {{"a", std::string(5000, 'a')}, {"b", std::string(5000, 'b')}}));
  ExtractLimits limits;
  limits.max_bytes = 6000;
  auto s = extract_iso(dir / "big.iso", dir / "tree", limits);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("exceed"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "tree"));
}

}  // namespace
}  // namespace slipway::imaging
