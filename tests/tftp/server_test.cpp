// Real-socket tests: the server on 127.0.0.1 with an ephemeral port, and a small TFTP client
// written here with plain POSIX UDP sockets. Every wait is bounded.

#include "tftp/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "tftp/packet.h"

namespace slipway::tftp {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Datagram {
  std::vector<uint8_t> bytes;
  uint16_t from_port = 0;
};

// A UDP socket on 127.0.0.1 with a receive timeout.
class UdpClient {
 public:
  explicit UdpClient(std::chrono::milliseconds timeout = 3000ms)
      : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    set_timeout(timeout);
  }

  void set_timeout(std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void send(uint16_t port, const std::vector<uint8_t>& bytes) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    ASSERT_EQ(::sendto(fd_.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to),
                       sizeof to),
              static_cast<ssize_t>(bytes.size()));
  }

  std::optional<Datagram> receive() {
    std::vector<uint8_t> buf(70000);
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n =
        ::recvfrom(fd_.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<size_t>(n));
    return Datagram{std::move(buf), ntohs(from.sin_port)};
  }

 private:
  UniqueFd fd_;
};

Packet decode(const Datagram& d) {
  auto parsed = parse(d.bytes);
  if (!std::holds_alternative<Packet>(parsed)) {
    ADD_FAILURE() << "server sent a malformed packet: " << to_string(std::get<ParseError>(parsed));
    return ErrorPacket{9999, "malformed"};
  }
  return std::get<Packet>(parsed);
}

struct FetchResult {
  std::string content;
  std::vector<Option> oack;
  std::optional<ErrorPacket> error;
  bool complete = false;
  int data_packets = 0;
};

