#include "tftp/transfer.h"

#include <algorithm>

namespace slipway::tftp {

Transfer::Transfer(const Negotiated& params, BlockSource& source, RetryPolicy policy)
    : params_(params),
      source_(source),
      policy_(policy),
      size_(source.size()),
      last_block_(size_ / params.blksize + 1),
      oack_pending_(!params.oack.empty()) {}

std::chrono::milliseconds Transfer::timeout() const {
  if (params_.timeout_seconds) return std::chrono::seconds(*params_.timeout_seconds);
  auto t = policy_.initial_timeout;
  for (int i = 0; i < retries_ && t < policy_.max_timeout; ++i) t *= 2;
  return std::min(t, policy_.max_timeout);
}

void Transfer::fail(std::string_view reason, std::string_view message, Actions& out) {
  state_ = TransferState::kFailed;
  failure_ = reason;
  out.send.push_back(build_error(ErrorCode::kNotDefined, message));
  out.arm_timer.reset();
}

std::string_view Transfer::read_block(uint64_t block, std::vector<uint8_t>& packet) {
  uint64_t offset = (block - 1) * params_.blksize;
  size_t length = static_cast<size_t>(std::min<uint64_t>(params_.blksize, size_ - offset));
  packet = data_packet(static_cast<uint16_t>(block & 0xFFFF), length);
  auto read = source_.read_at(offset, std::span<uint8_t>(packet.data() + kDataHeaderSize, length));
  if (!read.ok()) return "read_error";
  // A file that shrank under us would otherwise end the transfer early with a short block.
  if (*read != length) return "short_read";
  return {};
}

void Transfer::prepare_next() {
  uint64_t next = window_end_ + 1;
  if (state_ != TransferState::kRunning || oack_pending_ || next > last_block_ ||
      (prepared_ && prepared_block_ == next)) {
    return;
  }
  std::vector<uint8_t> packet;
  if (!read_block(next, packet).empty()) return;  // the real send reads again and reports it
  prepared_ = std::move(packet);
  prepared_block_ = next;
}

bool Transfer::send_block(uint64_t block, Actions& out) {
  std::vector<uint8_t> packet;
  if (prepared_ && prepared_block_ == block) {
    packet = std::move(*prepared_);
    prepared_.reset();
  } else if (auto failure = read_block(block, packet); !failure.empty()) {
    fail(failure, failure == "short_read" ? "file changed during transfer" : "cannot read file",
         out);
    return false;
  }
  size_t length = packet.size() - kDataHeaderSize;
  out.send.push_back(std::move(packet));
  ++counters_.blocks_sent;
  counters_.bytes_sent += length;
  if (block <= highest_sent_) {
    ++counters_.retransmissions;
  } else {
    highest_sent_ = block;
  }
  return true;
}

// Sends blocks acked_+1 .. acked_+windowsize (or to the last block) and arms the timer.
void Transfer::send_window(Actions& out) {
  uint64_t last = std::min<uint64_t>(acked_ + params_.windowsize, last_block_);
  for (uint64_t block = acked_ + 1; block <= last; ++block) {
    if (!send_block(block, out)) return;
  }
  window_end_ = last;
  out.arm_timer = timeout();
}

Actions Transfer::start() {
  Actions out;
  if (oack_pending_) {
    out.send.push_back(build_oack(params_.oack));
    out.arm_timer = timeout();
  } else {
    send_window(out);
  }
  return out;
}

Actions Transfer::on_ack(uint16_t block) {
  Actions out;
  if (state_ != TransferState::kRunning) return out;
  if (oack_pending_) {
    if (block != 0) return out;  // nothing but the OACK is outstanding
    oack_pending_ = false;
    retries_ = 0;
    send_window(out);
    return out;
  }
  // Map the 16-bit number onto the blocks after the newest ACK; only blocks already sent count.
  uint16_t distance = static_cast<uint16_t>(block - static_cast<uint16_t>(acked_ & 0xFFFF));
  if (distance == 0) return out;  // duplicate: only a timeout retransmits
  uint64_t absolute = acked_ + distance;
  if (absolute > window_end_) return out;  // stale (older than acked_) or never sent
  acked_ = absolute;
  retries_ = 0;
  if (acked_ == last_block_) {
    state_ = TransferState::kCompleted;
    return out;
  }
  send_window(out);
  return out;
}

Actions Transfer::on_timeout() {
  Actions out;
  if (state_ != TransferState::kRunning) return out;
  if (retries_ >= policy_.max_retries) {
    fail("timeout", "transfer timed out", out);
    return out;
  }
  ++retries_;
  if (oack_pending_) {
    out.send.push_back(build_oack(params_.oack));
    ++counters_.retransmissions;
    out.arm_timer = timeout();
  } else {
    send_window(out);
  }
  return out;
}

}  // namespace slipway::tftp
