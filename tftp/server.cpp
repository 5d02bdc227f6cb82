#include "tftp/server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <unordered_map>
#include <variant>

#include "common/log.h"
#include "tftp/netascii.h"
#include "tftp/packet.h"

namespace slipway::tftp {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

// Requests carry at most 512 bytes, but anything up to a full datagram is read so that an
// oversize packet is seen whole and counted as such.
constexpr size_t kRequestBufferSize = 65536;
// Receive buffer of the request socket.
constexpr size_t kRequestSocketBuffer = 4 * 1024 * 1024;
// A session only ever expects ACKs and ERRORs from its client.
constexpr size_t kSessionBufferSize = 1024;
// Datagrams a session reads per system call: a client has one ACK in flight, strays are rare.
constexpr unsigned kSessionBatch = 4;
// Datagrams taken from the request socket per readiness event, so one busy socket cannot starve
// the sessions sharing the thread.
constexpr int kMaxBurst = 64;
// ERROR 5 replies waiting in one session's send queue beyond this are not queued: a flood of
// stray packets must not grow memory.
constexpr size_t kMaxQueuedPackets = 4096;

// Client-supplied text for a log line: control characters replaced, length capped.
std::string printable(std::string_view s, size_t max = 200) {
  std::string out;
  for (char c : s.substr(0, max)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '"' ? '?' : c);
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string describe(const udp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

class Server::Core : public std::enable_shared_from_this<Server::Core> {
 public:
  Core(asio::io_context& io, FileSource& files, Metrics& metrics, ServerLimits limits)
      : io_(io),
        files_(files),
        metrics_(metrics),
        limits_(limits),
        socket_(io),
        bytes_sent_(metrics.counter("slipway_tftp_bytes_sent_total",
                                    "TFTP DATA payload bytes sent, retransmissions included")),
        retransmissions_(metrics.counter("slipway_tftp_retransmissions_total",
                                         "TFTP DATA and OACK packets sent again after a timeout")),
        active_(metrics.gauge("slipway_tftp_active_transfers", "TFTP transfers running")) {}

  Status start(const std::string& address, uint16_t port);
  void stop();
  uint16_t local_port() const {
    boost::system::error_code ec;
    return socket_.is_open() ? socket_.local_endpoint(ec).port() : 0;
  }
  size_t active() const { return sessions_.size(); }

  // Used by sessions.
  Counter& dropped(std::string_view reason);
  Counter& errors(ErrorCode code);
  void finished(const udp::endpoint& client, const Session* session, std::string_view outcome);
  Counter& bytes_sent() { return bytes_sent_; }
  Counter& retransmissions() { return retransmissions_; }

 private:
  void wait();
  void drain();
  void handle(std::span<const uint8_t> bytes, const udp::endpoint& from,
              const asio::ip::address_v4& local);
  void send_error(const udp::endpoint& to, ErrorCode code, std::string_view message);
  Counter& labelled(std::unordered_map<std::string, Counter*>& cache, const std::string& name,
                    const std::string& help, const std::string& label, std::string_view value);

  asio::io_context& io_;
  FileSource& files_;
  Metrics& metrics_;
  ServerLimits limits_;
  udp::socket socket_;
  Counter& bytes_sent_;
  Counter& retransmissions_;
  Gauge& active_;
  asio::ip::address_v4 listen_address_;
  bool stopped_ = false;
  std::array<uint8_t, kRequestBufferSize> buffer_{};
  std::map<udp::endpoint, std::shared_ptr<Session>> sessions_;
  std::unordered_map<std::string, Counter*> dropped_;
  std::unordered_map<std::string, Counter*> errors_;
  std::unordered_map<std::string, Counter*> transfers_;
};

// One read transfer. Owns its socket, timer, file and send queue; async handlers hold a
// shared_ptr to it, so it lives until the last of them has run.
class Server::Session : public std::enable_shared_from_this<Server::Session> {
 public:
  Session(asio::io_context& io, std::shared_ptr<Core> core, udp::endpoint client, Request request,
          std::unique_ptr<OpenFile> file, const Negotiated& params, const RetryPolicy& retry)
      : core_(std::move(core)),
        socket_(io),
        timer_(io),
        client_(std::move(client)),
        request_(std::move(request)),
        file_(std::move(file)),
        params_(params),
        transfer_(params, *file_, retry),
        started_(std::chrono::steady_clock::now()) {}

  Status open(const asio::ip::address_v4& local) {
    boost::system::error_code ec;
    socket_.open(udp::v4(), ec);
    if (!ec) socket_.bind(udp::endpoint(local, 0), ec);
    if (ec) return Error{"cannot open transfer socket: " + ec.message()};
    return {};
  }

  void start() {
    receive();
    apply(transfer_.start());
  }

  // True for a repeat of the request that started this session, sent before the client heard
  // anything from it: the client's own retransmission, which the session's timer already covers.
  bool is_retransmission_of(const Request& request) const {
    return !heard_from_client_ && request == request_;
  }

  // The same client (address and port) asked for something new: it has given up on this
  // transfer, or finished it and the final ACK is still queued. Stop quietly.
  void supersede() { finish("superseded"); }

  // Server shutdown: abandon everything, say nothing to the client.
  void close() {
    done_ = true;
    close_socket();
    timer_.cancel();
  }

 private:
  struct Outgoing {
    udp::endpoint to;
    std::vector<uint8_t> bytes;
  };

  // Waits for the socket to be readable, then takes every datagram already there (up to
  // kMaxBurst) with non-blocking reads: one wake-up per burst, no per-datagram Asio operation.
  void receive() {
    socket_.async_wait(udp::socket::wait_read,
                       [self = shared_from_this()](boost::system::error_code ec) {
                         if (self->done_ || ec == asio::error::operation_aborted) return;
                         if (!ec) self->drain();
                         if (!self->done_) self->receive();
                       });
  }

  // recvmmsg reads what is queued in one call; fewer datagrams than asked for means the queue
  // was empty, and any datagram arriving after that raises a new readiness event.
  void drain() {
    constexpr unsigned kBatch = kSessionBatch;
    for (int round = 0; round < kMaxBurst / static_cast<int>(kBatch) && !done_; ++round) {
      std::array<mmsghdr, kBatch> msgs{};
      std::array<iovec, kBatch> iovs{};
      std::array<sockaddr_in, kBatch> from{};
      for (unsigned i = 0; i < kBatch; ++i) {
        iovs[i] = iovec{buffers_[i].data(), buffers_[i].size()};
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int n = ::recvmmsg(socket_.native_handle(), msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // EAGAIN, or an ICMP error reported on the socket: nothing more to read now
      }
      for (int i = 0; i < n && !done_; ++i) {
        sender_ = udp::endpoint(asio::ip::address_v4(ntohl(from[i].sin_addr.s_addr)),
                                ntohs(from[i].sin_port));
        handle(std::span<const uint8_t>(buffers_[i].data(), msgs[i].msg_len),
               (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0);
      }
      if (n < static_cast<int>(kBatch)) return;
    }
  }

  void handle(std::span<const uint8_t> bytes, bool truncated) {
    if (sender_ != client_) {
      // Someone else's packet: tell them, and leave the transfer alone (RFC 1350 section 4).
      core_->dropped("unknown_tid").inc();
      if (queue_.size() < kMaxQueuedPackets) {
        core_->errors(ErrorCode::kUnknownTid).inc();
        enqueue(sender_, build_error(ErrorCode::kUnknownTid, "unknown transfer id"));
        flush();
      }
      return;
    }
    if (truncated) {
      core_->dropped(to_string(ParseError::kOversize)).inc();
      return;
    }
    auto parsed = parse(bytes);
    if (auto* error = std::get_if<ParseError>(&parsed)) {
      core_->dropped(to_string(*error)).inc();
      return;
    }
    const Packet& packet = std::get<Packet>(parsed);
    if (auto* ack = std::get_if<Ack>(&packet)) {
      heard_from_client_ = true;
      apply(transfer_.on_ack(ack->block));
    } else if (auto* err = std::get_if<ErrorPacket>(&packet)) {
      log::get("tftp")->info("client aborted file=\"{}\" client={} code={} message=\"{}\"",
                             printable(request_.filename), describe(client_), err->code,
                             printable(err->message));
      finish("aborted");
    } else {
      core_->dropped("unexpected_opcode").inc();
    }
  }

  void apply(Actions actions) {
    for (auto& bytes : actions.send) enqueue(client_, std::move(bytes));
    flush();
    if (actions.arm_timer) arm(*actions.arm_timer);
    const TransferCounters& c = transfer_.counters();
    core_->bytes_sent().inc(c.bytes_sent - reported_.bytes_sent);
    core_->retransmissions().inc(c.retransmissions - reported_.retransmissions);
    reported_ = c;
    if (transfer_.state() == TransferState::kCompleted) {
      finish("completed");
    } else if (transfer_.state() == TransferState::kFailed) {
      core_->errors(ErrorCode::kNotDefined).inc();  // the state machine's farewell ERROR 0
      finish("failed");
    } else {
      transfer_.prepare_next();
    }
  }

  // Sets the retransmission deadline. The Asio timer is not re-armed for every block: it keeps
  // its expiry while that is not later than the new deadline, and on expiry it only reports a
  // timeout when the deadline has really passed (else it waits again for the rest). In a healthy
  // transfer the timer fires about once per timeout period instead of being reset per ACK.
  void arm(std::chrono::milliseconds delay) {
    deadline_ = std::chrono::steady_clock::now() + delay;
    if (timer_running_ && timer_.expiry() <= deadline_) return;
    start_timer();
  }

  void start_timer() {
    // A generation number tells a stale expiry (already queued when the timer was re-armed)
    // from the current one.
    uint64_t generation = ++timer_generation_;
    timer_running_ = true;
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this(), generation](boost::system::error_code ec) {
      if (ec || self->done_ || generation != self->timer_generation_) return;
      self->timer_running_ = false;
      if (std::chrono::steady_clock::now() < self->deadline_) {
        self->start_timer();
        return;
      }
      self->apply(self->transfer_.on_timeout());
    });
  }

  void enqueue(const udp::endpoint& to, std::vector<uint8_t> bytes) {
    queue_.push_back(Outgoing{to, std::move(bytes)});
  }

  // Sends what is queued with sendmmsg, a batch per system call. When the socket's send buffer is
  // full (a large window of large blocks), waits until it is writable and goes on from there.
  void flush() {
    while (!queue_.empty() && !closed_ && !waiting_writable_) {
      constexpr size_t kBatch = 64;
      std::array<mmsghdr, kBatch> msgs{};
      std::array<iovec, kBatch> iovs{};
      std::array<sockaddr_in, kBatch> addrs{};
      size_t count = std::min(queue_.size(), kBatch);
      for (size_t i = 0; i < count; ++i) {
        Outgoing& out = queue_[i];
        addrs[i].sin_family = AF_INET;
        addrs[i].sin_port = htons(out.to.port());
        addrs[i].sin_addr.s_addr = htonl(out.to.address().to_v4().to_uint());
        iovs[i] = iovec{out.bytes.data(), out.bytes.size()};
        msgs[i].msg_hdr.msg_name = &addrs[i];
        msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int sent = ::sendmmsg(socket_.native_handle(), msgs.data(), static_cast<unsigned>(count),
                            MSG_DONTWAIT);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
          wait_writable();
          return;
        }
        // The first datagram could not go (an ICMP error from an earlier one, say). Lost like
        // any datagram: the retransmission timer covers it.
        core_->dropped("send_failed").inc();
        sent = 1;
      }
      queue_.erase(queue_.begin(), queue_.begin() + sent);
    }
    if (queue_.empty() && done_) close_socket();
  }

  void wait_writable() {
    waiting_writable_ = true;
    socket_.async_wait(udp::socket::wait_write,
                       [self = shared_from_this()](boost::system::error_code ec) {
                         self->waiting_writable_ = false;
                         if (ec == asio::error::operation_aborted || self->closed_) return;
                         self->flush();
                       });
  }

  // The transfer is over: leave the server's table now, close the socket once queued packets
  // (a final ERROR, say) are out.
  void finish(std::string_view outcome) {
    if (done_) return;
    done_ = true;
    ++timer_generation_;
    timer_.cancel();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started_)
                  .count();
    const TransferCounters& c = transfer_.counters();
    if (outcome == "completed") {
      log::get("tftp")->info(
          "sent file=\"{}\" client={} bytes={} blocks={} retransmissions={} blksize={} "
          "windowsize={} ms={}",
          printable(request_.filename), describe(client_), file_->size(), transfer_.total_blocks(),
          c.retransmissions, params_.blksize, params_.windowsize, ms);
    } else if (outcome == "superseded") {
      log::get("tftp")->debug("superseded file=\"{}\" client={} blocks_sent={}",
                              printable(request_.filename), describe(client_), c.blocks_sent);
    } else if (outcome == "failed") {
      log::get("tftp")->warn("transfer failed file=\"{}\" client={} reason={} blocks_sent={} ms={}",
                             printable(request_.filename), describe(client_), transfer_.failure(),
                             c.blocks_sent, ms);
    }
    core_->finished(client_, this, outcome);
    if (queue_.empty() && !waiting_writable_) close_socket();
  }

  void close_socket() {
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  std::shared_ptr<Core> core_;
  udp::socket socket_;
  asio::steady_timer timer_;
  udp::endpoint client_;
  Request request_;
  std::unique_ptr<OpenFile> file_;  // before transfer_, which reads from it
  Negotiated params_;
  Transfer transfer_;
  std::chrono::steady_clock::time_point started_;
  std::array<std::array<uint8_t, kSessionBufferSize>, kSessionBatch> buffers_{};
  udp::endpoint sender_;
  std::deque<Outgoing> queue_;
  bool waiting_writable_ = false;  // the send buffer was full; flush() resumes when writable
  bool done_ = false;              // the transfer is over; nothing more is handled
  bool closed_ = false;            // the socket is closed
  bool heard_from_client_ = false;
  uint64_t timer_generation_ = 0;
  bool timer_running_ = false;
  std::chrono::steady_clock::time_point deadline_;
  TransferCounters reported_;
};

Status Server::Core::start(const std::string& address, uint16_t port) {
  if (socket_.is_open() || stopped_) return Error{"tftp: server already started"};
  boost::system::error_code ec;
  listen_address_ = asio::ip::make_address_v4(address, ec);
  if (ec) return Error{"tftp: bad listen address: " + address};
  socket_.open(udp::v4(), ec);
  if (ec) return Error{"tftp: cannot open socket: " + ec.message()};
  // The address each request was sent to, so that a session answers from that same address even
  // when the request socket listens on 0.0.0.0 of a multi-homed host.
  int on = 1;
  if (::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_PKTINFO, &on, sizeof on) != 0) {
    socket_.close(ec);
    return Error{std::string("tftp: cannot set IP_PKTINFO: ") + std::strerror(errno)};
  }
  // A burst of requests (a rack powering on) must not overflow the default receive buffer of
  // about 200 KiB, a few hundred requests. Forced past net.core.rmem_max where allowed (root).
  int rcvbuf = static_cast<int>(kRequestSocketBuffer);
  if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) !=
      0) {
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  socket_.bind(udp::endpoint(listen_address_, port), ec);
  if (!ec) socket_.native_non_blocking(true, ec);
  if (ec) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    return Error{"tftp: cannot bind " + address + ":" + std::to_string(port) + ": " + ec.message()};
  }
  log::get("tftp")->info("listening address={} port={} max_transfers={}", address, local_port(),
                         limits_.max_transfers);
  wait();
  return {};
}

