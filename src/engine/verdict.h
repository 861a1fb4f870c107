#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/retry_policy.h"
#include "fetchpool/options.h"
#include "fetchpool/result.h"
#include "http/response_headers.h"

namespace fetchpool::engine {

/// "2.5": seconds as a person reads them in a message.
std::string seconds_text(double seconds);
/// The window over which EngineOptions::min_rate_bytes_per_s is averaged.
double min_rate_window_s(const EngineOptions& options);

/// Why the loop ended a request itself, rather than libcurl.
enum class Interrupt : std::uint8_t { none, cancelled, stalled, too_slow, deadline };

/// What one attempt (a transfer's request, or one connection's request of a split
/// download) came to: recorded once, as it happens, by the callback that stopped it or by
/// the loop when libcurl reports it done or the loop interrupts it. Facts only; judge()
/// turns them into a category, a message and the next step.
struct AttemptOutcome {
  enum class Kind : std::uint8_t {
    running,          ///< Nothing recorded yet: the request goes on.
    completed,        ///< The body arrived whole, as long as stated, and its digest (if any) matches
                      ///< (for a body on one connection, checked by its commit: commit_failed()).
    http_error,       ///< The server answered `http_status` >= 400; `detail`: its status line.
    curl_error,       ///< libcurl failed with `curl_code`; `detail`: its error text.
    write_error,      ///< The body could not be stored; `detail`: why.
    too_large,        ///< A body kept in memory outgrew Request::memory_limit; `detail`: by how much.
    protocol,         ///< The answer broke the body rule; `detail` quotes the server.
    truncated,        ///< The body ended short of what was stated or asked; `detail`: how.
    size_mismatch,    ///< Not the size Request::expected_size names; `detail`: the message.
    digest_mismatch,  ///< `detail`: "expected A, got B"; `advertised`: the server named the digest.
    resume_refused,   ///< HTTP 416 to a Range from `offset` > 0: the bytes on disk are no prefix.
    restart,          ///< What is on disk cannot be continued; `detail`: why. Starts over at once.
    cancelled,        ///< Cancelled by the program (or the engine stopping).
    stalled,          ///< Nothing arrived for the stall timeout.
    too_slow,         ///< Slower than the minimum rate over its window.
    deadline,         ///< The transfer's max time passed.
    redirect,         ///< A 301/302/303/307/308 with a Location; `detail`: where, made absolute.
    proxy_refused,    ///< The proxy answered the CONNECT with `http_status` (>= 300): no tunnel.
    exists,           ///< The name the server gave is taken and IfExists::skip keeps it: skipped.
  };

  Kind kind = Kind::running;
  /// What is on disk must not be continued: dropped, and the transfer starts over at once
  /// (restart, resume_refused, and a split download's connection that broke the body rule).
  bool start_over = false;
  bool advertised = false;  ///< digest_mismatch: the digest was the server's, not the request's.
  /// write_error: the process was out of file descriptors, which passes (retried).
  bool descriptor_shortage = false;
  CURLcode curl_code = CURLE_OK;
  int http_status = 0;                  ///< The response's status, whatever the kind.
  std::optional<double> retry_after_s;  ///< The response's Retry-After, when it gave one.
  std::int64_t offset = 0;              ///< resume_refused: where the Range began.
  std::string detail;

  bool recorded() const { return kind != Kind::running; }

