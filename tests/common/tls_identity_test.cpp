#include "common/tls_identity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/common/test_dir.h"

namespace slipway::tls {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

struct CommandResult {
  int status;
  std::string output;  // stdout and stderr
};

// Runs a shell command (the openssl CLI checks what the code wrote, independently of it).
CommandResult run(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  return {::pclose(pipe), output};
}

class TlsIdentityTest : public ::testing::Test {
 protected:
  TlsIdentityTest() {
    config_.dir = dir_ / "data" / "tls";
    config_.dns_names = {"slipway", "boot.example"};
    config_.ip_addresses = {"198.18.0.1", "127.0.0.1"};
  }

  fs::path file(const std::string& name) const { return config_.dir / name; }

  Identity ensure() {
    auto identity = ensure_identity(config_);
    EXPECT_TRUE(identity.ok()) << (identity ? "" : identity.error().message);
    return identity ? *identity : Identity{};
  }

  testutil::TestDir dir_;
  IdentityConfig config_;
};

TEST_F(TlsIdentityTest, FirstStartGeneratesCaAndServerCertificate) {
  Identity identity = ensure();
  EXPECT_TRUE(identity.generated);
  EXPECT_TRUE(identity.issued);
  EXPECT_EQ(identity.cert, file("server.crt"));
  EXPECT_EQ(identity.key, file("server.key"));
  EXPECT_EQ(identity.ca_cert, file("ca.crt"));
  EXPECT_EQ(identity.ca_pem, read_text(file("ca.crt")));
  EXPECT_THAT(identity.ca_pem, HasSubstr("-----BEGIN CERTIFICATE-----"));

  EXPECT_EQ(mode_of(config_.dir), 0700u);
  EXPECT_EQ(mode_of(file("ca.key")), 0600u);
  EXPECT_EQ(mode_of(file("server.key")), 0600u);
  for (const char* name : {"ca.key.tmp", "ca.crt.tmp", "server.key.tmp", "server.crt.tmp"}) {
    EXPECT_FALSE(fs::exists(file(name))) << name;
  }
}

TEST_F(TlsIdentityTest, OpensslVerifiesTheChainAndSeesTheExtensions) {
  ensure();
  const std::string ca = file("ca.crt").string(), server = file("server.crt").string();

  CommandResult verify = run("openssl verify -CAfile " + ca + " " + server);
  EXPECT_EQ(verify.status, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr(": OK"));

  CommandResult san = run("openssl x509 -noout -ext subjectAltName -in " + server);
  EXPECT_EQ(san.status, 0) << san.output;
  for (const char* name :
       {"DNS:slipway", "DNS:boot.example", "IP Address:198.18.0.1", "IP Address:127.0.0.1"}) {
    EXPECT_THAT(san.output, HasSubstr(name));
  }

  CommandResult server_ext =
      run("openssl x509 -noout -ext basicConstraints,keyUsage,extendedKeyUsage -in " + server);
  EXPECT_THAT(server_ext.output, HasSubstr("CA:FALSE"));
  EXPECT_THAT(server_ext.output, HasSubstr("Digital Signature"));
  EXPECT_THAT(server_ext.output, HasSubstr("TLS Web Server Authentication"));
  EXPECT_EQ(
      run("openssl x509 -noout -checkend " + std::to_string(700 * 86400) + " -in " + server).status,
      0);

  CommandResult ca_ext =
      run("openssl x509 -noout -subject -ext basicConstraints,keyUsage -in " + ca);
  EXPECT_THAT(ca_ext.output, HasSubstr("CN = Slipway appliance CA "));
  EXPECT_THAT(ca_ext.output, HasSubstr("critical"));
  EXPECT_THAT(ca_ext.output, HasSubstr("CA:TRUE"));
  EXPECT_THAT(ca_ext.output, HasSubstr("Certificate Sign, CRL Sign"));
  EXPECT_EQ(
      run("openssl x509 -noout -checkend " + std::to_string(9 * 365 * 86400) + " -in " + ca).status,
      0);
}

TEST_F(TlsIdentityTest, SecondStartLoads) {
  Identity first = ensure();
  const std::string server_crt = read_text(file("server.crt"));
  Identity second = ensure();
  EXPECT_FALSE(second.generated);
  EXPECT_FALSE(second.issued);
  EXPECT_EQ(second.ca_pem, first.ca_pem);
  EXPECT_EQ(read_text(file("server.crt")), server_crt);
}

TEST_F(TlsIdentityTest, OtherNamesReissueTheServerCertificateFromTheSameCa) {
  Identity first = ensure();
  const std::string server_key = read_text(file("server.key"));
  const std::string server_crt = read_text(file("server.crt"));

  config_.dns_names.push_back("new.example");
  Identity second = ensure();
  EXPECT_FALSE(second.generated);
  EXPECT_TRUE(second.issued);
  EXPECT_THAT(second.issue_reason, HasSubstr("names"));
  EXPECT_EQ(second.ca_pem, first.ca_pem);
  EXPECT_EQ(read_text(file("ca.crt")), first.ca_pem);
  EXPECT_EQ(read_text(file("server.key")), server_key);
  EXPECT_NE(read_text(file("server.crt")), server_crt);

  EXPECT_THAT(
      run("openssl x509 -noout -ext subjectAltName -in " + file("server.crt").string()).output,
      HasSubstr("DNS:new.example"));
  EXPECT_EQ(
      run("openssl verify -CAfile " + file("ca.crt").string() + " " + file("server.crt").string())
          .status,
      0);

  config_.ip_addresses.pop_back();  // fewer names also reissue
  EXPECT_TRUE(ensure().issued);
  EXPECT_FALSE(ensure().issued);
}

TEST_F(TlsIdentityTest, ServerCertificateExpiringSoonIsRenewed) {
  ensure();
  // A certificate from the same CA and for the same names, valid for 10 more days only.
  CommandResult made =
      run("openssl req -x509 -new -key " + file("server.key").string() + " -CA " +
          file("ca.crt").string() + " -CAkey " + file("ca.key").string() +
          " -days 10 -subj /CN=slipway -addext "
          "subjectAltName=DNS:slipway,DNS:boot.example,IP:198.18.0.1,IP:127.0.0.1 -out " +
          file("server.crt").string());
  ASSERT_EQ(made.status, 0) << made.output;

  Identity renewed = ensure();
  EXPECT_TRUE(renewed.issued);
  EXPECT_FALSE(renewed.generated);
  EXPECT_THAT(renewed.issue_reason, HasSubstr("30 days"));
  EXPECT_EQ(run("openssl x509 -noout -checkend " + std::to_string(700 * 86400) + " -in " +
                file("server.crt").string())
                .status,
            0);
}

TEST_F(TlsIdentityTest, MissingServerCertificateIsIssuedAgain) {
  Identity first = ensure();
  fs::remove(file("server.crt"));
  Identity second = ensure();
  EXPECT_TRUE(second.issued);
  EXPECT_FALSE(second.generated);
  EXPECT_EQ(second.ca_pem, first.ca_pem);
  EXPECT_TRUE(fs::exists(file("server.crt")));
}

TEST_F(TlsIdentityTest, CorruptServerKeyIsAnErrorNamingIt) {
  ensure();
  write_text(file("server.key"),
             "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n");
  auto identity = ensure_identity(config_);
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(identity.error().message, HasSubstr(file("server.key").string()));
}

TEST_F(TlsIdentityTest, ServerKeyNotMatchingTheCertificateIsAnError) {
  ensure();
  CommandResult made = run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
                           file("server.key").string());
  ASSERT_EQ(made.status, 0) << made.output;
  auto identity = ensure_identity(config_);
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(identity.error().message, HasSubstr(file("server.key").string()));
  EXPECT_THAT(identity.error().message, HasSubstr("does not match"));
}

