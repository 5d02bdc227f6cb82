#include "common/tls_identity.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>
#include <span>

#include "common/atomic_file.h"
#include "common/hex.h"
#include "common/unique_fd.h"

namespace slipway::tls {

namespace fs = std::filesystem;

namespace {

constexpr long kDay = 24 * 60 * 60;
constexpr long kCaDays = 3650;
constexpr long kServerDays = 825;  // about two years, the longest browsers accept
constexpr long kRenewDays = 30;
// notBefore lies this far in the past: a booting machine's clock may be a little behind ours.
constexpr long kBackdateSeconds = 60 * 60;
constexpr size_t kMaxPemSize = 1024 * 1024;
// TLS 1.2 suites with forward secrecy and AEAD (Mozilla "intermediate"); TLS 1.3's are all so.
// The DHE-RSA ones are for UEFI HTTPS Boot: EDK2's TlsLib (OVMF 2022.11 at least) is built
// without elliptic curves and offers only (DHE-)RSA suites with RSA signatures.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using NamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

// OpenSSL's queued errors, oldest first; empties the queue.
std::string openssl_errors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Error openssl_error(const std::string& what) { return Error{what + ": " + openssl_errors()}; }

Error errno_error(const std::string& what) { return Error{what + ": " + std::strerror(errno)}; }

Result<std::string> read_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno_error(path.string());
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(path.string());
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxPemSize) return Error{path.string() + ": larger than 1 MiB"};
  }
}

Status make_private_folder(const fs::path& folder) {
  std::error_code ec;
  if (folder.has_parent_path()) fs::create_directories(folder.parent_path(), ec);
  if (ec) return Error{"creating " + folder.parent_path().string() + ": " + ec.message()};
  if (::mkdir(folder.c_str(), 0700) == 0) {
    if (::chmod(folder.c_str(), 0700) != 0) return errno_error("chmod of " + folder.string());
  } else if (errno != EEXIST) {
    return errno_error("creating " + folder.string());
  }
  return {};
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string time_text(const ASN1_TIME* time) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), time) != 1) {
    ERR_clear_error();
    return "?";
  }
  return bio_text(bio.get());
}

// Without this, OpenSSL asks for the passphrase of an encrypted key on the terminal.
int no_passphrase(char*, int, int, void*) { return 0; }

Result<CertPtr> load_cert(const fs::path& path) {
  auto pem = read_file(path);
  if (!pem) return pem.error();
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  CertPtr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!cert) return openssl_error(path.string() + ": not a PEM certificate");
  return cert;
}

Result<KeyPtr> load_key(const fs::path& path) {
  auto pem = read_file(path);
  if (!pem) return pem.error();
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!key) return openssl_error(path.string() + ": not an unencrypted PEM private key");
  return key;
}

Status check_key_matches(X509* cert, EVP_PKEY* key, const fs::path& cert_path,
                         const fs::path& key_path) {
  if (X509_check_private_key(cert, key) != 1) {
    return openssl_error(key_path.string() + ": does not match the certificate " +
                         cert_path.string());
  }
  return {};
}

// Whether `cert` is no longer valid `seconds` from now (or its notAfter cannot be read).
bool expires_within(const X509* cert, long seconds) {
  time_t when = std::time(nullptr) + seconds;
  return X509_cmp_time(X509_get0_notAfter(cert), &when) <= 0;
}

Result<std::string> random_hex(size_t bytes) {
  std::vector<uint8_t> data(bytes);
  if (RAND_bytes(data.data(), static_cast<int>(data.size())) != 1) {
    return openssl_error("random bytes");
  }
  return hex::encode(data);
}

// The key at `path`, or a new RSA 2048 key written there (0600) when there is none. Existing keys
// are never replaced: certificates already issued for them stay valid. RSA, not EC, because
// UEFI HTTPS Boot clients (EDK2's TlsLib) can neither verify ECDSA signatures nor sign with EC.
Result<KeyPtr> load_or_make_key(const fs::path& path, bool& made) {
  made = false;
  if (::access(path.c_str(), F_OK) == 0) return load_key(path);
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  if (!key) return openssl_error("generating an RSA 2048 key for " + path.string());
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error("encoding " + path.string());
  }
  std::string pem = bio_text(bio.get());
  Status written = write_file_atomically(path, pem, 0600);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!written) return written.error();
  made = true;
  return key;
}