// Fetches a file the RFC 1350/2347/7440 way: ACK 0 after an OACK; with a window, ACK the last
// block of each window (or the last in-order block when one is missing).
FetchResult fetch(UdpClient& client, uint16_t port, const std::string& name,
                  std::vector<Option> options = {}, Mode mode = Mode::kOctet) {
  FetchResult out;
  client.send(port, build_request(Request{Opcode::kRrq, name, mode, options}));
  size_t blksize = kDefaultBlockSize;
  size_t window = 1;
  uint16_t tid = 0;
  uint16_t expected = 1;
  size_t in_window = 0;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    auto d = client.receive();
    if (!d) {
      ADD_FAILURE() << "timed out waiting for the server (block " << expected << ")";
      return out;
    }
    if (tid == 0) tid = d->from_port;
    if (d->from_port != tid) {
      ADD_FAILURE() << "packet from a second TID " << d->from_port;
      continue;
    }
    Packet p = decode(*d);
    if (auto* e = std::get_if<ErrorPacket>(&p)) {
      out.error = *e;
      return out;
    }
    if (auto* o = std::get_if<Oack>(&p)) {
      out.oack = o->options;
      for (const auto& opt : o->options) {
        if (opt.name == "blksize") blksize = std::stoul(opt.value);
        if (opt.name == "windowsize") window = std::stoul(opt.value);
      }
      client.send(tid, build_ack(0));
      continue;
    }
    auto* data = std::get_if<Data>(&p);
    if (data == nullptr) {
      ADD_FAILURE() << "unexpected packet kind " << p.index();
      return out;
    }
    ++out.data_packets;
    if (data->block != expected) {
      // Out of order or repeated: re-ACK what we have so that the window restarts there.
      client.send(tid, build_ack(static_cast<uint16_t>(expected - 1)));
      in_window = 0;
      continue;
    }
    out.content.append(data->payload.begin(), data->payload.end());
    bool last = data->payload.size() < blksize;
    ++in_window;
    if (last || in_window == window) {
      client.send(tid, build_ack(data->block));
      in_window = 0;
    }
    ++expected;
    if (last) {
      out.complete = true;
      return out;
    }
  }
  return out;
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen());
  return s;
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "slipway-tftp-server-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    base_ = tmpl;
    root_ = base_ / "root";
    fs::create_directories(root_ / "boot");
    fs::create_directories(base_ / "outside");
    big_ = random_bytes(300'001, 1);
    write_file(root_ / "boot" / "ipxe.efi", big_);
    write_file(root_ / "exact.bin", random_bytes(1024, 2));
    write_file(root_ / "empty.bin", "");
    write_file(root_ / "notes.txt", "line one\nline two\n");
    write_file(base_ / "outside" / "secret", "do not serve");
    fs::create_symlink("../outside/secret", root_ / "link_out");
    files_ = std::make_unique<FileSource>(
        root_, [](std::string_view path, const ClientInfo& client) -> std::optional<std::string> {
          if (path != "machine.ipxe") return std::nullopt;
          return "#!ipxe\necho hello " + client.address.to_string() + "\n";
        });
  }

  void TearDown() override {
    if (server_) {
      boost::asio::post(io_, [this] { server_->stop(); });
      if (thread_.joinable()) thread_.join();
      server_.reset();
    }
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  static ServerLimits fast_limits() {
    ServerLimits limits;
    limits.retry.initial_timeout = 100ms;
    limits.retry.max_timeout = 200ms;
    limits.retry.max_retries = 3;
    return limits;
  }

  void start(ServerLimits limits = fast_limits()) {
    server_ = std::make_unique<Server>(io_, *files_, metrics_, limits);
    auto status = server_->start("127.0.0.1", 0);
    ASSERT_TRUE(status.ok()) << status.error().message;
    port_ = server_->local_port();
    ASSERT_NE(port_, 0);
    thread_ = std::thread([this] { io_.run(); });
  }

  // The value of one series in the Prometheus text, 0 when absent.
  uint64_t metric(const std::string& series) const {
    std::string text = metrics_.render();
    std::string key = series + " ";
    for (size_t pos = 0; (pos = text.find(key, pos)) != std::string::npos; pos += key.size()) {
      if (pos == 0 || text[pos - 1] == '\n') {
        return std::stoull(text.substr(pos + key.size()));
      }
    }
    return 0;
  }

  // Polls until `series` reaches `at_least` or two seconds pass.
  bool wait_metric(const std::string& series, uint64_t at_least) const {
    auto deadline = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (metric(series) >= at_least) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  fs::path base_;
  fs::path root_;
  std::string big_;
  boost::asio::io_context io_;
  Metrics metrics_;
  std::unique_ptr<FileSource> files_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

TEST_F(ServerTest, FetchesWithBlksizeAndTsize) {
  start();
  UdpClient client;
  auto r = fetch(client, port_, "boot/ipxe.efi", {{"blksize", "1468"}, {"tsize", "0"}});
  ASSERT_FALSE(r.error.has_value()) << r.error->message;
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.oack, (std::vector<Option>{{"blksize", "1468"}, {"tsize", "300001"}}));
  EXPECT_EQ(r.content.size(), big_.size());
  EXPECT_TRUE(r.content == big_);
  EXPECT_EQ(r.data_packets, 300001 / 1468 + 1);
  EXPECT_TRUE(wait_metric("slipway_tftp_transfers_total{outcome=\"completed\"}", 1));
  EXPECT_EQ(metric("slipway_tftp_bytes_sent_total"), 300001u);
  EXPECT_EQ(metric("slipway_tftp_retransmissions_total"), 0u);
}

TEST_F(ServerTest, PlainRfc1350FetchOfAnExactMultiple) {
  start();
  UdpClient client;
  auto r = fetch(client, port_, "/exact.bin");
  ASSERT_TRUE(r.complete);
  EXPECT_TRUE(r.oack.empty());
  EXPECT_EQ(r.data_packets, 3);  // 512 + 512 + 0
  EXPECT_EQ(r.content, random_bytes(1024, 2));

  auto empty = fetch(client, port_, "empty.bin", {{"tsize", "0"}});
  ASSERT_TRUE(empty.complete);
  EXPECT_TRUE(empty.oack.empty());  // no tsize for an empty file: DATA 1 (0 bytes) at once
  EXPECT_TRUE(empty.content.empty());
}

TEST_F(ServerTest, WindowedFetch) {
  start();
  UdpClient client;
  auto r = fetch(client, port_, "boot/ipxe.efi", {{"blksize", "1024"}, {"windowsize", "8"}});
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.oack, (std::vector<Option>{{"blksize", "1024"}, {"windowsize", "8"}}));
  EXPECT_TRUE(r.content == big_);
}

