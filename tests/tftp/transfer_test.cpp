#include "tftp/transfer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tftp/packet.h"

namespace slipway::tftp {
namespace {

using std::chrono::milliseconds;

// Byte i of the file is a function of i, so any block can be checked without storing the file.
uint8_t pattern(uint64_t i) { return static_cast<uint8_t>((i * 131) ^ (i >> 9)); }

class PatternSource final : public BlockSource {
 public:
  explicit PatternSource(uint64_t size) : size_(size) {}
  uint64_t size() const override { return size_; }
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    ++reads;
    if (fail_from && offset >= *fail_from) return Error{"disk on fire"};
    uint64_t end = std::min<uint64_t>(size_ - shrink_by, offset + out.size());
    size_t n = end > offset ? static_cast<size_t>(end - offset) : 0;
    for (size_t i = 0; i < n; ++i) out[i] = pattern(offset + i);
    return n;
  }
  std::optional<uint64_t> fail_from;
  uint64_t shrink_by = 0;  // pretend the file shrank after size() was taken
  int reads = 0;

 private:
  uint64_t size_;
};

Negotiated params(uint16_t blksize = 512, uint16_t windowsize = 1, bool oack = false) {
  Negotiated n;
  n.blksize = blksize;
  n.windowsize = windowsize;
  if (oack) n.oack = {{"blksize", std::to_string(blksize)}};
  return n;
}

Packet decode(const std::vector<uint8_t>& wire) {
  auto parsed = parse(wire);
  EXPECT_TRUE(std::holds_alternative<Packet>(parsed));
  return std::get<Packet>(parsed);
}

// The DATA block numbers in a batch of packets; fails the test on any other packet kind.
std::vector<uint16_t> data_blocks(const Actions& a) {
  std::vector<uint16_t> out;
  for (const auto& wire : a.send) {
    Packet p = decode(wire);
    EXPECT_TRUE(std::holds_alternative<Data>(p));
    if (auto* d = std::get_if<Data>(&p)) out.push_back(d->block);
  }
  return out;
}

Data only_data(const Actions& a) {
  EXPECT_EQ(a.send.size(), 1u);
  Packet p = decode(a.send.at(0));
  EXPECT_TRUE(std::holds_alternative<Data>(p));
  return std::get<Data>(p);
}

void expect_pattern(const Data& d, uint64_t absolute_block, uint16_t blksize) {
  uint64_t offset = (absolute_block - 1) * blksize;
  for (size_t i = 0; i < d.payload.size(); ++i) {
    ASSERT_EQ(d.payload[i], pattern(offset + i)) << "block " << absolute_block << " byte " << i;
  }
}

TEST(TransferTest, SendsBlocksInLockStepAndCompletesOnTheLastAck) {
  PatternSource src(1300);  // 512 + 512 + 276
  Transfer t(params(), src);
  EXPECT_EQ(t.total_blocks(), 3u);

  auto a = t.start();
  Data d1 = only_data(a);
  EXPECT_EQ(d1.block, 1);
  EXPECT_EQ(d1.payload.size(), 512u);
  expect_pattern(d1, 1, 512);
  EXPECT_EQ(a.arm_timer, milliseconds(1000));

  Data d2 = only_data(t.on_ack(1));
  EXPECT_EQ(d2.block, 2);
  expect_pattern(d2, 2, 512);
  Data d3 = only_data(t.on_ack(2));
  EXPECT_EQ(d3.block, 3);
  EXPECT_EQ(d3.payload.size(), 276u);
  expect_pattern(d3, 3, 512);
  EXPECT_EQ(t.state(), TransferState::kRunning);

  auto end = t.on_ack(3);
  EXPECT_TRUE(end.send.empty());
  EXPECT_EQ(t.state(), TransferState::kCompleted);
  EXPECT_EQ(t.counters().blocks_sent, 3u);
  EXPECT_EQ(t.counters().bytes_sent, 1300u);
  EXPECT_EQ(t.counters().retransmissions, 0u);
}

TEST(TransferTest, OackFirstThenData1AfterAck0) {
  PatternSource src(100);
  Transfer t(params(1468, 1, true), src);
  auto a = t.start();
  ASSERT_EQ(a.send.size(), 1u);
  Packet p = decode(a.send[0]);
  ASSERT_TRUE(std::holds_alternative<Oack>(p));
  EXPECT_EQ(std::get<Oack>(p).options, (std::vector<Option>{{"blksize", "1468"}}));
  EXPECT_TRUE(a.arm_timer.has_value());

  EXPECT_TRUE(t.on_ack(1).send.empty());  // nothing but the OACK is outstanding
  EXPECT_EQ(src.reads, 0);

  Data d = only_data(t.on_ack(0));
  EXPECT_EQ(d.block, 1);
  EXPECT_EQ(d.payload.size(), 100u);
  t.on_ack(1);
  EXPECT_EQ(t.state(), TransferState::kCompleted);
}

TEST(TransferTest, LostOackIsResentOnTimeout) {
  PatternSource src(10);
  Transfer t(params(512, 1, true), src);
  t.start();
  auto again = t.on_timeout();
  ASSERT_EQ(again.send.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Oack>(decode(again.send[0])));
  EXPECT_EQ(t.counters().retransmissions, 1u);
  EXPECT_EQ(only_data(t.on_ack(0)).block, 1);
}

TEST(TransferTest, LostDataIsResentOnlyOnTimeout) {
  PatternSource src(2000);
  Transfer t(params(), src);
  t.start();
  t.on_ack(1);  // DATA 2 goes out and is lost
  auto resend = t.on_timeout();
  Data d = only_data(resend);
  EXPECT_EQ(d.block, 2);
  expect_pattern(d, 2, 512);
  EXPECT_EQ(resend.arm_timer, milliseconds(2000));  // backoff
  EXPECT_EQ(t.counters().retransmissions, 1u);
  EXPECT_EQ(only_data(t.on_ack(2)).block, 3);
}

TEST(TransferTest, LostAckIsRecoveredByTheTimeoutAndTheClientsRepeatedAck) {
  PatternSource src(2000);
  Transfer t(params(), src);
  t.start();
  t.on_ack(1);
  // The client got DATA 2 but its ACK 2 was lost: our timeout resends DATA 2; the client
  // ACKs it again and the transfer moves on.
  EXPECT_EQ(only_data(t.on_timeout()).block, 2);
  EXPECT_EQ(only_data(t.on_ack(2)).block, 3);
  EXPECT_EQ(t.counters().retransmissions, 1u);
}

TEST(TransferTest, DuplicateAndStaleAcksSendNothing) {
  PatternSource src(5000);
  Transfer t(params(), src);
  t.start();
  t.on_ack(1);
  t.on_ack(2);  // DATA 3 out
  // The Sorcerer's Apprentice: a delayed duplicate ACK 2 must not resend DATA 3.
  auto dup = t.on_ack(2);
  EXPECT_TRUE(dup.send.empty());
  EXPECT_FALSE(dup.arm_timer.has_value());  // the running timer is left alone
  EXPECT_TRUE(t.on_ack(1).send.empty());    // older still
  EXPECT_TRUE(t.on_ack(9).send.empty());    // never sent
  EXPECT_TRUE(t.on_ack(0).send.empty());
  EXPECT_EQ(t.counters().blocks_sent, 3u);
  EXPECT_EQ(t.counters().retransmissions, 0u);
  EXPECT_EQ(only_data(t.on_ack(3)).block, 4);
}

TEST(TransferTest, DuplicateAckStormStaysQuiet) {
  PatternSource src(512 * 20);
  Transfer t(params(), src);
  t.start();
  uint64_t sent = 0;
  for (uint16_t b = 1; b <= 21; ++b) {
    sent += t.on_ack(b).send.size();
    // Each ACK arrives twice, as when a retransmitted DATA crossed its original's ACK.
    EXPECT_TRUE(t.on_ack(b).send.empty()) << b;
  }
  EXPECT_EQ(t.state(), TransferState::kCompleted);
  EXPECT_EQ(sent, 20u);
  EXPECT_EQ(t.counters().blocks_sent, 21u);
}

TEST(TransferTest, WindowSendsNBlocksAndSlidesOnAnyAckInside) {
  PatternSource src(512 * 20 + 1);  // 21 blocks
  Transfer t(params(512, 4), src);
  EXPECT_EQ(data_blocks(t.start()), (std::vector<uint16_t>{1, 2, 3, 4}));
  EXPECT_EQ(data_blocks(t.on_ack(4)), (std::vector<uint16_t>{5, 6, 7, 8}));
  // Block 6 was lost: the client ACKs 5, the window restarts right after it.
  EXPECT_EQ(data_blocks(t.on_ack(5)), (std::vector<uint16_t>{6, 7, 8, 9}));
  EXPECT_EQ(t.counters().retransmissions, 3u);  // 6, 7, 8 went out twice
  // The client ACKs 5 again when the old 7 and 8 arrive after the gap: ignored.
  EXPECT_TRUE(t.on_ack(5).send.empty());
  // Timeout: the whole window after the last ACK goes again.
  EXPECT_EQ(data_blocks(t.on_timeout()), (std::vector<uint16_t>{6, 7, 8, 9}));
  EXPECT_EQ(data_blocks(t.on_ack(9)), (std::vector<uint16_t>{10, 11, 12, 13}));
  EXPECT_EQ(data_blocks(t.on_ack(13)), (std::vector<uint16_t>{14, 15, 16, 17}));
  EXPECT_EQ(data_blocks(t.on_ack(17)), (std::vector<uint16_t>{18, 19, 20, 21}));
  EXPECT_TRUE(t.on_ack(21).send.empty());
  EXPECT_EQ(t.state(), TransferState::kCompleted);
}

TEST(TransferTest, WindowLargerThanTheFile) {
  PatternSource src(1000);
  Transfer t(params(512, 16), src);
  EXPECT_EQ(data_blocks(t.start()), (std::vector<uint16_t>{1, 2}));
  EXPECT_TRUE(t.on_ack(1).send.size() == 1);  // slides: only block 2 remains, resent
  t.on_ack(2);
  EXPECT_EQ(t.state(), TransferState::kCompleted);
}

// Drives a whole transfer the way a perfect client would, checking every byte and the wire
// numbering; returns the number of DATA packets seen.
uint64_t run_to_completion(Transfer& t, uint16_t blksize, uint64_t file_size) {
  uint64_t expected_block = 1;
  uint64_t received = 0;
  Actions a = t.start();
  while (t.state() == TransferState::kRunning) {
    uint16_t last_wire = 0;
    EXPECT_FALSE(a.send.empty()) << "stalled at block " << expected_block;
    if (a.send.empty()) break;
    for (const auto& wire : a.send) {
      Packet p = decode(wire);
      auto* d = std::get_if<Data>(&p);
      if (d == nullptr) {
        ADD_FAILURE() << "not DATA";
        return received;
      }
      if (d->block != static_cast<uint16_t>(expected_block & 0xFFFF)) {
        ADD_FAILURE() << "block " << expected_block << " went out as " << d->block;
        return received;
      }
      uint64_t offset = (expected_block - 1) * blksize;
      size_t want = static_cast<size_t>(std::min<uint64_t>(blksize, file_size - offset));
      if (d->payload.size() != want) {
        ADD_FAILURE() << "block " << expected_block << " size " << d->payload.size();
        return received;
      }
      for (size_t i = 0; i < want; ++i) {
        if (d->payload[i] != pattern(offset + i)) {
          ADD_FAILURE() << "block " << expected_block << " byte " << i;
          return received;
        }
      }
      received += want;
      last_wire = d->block;
      ++expected_block;
    }
    a = t.on_ack(last_wire);
  }
  EXPECT_EQ(received, file_size);
  return expected_block - 1;
}

TEST(TransferTest, BlockNumbersWrapPast65535ToZero) {
  // 70000 blocks of 8 bytes plus a short one: block 65536 goes out as 0, 65537 as 1.
  const uint64_t size = 8ull * 70000 + 3;
  PatternSource src(size);
  Transfer t(params(8), src);
  EXPECT_EQ(run_to_completion(t, 8, size), 70001u);
  EXPECT_EQ(t.state(), TransferState::kCompleted);
  EXPECT_EQ(t.counters().retransmissions, 0u);
  EXPECT_EQ(t.counters().bytes_sent, size);
}

TEST(TransferTest, WindowedTransferAcrossTheWrap) {
  const uint64_t size = 8ull * 65540;  // an exact multiple: one extra empty block
  PatternSource src(size);
  Transfer t(params(8, 16), src);
  EXPECT_EQ(run_to_completion(t, 8, size), 65541u);
  EXPECT_EQ(t.state(), TransferState::kCompleted);
}

TEST(TransferTest, AckJustAfterTheWrapIsNotTakenForAStaleOne) {
  const uint64_t size = 8ull * 65540;
  PatternSource src(size);
  Transfer t(params(8, 4), src);
  t.start();
  uint16_t ack = 4;
  // Walk to just before the wrap: ACK 65532 makes 65533..65536 go out (65536 as 0).
  for (; ack < 65532; ack += 4) t.on_ack(ack);
  EXPECT_EQ(data_blocks(t.on_ack(65532)), (std::vector<uint16_t>{65533, 65534, 65535, 0}));
  // Loss after wire block 65535: ACK 65535 restarts the window at 0.
  EXPECT_EQ(data_blocks(t.on_ack(65535)), (std::vector<uint16_t>{0, 1, 2, 3}));
  EXPECT_TRUE(t.on_ack(65534).send.empty());  // stale, from before the wrap
  EXPECT_EQ(data_blocks(t.on_ack(0)), (std::vector<uint16_t>{1, 2, 3, 4}));
}

TEST(TransferTest, FailsAfterTheRetryLimitWithError0) {
  PatternSource src(100);
  RetryPolicy policy;
  policy.max_retries = 3;
  policy.initial_timeout = milliseconds(100);
  policy.max_timeout = milliseconds(350);
  Transfer t(params(), src, policy);
  EXPECT_EQ(t.start().arm_timer, milliseconds(100));
  EXPECT_EQ(t.on_timeout().arm_timer, milliseconds(200));
  EXPECT_EQ(t.on_timeout().arm_timer, milliseconds(350));  // capped
  EXPECT_EQ(t.on_timeout().arm_timer, milliseconds(350));
  EXPECT_EQ(t.state(), TransferState::kRunning);
  EXPECT_EQ(t.counters().retransmissions, 3u);

  auto last = t.on_timeout();
  EXPECT_EQ(t.state(), TransferState::kFailed);
  EXPECT_EQ(t.failure(), "timeout");
  EXPECT_FALSE(last.arm_timer.has_value());
  ASSERT_EQ(last.send.size(), 1u);
  Packet p = decode(last.send[0]);
  ASSERT_TRUE(std::holds_alternative<ErrorPacket>(p));
  EXPECT_EQ(std::get<ErrorPacket>(p).code, 0);
  // Dead transfers stay dead.
  EXPECT_TRUE(t.on_ack(1).send.empty());
  EXPECT_TRUE(t.on_timeout().send.empty());
}

TEST(TransferTest, DefaultRetryLimitIsFive) {
  PatternSource src(100);
  Transfer t(params(), src);
  t.start();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(only_data(t.on_timeout()).block, 1);
  }
  t.on_timeout();
  EXPECT_EQ(t.state(), TransferState::kFailed);
}