Status push_name(GENERAL_NAMES* names, int type, ASN1_STRING* value) {
  NamePtr name(GENERAL_NAME_new());
  if (!name) {
    ASN1_STRING_free(value);
    return openssl_error("subjectAltName");
  }
  GENERAL_NAME_set0_value(name.get(), type, value);
  if (sk_GENERAL_NAME_push(names, name.get()) == 0) return openssl_error("subjectAltName");
  name.release();
  return {};
}

bool valid_dns_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == '*';
  });
}

Result<NamesPtr> alt_names(const IdentityConfig& config) {
  NamesPtr names(GENERAL_NAMES_new());
  if (!names) return openssl_error("subjectAltName");
  for (const std::string& dns : config.dns_names) {
    if (!valid_dns_name(dns)) return Error{"tls: \"" + dns + "\" is not a DNS name"};
    ASN1_IA5STRING* value = ASN1_IA5STRING_new();
    if (!value || ASN1_STRING_set(value, dns.data(), static_cast<int>(dns.size())) != 1) {
      ASN1_IA5STRING_free(value);
      return openssl_error("subjectAltName");
    }
    if (auto s = push_name(names.get(), GEN_DNS, value); !s) return s.error();
  }
  for (const std::string& ip : config.ip_addresses) {
    ASN1_OCTET_STRING* value = a2i_IPADDRESS(ip.c_str());
    if (!value) {
      ERR_clear_error();
      return Error{"tls: \"" + ip + "\" is not an IP address"};
    }
    if (auto s = push_name(names.get(), GEN_IPADD, value); !s) return s.error();
  }
  return names;
}

// The names as comparable text: "DNS:<lower case>", "IP:<address bytes in hex>".
std::set<std::string> name_set(const GENERAL_NAMES* names) {
  std::set<std::string> out;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_DNS && name->type != GEN_IPADD) continue;
    const ASN1_STRING* value = name->type == GEN_DNS ? name->d.dNSName : name->d.iPAddress;
    std::span<const uint8_t> bytes(ASN1_STRING_get0_data(value),
                                   static_cast<size_t>(ASN1_STRING_length(value)));
    if (name->type == GEN_DNS) {
      std::string dns(bytes.begin(), bytes.end());
      std::transform(dns.begin(), dns.end(), dns.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      out.insert("DNS:" + dns);
    } else {
      out.insert("IP:" + hex::encode(bytes));
    }
  }
  return out;
}

std::set<std::string> cert_names(X509* cert) {
  NamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  return name_set(names.get());
}

Status add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return openssl_error(std::string("adding ") + OBJ_nid2sn(nid));
  }
  return {};
}

struct CertRequest {
  EVP_PKEY* key;  // the subject's
  std::string common_name;
  long days;
  X509* issuer;  // nullptr: self-signed (the CA)
  EVP_PKEY* issuer_key;
  const GENERAL_NAMES* alt_names;  // server certificates only
};

Result<CertPtr> make_cert(const CertRequest& req) {
  CertPtr cert(X509_new());
  BnPtr serial(BN_new());
  uint8_t serial_bytes[16];  // 128 random bits
  if (!cert || !serial || RAND_bytes(serial_bytes, sizeof serial_bytes) != 1 ||
      !BN_bin2bn(serial_bytes, sizeof serial_bytes, serial.get()) ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) ||
      X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return openssl_error("making a certificate");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  auto text = [](const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.c_str());
  };
  if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, text("Slipway"), -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, text(req.common_name), -1, -1, 0) !=
          1 ||
      X509_set_issuer_name(cert.get(), req.issuer ? X509_get_subject_name(req.issuer) : subject) !=
          1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), req.days * kDay) ||
      X509_set_pubkey(cert.get(), req.key) != 1) {
    return openssl_error("making the certificate for " + req.common_name);
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, req.issuer ? req.issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  struct Extension {
    int nid;
    const char* value;
  };
  static constexpr Extension kCaExtensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,keyCertSign,cRLSign"},
      {NID_subject_key_identifier, "hash"},
  };
  static constexpr Extension kServerExtensions[] = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid"},
  };
  std::span<const Extension> extensions(kServerExtensions);
  if (!req.issuer) extensions = kCaExtensions;
  for (const Extension& e : extensions) {
    if (auto s = add_extension(cert.get(), &ctx, e.nid, e.value); !s) return s.error();
  }
  if (req.alt_names &&
      X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, const_cast<GENERAL_NAMES*>(req.alt_names),
                        0, X509V3_ADD_DEFAULT) != 1) {
    return openssl_error("adding subjectAltName");
  }
  if (X509_sign(cert.get(), req.issuer_key, EVP_sha256()) <= 0) {
    return openssl_error("signing the certificate for " + req.common_name);
  }
  return cert;
}

