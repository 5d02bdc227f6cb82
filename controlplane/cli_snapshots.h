#pragma once
// `slipway snapshots ...`: the CLI side of snapshots and restores (REST: /api/v1/snapshots).
//
//   create NAME --machine KEY [--wait S]   the machine captures at its next network boot; --wait
//                                          follows the capture (exit 0 complete, 1 failed)
//   list | show NAME | delete NAME
//   verify NAME                            re-reads every chunk (exit 1 when any is bad)
//   restore NAME --to KEY [--wait S]       the target restores at its next network boot;
//                                          --wait follows it until deployed (0) or ready (1)
//   export NAME FILE | import FILE [--name NEW]   a single tar on the appliance host
//
// Every subcommand prints the API's JSON with --json.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace slipway::controlplane {

class SnapshotCommands {
 public:
  // Adds `snapshots` and its subcommands to `app`.
  explicit SnapshotCommands(CLI::App& app);
  // The exit code when one of them was parsed, else nullopt.
  std::optional<int> run(const std::string& server_url) const;

 private:
  CLI::App* create_;
  CLI::App* list_;
  CLI::App* show_;
  CLI::App* delete_;
  CLI::App* verify_;
  CLI::App* restore_;
  CLI::App* export_;
  CLI::App* import_;
  std::string name_;
  std::string machine_;
  std::string file_;
  int wait_ = 0;
  bool json_ = false;
};

}  // namespace slipway::controlplane