TEST_F(ServerTest, GeneratedContentAndNetascii) {
  start();
  UdpClient client;
  auto gen = fetch(client, port_, "machine.ipxe");
  ASSERT_TRUE(gen.complete);
  EXPECT_EQ(gen.content, "#!ipxe\necho hello 127.0.0.1\n");

  auto text = fetch(client, port_, "notes.txt", {{"tsize", "0"}}, Mode::kNetascii);
  ASSERT_TRUE(text.complete);
  EXPECT_EQ(text.content, "line one\r\nline two\r\n");
  EXPECT_EQ(text.oack, (std::vector<Option>{{"tsize", "20"}}));  // the size on the wire
}

TEST_F(ServerTest, TraversalAndMissingFilesGetErrors) {
  start();
  UdpClient client;
  for (const char* name : {"../outside/secret", "link_out", "boot/../../outside/secret", "boot"}) {
    auto r = fetch(client, port_, name);
    ASSERT_TRUE(r.error.has_value()) << name;
    EXPECT_EQ(r.error->code, 2) << name;
    EXPECT_TRUE(r.content.empty());
  }
  auto missing = fetch(client, port_, "nope.efi");
  ASSERT_TRUE(missing.error.has_value());
  EXPECT_EQ(missing.error->code, 1);
  EXPECT_EQ(metric("slipway_tftp_errors_total{code=\"access_violation\"}"), 4u);
  EXPECT_EQ(metric("slipway_tftp_errors_total{code=\"file_not_found\"}"), 1u);
}

TEST_F(ServerTest, WriteRequestsAreRefused) {
  start();
  UdpClient client;
  client.send(port_, build_request(Request{Opcode::kWrq, "upload.bin", Mode::kOctet, {}}));
  auto d = client.receive();
  ASSERT_TRUE(d.has_value());
  Packet p = decode(*d);
  ASSERT_TRUE(std::holds_alternative<ErrorPacket>(p));
  EXPECT_EQ(std::get<ErrorPacket>(p).code, 2);
  EXPECT_EQ(std::get<ErrorPacket>(p).message, "writes are not allowed");
  EXPECT_FALSE(fs::exists(root_ / "upload.bin"));
}

TEST_F(ServerTest, MalformedPacketsAreDroppedAndTheServerKeepsServing) {
  start();
  UdpClient client;
  client.send(port_, {});
  client.send(port_, {0x00});
  client.send(port_, {0xff, 0xff, 0x00, 0x01});
  client.send(port_, {0x00, 0x01, 'n', 'o', 'n', 'u', 'l'});
  client.send(port_, {0x00, 0x01, 0x00, 'o', 'c', 't', 'e', 't', 0x00});
  std::vector<uint8_t> huge(4000, 'a');  // an "RRQ" far over 512 bytes
  huge[0] = 0;
  huge[1] = 1;
  client.send(port_, huge);
  client.send(port_, build_ack(1));  // a stray ACK on the request port
  auto r = fetch(client, port_, "exact.bin");
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.content, random_bytes(1024, 2));
  EXPECT_EQ(metric("slipway_tftp_dropped_total{reason=\"too_short\"}"), 2u);
  EXPECT_EQ(metric("slipway_tftp_dropped_total{reason=\"unknown_opcode\"}"), 1u);
  EXPECT_EQ(metric("slipway_tftp_dropped_total{reason=\"missing_nul\"}"), 1u);
  EXPECT_EQ(metric("slipway_tftp_dropped_total{reason=\"empty_filename\"}"), 1u);
  EXPECT_EQ(metric("slipway_tftp_dropped_total{reason=\"oversize\"}"), 1u);
  EXPECT_EQ(metric("slipway_tftp_dropped_total{reason=\"unexpected_opcode\"}"), 1u);
}

