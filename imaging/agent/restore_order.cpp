#include "imaging/agent/restore_order.h"

namespace slipway::imaging::agent {

using nlohmann::json;

Result<RestoreOrder> parse_restore_order(std::string_view json_text) {
  json doc = json::parse(json_text, nullptr, false);
  if (!doc.is_object()) return Error{"restore order: not a JSON object"};
  RestoreOrder order;
  if (!doc.contains("snapshot") || !doc["snapshot"].is_string()) {
    return Error{"restore order: 'snapshot' must be a string"};
  }
  order.snapshot = doc["snapshot"].get<std::string>();
  if (!doc.contains("manifest")) return Error{"restore order: 'manifest' is missing"};
  auto manifest = manifest_from_json(doc["manifest"]);
  if (!manifest) return Error{"restore order: " + manifest.error().message};
  order.manifest = std::move(*manifest);
  auto mac_of = [](const json& v) -> std::optional<MacAddress> {
    if (!v.is_string()) return std::nullopt;
    return MacAddress::parse(v.get<std::string>());
  };
  auto boot = doc.contains("boot_mac") ? mac_of(doc["boot_mac"]) : std::nullopt;
  if (!boot) return Error{"restore order: 'boot_mac' must be a MAC address"};
  order.boot_mac = *boot;
  if (doc.contains("captured_macs")) {
    const json& macs = doc["captured_macs"];
    if (!macs.is_array()) return Error{"restore order: 'captured_macs' must be a list"};
    for (size_t i = 0; i < macs.size(); ++i) {
      auto mac = mac_of(macs[i]);
      if (!mac) {
        return Error{"restore order: 'captured_macs[" + std::to_string(i) +
                     "]' must be a MAC address"};
      }
      order.captured_macs.push_back(*mac);
    }
  }
  if (doc.contains("boot_kit") && !doc["boot_kit"].is_null()) {
    auto kit = parse_boot_kit(doc["boot_kit"], "restore order", "boot_kit.");
    if (!kit) return kit.error();
    order.boot_kit = *kit;
  }
  return order;
}

}  // namespace slipway::imaging::agent
