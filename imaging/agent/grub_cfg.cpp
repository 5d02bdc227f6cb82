#include "imaging/agent/grub_cfg.h"

#include <vector>

namespace slipway::imaging::agent {

std::string kernel_args_of_grub_cfg(std::string_view cfg) {
  size_t pos = 0;
  while (pos < cfg.size()) {
    size_t end = cfg.find('\n', pos);
    if (end == std::string_view::npos) end = cfg.size();
    std::string_view line = cfg.substr(pos, end - pos);
    pos = end + 1;
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      if (i > start) words.push_back(line.substr(start, i - start));
    }
    if (words.size() < 2 || (words[0] != "linux" && words[0] != "linuxefi")) continue;
    std::string args;
    for (size_t w = 2; w < words.size(); ++w) {
      std::string_view word = words[w];
      if (word == "ro" || word == "rw" || word.starts_with("root=") ||
          word.starts_with("BOOT_IMAGE=")) {
        continue;
      }
      args += (args.empty() ? "" : " ") + std::string(word);
    }
    return args;
  }
  return "";
}

}  // namespace slipway::imaging::agent