TEST_F(ServerTest, WrongTidGetsError5AndTheTransferGoesOn) {
  start();
  UdpClient client;
  client.send(port_, build_request(Request{Opcode::kRrq, "exact.bin", Mode::kOctet, {}}));
  auto first = client.receive();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(std::holds_alternative<Data>(decode(*first)));
  uint16_t tid = first->from_port;

  UdpClient intruder;
  intruder.send(tid, build_ack(1));
  auto reply = intruder.receive();
  ASSERT_TRUE(reply.has_value());
  Packet p = decode(*reply);
  ASSERT_TRUE(std::holds_alternative<ErrorPacket>(p));
  EXPECT_EQ(std::get<ErrorPacket>(p).code, 5);

  // The real client carries on from block 1.
  Packet first_packet = decode(*first);
  const auto& first_payload = std::get<Data>(first_packet).payload;
  std::string content(first_payload.begin(), first_payload.end());
  for (uint16_t ack = 1; ack <= 3; ++ack) {
    client.send(tid, build_ack(ack));
    if (ack == 3) break;
    auto d = client.receive();
    ASSERT_TRUE(d.has_value());
    Packet next = decode(*d);
    ASSERT_TRUE(std::holds_alternative<Data>(next));
    EXPECT_EQ(std::get<Data>(next).block, ack + 1);
    content.append(std::get<Data>(next).payload.begin(), std::get<Data>(next).payload.end());
  }
  EXPECT_EQ(content, random_bytes(1024, 2));
  EXPECT_TRUE(wait_metric("slipway_tftp_transfers_total{outcome=\"completed\"}", 1));
  EXPECT_EQ(metric("slipway_tftp_errors_total{code=\"unknown_tid\"}"), 1u);
}

TEST_F(ServerTest, LostAckIsRetransmittedAndTheRetryLimitEndsTheTransfer) {
  start();
  UdpClient client;
  client.send(port_, build_request(Request{Opcode::kRrq, "exact.bin", Mode::kOctet, {}}));
  // Never ACK: DATA 1 comes back 1 + max_retries times, then ERROR 0.
  int data1 = 0;
  std::optional<ErrorPacket> error;
  uint16_t tid = 0;
  for (int i = 0; i < 10 && !error; ++i) {
    auto d = client.receive();
    ASSERT_TRUE(d.has_value());
    if (tid == 0) tid = d->from_port;
    EXPECT_EQ(d->from_port, tid);
    Packet p = decode(*d);
    if (auto* data = std::get_if<Data>(&p)) {
      EXPECT_EQ(data->block, 1);
      ++data1;
    } else if (auto* e = std::get_if<ErrorPacket>(&p)) {
      error = *e;
    }
  }
  EXPECT_EQ(data1, 4);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, 0);
  EXPECT_TRUE(wait_metric("slipway_tftp_transfers_total{outcome=\"failed\"}", 1));
  EXPECT_EQ(metric("slipway_tftp_retransmissions_total"), 3u);
  EXPECT_EQ(metric("slipway_tftp_active_transfers"), 0u);
}

TEST_F(ServerTest, RepeatedRequestFromTheSameClientStartsNoSecondTransfer) {
  start();
  UdpClient client;
  auto rrq = build_request(Request{Opcode::kRrq, "exact.bin", Mode::kOctet, {}});
  client.send(port_, rrq);
  client.send(port_, rrq);
  EXPECT_TRUE(wait_metric("slipway_tftp_dropped_total{reason=\"duplicate_request\"}", 1));
  auto first = client.receive();
  ASSERT_TRUE(first.has_value());
  client.send(first->from_port, build_ack(1));
  client.set_timeout(300ms);
  // Whatever arrives now comes from the one session (DATA 2, maybe a repeated DATA 1).
  while (auto d = client.receive()) {
    EXPECT_EQ(d->from_port, first->from_port);
  }
}