void Server::Core::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  for (auto& [client, session] : sessions_) session->close();
  sessions_.clear();
  active_.set(0);
}

Counter& Server::Core::labelled(std::unordered_map<std::string, Counter*>& cache,
                                const std::string& name, const std::string& help,
                                const std::string& label, std::string_view value) {
  std::string key(value);
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  Counter& c = metrics_.counter(name, help, label + "=\"" + key + "\"");
  cache.emplace(std::move(key), &c);
  return c;
}

Counter& Server::Core::dropped(std::string_view reason) {
  return labelled(dropped_, "slipway_tftp_dropped_total", "TFTP packets dropped, by reason",
                  "reason", reason);
}

Counter& Server::Core::errors(ErrorCode code) {
  return labelled(errors_, "slipway_tftp_errors_total", "TFTP ERROR packets sent, by code", "code",
                  to_string(code));
}

void Server::Core::finished(const udp::endpoint& client, const Session* session,
                            std::string_view outcome) {
  labelled(transfers_, "slipway_tftp_transfers_total", "TFTP read transfers ended, by outcome",
           "outcome", outcome)
      .inc();
  auto it = sessions_.find(client);
  if (it != sessions_.end() && it->second.get() == session) sessions_.erase(it);
  active_.set(static_cast<int64_t>(sessions_.size()));
}