Status write_cert(const fs::path& path, X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return openssl_error("encoding " + path.string());
  }
  return write_file_atomically(path, bio_text(bio.get()), 0644);
}

// Why the server certificate must be issued again, or "" when it may stay. A certificate that
// does not match server.key is an error: keys are never replaced, so someone changed the files.
Result<std::string> reissue_reason(const Identity& identity, EVP_PKEY* server_key, X509* ca,
                                   const GENERAL_NAMES* names) {
  if (::access(identity.cert.c_str(), F_OK) != 0) return std::string("server.crt is missing");
  auto cert = load_cert(identity.cert);
  if (!cert) return "server.crt cannot be read (" + cert.error().message + ")";
  if (auto s = check_key_matches(cert->get(), server_key, identity.cert, identity.key); !s) {
    return s.error();
  }
  if (X509_verify(cert->get(), X509_get0_pubkey(ca)) != 1) {
    ERR_clear_error();
    return std::string("server.crt was not signed by ca.crt");
  }
  if (expires_within(cert->get(), kRenewDays * kDay)) {
    return "server.crt expires within 30 days (" + time_text(X509_get0_notAfter(cert->get())) + ")";
  }
  if (cert_names(cert->get()) != name_set(names)) {
    return std::string("the names in server.crt differ from the configured ones");
  }
  return std::string();
}

Result<Identity> load_configured(const IdentityConfig& config) {
  if (!config.cert || !config.key) {
    return Error{std::string("tls: cert and key are configured together (only ") +
                 (config.cert ? "cert" : "key") + " is)"};
  }
  auto cert = load_cert(*config.cert);
  if (!cert) return cert.error();
  auto key = load_key(*config.key);
  if (!key) return key.error();
  if (auto s = check_key_matches(cert->get(), key->get(), *config.cert, *config.key); !s) {
    return s.error();
  }
  if (expires_within(cert->get(), 0)) {
    return Error{config.cert->string() + ": expired on " +
                 time_text(X509_get0_notAfter(cert->get()))};
  }
  Identity identity;
  identity.cert = *config.cert;
  identity.key = *config.key;
  if (config.ca_cert) {
    if (auto ca = load_cert(*config.ca_cert); !ca) return ca.error();
    auto pem = read_file(*config.ca_cert);
    if (!pem) return pem.error();
    identity.ca_cert = *config.ca_cert;
    identity.ca_pem = std::move(*pem);
  }
  return identity;
}