TEST_F(ServerTest, OneClientPortFetchesBackToBack) {
  start();
  UdpClient client;  // one port for every request, as PXE ROMs do
  for (int i = 0; i < 30; ++i) {
    // The next RRQ can reach the server before the previous final ACK has been handled.
    auto r = fetch(client, port_, i % 3 == 2 ? "machine.ipxe" : "exact.bin");
    ASSERT_TRUE(r.complete) << "round " << i;
    if (i % 3 != 2) {
      EXPECT_EQ(r.content, random_bytes(1024, 2)) << "round " << i;
    }
  }
}

TEST_F(ServerTest, NewRequestSupersedesASessionWaitingForALostFinalAck) {
  start();
  UdpClient client;
  client.send(port_, build_request(Request{Opcode::kRrq, "exact.bin", Mode::kOctet, {}}));
  for (uint16_t block = 1; block <= 3; ++block) {
    auto d = client.receive();
    ASSERT_TRUE(d.has_value());
    Packet p = decode(*d);
    ASSERT_TRUE(std::holds_alternative<Data>(p));
    ASSERT_EQ(std::get<Data>(p).block, block);
    if (block < 3) client.send(d->from_port, build_ack(block));
  }
  // ACK 3 is "lost": the client has the file and asks for it again from the same port. An
  // identical request after ACKs is a new fetch, not a retransmission.
  auto r = fetch(client, port_, "exact.bin");
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.content, random_bytes(1024, 2));
  EXPECT_TRUE(wait_metric("slipway_tftp_transfers_total{outcome=\"superseded\"}", 1));
  EXPECT_TRUE(wait_metric("slipway_tftp_transfers_total{outcome=\"completed\"}", 1));
  EXPECT_EQ(metric("slipway_tftp_dropped_total{reason=\"duplicate_request\"}"), 0u);
}

TEST_F(ServerTest, ClientErrorAbortsTheTransfer) {
  start();
  UdpClient client;
  client.send(
      port_, build_request(Request{Opcode::kRrq, "exact.bin", Mode::kOctet, {{"blksize", "600"}}}));
  auto oack = client.receive();
  ASSERT_TRUE(oack.has_value());
  ASSERT_TRUE(std::holds_alternative<Oack>(decode(*oack)));
  client.send(oack->from_port, build_error(ErrorCode::kOptionRefused, "no thanks"));
  EXPECT_TRUE(wait_metric("slipway_tftp_transfers_total{outcome=\"aborted\"}", 1));
}

TEST_F(ServerTest, TransferCapRefusesExtraRequests) {
  ServerLimits limits = fast_limits();
  limits.max_transfers = 1;
  start(limits);
  UdpClient first;
  first.send(port_, build_request(Request{Opcode::kRrq, "exact.bin", Mode::kOctet, {}}));
  ASSERT_TRUE(first.receive().has_value());  // a session is running
  UdpClient second;
  auto r = fetch(second, port_, "exact.bin");
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, 0);
  EXPECT_EQ(metric("slipway_tftp_dropped_total{reason=\"busy\"}"), 1u);
}

