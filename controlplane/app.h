#pragma once
// `slipway serve`: builds every service from the configuration and runs them on one io_context
// until SIGINT or SIGTERM.

#include "controlplane/app_config.h"

namespace slipway::controlplane {

// Returns the process exit code. Start-up failures (database, ports, assets folder) are printed
// with what to fix and give a non-zero code.
int serve(const AppConfig& config);

}  // namespace slipway::controlplane
