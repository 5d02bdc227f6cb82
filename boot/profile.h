#pragma once
// Profiles: what a machine installs (an installer's kernel, initrd and command line, or an image)
// and selectors that decide which machine gets which
// profile. Pure data and functions: the controlplane parses them from slipway.yaml and the
// inventory supplies the machine.
//
// Selection: every selector of every profile is tried; a selector matches when all the
// conditions it gives hold (labels equal, facts compare, the MAC is one of the machine's, the
// UUID is the machine's). The matching selector with the highest priority wins; two different
// profiles matching at that same priority is ambiguous, and no profile is chosen (an operator
// must raise one of them). explain_profile() says all of this for one machine.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boot/template_set.h"
#include "common/mac_address.h"
#include "common/result.h"
#include "common/uuid.h"
#include "inventory/machine.h"

namespace slipway::boot {

// One condition on a fact: a path into the agent's facts object ("dmi.vendor", "cpu.threads",
// "disks.0.size_bytes") and what its value must be. Strings compare by glob (case-insensitive);
// numbers by the operator.
struct FactCondition {
  enum class Op { kGlob, kEq, kNe, kLt, kLe, kGt, kGe };
  std::string path;
  Op op = Op::kGlob;
  std::string glob;   // kGlob
  double number = 0;  // the others
  std::string text;   // as written, for explanations
};

// Parses "QEMU*" (a glob), "= 4", "!= 0", "< 8", "<= 8", "> 1", ">= 2" (numbers may carry a
// binary unit: ">= 4GiB", "< 512MiB"). Returns why a condition is refused.
Result<FactCondition> parse_fact_condition(std::string path, std::string_view text);
// Paths are dot-separated keys or list indexes, each a-z 0-9 _ only.
std::optional<std::string> invalid_fact_path(std::string_view path);

struct Selector {
  int priority = 0;
  std::map<std::string, std::string> labels;
  std::vector<FactCondition> facts;
  std::vector<MacAddress> macs;  // any of the machine's MACs
  std::vector<Uuid> uuids;
  bool empty() const { return labels.empty() && facts.empty() && macs.empty() && uuids.empty(); }
};

struct InstallerBoot {
  std::string kernel, initrd;  // asset-relative paths or http(s) URLs
  std::string cmdline;         // a template: {{SEED_URL}}, {{HOSTNAME}}... per machine
  // `cmdline` parsed at load as template "cmdline" (empty when built by hand: then the text is
  // used as it is).
  TemplateSet cmdline_template{};
};

struct Profile {
  std::string name;
  std::string description;
  std::optional<InstallerBoot> installer;  // exactly one of installer and image
  std::optional<std::string> image;        // an image library name
  // Image profiles whose image is a root-filesystem tarball: the installed kernel's arguments
  // after root=UUID=... ro (a disk image brings its own boot configuration).
  std::string kernel_args = "console=tty0 console=ttyS0,115200n8";
  std::vector<Selector> selectors;
  // The profile's own templates (loaded at configuration load); a name it lacks falls back to
  // builtin_templates(). An `ipxe` template replaces the generated iPXE script.
  TemplateSet templates;
  // Added after install.ssh_authorized_keys for the machines of this profile.
  std::vector<std::string> ssh_authorized_keys;
};

// Why a selector did or did not match: one line per condition.
struct SelectorVerdict {
  std::string profile;
  size_t selector = 0;  // index in the profile's selectors
  int priority = 0;
  bool matched = false;
  std::vector<std::string> reasons;  // "label role=web: yes", "fact cpu.threads >= 2: 1, no"
};

struct ProfileChoice {
  std::optional<std::string> profile;     // the winner, if one
  std::string summary;                    // one sentence: what was chosen and why, or why nothing
  std::vector<SelectorVerdict> verdicts;  // every selector of every profile, in config order
};

// `facts` is the agent's facts object (null when the machine was never inspected).
bool selector_matches(const Selector& s, const inventory::Machine& machine,
                      const nlohmann::json& facts, std::vector<std::string>* reasons = nullptr);
ProfileChoice explain_profile(const std::vector<Profile>& profiles,
                              const inventory::Machine& machine, const nlohmann::json& facts);

}  // namespace slipway::boot