Result<Identity> ensure_generated(const IdentityConfig& config) {
  if (config.dir.empty()) return Error{"tls: no folder for the generated identity"};
  if (config.dns_names.empty() && config.ip_addresses.empty()) {
    return Error{"tls: no host name or address to issue the server certificate for"};
  }
  auto names = alt_names(config);
  if (!names) return names.error();
  if (auto s = make_private_folder(config.dir); !s) return s.error();

  const fs::path ca_key_path = config.dir / "ca.key";
  Identity identity;
  identity.cert = config.dir / "server.crt";
  identity.key = config.dir / "server.key";
  identity.ca_cert = config.dir / "ca.crt";

  // ca.crt is written last: without it there is no CA yet (first start, or a crash during it).
  CertPtr ca;
  KeyPtr ca_key;
  if (::access(identity.ca_cert.c_str(), F_OK) == 0) {
    auto loaded = load_cert(identity.ca_cert);
    if (!loaded) return loaded.error();
    ca = std::move(*loaded);
    if (expires_within(ca.get(), 0)) {
      return Error{identity.ca_cert.string() + ": the CA expired on " +
                   time_text(X509_get0_notAfter(ca.get())) + "; move " + config.dir.string() +
                   " aside to make a new one"};
    }
  } else {
    bool made = false;
    auto key = load_or_make_key(ca_key_path, made);
    if (!key) return key.error();
    ca_key = std::move(*key);
    auto suffix = random_hex(8);
    if (!suffix) return suffix.error();
    auto made_ca = make_cert({.key = ca_key.get(),
                              .common_name = "Slipway appliance CA " + *suffix,
                              .days = kCaDays,
                              .issuer = nullptr,
                              .issuer_key = ca_key.get(),
                              .alt_names = nullptr});
    if (!made_ca) return made_ca.error();
    ca = std::move(*made_ca);
    if (auto s = write_cert(identity.ca_cert, ca.get()); !s) return s.error();
    identity.generated = true;
  }

  bool key_made = false;
  auto server_key = load_or_make_key(identity.key, key_made);
  if (!server_key) return server_key.error();
  Result<std::string> reason = std::string(identity.generated ? "first start: a new CA"
                                           : key_made         ? "server.key was missing"
                                                              : "");
  if (reason->empty()) reason = reissue_reason(identity, server_key->get(), ca.get(), names->get());
  if (!reason) return reason.error();
  if (!reason->empty()) {
    if (!ca_key) {
      auto key = load_key(ca_key_path);
      if (!key) return Error{"issuing a new server.crt (" + *reason + "): " + key.error().message};
      ca_key = std::move(*key);
      if (auto s = check_key_matches(ca.get(), ca_key.get(), identity.ca_cert, ca_key_path); !s) {
        return s.error();
      }
    }
    // Never valid for longer than the CA that signs it.
    int ca_days = 0, ca_seconds = 0;
    ASN1_TIME_diff(&ca_days, &ca_seconds, nullptr, X509_get0_notAfter(ca.get()));
    std::string common_name = "Slipway appliance";
    if (!config.dns_names.empty() && config.dns_names.front().size() <= 64) {
      common_name = config.dns_names.front();
    }
    auto cert = make_cert({.key = server_key->get(),
                           .common_name = common_name,
                           .days = std::clamp<long>(ca_days, 1, kServerDays),
                           .issuer = ca.get(),
                           .issuer_key = ca_key.get(),
                           .alt_names = names->get()});
    if (!cert) return cert.error();
    if (auto s = write_cert(identity.cert, cert->get()); !s) return s.error();
    identity.issued = true;
    identity.issue_reason = std::move(*reason);
  }

  auto pem = read_file(identity.ca_cert);
  if (!pem) return pem.error();
  identity.ca_pem = std::move(*pem);
  return identity;
}

}  // namespace

Result<Identity> ensure_identity(const IdentityConfig& config) {
  ERR_clear_error();
  if (config.cert || config.key) return load_configured(config);
  return ensure_generated(config);
}

Result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(const Identity& identity) {
  namespace ssl = boost::asio::ssl;
  ERR_clear_error();
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const boost::system::system_error& e) {
    return Error{std::string("creating a TLS context: ") + e.what()};
  }
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  if (ec) return Error{"TLS options: " + ec.message()};
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1 ||
      SSL_CTX_set_dh_auto(native, 1) != 1) {  // DHE groups sized to the server key
    return openssl_error("TLS protocol and ciphers");
  }
  SSL_CTX_set_default_passwd_cb(native, no_passphrase);
  ctx->use_certificate_chain_file(identity.cert.string(), ec);
  if (ec) return Error{identity.cert.string() + ": " + ec.message()};
  ctx->use_private_key_file(identity.key.string(), ssl::context::pem, ec);
  if (ec) return Error{identity.key.string() + ": " + ec.message()};
  if (SSL_CTX_check_private_key(native) != 1) {
    return openssl_error(identity.key.string() + ": does not match " + identity.cert.string());
  }
  return ctx;
}

}  // namespace slipway::tls
