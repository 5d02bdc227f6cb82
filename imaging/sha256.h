#pragma once
// SHA-256 digests (OpenSSL EVP) and their text form: 64 lower-case hex digits, the form the image
// library stores, names files by and prints.

#include <openssl/evp.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace slipway::imaging {

// An incremental digest. Not copyable; one thread at a time.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const uint8_t> data);
  // The digest of everything given so far, as 64 lower-case hex digits. REQUIRES: called once.
  std::string hex_final();

 private:
  EVP_MD_CTX* ctx_;
};

std::string sha256_hex(std::span<const uint8_t> data);
inline std::string sha256_hex(std::string_view text) {
  return sha256_hex(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

// The digest of a file's content; an error names the file and what failed (open, read).
Result<std::string> sha256_file(const std::filesystem::path& path);

// Operator text to a digest: 64 hex digits in either case, optionally after "sha256:". Gives the
// lower-case digits, or nullopt for anything else (wrong length, other characters).
std::optional<std::string> parse_sha256(std::string_view text);
// True for a digest in its stored form only: exactly 64 lower-case hex digits.
bool is_sha256_hex(std::string_view text);

}  // namespace slipway::imaging
