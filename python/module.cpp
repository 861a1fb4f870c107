// fetchpool._native: the engine for Python, over the public C++ API only
// (include/fetchpool/). The Python package (python/fetchpool/) builds its sync and asyncio
// API on these few types; nothing here runs Python code on the engine's thread, and every
// call that may wait lets go of the GIL first.

#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "fetchpool/completion_queue.h"
#include "fetchpool/engine.h"
#include "fetchpool/live_display.h"
#include "fetchpool/pull.h"

namespace py = pybind11;

namespace fetchpool::python {
namespace {

std::chrono::milliseconds to_ms(double seconds) {
  if (seconds < 0) seconds = 0;
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000 + 0.5));
}

/// An Engine and, for an event loop, the queue its transfers end into. The queue is
/// declared first so that it outlives the engine (whose last on_finished calls reach it).
class NativeEngine {
 public:
  NativeEngine(EngineOptions options, bool notify) {
    if (notify) {
      queue_ = std::make_unique<CompletionQueue>();
      options.on_finished = queue_->sink();
    }
    engine_ = std::make_unique<Engine>(std::move(options));
  }

  Engine& engine() {
    if (!engine_) throw std::runtime_error("this Engine is closed");
    return *engine_;
  }

  /// Draws the command line's live display on stderr (when it is a terminal).
  void show_live_display() {
    if (!display_) display_ = std::make_unique<LiveDisplay>(engine());
  }

  /// Cancels what is unfinished and joins the engine's thread (without the GIL).
  void close() {
    std::unique_ptr<LiveDisplay> display = std::move(display_);
    std::unique_ptr<Engine> engine = std::move(engine_);
    py::gil_scoped_release unlocked;
    display.reset();  // before the engine it reads
    engine.reset();
  }
  bool closed() const { return !engine_; }

  int completion_fd() const { return queue_ ? queue_->fd() : -1; }
  std::vector<Result> take_completed() { return queue_ ? queue_->take() : std::vector<Result>{}; }

 private:
  std::unique_ptr<CompletionQueue> queue_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<LiveDisplay> display_;  ///< Last: destroyed before the engine it reads.
};

/// A pull on a thread of its own, so that the caller can wait with a timeout (and see
/// Ctrl-C or asyncio cancellation between waits), look at its progress and cancel it.
/// With `live_display`, the command line's display is drawn on stderr while it runs.
class PullRun {
 public:
  PullRun(PullOptions options, bool live_display) {
    options.on_engine = [this, live_display](Engine* engine) {
      std::lock_guard lock(mutex_);
      display_.reset();  // before the engine it reads goes
      engine_ = engine;
      if (engine_ && live_display) display_ = std::make_unique<LiveDisplay>(*engine_);
      if (engine_ && cancelled_) engine_->cancel_all();
    };
    thread_ = std::thread([this, options = std::move(options)] {
      PullResult result = pull_image(options);
      std::lock_guard lock(mutex_);
      result_ = std::move(result);
      ended_.notify_all();
    });
  }
  ~PullRun() {
    cancel();
    thread_.join();
  }
  PullRun(const PullRun&) = delete;
  PullRun& operator=(const PullRun&) = delete;

  std::optional<PullResult> wait_for(double seconds) {
    std::unique_lock lock(mutex_);
    ended_.wait_for(lock, to_ms(seconds), [this] { return result_.has_value(); });
    return result_;
  }
  void cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    if (engine_) engine_->cancel_all();
  }
  /// Where the pull's requests stand; nothing before the first and after the last.
  std::optional<ProgressSnapshot> progress() {
    std::lock_guard lock(mutex_);
    if (!engine_) return std::nullopt;
    return engine_->progress();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ended_;
  Engine* engine_ = nullptr;
  std::unique_ptr<LiveDisplay> display_;  ///< Only while engine_ is there.
  bool cancelled_ = false;
  std::optional<PullResult> result_;
  std::thread thread_;  ///< Last: started once everything it uses is there.
};

py::object body_of(const Result& result) {
  if (!result.body) return py::none();
  return py::bytes(result.body->data(), result.body->size());
}

}  // namespace
}  // namespace fetchpool::python

