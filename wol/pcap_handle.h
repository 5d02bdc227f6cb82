#pragma once
// PcapHandle: an activated libpcap handle on one Ethernet interface, closed once. The raw
// sender injects through it; the test BMC captures through it. libpcap's header stays out of
// this one.

#include <memory>
#include <string>

#include "common/result.h"

struct pcap;  // pcap_t

namespace slipway::wol {

struct PcapOptions {
  int snap_length = 512;  // enough for any magic packet with its headers
  bool promiscuous = false;
  bool nonblocking = false;  // for a poll() loop on selectable_fd()
  std::string filter;        // a BPF expression; empty captures everything
};

class PcapHandle {
 public:
  // Opens and activates a capture on `interface` (immediate mode: frames are delivered as they
  // arrive). Fails with a message naming the interface when it does not exist, is not Ethernet,
  // the process lacks CAP_NET_RAW, or the filter does not compile.
  static Result<PcapHandle> open(const std::string& interface, const PcapOptions& options);

  pcap* get() const { return handle_.get(); }
  // The descriptor to poll for readability (owned by libpcap: never close it).
  int selectable_fd() const;

 private:
  struct Closer {
    void operator()(pcap* handle) const;
  };
  explicit PcapHandle(pcap* handle) : handle_(handle) {}
  std::unique_ptr<pcap, Closer> handle_;
};

}  // namespace slipway::wol
