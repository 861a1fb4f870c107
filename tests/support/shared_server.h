#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <string>

namespace fetchpool::test {

/// Base for a test suite whose tests share one server: the suite's SetUpTestSuite starts it
/// with start(); it is stopped after the suite's last test. `Base` lets parameterised
/// suites use it too.
template <class Server, class Base = ::testing::Test>
class SharedServerTest : public Base {
 protected:
  /// Starts the server with `make`. If that throws, every test of the suite fails with the
  /// reason: an exception escaping SetUpTestSuite would only mark them skipped, and a
  /// broken test server must not look like a passing run.
  template <class Make>
  static void start(Make make) {
    try {
      server_ = make();
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    server_.reset();
    start_error_.clear();
  }
  void SetUp() override {
    if (!server_) FAIL() << "the test server did not start: " << start_error_;
  }

  static inline std::unique_ptr<Server> server_;
  static inline std::string start_error_;
};

}  // namespace fetchpool::test
