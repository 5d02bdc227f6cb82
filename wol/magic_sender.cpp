#include "wol/magic_sender.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace slipway::wol {

namespace {

std::string errno_text(int error) {
  if (error == EPERM || error == EACCES) {
    return std::string(std::strerror(error)) + " (needs CAP_NET_RAW)";
  }
  return std::strerror(error);
}

Status check_interface(const std::string& interface) {
  if (interface.size() >= IFNAMSIZ || ::if_nametoindex(interface.c_str()) == 0) {
    return Error{"wol: no such interface \"" + interface + "\""};
  }
  return {};
}

// An interface ioctl (SIOCGIFFLAGS, SIOCGIFHWADDR): the filled request, or why it failed.
Result<ifreq> query_interface(const std::string& interface, unsigned long what,
                              const char* reading) {
  if (auto exists = check_interface(interface); !exists) return exists.error();
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Error{"wol: socket: " + errno_text(errno)};
  ifreq request{};
  std::copy(interface.begin(), interface.end(), request.ifr_name);
  if (::ioctl(fd.get(), what, &request) != 0) {
    return Error{"wol: cannot read the " + std::string(reading) + " of " + interface + ": " +
                 errno_text(errno)};
  }
  return request;
}

}  // namespace

Status check_link(const std::string& interface) {
  auto flags = query_interface(interface, SIOCGIFFLAGS, "state");
  if (!flags) return flags.error();
  const ifreq& request = *flags;
  if (!(request.ifr_flags & IFF_UP)) return Error{"wol: interface " + interface + " is down"};
  // Frames sent without carrier are dropped by the kernel, yet the send succeeds.
  if (!(request.ifr_flags & IFF_RUNNING)) {
    return Error{"wol: interface " + interface + " has no link (no carrier): nothing would arrive"};
  }
  return {};
}

Result<MacAddress> interface_mac(const std::string& interface) {
  auto hwaddr = query_interface(interface, SIOCGIFHWADDR, "MAC");
  if (!hwaddr) return hwaddr.error();
  const ifreq& request = *hwaddr;
  if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    return Error{"wol: " + interface + " is not an Ethernet interface"};
  }
  std::array<uint8_t, MacAddress::kSize> bytes{};
  std::copy_n(reinterpret_cast<const uint8_t*>(request.ifr_hwaddr.sa_data), bytes.size(),
              bytes.begin());
  return MacAddress(bytes);
}

std::string UdpMagicSender::describe() const {
  std::string text = "udp " + options_.broadcast.to_string() + ":" + std::to_string(options_.port);
  if (!options_.interface.empty()) text += " dev " + options_.interface;
  return text;
}

Status UdpMagicSender::send(const MagicPacket& packet) {
  auto payload = encode(packet);
  if (!payload) return payload.error();
  if (options_.port == 0) return Error{"wol: UDP port 0 is not a destination"};
  if (!options_.interface.empty()) {
    if (auto exists = check_interface(options_.interface); !exists) return exists;
  }
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Error{"wol: socket: " + errno_text(errno)};
  int on = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) {
    return Error{"wol: SO_BROADCAST: " + errno_text(errno)};
  }
  if (!options_.interface.empty() &&
      ::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, options_.interface.c_str(),
                   static_cast<socklen_t>(options_.interface.size())) != 0) {
    return Error{"wol: cannot bind to interface " + options_.interface + ": " + errno_text(errno)};
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(options_.port);
  to.sin_addr.s_addr = htonl(options_.broadcast.value());
  ssize_t sent = ::sendto(fd.get(), payload->data(), payload->size(), 0,
                          reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (sent < 0) return Error{"wol: send via " + describe() + ": " + errno_text(errno)};
  if (static_cast<size_t>(sent) != payload->size()) {
    return Error{"wol: short send via " + describe()};
  }
  return {};
}

Result<std::unique_ptr<RawMagicSender>> RawMagicSender::open(const std::string& interface) {
  auto mac = interface_mac(interface);
  if (!mac) return mac.error();
  // Nothing is read from this handle: a filter that matches nothing keeps frames from queueing.
  PcapOptions options;
  options.snap_length = 64;
  options.filter = "less 1";
  auto handle = PcapHandle::open(interface, options);
  if (!handle) return handle.error();
  return std::unique_ptr<RawMagicSender>(new RawMagicSender(std::move(*handle), interface, *mac));
}

Status RawMagicSender::send(const MagicPacket& packet) {
  if (auto link = check_link(interface_); !link) return link;
  // A bridge's MAC follows its ports: read it again, keep the last one if that fails.
  if (auto mac = interface_mac(interface_)) source_ = *mac;
  auto frame = build_wake_frame(source_, packet);
  if (!frame) return frame.error();
  int sent = pcap_inject(handle_.get(), frame->data(), frame->size());
  if (sent < 0) {
    return Error{"wol: inject on " + interface_ + ": " + std::string(pcap_geterr(handle_.get()))};
  }
  if (static_cast<size_t>(sent) != frame->size())
    return Error{"wol: short inject on " + interface_};
  return {};
}

}  // namespace slipway::wol
