#include "dhcp/memory_lease_store.h"

namespace slipway::dhcp {

std::optional<Lease> MemoryLeaseStore::find_by_ip(Ipv4 ip) const {
  auto it = by_ip_.find(ip);
  if (it == by_ip_.end()) return std::nullopt;
  return it->second;
}

std::optional<Lease> MemoryLeaseStore::find_by_client(const std::string& client_key) const {
  auto it = by_client_.find(client_key);
  if (it == by_client_.end()) return std::nullopt;
  return find_by_ip(it->second);
}

Status MemoryLeaseStore::commit(const Lease& lease) {
  if (auto old = by_client_.find(lease.client_key);
      old != by_client_.end() && old->second != lease.ip) {
    by_ip_.erase(old->second);
  }
  if (auto prev = by_ip_.find(lease.ip);
      prev != by_ip_.end() && prev->second.client_key != lease.client_key) {
    by_client_.erase(prev->second.client_key);
  }
  by_ip_[lease.ip] = lease;
  by_client_[lease.client_key] = lease.ip;
  return {};
}

Status MemoryLeaseStore::remove(Ipv4 ip) {
  auto it = by_ip_.find(ip);
  if (it != by_ip_.end()) {
    by_client_.erase(it->second.client_key);
    by_ip_.erase(it);
  }
  return {};
}

void MemoryLeaseStore::clear() {
  by_ip_.clear();
  by_client_.clear();
}

std::vector<Lease> MemoryLeaseStore::all() const {
  std::vector<Lease> out;
  out.reserve(by_ip_.size());
  for (const auto& [ip, lease] : by_ip_) out.push_back(lease);
  return out;
}

}  // namespace slipway::dhcp
