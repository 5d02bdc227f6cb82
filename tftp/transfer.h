#pragma once
// The read-transfer state machine: negotiated parameters and a block source in, packets to send
// and timer requests out. No sockets, no clocks: the server feeds it ACKs and timer expiries, unit
// tests feed it the same events by hand.
//
// Protocol behaviour:
// - With options accepted, the OACK goes first and DATA 1 waits for ACK 0 (RFC 2347).
// - Blocks are numbered from 1; the wire number is the low 16 bits, so block 65536 goes out as 0
//   (the wrap-to-zero convention of tftp-hpa and most clients).
// - Lock-step windows (RFC 7440): up to `windowsize` blocks are sent, then the transfer waits.
//   An ACK of any sent block that is newer than the last ACKed one advances the window and sends
//   the next window starting right after it, so blocks lost in the middle are resent at once.
// - Only a timeout retransmits. A repeated ACK or an ACK older than the newest one is ignored,
//   which is what avoids the Sorcerer's Apprentice storm of RFC 1350 (RFC 1123 4.2.3.1).
// - Retransmission interval: the client's timeout option when negotiated, else exponential
//   backoff from RetryPolicy::initial_timeout up to max_timeout. After max_retries consecutive
//   timeouts without progress the transfer fails and sends ERROR 0.
// - The last block is shorter than blksize: zero bytes when the size is a multiple of blksize.
//   The transfer is complete when that block is ACKed.
//
// Thread-safety: none; one Transfer belongs to one session. The BlockSource must outlive it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "tftp/negotiation.h"

namespace slipway::tftp {

// What a transfer reads from: a file on disk, generated content, or a test pattern.
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // The number of bytes to send; fixed for the source's lifetime.
  virtual uint64_t size() const = 0;
  // Fills `out` from `offset`; returns the number of bytes read, which is out.size() unless the
  // source ends first. REQUIRES: offset <= size().
  virtual Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) = 0;
};

struct RetryPolicy {
  int max_retries = 5;  // consecutive timeouts tolerated; the next one fails the transfer
  std::chrono::milliseconds initial_timeout{1000};
  std::chrono::milliseconds max_timeout{5000};
};

enum class TransferState { kRunning, kCompleted, kFailed };

struct TransferCounters {
  uint64_t blocks_sent = 0;      // DATA packets sent, retransmissions included
  uint64_t bytes_sent = 0;       // DATA payload bytes sent, retransmissions included
  uint64_t retransmissions = 0;  // DATA and OACK packets sent more than once
};

// The effect of one event. Packets go out in order. When `arm_timer` is set the retransmission
// timer must be (re)started with that delay, replacing any pending expiry; when it is not set a
// running timer is left alone. Once state() is no longer kRunning the timer is not needed.
struct Actions {
  std::vector<std::vector<uint8_t>> send;
  std::optional<std::chrono::milliseconds> arm_timer;
};

class Transfer {
 public:
  // REQUIRES: params.blksize in [kMinBlockSize, kMaxBlockSize], params.windowsize >= 1.
  Transfer(const Negotiated& params, BlockSource& source, RetryPolicy policy = {});

  // Sends the OACK, or the first window when no option was accepted. Call once, first.
  Actions start();
  // An ACK from the client, with the block number as received.
  Actions on_ack(uint16_t block);
  // The retransmission timer expired.
  Actions on_timeout();
  // Reads the block that the next ACK will most likely ask for, so that answering it costs no
  // file read. Call after the packets of an event have been sent (while the client is busy);
  // optional, and a read error here is left for the real send to report.
  void prepare_next();

  TransferState state() const { return state_; }
  // Why the transfer failed ("timeout", "read_error", "short_read"); empty otherwise.
  std::string_view failure() const { return failure_; }
  const TransferCounters& counters() const { return counters_; }
  // The number of DATA blocks the whole file takes: size / blksize + 1.
  uint64_t total_blocks() const { return last_block_; }

 private:
  void send_window(Actions& out);
  bool send_block(uint64_t block, Actions& out);
  // Fills `packet` with the DATA packet of `block`; returns the failure reason, empty when fine.
  std::string_view read_block(uint64_t block, std::vector<uint8_t>& packet);
  void fail(std::string_view reason, std::string_view message, Actions& out);
  std::chrono::milliseconds timeout() const;

  Negotiated params_;
  BlockSource& source_;
  RetryPolicy policy_;
  uint64_t size_;
  uint64_t last_block_;
  TransferState state_ = TransferState::kRunning;
  std::string_view failure_;
  bool oack_pending_;        // OACK sent, ACK 0 not yet received
  uint64_t acked_ = 0;       // newest block ACKed (0: none, or the OACK)
  uint64_t window_end_ = 0;  // newest block sent in the current window
  uint64_t highest_sent_ = 0;
  int retries_ = 0;
  std::optional<std::vector<uint8_t>> prepared_;  // the DATA packet of prepared_block_
  uint64_t prepared_block_ = 0;
  TransferCounters counters_;
};

}  // namespace slipway::tftp
