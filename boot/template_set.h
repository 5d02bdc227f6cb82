#pragma once
// TemplateSet: named templates (kickstart, preseed, user-data, meta-data, ipxe, ...) parsed with
// Google ctemplate once, at configuration load, and rendered per machine. Pure: no sockets, no
// inventory; the caller builds the TemplateContext (machine_template_context.h).
//
// Syntax: ctemplate's ({{VAR}}, {{#SECTION}}..{{/SECTION}}, {{!comment}}, {{VAR:modifier}}),
// whitespace kept as written. Includes ({{>NAME}}) are refused: a template sees only its own
// machine's context.
//
// Thread-safety: a loaded set is immutable; render_machine_template() may be called from any
// number of threads at once.

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boot/template_context.h"
#include "common/result.h"

namespace slipway::boot {

// Template names: 1 to 63 characters from a-z, 0-9 and '-'. Returns why a name is refused.
std::optional<std::string> invalid_template_name(std::string_view name);

class TemplateSet {
 public:
  // Parses `text` as template `name`. `source` names it in errors (a file path, or
  // "built-in user-data"). Fails with "<source>: line N: <what ctemplate says>" for a syntax
  // error (the line when it can be located), and for an invalid name or an include.
  Status add(const std::string& name, const std::string& source, std::string text);
  // Reads the file and add()s it with the path as its source; an unreadable file fails.
  Status add_file(const std::string& name, const std::filesystem::path& path);

  bool contains(std::string_view name) const { return entries_.count(name) != 0; }
  bool empty() const { return entries_.empty(); }
  std::vector<std::string> names() const;
  // The file path, or "built-in NAME". REQUIRES: contains(name).
  const std::string& source(std::string_view name) const;

  struct Entry;

 private:
  friend Result<std::string> render_machine_template(const TemplateSet&, std::string_view,
                                                     const TemplateContext&);
  std::map<std::string, std::shared_ptr<const Entry>, std::less<>> entries_;
};

// The templates that ship with Slipway (boot/templates/*.tmpl, compiled in): kickstart,
// preseed, user-data and meta-data (a cloud-init NoCloud seed). Parsed on first use.
const TemplateSet& builtin_templates();

// Renders template `name` of `set` with `context`. Fails when the set has no such template, and
// when the template uses a plain variable the context does not set:
//   "user-data (/etc/slipway/user-data.tmpl): line 7: no value for variable DOMAIN"
// (every missing variable is named, each with the line of its first use). Sections that are
// absent are not errors: they are hidden.
Result<std::string> render_machine_template(const TemplateSet& set, std::string_view name,
                                            const TemplateContext& context);

}  // namespace slipway::boot
