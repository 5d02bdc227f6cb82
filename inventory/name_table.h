#pragma once
// Lookups in the constexpr tables that give enums their stable text names (states, policies).
// Internal to inventory.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace slipway::inventory {

template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

// The name of `value`, or "unknown" for a value the table lacks.
template <typename E, size_t N>
constexpr std::string_view name_of(const NameTable<E, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
constexpr std::optional<E> value_of(const NameTable<E, N>& table, std::string_view text) {
  for (const auto& [v, name] : table) {
    if (name == text) return v;
  }
  return std::nullopt;
}

}  // namespace slipway::inventory
