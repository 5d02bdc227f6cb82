#include "imaging/sha256.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "common/hex.h"

namespace slipway::imaging {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    throw std::bad_alloc();
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(std::span<const uint8_t> data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_, data.data(), data.size());
}

std::string Sha256::hex_final() {
  std::array<uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_, digest.data(), &length);
  return hex::encode(std::span(digest.data(), length));
}

std::string sha256_hex(std::span<const uint8_t> data) {
  Sha256 digest;
  digest.update(data);
  return digest.hex_final();
}

Result<std::string> sha256_file(const std::filesystem::path& path) {
  struct Closer {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<FILE, Closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) return Error{"cannot open " + path.string() + ": " + std::strerror(errno)};
  Sha256 digest;
  std::vector<uint8_t> buffer(1 << 20);
  for (;;) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    digest.update(std::span(buffer.data(), n));
    if (n < buffer.size()) break;
  }
  if (std::ferror(file.get())) {
    return Error{"cannot read " + path.string() + ": " + std::strerror(errno)};
  }
  return digest.hex_final();
}

bool is_sha256_hex(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::optional<std::string> parse_sha256(std::string_view text) {
  if (text.starts_with("sha256:")) text.remove_prefix(7);
  if (text.size() != 64) return std::nullopt;
  std::string out;
  out.reserve(64);
  for (char c : text) {
    auto v = hex::digit_value(c);
    if (!v) return std::nullopt;
    out.push_back("0123456789abcdef"[*v]);
  }
  return out;
}

}  // namespace slipway::imaging
