#pragma once
// `slipway machines ...`: inventory commands, clients of the REST API. A machine is named by its
// name, a MAC or a UUID (KEY). Each command prints a table or a line, or the API's JSON with
// `json`, and returns the process exit code: 0 done, 1 refused or unreachable, 2 bad arguments.

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace slipway::controlplane {

int machines_list(const std::string& server_url, bool json, const std::string& state,
                  const std::vector<std::string>& labels);
int machines_show(const std::string& server_url, const std::string& key, bool json);
// The newest `limit` events, of one machine when `key` is not empty.
int machines_events(const std::string& server_url, const std::string& key, size_t limit, bool json);
int machines_approve(const std::string& server_url, const std::string& key, bool json);
int machines_rename(const std::string& server_url, const std::string& key,
                    const std::string& new_name, bool json);
// `terms`: "key=value" sets a label, "key-" removes one (as kubectl label does).
int machines_label(const std::string& server_url, const std::string& key,
                   const std::vector<std::string>& terms, bool json);
int machines_set_state(const std::string& server_url, const std::string& key,
                       const std::string& state, const std::string& reason, bool json);
int machines_forget(const std::string& server_url, const std::string& key, bool json);
// Folds `from` (the new record after a motherboard swap) into `into` (the old one).
int machines_merge(const std::string& server_url, const std::string& from, const std::string& into,
                   bool json);

struct LabelChange {
  std::map<std::string, std::string> set;
  std::vector<std::string> remove;
};
// Parses label terms; keys and values are checked by the appliance.
Result<LabelChange> parse_label_terms(const std::vector<std::string>& terms);

}  // namespace slipway::controlplane
