#include "boot/template_context.h"

namespace slipway::boot {

TemplateContext& TemplateContext::add_section(const std::string& name) {
  return sections_[name].emplace_back();
}

const std::string* TemplateContext::value(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

const std::vector<TemplateContext>* TemplateContext::section(std::string_view name) const {
  auto it = sections_.find(name);
  return it == sections_.end() ? nullptr : &it->second;
}

std::string variable_name_part(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += c;
    } else {
      out += '_';
    }
  }
  return out;
}

}  // namespace slipway::boot
