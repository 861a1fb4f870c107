#pragma once

#include "support/fault_server.h"
#include "support/nginx_server.h"
#include "support/test_data.h"

namespace fetchpool::test {

/// nginx serving the test data and the fault server, side by side: for a suite that needs
/// well-behaved and misbehaving answers (use with SharedServerTest).
struct WebServers {
  NginxServer nginx{TestData::get().root()};
  FaultServer faults;
};

}  // namespace fetchpool::test