void Server::Core::wait() {
  socket_.async_wait(
      udp::socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
        if (self->stopped_ || ec == asio::error::operation_aborted) return;
        if (ec) {
          log::get("tftp")->error("request socket wait failed error=\"{}\"", ec.message());
        } else {
          self->drain();
        }
        if (!self->stopped_) self->wait();
      });
}

void Server::Core::drain() {
  for (int i = 0; i < kMaxBurst && !stopped_; ++i) {
    sockaddr_in from{};
    iovec iov{buffer_.data(), buffer_.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in_pktinfo))> control{};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ssize_t n = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        log::get("tftp")->debug("recvmsg failed error=\"{}\"", std::strerror(errno));
      }
      return;
    }
    if (msg.msg_flags & MSG_TRUNC) {
      dropped(to_string(ParseError::kOversize)).inc();
      continue;
    }
    asio::ip::address_v4 local = listen_address_;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        local = asio::ip::address_v4(ntohl(info.ipi_spec_dst.s_addr));
      }
    }
    udp::endpoint sender(asio::ip::address_v4(ntohl(from.sin_addr.s_addr)), ntohs(from.sin_port));
    handle(std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(n)), sender, local);
  }
}

void Server::Core::send_error(const udp::endpoint& to, ErrorCode code, std::string_view message) {
  errors(code).inc();
  auto bytes = build_error(code, message);
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(bytes), to, 0, ec);
  if (ec) dropped("send_failed").inc();
}

