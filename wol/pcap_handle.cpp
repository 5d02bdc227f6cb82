#include "wol/pcap_handle.h"

#include <net/if.h>
#include <pcap/pcap.h>

namespace slipway::wol {

void PcapHandle::Closer::operator()(pcap* handle) const { pcap_close(handle); }

int PcapHandle::selectable_fd() const { return pcap_get_selectable_fd(handle_.get()); }

Result<PcapHandle> PcapHandle::open(const std::string& interface, const PcapOptions& options) {
  // Checked first: libpcap's own message for a missing device varies between versions.
  if (interface.empty() || ::if_nametoindex(interface.c_str()) == 0) {
    return Error{"wol: no such interface \"" + interface + "\""};
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapHandle handle(pcap_create(interface.c_str(), errbuf));
  if (handle.get() == nullptr) return Error{"wol: pcap on " + interface + ": " + errbuf};
  pcap_set_snaplen(handle.get(), options.snap_length);
  pcap_set_immediate_mode(handle.get(), 1);
  pcap_set_promisc(handle.get(), options.promiscuous ? 1 : 0);
  int status = pcap_activate(handle.get());
  if (status == PCAP_ERROR_PERM_DENIED) {
    return Error{"wol: permission denied opening " + interface + " (needs CAP_NET_RAW)"};
  }
  if (status < 0) {
    std::string detail = pcap_geterr(handle.get());
    return Error{"wol: cannot open " + interface + ": " + pcap_statustostr(status) +
                 (detail.empty() ? "" : " (" + detail + ")")};
  }
  if (pcap_datalink(handle.get()) != DLT_EN10MB) {
    return Error{"wol: " + interface + " is not an Ethernet interface"};
  }
  if (!options.filter.empty()) {
    bpf_program program{};
    if (pcap_compile(handle.get(), &program, options.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) !=
        0) {
      return Error{"wol: bad capture filter \"" + options.filter +
                   "\": " + pcap_geterr(handle.get())};
    }
    int set = pcap_setfilter(handle.get(), &program);
    pcap_freecode(&program);
    if (set != 0) {
      return Error{"wol: cannot set the capture filter: " + std::string(pcap_geterr(handle.get()))};
    }
  }
  if (options.nonblocking && pcap_setnonblock(handle.get(), 1, errbuf) != 0) {
    return Error{"wol: cannot make the capture on " + interface + " non-blocking: " + errbuf};
  }
  return handle;
}

}  // namespace slipway::wol