TEST_F(TlsIdentityTest, BadNamesAreErrors) {
  config_.ip_addresses = {"198.18.0.300"};
  auto identity = ensure_identity(config_);
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(identity.error().message, HasSubstr("198.18.0.300"));

  config_.ip_addresses.clear();
  config_.dns_names.clear();
  EXPECT_FALSE(ensure_identity(config_).ok());
}

TEST_F(TlsIdentityTest, ConfiguredFilesAreLoadedAndChecked) {
  ensure();  // makes files to configure
  IdentityConfig configured;
  configured.cert = file("server.crt");
  configured.key = file("server.key");
  configured.ca_cert = file("ca.crt");
  auto identity = ensure_identity(configured);
  ASSERT_TRUE(identity.ok()) << identity.error().message;
  EXPECT_FALSE(identity->generated);
  EXPECT_EQ(identity->cert, file("server.crt"));
  EXPECT_EQ(identity->key, file("server.key"));
  EXPECT_EQ(identity->ca_pem, read_text(file("ca.crt")));

  configured.ca_cert.reset();
  identity = ensure_identity(configured);
  ASSERT_TRUE(identity.ok()) << identity.error().message;
  EXPECT_TRUE(identity->ca_pem.empty());

  configured.key = file("ca.key");  // another key
  identity = ensure_identity(configured);
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(identity.error().message, HasSubstr(file("ca.key").string()));
  EXPECT_THAT(identity.error().message, HasSubstr("does not match"));

  configured.key.reset();  // cert without key
  EXPECT_FALSE(ensure_identity(configured).ok());
}