TEST(TransferTest, ProgressResetsTheRetryCount) {
  PatternSource src(512 * 10);
  RetryPolicy policy;
  policy.max_retries = 2;
  Transfer t(params(), src, policy);
  t.start();
  for (uint16_t b = 1; b <= 5; ++b) {
    t.on_timeout();
    t.on_timeout();
    EXPECT_EQ(t.state(), TransferState::kRunning);
    EXPECT_EQ(t.on_ack(b).arm_timer, milliseconds(1000));  // back to the initial interval
  }
}

TEST(TransferTest, NegotiatedTimeoutIsUsedWithoutBackoff) {
  PatternSource src(100);
  Negotiated n = params();
  n.timeout_seconds = 3;
  Transfer t(n, src);
  EXPECT_EQ(t.start().arm_timer, milliseconds(3000));
  EXPECT_EQ(t.on_timeout().arm_timer, milliseconds(3000));
  EXPECT_EQ(t.on_timeout().arm_timer, milliseconds(3000));
}

TEST(TransferTest, PreparedBlockAnswersTheNextAckWithoutAFileRead) {
  PatternSource src(5 * 512 + 100);
  Transfer t(params(512, 2), src);
  EXPECT_EQ(data_blocks(t.start()), (std::vector<uint16_t>{1, 2}));
  t.prepare_next();  // block 3, read while the client works
  int reads = src.reads;
  Actions next = t.on_ack(2);
  EXPECT_EQ(data_blocks(next), (std::vector<uint16_t>{3, 4}));
  EXPECT_EQ(src.reads, reads + 1) << "block 3 came prepared, only block 4 was read";
  expect_pattern(std::get<Data>(decode(next.send[0])), 3, 512);
  expect_pattern(std::get<Data>(decode(next.send[1])), 4, 512);

  // A prepared block that the client skips past (it ACKed only block 3) is not sent by mistake.
  t.prepare_next();  // block 5
  Actions partial = t.on_ack(3);
  EXPECT_EQ(data_blocks(partial), (std::vector<uint16_t>{4, 5}));
  expect_pattern(std::get<Data>(decode(partial.send[1])), 5, 512);
  // A timeout resends the window as it was, prepared block or not.
  t.prepare_next();  // block 6
  EXPECT_EQ(data_blocks(t.on_timeout()), (std::vector<uint16_t>{4, 5}));
  Actions last = t.on_ack(5);
  ASSERT_EQ(data_blocks(last), (std::vector<uint16_t>{6}));
  EXPECT_EQ(std::get<Data>(decode(last.send[0])).payload.size(), 100u);
  t.prepare_next();  // nothing after the last block
  EXPECT_TRUE(t.on_ack(6).send.empty());
  EXPECT_EQ(t.state(), TransferState::kCompleted);
}

