#pragma once
// The TFTP server: read-only, one io_context thread.
//
// A UDP socket on the configured address and port takes requests. Each accepted RRQ gets its own
// session: a fresh UDP socket on an ephemeral port (the server's TID, RFC 1350) bound to the
// address the request arrived on, a Transfer state machine and a retransmission timer.
//
// Answers and limits:
// - WRQ -> ERROR 2 "writes are not allowed". Path refused by the file source (escape attempt,
//   not a regular file) -> ERROR 2, logged as a warning; missing file -> ERROR 1.
// - A packet on a session port from anyone but the session's client -> ERROR 5 to that sender;
//   the transfer goes on untouched.
// - Malformed packets are counted by reason and dropped; the receive loops never stop on input.
// - An RRQ from a client address and port that already has a session: an identical request
//   sent before the client ACKed anything is the client's retransmission and is dropped (the
//   session's timer answers it); anything else means the client has moved on, so the old session
//   ends quietly (outcome "superseded") and the new request is served. Beyond max_transfers
//   running sessions an RRQ gets ERROR 0.
// - The session socket is not connect()ed: a connected UDP socket never sees packets from other
//   ports, and answering those with ERROR 5 is what RFC 1350 asks. Every datagram's source is
//   checked against the client's address and port instead.
//
// Metrics: slipway_tftp_transfers_total{outcome=completed|failed|aborted|superseded},
// slipway_tftp_bytes_sent_total, slipway_tftp_errors_total{code=<error name>} (ERRORs sent),
// slipway_tftp_retransmissions_total, slipway_tftp_dropped_total{reason=...},
// slipway_tftp_active_transfers (gauge).
//
// Thread-safety: every member function must be called on the io_context's thread (or before it
// runs). FileSource and Metrics must outlive the io_context's handlers; the Server itself may be
// destroyed at any time after stop() (its handlers keep what they need alive).

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/metrics.h"
#include "common/result.h"
#include "tftp/file_source.h"
#include "tftp/negotiation.h"
#include "tftp/transfer.h"

namespace slipway::tftp {

struct ServerLimits {
  NegotiationLimits negotiation;
  RetryPolicy retry;
  size_t max_transfers = 4096;
  // Netascii transfers are converted in memory; larger files are refused (use octet mode).
  uint64_t max_netascii_size = 16 * 1024 * 1024;
};

class Server {
 public:
  Server(boost::asio::io_context& io, FileSource& files, Metrics& metrics,
         ServerLimits limits = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the request socket ("0.0.0.0" for every address; port 0 picks a free port) and starts
  // serving. Errors (bad address, port in use, already started) come back as values.
  Status start(const std::string& address = "0.0.0.0", uint16_t port = 69);
  // The bound request port; 0 before start().
  uint16_t local_port() const;
  // Closes the request socket and every session; running transfers are abandoned silently.
  void stop();
  // Sessions currently running.
  size_t active_transfers() const;

 private:
  class Core;
  class Session;
  std::shared_ptr<Core> core_;
};

}  // namespace slipway::tftp
