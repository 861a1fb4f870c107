#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/file_sink.h"
#include "engine/transfer_state.h"
#include "fetchpool/options.h"
#include "fetchpool/request.h"
#include "fetchpool/result.h"
#include "hash/digest.h"
#include "http/curl_handles.h"
#include "http/url.h"

namespace fetchpool::engine {

using Clock = std::chrono::steady_clock;

/// One request's life inside the event loop. Owned by the loop thread alone; the curl
/// callbacks below run on that thread too, so nothing here needs a lock.
struct Transfer {
  TransferId id = 0;
  Request request;
  std::shared_ptr<detail::TransferState> state;  ///< What the handle waits on.

  http::ParsedUrl url;       ///< Filled by validation.
  std::string display_path;  ///< directory/name as the user will read it.
  std::optional<FileSink> sink;
  std::optional<hash::Digest> digest;
  std::string expected_hex;

  CURL* easy = nullptr;  ///< Borrowed from the loop's pool while running.
  http::CurlSlist headers;
  char error_buffer[CURL_ERROR_SIZE] = {};

  int attempts = 0;
  Clock::time_point first_start{};
  std::int64_t bytes = 0;     ///< Body bytes written by this attempt.
  std::string status_line;    ///< The last "HTTP/x nnn Reason" seen.
  int http_status = 0;        ///< Of the last response, once the attempt is over.
  bool body_started = false;  ///< The write callback has decided what to do with the body.
  bool discard_body = false;  ///< An error page: read it (to keep the connection) but drop it.
  std::string write_error;    ///< Set when the sink failed; the attempt is aborted.

  /// Stall detection: the callbacks bump `activity`; the loop compares it between scans.
  std::uint64_t activity = 0;
  std::uint64_t activity_seen = 0;
  Clock::time_point last_activity{};
};

/// Sets the options every transfer of this engine shares, once per new easy handle.
void configure_new_easy(CURL* easy, const EngineOptions& options, CURLSH* share);
/// Sets every option that differs between transfers (all of them, every time).
void configure_attempt(CURL* easy, Transfer& transfer);

/// Turns a finished attempt (curl's code plus what the callbacks saw) into the category and
/// message a person reads. `result` arrives with url/path/bytes filled in.
void describe_failure(CURLcode code, const Transfer& transfer, const EngineOptions& options, Result* result);

}  // namespace fetchpool::engine
