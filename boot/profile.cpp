#include "boot/profile.h"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>

namespace slipway::boot {
namespace {

using Op = FactCondition::Op;

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// "4", "2.5", "4GiB", "512MiB", "1TiB", "64KiB": a number with an optional binary unit.
std::optional<double> parse_quantity(std::string_view text) {
  text = trim(text);
  double multiplier = 1;
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"KiB", 1024.0},
      {"MiB", 1024.0 * 1024},
      {"GiB", 1024.0 * 1024 * 1024},
      {"TiB", 1024.0 * 1024 * 1024 * 1024}};
  for (const auto& [unit, factor] : kUnits) {
    if (text.size() > unit.size() && text.substr(text.size() - unit.size()) == unit) {
      multiplier = factor;
      text = trim(text.substr(0, text.size() - unit.size()));
      break;
    }
  }
  double value = 0;
  auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || next != text.data() + text.size() || text.empty()) return std::nullopt;
  return value * multiplier;
}

// The value at `path` in `facts`, or null.
const nlohmann::json* fact_at(const nlohmann::json& facts, const std::string& path) {
  const nlohmann::json* node = &facts;
  std::string_view rest = path;
  while (!rest.empty()) {
    std::string key(rest.substr(0, rest.find('.')));
    rest.remove_prefix(std::min(rest.size(), key.size() + 1));
    if (node->is_object()) {
      auto it = node->find(key);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      size_t index = 0;
      auto [next, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
      if (ec != std::errc() || next != key.data() + key.size() || index >= node->size()) {
        return nullptr;
      }
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

std::string shown(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

bool holds(const FactCondition& c, const nlohmann::json* value) {
  if (!value) return false;
  if (c.op == Op::kGlob) {
    std::string text = shown(*value);
    return ::fnmatch(c.glob.c_str(), text.c_str(), FNM_CASEFOLD) == 0;
  }
  if (!value->is_number()) return false;
  double v = value->get<double>();
  switch (c.op) {
    case Op::kEq:
      return v == c.number;
    case Op::kNe:
      return v != c.number;
    case Op::kLt:
      return v < c.number;
    case Op::kLe:
      return v <= c.number;
    case Op::kGt:
      return v > c.number;
    case Op::kGe:
      return v >= c.number;
    case Op::kGlob:
      break;
  }
  return false;
}

}  // namespace

std::optional<std::string> invalid_fact_path(std::string_view path) {
  if (path.empty()) return "a fact path is empty";
  std::string_view rest = path;
  while (true) {
    std::string_view part = rest.substr(0, rest.find('.'));
    if (part.empty()) return "fact path '" + std::string(path) + "' has an empty part";
    for (char c : part) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        return "fact path '" + std::string(path) + "' may hold only a-z, 0-9, '_' and '.'";
      }
    }
    if (part.size() == rest.size()) return std::nullopt;
    rest.remove_prefix(part.size() + 1);
  }
}

Result<FactCondition> parse_fact_condition(std::string path, std::string_view text) {
  if (auto why = invalid_fact_path(path)) return Error{*why};
  FactCondition c;
  c.path = std::move(path);
  c.text = std::string(trim(text));
  static constexpr std::pair<std::string_view, Op> kOps[] = {{">=", Op::kGe}, {"<=", Op::kLe},
                                                             {"!=", Op::kNe}, {">", Op::kGt},
                                                             {"<", Op::kLt},  {"=", Op::kEq}};
  std::string_view t = trim(text);
  for (const auto& [symbol, op] : kOps) {
    if (t.substr(0, symbol.size()) == symbol) {
      auto number = parse_quantity(t.substr(symbol.size()));
      if (!number) {
        return Error{"fact " + c.path + ": '" + std::string(t) +
                     "' must be an operator and a number, like '>= 2' or '>= 4GiB'"};
      }
      c.op = op;
      c.number = *number;
      return c;
    }
  }
  if (t.empty()) return Error{"fact " + c.path + ": the condition is empty"};
  c.op = Op::kGlob;
  c.glob = std::string(t);
  return c;
}

bool selector_matches(const Selector& s, const inventory::Machine& machine,
                      const nlohmann::json& facts, std::vector<std::string>* reasons) {
  bool all = true;
  auto note = [&](bool ok, std::string what) {
    all = all && ok;
    if (reasons) reasons->push_back(what + (ok ? ": yes" : ": no"));
  };
  for (const auto& [key, value] : s.labels) {
    auto it = machine.labels.find(key);
    std::string has = it == machine.labels.end() ? "absent" : it->second;
    note(it != machine.labels.end() && it->second == value,
         "label " + key + "=" + value + " (machine: " + has + ")");
  }
  for (const auto& c : s.facts) {
    const nlohmann::json* value = fact_at(facts, c.path);
    note(holds(c, value), "fact " + c.path + " " + c.text +
                              " (machine: " + (value ? shown(*value) : "absent") + ")");
  }
  if (!s.macs.empty()) {
    bool found = std::any_of(
        machine.interfaces.begin(), machine.interfaces.end(), [&](const inventory::Interface& i) {
          return std::find(s.macs.begin(), s.macs.end(), i.mac) != s.macs.end();
        });
    note(found, "mac is one of " + std::to_string(s.macs.size()) + " listed");
  }
  if (!s.uuids.empty()) {
    bool found =
        machine.uuid && std::find(s.uuids.begin(), s.uuids.end(), *machine.uuid) != s.uuids.end();
    note(found, "uuid is one of " + std::to_string(s.uuids.size()) + " listed");
  }
  return all;
}

ProfileChoice explain_profile(const std::vector<Profile>& profiles,
                              const inventory::Machine& machine, const nlohmann::json& facts) {
  ProfileChoice choice;
  std::optional<int> best;
  std::vector<std::string> at_best;  // profiles matching at the best priority
  for (const auto& p : profiles) {
    for (size_t i = 0; i < p.selectors.size(); ++i) {
      SelectorVerdict v{p.name, i, p.selectors[i].priority, false, {}};
      v.matched = selector_matches(p.selectors[i], machine, facts, &v.reasons);
      if (v.matched) {
        if (!best || v.priority > *best) {
          best = v.priority;
          at_best = {p.name};
        } else if (v.priority == *best &&
                   std::find(at_best.begin(), at_best.end(), p.name) == at_best.end()) {
          at_best.push_back(p.name);
        }
      }
      choice.verdicts.push_back(std::move(v));
    }
  }
  if (!best) {
    choice.summary = "no selector of any profile matches machine " + machine.name;
  } else if (at_best.size() > 1) {
    std::string names;
    for (const auto& n : at_best) names += (names.empty() ? "" : ", ") + n;
    choice.summary = "ambiguous: profiles " + names + " all match machine " + machine.name +
                     " at priority " + std::to_string(*best) +
                     "; give one of their selectors a higher priority";
  } else {
    choice.profile = at_best.front();
    choice.summary = "machine " + machine.name + " gets profile " + at_best.front() +
                     " (a selector at priority " + std::to_string(*best) + " matches)";
  }
  return choice;
}

}  // namespace slipway::boot