TEST_F(TlsIdentityTest, ConfiguredPathsThatDoNotExistAreNamed) {
  IdentityConfig configured;
  configured.cert = dir_ / "nowhere" / "server.crt";
  configured.key = dir_ / "nowhere" / "server.key";
  auto identity = ensure_identity(configured);
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(identity.error().message, HasSubstr(configured.cert->string()));
  EXPECT_THAT(identity.error().message, HasSubstr("No such file"));

  ensure();
  configured.cert = file("server.crt");
  identity = ensure_identity(configured);
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(identity.error().message, HasSubstr(configured.key->string()));

  configured.key = file("server.key");
  configured.ca_cert = dir_ / "nowhere" / "ca.crt";
  identity = ensure_identity(configured);
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(identity.error().message, HasSubstr(configured.ca_cert->string()));
}

// Serves one TLS connection on 127.0.0.1 with `server_ctx` (answers "ping" with "pong") and
// connects to it with a client that trusts only `ca_pem` and checks the peer is `host`. Returns
// "" when the client got its "pong", else what went wrong.
std::string ping_over_tls(ssl::context& server_ctx, const std::string& ca_pem,
                          const std::string& host) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::thread server([&] {
    boost::system::error_code ec;
    ssl::stream<tcp::socket> stream(acceptor.accept(ec), server_ctx);
    if (ec) return;
    stream.handshake(ssl::stream_base::server, ec);
    char request[4];
    if (!ec) asio::read(stream, asio::buffer(request), ec);
    if (!ec && std::string(request, 4) == "ping") asio::write(stream, asio::buffer("pong", 4), ec);
    if (!ec) stream.shutdown(ec);
  });

  std::string outcome;
  boost::system::error_code ec;
  ssl::context client_ctx(ssl::context::tls_client);
  client_ctx.add_certificate_authority(asio::buffer(ca_pem), ec);
  client_ctx.set_verify_mode(ssl::verify_peer);
  ssl::stream<tcp::socket> client(io, client_ctx);
  client.set_verify_callback(ssl::host_name_verification(host));
  if (!ec) client.next_layer().connect(acceptor.local_endpoint(), ec);
  if (!ec) client.handshake(ssl::stream_base::client, ec);
  if (!ec && SSL_version(client.native_handle()) < TLS1_2_VERSION) outcome = "old TLS version";
  char reply[4] = {};
  if (!ec) asio::write(client, asio::buffer("ping", 4), ec);
  if (!ec) asio::read(client, asio::buffer(reply), ec);
  if (ec) {
    outcome = ec.message();
  } else if (std::string(reply, 4) != "pong") {
    outcome = "unexpected reply";
  }
  client.next_layer().close();
  server.join();
  return outcome;
}

TEST_F(TlsIdentityTest, ServerContextCompletesAVerifiedHandshake) {
  Identity identity = ensure();
  auto ctx = make_server_context(identity);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;

  EXPECT_EQ(ping_over_tls(**ctx, identity.ca_pem, "127.0.0.1"), "");
  EXPECT_NE(ping_over_tls(**ctx, identity.ca_pem, "elsewhere.example"), "");

  // A client that trusts another CA refuses the appliance.
  testutil::TestDir other_dir;
  IdentityConfig other = config_;
  other.dir = other_dir / "tls";
  auto other_identity = ensure_identity(other);
  ASSERT_TRUE(other_identity.ok()) << other_identity.error().message;
  EXPECT_NE(ping_over_tls(**ctx, other_identity->ca_pem, "127.0.0.1"), "");
}

TEST_F(TlsIdentityTest, ServerContextErrorsNameTheFile) {
  Identity identity = ensure();
  identity.key = dir_ / "missing.key";
  auto ctx = make_server_context(identity);
  ASSERT_FALSE(ctx.ok());
  EXPECT_THAT(ctx.error().message, HasSubstr("missing.key"));
}

}  // namespace
}  // namespace slipway::tls