void Server::Core::handle(std::span<const uint8_t> bytes, const udp::endpoint& from,
                          const asio::ip::address_v4& local) {
  auto parsed = parse(bytes);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    dropped(to_string(*error)).inc();
    log::get("tftp")->debug("dropped malformed packet from={} reason={}", describe(from),
                            to_string(*error));
    return;
  }
  auto* request = std::get_if<Request>(&std::get<Packet>(parsed));
  if (request == nullptr) {
    // DATA/ACK/ERROR/OACK belong on a session port; here they are strays from ended transfers.
    dropped("unexpected_opcode").inc();
    return;
  }
  if (request->opcode == Opcode::kWrq) {
    log::get("tftp")->info("refused write file=\"{}\" client={}", printable(request->filename),
                           describe(from));
    send_error(from, ErrorCode::kAccessViolation, "writes are not allowed");
    return;
  }
  if (auto it = sessions_.find(from); it != sessions_.end()) {
    if (it->second->is_retransmission_of(*request)) {
      dropped("duplicate_request").inc();
      return;
    }
    // Clients that keep one port for successive files (PXE ROMs do) must not wait for the old
    // session to notice the end; it leaves the table here.
    it->second->supersede();
  }
  if (sessions_.size() >= limits_.max_transfers) {
    dropped("busy").inc();
    send_error(from, ErrorCode::kNotDefined, "server busy, try again later");
    return;
  }

  ClientInfo client{Ipv4(from.address().to_v4().to_uint()), from.port()};
  auto opened = files_.open(request->filename, client);
  if (auto* failure = std::get_if<OpenFailure>(&opened)) {
    switch (failure->error) {
      case OpenError::kNotFound:
        log::get("tftp")->debug("not found file=\"{}\" client={}", printable(request->filename),
                                describe(from));
        send_error(from, ErrorCode::kFileNotFound, "file not found");
        break;
      case OpenError::kAccessDenied:
        log::get("tftp")->warn("refused path=\"{}\" client={} reason=\"{}\"",
                               printable(request->filename), describe(from),
                               printable(failure->reason));
        send_error(from, ErrorCode::kAccessViolation, "access violation");
        break;
      case OpenError::kReadError:
        log::get("tftp")->error("cannot open file=\"{}\" client={} reason=\"{}\"",
                                printable(request->filename), describe(from),
                                printable(failure->reason));
        send_error(from, ErrorCode::kNotDefined, "cannot read file");
        break;
    }
    return;
  }
  auto file = std::move(std::get<std::unique_ptr<OpenFile>>(opened));

  if (request->mode == Mode::kNetascii) {
    // The conversion changes every offset, so it is done once, up front, in memory.
    if (file->size() > limits_.max_netascii_size) {
      send_error(from, ErrorCode::kNotDefined, "file too large for netascii, use octet mode");
      return;
    }
    std::string raw(static_cast<size_t>(file->size()), '\0');
    auto read =
        file->read_at(0, std::span<uint8_t>(reinterpret_cast<uint8_t*>(raw.data()), raw.size()));
    if (!read.ok() || *read != raw.size()) {
      send_error(from, ErrorCode::kNotDefined, "cannot read file");
      return;
    }
    file = std::make_unique<OpenFile>(to_netascii(raw));
  }

  Negotiated params = negotiate(request->options, file->size(), limits_.negotiation);
  auto session = std::make_shared<Session>(io_, shared_from_this(), from, *request, std::move(file),
                                           params, limits_.retry);
  if (auto status = session->open(local.is_unspecified() ? listen_address_ : local); !status.ok()) {
    log::get("tftp")->error("cannot start transfer client={} error=\"{}\"", describe(from),
                            status.error().message);
    send_error(from, ErrorCode::kNotDefined, "server error");
    return;
  }
  log::get("tftp")->debug("start file=\"{}\" client={} mode={} blksize={} windowsize={} oack={}",
                          printable(request->filename), describe(from), to_string(request->mode),
                          params.blksize, params.windowsize, !params.oack.empty());
  sessions_.emplace(from, session);
  active_.set(static_cast<int64_t>(sessions_.size()));
  session->start();
}

Server::Server(asio::io_context& io, FileSource& files, Metrics& metrics, ServerLimits limits)
    : core_(std::make_shared<Core>(io, files, metrics, limits)) {}

Server::~Server() { core_->stop(); }

Status Server::start(const std::string& address, uint16_t port) {
  return core_->start(address, port);
}

uint16_t Server::local_port() const { return core_->local_port(); }

void Server::stop() { core_->stop(); }

size_t Server::active_transfers() const { return core_->active(); }

}  // namespace slipway::tftp
