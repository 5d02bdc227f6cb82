#pragma once
// The appliance's TLS identity: the certificate and key the HTTPS server presents, and the CA
// certificate clients are told to trust (served at /tls/ca.crt).
//
// Either the operator configures a certificate and key, or the appliance makes its own: at first
// start a CA (RSA 2048, 10 years) and a server certificate it signs (~2 years) for the configured
// names, in `IdentityConfig::dir`. Later starts load them and issue a new server certificate from
// the same CA when the old one is missing, expires within 30 days, was not signed by that CA, or
// names other hosts or addresses than the configuration does. The CA is kept, so clients that
// trust it keep working; keys, once written, are never replaced.
//
// Files are written to a temporary name, fsynced and renamed; keys are 0600 and the folder 0700.
// A crash leaves the previous files or the new ones, never half a key: the next start finishes.
//
// Both functions run at start-up on one thread, read and write the file system and return errors
// as values that name the file and the reason (OpenSSL's own error text included).

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace slipway::tls {

struct IdentityConfig {
  std::filesystem::path dir;  // where a generated identity lives (<data_dir>/tls)
  // Configured files: cert and key together (then `dir` is not used), ca_cert optional. `cert`
  // may hold the whole chain, leaf first.
  std::optional<std::filesystem::path> cert, key, ca_cert;
  // subjectAltNames of a generated server certificate; at least one of the two must be given.
  std::vector<std::string> dns_names;     // e.g. "slipway", the host name, the public host
  std::vector<std::string> ip_addresses;  // IPv4 or IPv6 text, e.g. "198.18.0.1", "127.0.0.1"
};

struct Identity {
  std::filesystem::path cert, key;  // server certificate chain (PEM) and its private key (PEM)
  // The CA certificate clients should trust (PEM), and its contents. Both empty when a configured
  // identity has no ca_cert.
  std::filesystem::path ca_cert;
  std::string ca_pem;
  bool generated = false;    // the CA was created now (first start)
  bool issued = false;       // server.crt was written now (first start or renewal)
  std::string issue_reason;  // why, when `issued`: e.g. "expires within 30 days"
};

// Loads, checks or makes the identity described by `config` (see above). Configured files are
// checked to be readable PEM, the key to match the certificate and the certificate not expired.
Result<Identity> ensure_identity(const IdentityConfig& config);

// A TLS server context: TLS 1.2 or later, ECDHE or (for UEFI HTTPS Boot, whose EDK2 TLS has no
// elliptic curves) DHE key exchange with AEAD ciphers, presenting the chain and key
// of `identity`.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(const Identity& identity);

}  // namespace slipway::tls