  static AttemptOutcome of(Kind kind, std::string detail = {}) {
    AttemptOutcome outcome;
    outcome.kind = kind;
    outcome.start_over = kind == Kind::restart || kind == Kind::resume_refused;
    outcome.detail = std::move(detail);
    return outcome;
  }
  /// libcurl's code with its error buffer (empty: curl's generic text for the code).
  static AttemptOutcome curl_failure(CURLcode code, const char* error_buffer);
  static AttemptOutcome interrupted(Interrupt interrupt);
};

/// How a request ended, as libcurl and the loop tell it.
struct RequestEnd {
  Interrupt interrupt = Interrupt::none;
  CURLcode code = CURLE_OK;
  long http_status = 0;
  const char* error_buffer = "";
  const http::ResponseHeaders* response = nullptr;
  /// Where the Range of a resume began (0: none); a 416 there means the bytes on disk are
  /// no prefix the server knows.
  std::int64_t resumed_at = 0;
  long connect_status = 0;  ///< The proxy's answer to a CONNECT (0: none was sent).
};

/// Records in `outcome` what `end` alone settles: an interrupt (over anything recorded),
/// else, unless a callback already recorded an outcome, curl's failure or an error status.
/// Notes the status and Retry-After either way. True when the outcome is known; false when
/// the body's own checks are to decide (libcurl says it is whole).
bool record_end(AttemptOutcome* outcome, const RequestEnd& end);

/// What judge() knows besides the outcome: where the attempt stands in its retries, the
/// clock, and what the messages name.
struct AttemptContext {
  int attempt = 1;  ///< This attempt's number: of the transfer, or of a segment's requests.
  RetryPolicy policy;
  double random01 = 0;                ///< Where in the backoff's jitter this retry falls, in [0, 1).
  std::optional<double> time_left_s;  ///< Until the transfer's max time, when it has one.
  double max_time_s = 0;
  bool checksum_retried = false;  ///< A mismatch already caused one fresh download.
  /// A split download ending: its segments used their own retries, so only a fresh start
  /// (a checksum mismatch, a start over) is another attempt.
  bool retries_spent = false;
  /// Empty for a transfer's own request; "bytes A-B" for the part a segment still lacked,
  /// which its error lines and retry notices name.
  std::string subject;
  std::string_view host_key;  ///< "scheme://host:port", for "cannot resolve host".
  /// The proxy the attempt went through, as messages name it; empty when direct.
  std::string proxy;
  int hops = 0;  ///< Redirects this attempt followed so far.
  /// This hop sends Request::post_body, which a 307 or 308 would send on: only to where
  /// credentials may go (the same origin, or anywhere with location_trusted; never over a
  /// downgrade), since such a body is often one (an OAuth2 refresh token).
  bool sends_body = false;
  const EngineOptions* options = nullptr;
};

/// The next step after an attempt.
struct Verdict {
  enum class Step : std::uint8_t {
    commit,  ///< The body is good: commit it (a segment: its part is done).
    retry,   ///< Another attempt after `delay_s`.
    fail,    ///< The transfer ends failed with `category` and `message`.
    cancel,  ///< The transfer ends cancelled; what is on disk stays for a later run.
    follow,  ///< A redirect to follow, within the same attempt: to `target`.
    skip,    ///< The file is there already (under the name the server gave): the transfer is skipped.
  };
  Step step = Step::commit;
  ErrorCategory category = ErrorCategory::none;
  std::string message;        ///< The Result's (fail), or the retry notice's (retry).
  std::string attempt_error;  ///< The line for Result::attempt_errors; empty when none is kept.
  std::string target;         ///< follow: the URL.
  double delay_s = 0;
  /// NAME.part is dropped (a mismatch, a start over, a permanent failure); else kept for
  /// the next attempt or a later run.
  bool drop_part = false;
  bool refuse_ranges = false;    ///< A protocol violation: ask for the whole body from now on.
  bool checksum_retry = false;   ///< This retry is the one fresh download a mismatch gets.
  bool host_struggling = false;  ///< The failure suggests an overloaded host (429, 503, resets).
};

/// The one rule after every attempt, plain and split alike: the category and message a
/// person reads, and what comes next (commit; a fresh download once after a checksum
/// mismatch; an immediate start over when what is on disk cannot be continued; a retry
/// after the retry policy's backoff or Retry-After, within the retries and the max time;
/// or the end, keeping NAME.part when another run could continue it). Pure.
Verdict judge(const AttemptOutcome& outcome, const AttemptContext& context);

/// "HTTP 404 Not Found" from a status and its status line.
std::string http_failure_message(long status, const std::string& status_line);

}  // namespace fetchpool::engine
