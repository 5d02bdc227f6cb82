#include "dhcp/pxe_classifier.h"

#include <array>
#include <charconv>
#include <string_view>

#include "common/byte_reader.h"
#include "dhcp/options.h"

namespace slipway::dhcp {
namespace {

constexpr std::array<ArchInfo, 12> kArchTable = {{
    {0, Firmware::kBios, Arch::kX86, false},      // Intel x86PC
    {6, Firmware::kUefi, Arch::kX86, false},      // EFI IA32
    {7, Firmware::kUefi, Arch::kX86_64, false},   // EFI BC (x64 in practice)
    {9, Firmware::kUefi, Arch::kX86_64, false},   // EFI x86-64
    {10, Firmware::kUefi, Arch::kArm32, false},   // EFI ARM32
    {11, Firmware::kUefi, Arch::kArm64, false},   // EFI ARM64
    {15, Firmware::kUefi, Arch::kX86, true},      // x86 UEFI HTTP Boot
    {16, Firmware::kUefi, Arch::kX86_64, true},   // x64 UEFI HTTP Boot
    {17, Firmware::kUefi, Arch::kUnknown, true},  // EBC HTTP Boot
    {18, Firmware::kUefi, Arch::kArm32, true},    // ARM32 UEFI HTTP Boot
    {19, Firmware::kUefi, Arch::kArm64, true},    // ARM64 UEFI HTTP Boot
    {20, Firmware::kBios, Arch::kX86, true},      // x86 BIOS HTTP Boot
}};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// "PXEClient:Arch:00007:UNDI:003016" carries the architecture too.
std::optional<uint16_t> arch_from_vendor_class(std::string_view vc) {
  constexpr std::string_view kTag = ":Arch:";
  size_t pos = vc.find(kTag);
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view digits = vc.substr(pos + kTag.size(), 5);
  uint16_t code = 0;
  auto [next, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
  if (ec != std::errc() || next != digits.data() + digits.size() || digits.size() != 5) {
    return std::nullopt;
  }
  return code;
}

// Option 77 is raw text from iPXE and most ROMs, but RFC 3004 clients prefix each class with its
// length. Both forms give the first class as text.
std::string user_class_text(const std::vector<uint8_t>& v) {
  if (!v.empty() && v[0] == v.size() - 1 && v[0] > 0) return std::string(v.begin() + 1, v.end());
  std::string s(v.begin(), v.end());
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

}  // namespace

std::optional<ArchInfo> find_arch(uint16_t code) {
  for (const auto& a : kArchTable) {
    if (a.code == code) return a;
  }
  return std::nullopt;
}

NetbootClient classify(const Packet& p) {
  NetbootClient c;
  c.mac = p.mac().value_or(MacAddress{});
  c.vendor_class = p.options.string(opt::kVendorClass).value_or("");
  if (starts_with(c.vendor_class, "PXEClient")) c.protocol = BootProtocol::kPxe;
  if (starts_with(c.vendor_class, "HTTPClient")) c.protocol = BootProtocol::kHttp;

  if (auto* arch = p.options.find(opt::kClientArch); arch && arch->size() >= 2) {
    // A list of architectures is allowed; the first is the one the client runs.
    c.arch_code = ByteReader(*arch).u16();
  } else {
    c.arch_code = arch_from_vendor_class(c.vendor_class);
  }
  if (c.arch_code) {
    if (auto info = find_arch(*c.arch_code)) {
      c.firmware = info->firmware;
      c.arch = info->arch;
    }
  }

  if (auto* uuid = p.options.find(opt::kClientMachineId);
      uuid && uuid->size() == 17 && (*uuid)[0] == 0) {
    Uuid u = Uuid::from_smbios_bytes(std::span<const uint8_t, 16>(uuid->data() + 1, 16));
    if (u.is_identity()) c.uuid = u;
  }

  if (auto* uc = p.options.find(opt::kUserClass)) c.user_class = user_class_text(*uc);
  c.ipxe = p.options.has(opt::kIpxeEncap) || c.user_class == "iPXE";
  return c;
}

}  // namespace slipway::dhcp
