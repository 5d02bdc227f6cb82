#include "dhcp/address_pool.h"

#include <bit>

namespace slipway::dhcp {

AddressPool::AddressPool(Ipv4 first, Ipv4 last) : first_(first), last_(last) {
  size_t words = static_cast<size_t>((size() + 63) / 64);
  used_.assign(words, 0);
  history_.assign(words, 0);
  // Bits past the end of the range count as used and as history, so scans never return them.
  size_t tail = static_cast<size_t>(size() % 64);
  if (tail != 0) {
    uint64_t pad = ~uint64_t{0} << tail;
    used_.back() |= pad;
    history_.back() |= pad;
  }
}

void AddressPool::assign(std::vector<uint64_t>& bits, Ipv4 ip, bool value) {
  size_t i = index(ip);
  uint64_t mask = uint64_t{1} << (i % 64);
  if (value) {
    bits[i / 64] |= mask;
  } else {
    bits[i / 64] &= ~mask;
  }
}

void AddressPool::set_used(Ipv4 ip, bool used) {
  if (is_used(ip) == used) return;
  assign(used_, ip, used);
  if (used) {
    ++in_use_;
  } else {
    --in_use_;
  }
}

std::optional<size_t> AddressPool::scan(bool skip_history) const {
  size_t words = used_.size();
  size_t start = skip_history ? cursor_ / 64 : 0;
  for (size_t n = 0; n < words; ++n) {
    size_t w = (start + n) % words;
    uint64_t taken = used_[w] | (skip_history ? history_[w] : 0);
    if (taken == ~uint64_t{0}) continue;
    size_t i = w * 64 + static_cast<size_t>(std::countr_one(taken));
    if (skip_history) cursor_ = i;
    return i;
  }
  return std::nullopt;
}

std::optional<Ipv4> AddressPool::find_free() const {
  auto i = scan(true);
  if (!i) i = scan(false);
  if (!i) return std::nullopt;
  return Ipv4(static_cast<uint32_t>(first_.value() + *i));
}

}  // namespace slipway::dhcp
