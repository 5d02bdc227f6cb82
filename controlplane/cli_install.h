#pragma once
// `slipway machines install MACHINE [--profile P] [--wait SECONDS]`: starts an image install
// (REST: POST /api/v1/machines/KEY/install) and, with --wait, follows it until the machine is
// deployed (exit 0), the install failed (the machine is ready again: exit 1) or the wait is over
// (exit 1), printing a line whenever the stage or the written bytes move on.

#include <string>

namespace slipway::controlplane {

int machines_install(const std::string& server_url, const std::string& key,
                     const std::string& profile, int wait_seconds, bool json);

}  // namespace slipway::controlplane