PYBIND11_MODULE(_native, m) {
  using namespace fetchpool;
  using fetchpool::python::NativeEngine;
  using fetchpool::python::PullRun;
  using fetchpool::python::to_ms;
  m.doc() = "fetchpool's engine (use the fetchpool package, not this module)";

  py::enum_<Status>(m, "Status")
      .value("ok", Status::ok)
      .value("skipped", Status::skipped)
      .value("failed", Status::failed)
      .value("cancelled", Status::cancelled);
  py::enum_<ErrorCategory>(m, "ErrorCategory")
      .value("none", ErrorCategory::none)
      .value("network", ErrorCategory::network)
      .value("tls", ErrorCategory::tls)
      .value("timeout", ErrorCategory::timeout)
      .value("stalled", ErrorCategory::stalled)
      .value("http", ErrorCategory::http)
      .value("checksum", ErrorCategory::checksum)
      .value("filesystem", ErrorCategory::filesystem)
      .value("cancelled", ErrorCategory::cancelled)
      .value("invalid_input", ErrorCategory::invalid_input)
      .value("too_large", ErrorCategory::too_large)
      .value("protocol", ErrorCategory::protocol);
  py::enum_<IfExists>(m, "IfExists")
      .value("skip", IfExists::skip)
      .value("fail", IfExists::fail)
      .value("overwrite", IfExists::overwrite);
  py::enum_<Phase>(m, "Phase")
      .value("queued", Phase::queued)
      .value("connecting", Phase::connecting)
      .value("receiving", Phase::receiving)
      .value("waiting", Phase::waiting);
  py::enum_<ImageFormat>(m, "ImageFormat")
      .value("docker_archive", ImageFormat::docker_archive)
      .value("oci_layout", ImageFormat::oci_layout);

  py::class_<Request>(m, "Request")
      .def(py::init<>())
      // Every field in one call: a Python program submitting 10,000 requests pays one
      // crossing per request instead of one per field.
      .def(
          py::init([](std::string url, std::string directory, std::string file_name,
                      std::vector<std::string> headers, std::string expected_digest,
                      std::int64_t expected_size, std::string label, bool to_memory,
                      std::int64_t memory_limit, std::optional<double> max_time_s, std::optional<int> retries,
                      std::optional<int> connections, std::optional<IfExists> if_exists,
                      std::optional<std::int64_t> max_bytes_per_s, std::vector<std::string> mirrors,
                      bool name_from_server, std::optional<py::bytes> post_body,
                      std::optional<std::tuple<std::string, std::int64_t, std::int64_t>> into_region) {
            Request request;
            request.url = std::move(url);
            request.directory = std::move(directory);
            request.file_name = std::move(file_name);
            request.headers = std::move(headers);
            request.expected_digest = std::move(expected_digest);
            request.expected_size = expected_size;
            request.label = std::move(label);
            request.to_memory = to_memory;
            request.memory_limit = memory_limit;
            request.max_time_s = max_time_s;
            request.retries = retries;
            request.connections = connections;
            request.if_exists = if_exists;
            request.max_bytes_per_s = max_bytes_per_s;
            request.mirrors = std::move(mirrors);
            request.name_from_server = name_from_server;
            if (post_body) request.post_body = static_cast<std::string>(*post_body);
            if (into_region) {
              auto& [file, offset, size] = *into_region;
              request.into_region = FileRegion{file, offset, size};
            }
            return request;
          }),
          py::arg("url"), py::arg("directory"), py::arg("file_name"), py::arg("headers"),
          py::arg("expected_digest"), py::arg("expected_size"), py::arg("label"), py::arg("to_memory"),
          py::arg("memory_limit"), py::arg("max_time_s"), py::arg("retries"), py::arg("connections"),
          py::arg("if_exists"), py::arg("max_bytes_per_s") = py::none(),
          py::arg("mirrors") = std::vector<std::string>{}, py::arg("name_from_server") = false,
          py::arg("post_body") = py::none(), py::arg("into_region") = py::none())
      .def_readwrite("url", &Request::url)
      .def_readwrite("directory", &Request::directory)
      .def_readwrite("file_name", &Request::file_name)
      .def_readwrite("headers", &Request::headers)
      .def_readwrite("expected_digest", &Request::expected_digest)
      .def_readwrite("expected_size", &Request::expected_size)
      .def_readwrite("label", &Request::label)
      .def_readwrite("to_memory", &Request::to_memory)
      .def_readwrite("memory_limit", &Request::memory_limit)
      .def_readwrite("max_time_s", &Request::max_time_s)
      .def_readwrite("retries", &Request::retries)
      .def_readwrite("connections", &Request::connections)
      .def_readwrite("if_exists", &Request::if_exists)
      .def_readwrite("max_bytes_per_s", &Request::max_bytes_per_s)
      .def_readwrite("mirrors", &Request::mirrors)
      .def_readwrite("name_from_server", &Request::name_from_server);

  py::class_<EngineOptions>(m, "EngineOptions")
      .def(py::init<>())
      .def_readwrite("max_concurrent", &EngineOptions::max_concurrent)
      .def_readwrite("max_per_host", &EngineOptions::max_per_host)
      .def_readwrite("connections_per_file", &EngineOptions::connections_per_file)
      .def_readwrite("min_split_size", &EngineOptions::min_split_size)
      .def_readwrite("output_dir", &EngineOptions::output_dir)
      .def_readwrite("if_exists", &EngineOptions::if_exists)
      .def_readwrite("verify_tls", &EngineOptions::verify_tls)
      .def_readwrite("ca_cert_file", &EngineOptions::ca_cert_file)
      .def_readwrite("credentials", &EngineOptions::credentials)
      .def_readwrite("use_netrc", &EngineOptions::use_netrc)
      .def_readwrite("netrc_file", &EngineOptions::netrc_file)
      .def_readwrite("proxy", &EngineOptions::proxy)
      .def_readwrite("no_proxy", &EngineOptions::no_proxy)
      .def_readwrite("connect_timeout_s", &EngineOptions::connect_timeout_s)
      .def_readwrite("stall_timeout_s", &EngineOptions::stall_timeout_s)
      .def_readwrite("min_rate_bytes_per_s", &EngineOptions::min_rate_bytes_per_s)
      .def_readwrite("max_bytes_per_s", &EngineOptions::max_bytes_per_s)
      .def_readwrite("max_time_s", &EngineOptions::max_time_s)
      .def_readwrite("retries", &EngineOptions::retries)
      .def_readwrite("retry_wait_s", &EngineOptions::retry_wait_s)
      .def_readwrite("retry_wait_max_s", &EngineOptions::retry_wait_max_s)
      .def_readwrite("resume", &EngineOptions::resume)
      .def_readwrite("verify_server_digest", &EngineOptions::verify_server_digest)
      .def_readwrite("max_redirects", &EngineOptions::max_redirects)
      .def_readwrite("location_trusted", &EngineOptions::location_trusted)
      .def_readwrite("allow_downgrade", &EngineOptions::allow_downgrade)
      .def_readwrite("unique_paths", &EngineOptions::unique_paths)
      .def_readwrite("user_agent", &EngineOptions::user_agent);

  py::class_<Result>(m, "Result")
      .def_readonly("id", &Result::id)
      .def_readonly("url", &Result::url)
      .def_readonly("path", &Result::path)
      .def_readonly("label", &Result::label)
      .def_readonly("status", &Result::status)
      .def_readonly("category", &Result::category)
      .def_readonly("message", &Result::message)
      .def_readonly("http_status", &Result::http_status)
      .def_readonly("bytes", &Result::bytes)
      .def_readonly("attempts", &Result::attempts)
      .def_readonly("elapsed_s", &Result::elapsed_s)
      .def_readonly("attempt_errors", &Result::attempt_errors)
      .def_readonly("headers", &Result::headers)
      .def_property_readonly("ok", &Result::ok)
      .def_property_readonly("body", &fetchpool::python::body_of);

  py::class_<TransferProgress>(m, "TransferProgress")
      .def_readonly("id", &TransferProgress::id)
      .def_readonly("path", &TransferProgress::path)
      .def_readonly("label", &TransferProgress::label)
      .def_readonly("phase", &TransferProgress::phase)
      .def_readonly("bytes", &TransferProgress::bytes)
      .def_readonly("total", &TransferProgress::total)
      .def_readonly("rate", &TransferProgress::rate)
      .def_readonly("elapsed_s", &TransferProgress::elapsed_s)
      .def_readonly("idle_s", &TransferProgress::idle_s)
      .def_readonly("connections", &TransferProgress::connections)
      .def_readonly("attempt", &TransferProgress::attempt)
      .def_readonly("max_attempts", &TransferProgress::max_attempts)
      .def_readonly("retry_in_s", &TransferProgress::retry_in_s)
      .def_readonly("last_error", &TransferProgress::last_error);
  py::class_<ProgressTotals>(m, "ProgressTotals")
      .def_readonly("submitted", &ProgressTotals::submitted)
      .def_readonly("ok", &ProgressTotals::ok)
      .def_readonly("failed", &ProgressTotals::failed)
      .def_readonly("running", &ProgressTotals::running)
      .def_readonly("queued", &ProgressTotals::queued)
      .def_readonly("waiting", &ProgressTotals::waiting)
      .def_readonly("stalled", &ProgressTotals::stalled)
      .def_readonly("bytes", &ProgressTotals::bytes)
      .def_readonly("rate", &ProgressTotals::rate)
      .def_readonly("elapsed_s", &ProgressTotals::elapsed_s);
  py::class_<ProgressSnapshot>(m, "ProgressSnapshot")
      .def_readonly("totals", &ProgressSnapshot::totals)
      .def_readonly("transfers", &ProgressSnapshot::transfers);

  py::class_<TransferHandle>(m, "TransferHandle")
      .def_property_readonly("id", &TransferHandle::id)
      .def("done", &TransferHandle::done)
      .def(
          "wait_for",
          [](const TransferHandle& handle, double seconds) { return handle.wait_for(to_ms(seconds)); },
          py::call_guard<py::gil_scoped_release>())
      .def("cancel", &TransferHandle::cancel);

  m.def(
      "wait_any",
      [](const std::vector<TransferHandle>& handles, double seconds) {
        return wait_any(handles, to_ms(seconds));
      },
      py::call_guard<py::gil_scoped_release>());

  py::class_<NativeEngine>(m, "Engine")
      .def(py::init<EngineOptions, bool>(), py::arg("options"), py::arg("notify") = false)
      .def(
          "submit",
          [](NativeEngine& self, Request request) { return self.engine().submit(std::move(request)); },
          py::call_guard<py::gil_scoped_release>())
      .def("cancel_all", [](NativeEngine& self) { self.engine().cancel_all(); })
      .def(
          "wait_idle",
          [](NativeEngine& self, double seconds) { return self.engine().wait_idle(to_ms(seconds)); },
          py::call_guard<py::gil_scoped_release>())
      .def("unfinished", [](NativeEngine& self) { return self.engine().unfinished(); })
      .def("max_concurrent", [](NativeEngine& self) { return self.engine().max_concurrent(); })
      .def("progress", [](NativeEngine& self) { return self.engine().progress(); })
      .def("close", &NativeEngine::close)
      .def("show_live_display", &NativeEngine::show_live_display)
      .def_property_readonly("closed", &NativeEngine::closed)
      .def("completion_fd", &NativeEngine::completion_fd)
      .def("take_completed", &NativeEngine::take_completed);

  py::class_<PullOptions>(m, "PullOptions")
      .def(py::init<>())
      .def_readwrite("image", &PullOptions::image)
      .def_readwrite("output", &PullOptions::output)
      .def_readwrite("format", &PullOptions::format)
      .def_readwrite("cache_dir", &PullOptions::cache_dir)
      .def_readwrite("platform", &PullOptions::platform)
      .def_readwrite("all_platforms", &PullOptions::all_platforms)
      .def_readwrite("plain_http", &PullOptions::plain_http)
      .def_readwrite("mirrors", &PullOptions::mirrors)
      .def_readwrite("mirror_all_registries", &PullOptions::mirror_all_registries)
      .def_readwrite("credentials", &PullOptions::credentials)
      .def_readwrite("auth_file", &PullOptions::auth_file)
      .def_readwrite("more_images", &PullOptions::more_images)
      .def_readwrite("engine", &PullOptions::engine);
  py::class_<PullResult>(m, "PullResult")
      .def_readonly("ok", &PullResult::ok)
      .def_readonly("error", &PullResult::error)
      .def_readonly("manifest_digest", &PullResult::manifest_digest)
      .def_readonly("reference", &PullResult::reference)
      .def_readonly("blobs", &PullResult::blobs)
      .def_property_readonly("images", [](const PullResult& result) {
        std::vector<std::pair<std::string, std::string>> images;
        for (const PulledImage& image : result.images)
          images.emplace_back(image.reference, image.manifest_digest);
        return images;
      });
  py::class_<PullRun>(m, "PullRun")
      .def(py::init<PullOptions, bool>(), py::arg("options"), py::arg("live_display") = false,
           py::call_guard<py::gil_scoped_release>())
      .def("wait_for", &PullRun::wait_for, py::call_guard<py::gil_scoped_release>())
      .def("progress", &PullRun::progress, py::call_guard<py::gil_scoped_release>())
      .def("cancel", &PullRun::cancel);
  m.def("check_image_reference", [](const std::string& image) {
    std::string why;
    return check_image_reference(image, &why) ? std::string() : why;
  });
  m.attr("STALLED_AFTER_S") = kStalledAfterSeconds;
  m.def("version_string", &version_string);
  m.def("rate_text", &fetchpool::rate_text, "A rate as the live display writes it: \"36.5 MiB/s\".");
  m.def("redact_url", &redact_url);
}
