#pragma once
// TemplateContext: the variables and sections one rendering of a template sees (ctemplate's
// data model, without ctemplate's types). Plain values: copyable, movable, no pointers inside.
//
//   {{NAME}}                   a variable: looked up in this context, then in its parents
//   {{#LIST}}..{{/LIST}}       a section: expanded once per entry added with add_section();
//                              each entry is a context whose lookups fall back to its parents
//   {{#NAME}}..{{NAME}}..{{/NAME}}  every variable is also a section of the same name, shown
//                              once when the variable is set: how templates use optional values
//
// A section that is absent is hidden (optional things); a plain variable that is absent fails
// the rendering (render_machine_template names it and its line).

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace slipway::boot {

class TemplateContext {
 public:
  void set(std::string name, std::string value) { values_[std::move(name)] = std::move(value); }
  // A new entry of section `name` (shown once more); set its own variables on the result.
  // The reference is valid until the next add_section() on this context.
  TemplateContext& add_section(const std::string& name);

  // This context only (no parents).
  const std::string* value(std::string_view name) const;
  const std::vector<TemplateContext>* section(std::string_view name) const;

  const std::map<std::string, std::string, std::less<>>& values() const { return values_; }
  const std::map<std::string, std::vector<TemplateContext>, std::less<>>& sections() const {
    return sections_;
  }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::vector<TemplateContext>, std::less<>> sections_;
};

// Upper-case A-Z 0-9 '_' form of a label key or fact path, for variable names:
// "cpu.threads" -> "CPU_THREADS", "disks.0.size_bytes" -> "DISKS_0_SIZE_BYTES",
// "topology.kubernetes.io/zone" -> "TOPOLOGY_KUBERNETES_IO_ZONE".
std::string variable_name_part(std::string_view text);

}  // namespace slipway::boot
