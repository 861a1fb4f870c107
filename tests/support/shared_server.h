#pragma once

#include <gtest/gtest.h>

#include <memory>

namespace fetchpool::test {

/// Base for a test suite whose tests share one server: the suite's SetUpTestSuite starts it
/// into `server_` (e.g. `server_ = std::make_unique<FaultServer>();`); it is stopped after
/// the suite's last test. `Base` lets parameterised suites use it too.
template <class Server, class Base = ::testing::Test>
class SharedServerTest : public Base {
 protected:
  static void TearDownTestSuite() { server_.reset(); }
  static inline std::unique_ptr<Server> server_;
};

}  // namespace fetchpool::test
