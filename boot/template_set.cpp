#include "boot/template_set.h"

#include <ctemplate/template.h>
#include <ctemplate/template_dictionary_interface.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "boot/builtin_templates.h"

namespace slipway::boot {

struct TemplateSet::Entry {
  std::string source;
  std::string text;
  std::unique_ptr<ctemplate::Template> parsed;
};

namespace {

size_t line_at(std::string_view text, size_t offset) {
  size_t line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

// ctemplate reports syntax errors on stderr, without a line number. This walk over the markers
// finds the line of the usual mistakes (an unclosed marker, a section closed by another name or
// never closed) and refuses includes. nullopt: nothing found here (ctemplate may still refuse).
struct SyntaxProblem {
  size_t line;
  std::string what;
};

std::optional<SyntaxProblem> find_syntax_problem(std::string_view text) {
  struct Open {
    std::string_view name;
    size_t line;
  };
  std::vector<Open> open;
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    size_t line = line_at(text, pos);
    size_t end = text.find("}}", pos + 2);
    if (end == std::string_view::npos) return SyntaxProblem{line, "'{{' without '}}'"};
    std::string_view marker = text.substr(pos + 2, end - pos - 2);
    pos = end + 2;
    if (marker.empty()) continue;
    char kind = marker.front();
    std::string_view name = marker.substr(1);
    if (kind == '=') return std::nullopt;  // changed delimiters: leave it to ctemplate
    if (kind == '!') continue;
    if (kind == '>') {
      return SyntaxProblem{line, "includes ({{>" + std::string(name) +
                                     "}}) are not supported: a template sees only its machine"};
    }
    if (kind == '#') open.push_back({name, line});
    if (kind == '/') {
      if (open.empty()) {
        return SyntaxProblem{line, "{{/" + std::string(name) + "}} closes no open section"};
      }
      if (open.back().name != name) {
        return SyntaxProblem{line, "{{/" + std::string(name) + "}} closes section " +
                                       std::string(open.back().name) + ", opened on line " +
                                       std::to_string(open.back().line)};
      }
      open.pop_back();
    }
  }
  if (!open.empty()) {
    return SyntaxProblem{open.back().line,
                         "section " + std::string(open.back().name) + " is never closed"};
  }
  return std::nullopt;
}

// "ERROR: Template : ERROR: Found end of different section...\nFound: T\nIn: S\n" -> one line.
std::string tidy_ctemplate_message(const std::string& raw) {
  std::string out;
  std::istringstream lines(raw);
  std::string line;
  while (std::getline(lines, line)) {
    for (std::string_view prefix : {"ERROR: ", "Template : ", "ERROR: "}) {
      if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
    }
    if (line.empty()) continue;
    out += (out.empty() ? "" : "; ") + line;
  }
  return out.empty() ? "syntax error" : out;
}

// ctemplate writes parse errors to std::cerr; they are captured for the error message. Parsing
// happens at configuration load only, so the brief redirection of std::cerr is harmless; the
// mutex keeps two parses from mixing their messages.
ctemplate::Template* parse_capturing_errors(const std::string& text, std::string* errors) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::ostringstream captured;
  std::streambuf* previous = std::cerr.rdbuf(captured.rdbuf());
  ctemplate::Template* parsed =
      ctemplate::Template::StringToTemplate(text, ctemplate::DO_NOT_STRIP);
  std::cerr.rdbuf(previous);
  *errors = captured.str();
  return parsed;
}

std::string_view view(const ctemplate::TemplateString& s) { return {s.data(), s.size()}; }

// The ctemplate dictionary over a TemplateContext. Lookups walk up the parents as ctemplate's
// own TemplateDictionary does; a variable found nowhere is recorded as missing (ctemplate itself
// would expand it to nothing).
class ContextDictionary : public ctemplate::TemplateDictionaryInterface {
 public:
  ContextDictionary(const TemplateContext& context, const ContextDictionary* parent,
                    std::vector<std::string>* missing)
      : context_(context), parent_(parent), missing_(missing) {}

 protected:
  ctemplate::TemplateString GetValue(const ctemplate::TemplateString& variable) const override {
    std::string_view name = view(variable);
    for (const ContextDictionary* d = this; d; d = d->parent_) {
      if (const std::string* v = d->context_.value(name)) return {v->data(), v->size()};
    }
    if (name == "BI_NEWLINE") return "\n";
    if (name == "BI_SPACE") return " ";
    if (std::find(missing_->begin(), missing_->end(), name) == missing_->end()) {
      missing_->emplace_back(name);
    }
    return "";
  }

  bool IsHiddenSection(const ctemplate::TemplateString& name) const override {
    return find_section(view(name)) == nullptr;
  }
  bool IsUnhiddenSection(const ctemplate::TemplateString& name) const override {
    return !IsHiddenSection(name);
  }

  Iterator* CreateSectionIterator(const ctemplate::TemplateString& name) const override {
    auto* it = new SectionIterator;
    if (const ContextDictionary* owner = find_section(view(name))) {
      if (const auto* entries = owner->context_.section(view(name))) {
        for (const auto& entry : *entries) {
          it->children.push_back(std::make_unique<ContextDictionary>(entry, this, missing_));
        }
      } else {
        // A variable used as a section: shown once, with nothing of its own.
        it->children.push_back(std::make_unique<ContextDictionary>(kEmpty, this, missing_));
      }
    }
    return it;
  }

