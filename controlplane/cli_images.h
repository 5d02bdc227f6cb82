#pragma once
// `slipway images`: the image library from the command line.
//   import URL|FILE [--name NAME] [--sha256 HEX | --sha256sums URL|FILE] [--json]
//       starts an import job on the appliance (a FILE is made absolute here and read there: same
//       machine) and follows it: a progress bar on a terminal, a line every few seconds otherwise;
//       exit 0 when the image is in the library
//   list [--json], show NAME [--json], rm NAME [--json]

#include <chrono>
#include <string>

namespace slipway::controlplane {

struct ImportOptions {
  std::string source;      // URL or path
  std::string name;        // "" : from the source's file name
  std::string sha256;      // "" : none
  std::string sha256sums;  // "" : none; URL or path
  bool json = false;       // print the finished job's JSON instead of progress
  std::chrono::milliseconds poll_interval{250};
  std::chrono::seconds plain_interval{2};  // between progress lines when not on a terminal
};

int images_import(const std::string& server_url, const ImportOptions& options);
int images_list(const std::string& server_url, bool as_json);
int images_show(const std::string& server_url, const std::string& key, bool as_json);
int images_rm(const std::string& server_url, const std::string& name, bool as_json);

}  // namespace slipway::controlplane