TEST(TransferTest, AFailedPrepareIsReportedByTheRealSend) {
  PatternSource src(3 * 512);
  Transfer t(params(512), src);
  t.start();
  src.fail_from = 512;
  t.prepare_next();  // block 2 cannot be read: nothing happens yet
  EXPECT_EQ(t.state(), TransferState::kRunning);
  Actions a = t.on_ack(1);
  EXPECT_EQ(t.state(), TransferState::kFailed);
  EXPECT_EQ(t.failure(), "read_error");
  ASSERT_EQ(a.send.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ErrorPacket>(decode(a.send[0])));
}

TEST(TransferTest, ZeroLengthFileIsOneEmptyBlock) {
  PatternSource src(0);
  Transfer t(params(), src);
  EXPECT_EQ(t.total_blocks(), 1u);
  Data d = only_data(t.start());
  EXPECT_EQ(d.block, 1);
  EXPECT_TRUE(d.payload.empty());
  t.on_ack(1);
  EXPECT_EQ(t.state(), TransferState::kCompleted);
}

TEST(TransferTest, ExactMultipleEndsWithAnEmptyBlock) {
  PatternSource src(1024);
  Transfer t(params(), src);
  EXPECT_EQ(t.total_blocks(), 3u);
  EXPECT_EQ(only_data(t.start()).payload.size(), 512u);
  EXPECT_EQ(only_data(t.on_ack(1)).payload.size(), 512u);
  Data last = only_data(t.on_ack(2));
  EXPECT_EQ(last.block, 3);
  EXPECT_TRUE(last.payload.empty());
  EXPECT_EQ(t.state(), TransferState::kRunning);  // not done until the empty block is ACKed
  t.on_ack(3);
  EXPECT_EQ(t.state(), TransferState::kCompleted);
}

TEST(TransferTest, ReadErrorFailsWithError0) {
  PatternSource src(2000);
  src.fail_from = 512;
  Transfer t(params(), src);
  t.start();
  auto a = t.on_ack(1);
  EXPECT_EQ(t.state(), TransferState::kFailed);
  EXPECT_EQ(t.failure(), "read_error");
  ASSERT_EQ(a.send.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ErrorPacket>(decode(a.send[0])));
  EXPECT_FALSE(a.arm_timer.has_value());
}

TEST(TransferTest, FileShrinkingUnderTheTransferFailsInsteadOfEndingEarly) {
  PatternSource src(2000);
  src.shrink_by = 1000;
  Transfer t(params(), src);
  t.start();
  auto a = t.on_ack(1);  // block 2 would now be short
  EXPECT_EQ(t.state(), TransferState::kFailed);
  EXPECT_EQ(t.failure(), "short_read");
  ASSERT_EQ(a.send.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ErrorPacket>(decode(a.send[0])));
}

}  // namespace
}  // namespace slipway::tftp
