// virtual_bmc: a stand-in for a machine's BMC/NIC wake logic in tests. Captures on one interface
// for magic packets in both forms (UDP to port 9 or 7, EtherType 0x0842 frames) and runs each
// configured machine's command once when its magic packet (with the right SecureOn password)
// arrives; with --rewake, again whenever the command has ended (the VM powered off). Logs one line
// per magic packet seen, then "listening ..." once ready.
//
//   virtual_bmc --interface eth0 --machine 52:54:00:00:00:01=/path/start-vm.sh
//               --machine 52:54:00:00:00:02/01:02:03:04=/path/start-other-vm.sh
//
// Commands run with /bin/sh -c in the background; they are reaped as they end. Stops on SIGTERM
// or SIGINT.

#include <pcap/pcap.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tests/lab/virtual_bmc.h"
#include "wol/pcap_handle.h"
#include "wol/wake_frame.h"

extern char** environ;

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void request_stop(int) { stop_requested = 1; }

pid_t run_command(const std::string& command) {
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = -1;
  int error = posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ);
  return error == 0 ? pid : -1;
}

struct Capture {
  slipway::lab::VirtualBmc* bmc;
  bool rewake = false;  // --rewake: a machine whose command ended can be woken again
  size_t frames = 0;
  std::map<pid_t, slipway::MacAddress> running;
};

void reap_children(Capture& capture) {
  int status = 0;
  pid_t pid;
  while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
    std::string target = "-";
    if (auto it = capture.running.find(pid); it != capture.running.end()) {
      if (capture.rewake) capture.bmc->powered_off(it->second);
      target = it->second.to_string();
      capture.running.erase(it);
    }
    std::printf("command ended target=%s pid=%d status=%d\n", target.c_str(), pid,
                WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    std::fflush(stdout);
  }
}

void on_frame(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
  auto* capture = reinterpret_cast<Capture*>(user);
  ++capture->frames;
  auto seen = slipway::wol::parse_wake_frame({bytes, header->caplen});
  if (!seen) return;
  auto decision = capture->bmc->on_packet(seen->packet);
  // The password itself is never logged, only whether one came.
  std::printf("magic form=%s port=%u from=%s target=%s secureon=%s verdict=%s\n",
              std::string(to_string(seen->form)).c_str(), seen->udp_port,
              seen->source.to_string().c_str(), seen->packet.target.to_string().c_str(),
              seen->packet.password.empty() ? "no" : "yes",
              std::string(to_string(decision.verdict)).c_str());
  if (decision.verdict == slipway::lab::Verdict::kWake) {
    pid_t pid = run_command(decision.machine->command);
    if (pid > 0) capture->running[pid] = seen->packet.target;
    std::printf("run target=%s pid=%d\n", seen->packet.target.to_string().c_str(), pid);
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Virtual BMC: runs a command when a machine's magic packet arrives"};
  std::string interface;
  std::vector<std::string> specs;
  app.add_option("--interface,-i", interface, "interface to capture on")->required();
  app.add_option("--machine,-m", specs, "MAC[/PASSWORD]=COMMAND (repeatable)")->required();
  bool rewake = false;
  app.add_flag("--rewake", rewake,
               "a machine whose command ended (the VM powered off) wakes again on its next "
               "magic packet (default: each machine wakes once)");
  CLI11_PARSE(app, argc, argv);

  std::vector<slipway::lab::BmcMachine> machines;
  for (const auto& spec : specs) {
    auto machine = slipway::lab::parse_machine_spec(spec);
    if (!machine) {
      std::fprintf(stderr, "virtual_bmc: %s\n", machine.error().message.c_str());
      return 2;
    }
    machines.push_back(std::move(*machine));
  }
  slipway::lab::VirtualBmc bmc(std::move(machines));

  slipway::wol::PcapOptions options;
  options.promiscuous = true;
  options.nonblocking = true;
  options.filter = "ether proto 0x0842 or (udp and (dst port 9 or dst port 7))";
  auto capture_handle = slipway::wol::PcapHandle::open(interface, options);
  if (!capture_handle) {
    std::fprintf(stderr, "virtual_bmc: %s\n", capture_handle.error().message.c_str());
    return 1;
  }
  std::signal(SIGTERM, request_stop);
  std::signal(SIGINT, request_stop);
  std::printf("listening interface=%s machines=%zu\n", interface.c_str(), bmc.machines().size());
  std::fflush(stdout);

  Capture capture{&bmc, rewake, 0, {}};
  pollfd watched{capture_handle->selectable_fd(), POLLIN, 0};
  while (!stop_requested) {
    int ready = ::poll(&watched, 1, 200);  // wakes up to check for a stop and reap children
    reap_children(capture);
    if (ready <= 0) continue;
    if (pcap_dispatch(capture_handle->get(), 64, on_frame, reinterpret_cast<u_char*>(&capture)) <
        0) {
      std::fprintf(stderr, "virtual_bmc: capture failed: %s\n", pcap_geterr(capture_handle->get()));
      return 1;
    }
  }
  std::printf("stopping frames=%zu\n", capture.frames);
  return 0;
}