TEST_F(ServerTest, ManyConcurrentClients) {
  start();
  std::vector<std::thread> threads;
  std::vector<char> ok(8, 0);
  for (size_t i = 0; i < ok.size(); ++i) {
    threads.emplace_back([&, i] {
      UdpClient c;
      auto r = fetch(c, port_, "boot/ipxe.efi", {{"blksize", "1468"}});
      ok[i] = r.complete && r.content == big_;
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < ok.size(); ++i) {
    EXPECT_TRUE(ok[i]) << i;
  }
  EXPECT_TRUE(wait_metric("slipway_tftp_transfers_total{outcome=\"completed\"}", 8));
}

// Two thousand transfers held open at once, all served by the one io_context thread: every
// client gets its first block before any of them ACKs, then each finishes.
TEST_F(ServerTest, ThousandsOfConcurrentTransfersOnOneThread) {
  constexpr size_t kClients = 2000;
  // Each transfer holds a server socket and a file; the clients hold a socket each.
  rlimit files{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  ASSERT_GE(files.rlim_max, 3 * kClients + 200)
      << "the hard RLIMIT_NOFILE is too low for this test";
  files.rlim_cur = files.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &files), 0);

  const std::string content = random_bytes(1300, 7);  // three 512-byte blocks
  write_file(root_ / "small.bin", content);
  ServerLimits limits;
  limits.max_transfers = 4096;
  limits.retry.initial_timeout = 3000ms;  // no retransmission while the clients take their turns
  limits.retry.max_timeout = 3000ms;
  start(limits);

  std::vector<std::unique_ptr<UdpClient>> clients;
  std::vector<uint16_t> tids(kClients, 0);
  std::vector<std::string> received(kClients);
  for (size_t i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<UdpClient>(2000ms));
    clients[i]->send(port_, build_request(Request{Opcode::kRrq, "small.bin", Mode::kOctet, {}}));
  }
  // Waits for block `want` on client i (a retransmitted earlier block is skipped).
  auto take = [&](size_t i, uint16_t want) {
    for (int tries = 0; tries < 5; ++tries) {
      auto d = clients[i]->receive();
      if (!d) return false;
      if (tids[i] == 0) tids[i] = d->from_port;
      Packet p = decode(*d);
      auto* data = std::get_if<Data>(&p);
      if (data == nullptr) return false;
      if (data->block != want) continue;
      received[i].append(data->payload.begin(), data->payload.end());
      return true;
    }
    return false;
  };
  for (size_t i = 0; i < kClients; ++i)
    ASSERT_TRUE(take(i, 1)) << "client " << i << " got no block 1";
  EXPECT_EQ(metric("slipway_tftp_active_transfers"), kClients);
  std::set<uint16_t> distinct(tids.begin(), tids.end());
  EXPECT_EQ(distinct.size(), kClients) << "every transfer has its own port";

  for (size_t i = 0; i < kClients; ++i) {
    for (uint16_t block = 1; block <= 3; ++block) {
      clients[i]->send(tids[i], build_ack(block));
      if (block < 3) {
        ASSERT_TRUE(take(i, block + 1)) << "client " << i << " block " << block + 1;
      }
    }
    ASSERT_EQ(received[i], content) << "client " << i;
  }
  EXPECT_TRUE(wait_metric("slipway_tftp_transfers_total{outcome=\"completed\"}", kClients));
  EXPECT_EQ(metric("slipway_tftp_active_transfers"), 0u);
  EXPECT_EQ(metric("slipway_tftp_retransmissions_total"), 0u);
}

TEST_F(ServerTest, StopWithTransfersRunningIsClean) {
  start();
  UdpClient client;
  client.send(port_, build_request(Request{Opcode::kRrq, "exact.bin", Mode::kOctet, {}}));
  ASSERT_TRUE(client.receive().has_value());
  // TearDown stops the server with the session still waiting for ACK 1.
}

TEST(ServerStartTest, ReportsBindErrorsAsValues) {
  boost::asio::io_context io;
  Metrics metrics;
  FileSource files(fs::temp_directory_path());
  Server server(io, files, metrics);
  EXPECT_FALSE(server.start("not-an-address", 0).ok());
  EXPECT_FALSE(server.start("192.0.2.1", 0).ok());  // not ours
  EXPECT_EQ(server.local_port(), 0);
  ASSERT_TRUE(server.start("127.0.0.1", 0).ok());
  EXPECT_NE(server.local_port(), 0);
  EXPECT_FALSE(server.start("127.0.0.1", 0).ok());  // already started

  Server second(io, files, metrics);
  EXPECT_FALSE(second.start("127.0.0.1", server.local_port()).ok());  // port in use
  server.stop();
  second.stop();
}

}  // namespace
}  // namespace slipway::tftp
