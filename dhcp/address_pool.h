#pragma once
// AddressPool: which addresses of one contiguous range are in use, and which ones have never
// been leased, in two bitmaps. Pure, O(range/64) at worst per allocation.
//
// "In use" means leased and unexpired, offered and held, declined and quarantined, or the
// server's own address. "Has history" means a lease row exists (possibly expired): allocation
// prefers addresses without history so that a client that comes back finds its old address
// still free for as long as possible.

#include <cstdint>
#include <optional>
#include <vector>

#include "common/ipv4.h"

namespace slipway::dhcp {

class AddressPool {
 public:
  // REQUIRES: first <= last.
  AddressPool(Ipv4 first, Ipv4 last);

  Ipv4 first() const { return first_; }
  Ipv4 last() const { return last_; }
  bool contains(Ipv4 ip) const { return ip >= first_ && ip <= last_; }
  uint64_t size() const { return uint64_t{last_.value()} - first_.value() + 1; }
  uint64_t in_use() const { return in_use_; }

  // REQUIRES: contains(ip) for the setters.
  bool is_used(Ipv4 ip) const { return test(used_, ip); }
  void set_used(Ipv4 ip, bool used);
  void set_history(Ipv4 ip, bool history) { assign(history_, ip, history); }

  // The next free address: first one never leased (scanning on from the last one handed out),
  // else the first free one with history. Does not mark it used.
  std::optional<Ipv4> find_free() const;

 private:
  size_t index(Ipv4 ip) const { return ip.value() - first_.value(); }
  bool test(const std::vector<uint64_t>& bits, Ipv4 ip) const {
    size_t i = index(ip);
    return (bits[i / 64] >> (i % 64)) & 1;
  }
  void assign(std::vector<uint64_t>& bits, Ipv4 ip, bool value);
  std::optional<size_t> scan(bool skip_history) const;

  Ipv4 first_;
  Ipv4 last_;
  std::vector<uint64_t> used_;
  std::vector<uint64_t> history_;
  uint64_t in_use_ = 0;
  mutable size_t cursor_ = 0;  // where the last never-used search ended (a hint only)
};

}  // namespace slipway::dhcp