  // Includes are refused at load (find_syntax_problem); these keep ctemplate consistent.
  bool IsHiddenTemplate(const ctemplate::TemplateString&) const override { return true; }
  const char* GetIncludeTemplateName(const ctemplate::TemplateString&, int) const override {
    return nullptr;
  }
  Iterator* CreateTemplateIterator(const ctemplate::TemplateString&) const override {
    return new SectionIterator;
  }

  void DumpToString(std::string* out, int level) const override {
    std::string indent(static_cast<size_t>(level) * 2, ' ');
    for (const auto& [k, v] : context_.values()) *out += indent + k + ": " + v + "\n";
    for (const auto& [k, entries] : context_.sections()) {
      *out += indent + "#" + k + " (" + std::to_string(entries.size()) + ")\n";
    }
  }

 private:
  struct SectionIterator : Iterator {
    std::vector<std::unique_ptr<ContextDictionary>> children;
    size_t next = 0;
    bool HasNext() const override { return next < children.size(); }
    const TemplateDictionaryInterface& Next() override { return *children[next++]; }
  };

  // The nearest dictionary, this one or a parent, that shows section `name` (as a section, or
  // as a set variable).
  const ContextDictionary* find_section(std::string_view name) const {
    for (const ContextDictionary* d = this; d; d = d->parent_) {
      if (const auto* entries = d->context_.section(name); entries && !entries->empty()) return d;
      if (d->context_.value(name)) return d;
    }
    return nullptr;
  }

  static inline const TemplateContext kEmpty{};
  const TemplateContext& context_;
  const ContextDictionary* parent_;
  std::vector<std::string>* missing_;
};

// The line of the first use of variable `name` as {{NAME}} or {{NAME:modifier}}; 0 if none.
size_t first_use_line(std::string_view text, std::string_view name) {
  std::string marker = "{{" + std::string(name);
  for (size_t pos = text.find(marker); pos != std::string_view::npos;
       pos = text.find(marker, pos + 1)) {
    size_t after = pos + marker.size();
    if (after < text.size() && (text[after] == '}' || text[after] == ':')) {
      return line_at(text, pos);
    }
  }
  return 0;
}

}  // namespace

std::optional<std::string> invalid_template_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return "template names have 1 to 63 characters";
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return "template name '" + std::string(name) + "' may hold only a-z, 0-9 and '-'";
    }
  }
  return std::nullopt;
}

Status TemplateSet::add(const std::string& name, const std::string& source, std::string text) {
  if (auto why = invalid_template_name(name)) return Error{source + ": " + *why};
  std::string errors;
  std::unique_ptr<ctemplate::Template> parsed(parse_capturing_errors(text, &errors));
  auto problem = find_syntax_problem(text);
  if (!parsed || parsed->state() != ctemplate::TS_READY) {
    std::string what = tidy_ctemplate_message(errors);
    if (problem) return Error{source + ": line " + std::to_string(problem->line) + ": " + what};
    return Error{source + ": " + what};
  }
  if (problem) {
    return Error{source + ": line " + std::to_string(problem->line) + ": " + problem->what};
  }
  auto entry = std::make_shared<Entry>();
  entry->source = source;
  entry->text = std::move(text);
  entry->parsed = std::move(parsed);
  entries_[name] = std::move(entry);
  return {};
}

Status TemplateSet::add_file(const std::string& name, const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(path, ec)) {
    return Error{path.string() + ": cannot read the template file"};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{path.string() + ": cannot read the template file"};
  return add(name, path.string(), text.str());
}

std::vector<std::string> TemplateSet::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_) out.push_back(name);
  return out;
}

const std::string& TemplateSet::source(std::string_view name) const {
  return entries_.find(name)->second->source;
}

const TemplateSet& builtin_templates() {
  static const TemplateSet set = [] {
    TemplateSet s;
    for (const auto& [name, text] : builtin_template_texts()) {
      // The built-ins are tested; a failure here is a broken build.
      if (auto added = s.add(std::string(name), "built-in " + std::string(name), std::string(text));
          !added) {
        throw std::logic_error(added.error().message);
      }
    }
    return s;
  }();
  return set;
}

Result<std::string> render_machine_template(const TemplateSet& set, std::string_view name,
                                            const TemplateContext& context) {
  auto it = set.entries_.find(name);
  if (it == set.entries_.end()) return Error{"no template named '" + std::string(name) + "'"};
  const TemplateSet::Entry& entry = *it->second;
  std::vector<std::string> missing;
  ContextDictionary dictionary(context, nullptr, &missing);
  std::string out;
  if (!entry.parsed->Expand(&out, &dictionary)) {
    return Error{std::string(name) + " (" + entry.source + "): ctemplate could not expand it"};
  }
  if (!missing.empty()) {
    std::string message = std::string(name) + " (" + entry.source + "): ";
    for (size_t i = 0; i < missing.size(); ++i) {
      if (i) message += "; ";
      if (size_t line = first_use_line(entry.text, missing[i])) {
        message += "line " + std::to_string(line) + ": ";
      }
      message += "no value for variable " + missing[i];
    }
    return Error{message};
  }
  return out;
}

}  // namespace slipway::boot
