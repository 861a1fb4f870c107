#include "engine/verdict.h"

#include <cmath>
#include <cstdio>

#include "http/url.h"

namespace fetchpool::engine {
namespace {

using Kind = AttemptOutcome::Kind;

std::string proxy_credentials_hint(int status) {
  return status == 407 ? " (proxy authentication required): give them in the proxy's URL, "
                         "http://user:password@host:port"
                       : "";
}

struct Described {
  ErrorCategory category = ErrorCategory::none;
  std::string message;
};

std::string host_of(std::string_view key) {
  std::size_t start = key.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  std::size_t colon = key.rfind(':');
  return std::string(key.substr(
      start, colon == std::string_view::npos || colon < start ? std::string_view::npos : colon - start));
}

/// A failure on the way to the proxy, or the proxy's own answer; nothing when the attempt
/// went direct or the failure was past the proxy.
std::optional<Described> describe_proxy_failure(const AttemptOutcome& outcome,
                                                const AttemptContext& context) {
  if (context.proxy.empty()) return std::nullopt;
  const std::string& detail = outcome.detail;
  const std::string proxy = "the proxy " + context.proxy;
  switch (outcome.curl_code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Described{ErrorCategory::network, "cannot resolve " + proxy + ": " + detail};
    case CURLE_COULDNT_CONNECT:
      return Described{ErrorCategory::network, "cannot connect to " + proxy + ": " + detail +
                                                   ": check that it runs, or list the host in NO_PROXY"};
    // libcurl 7.88 reports a CONNECT answer it cannot parse as a bad argument.
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_WEIRD_SERVER_REPLY:
      return Described{ErrorCategory::protocol,
                       proxy + " answered with something that is not HTTP: check that it is an HTTP proxy"};
    default: return std::nullopt;
  }
}

Described describe_curl(const AttemptOutcome& outcome, const AttemptContext& context) {
  const std::string& detail = outcome.detail;
  const EngineOptions& options = *context.options;
  if (std::optional<Described> proxy_failure = describe_proxy_failure(outcome, context))
    return *proxy_failure;
  switch (outcome.curl_code) {
    case CURLE_WRITE_ERROR: return {ErrorCategory::filesystem, detail};
    case CURLE_COULDNT_RESOLVE_HOST:
      return {ErrorCategory::network,
              "cannot resolve host '" + host_of(context.host_key) + "': check the name and your DNS"};
    case CURLE_COULDNT_RESOLVE_PROXY:
      return {ErrorCategory::network,
              "cannot resolve the proxy: check HTTP_PROXY/HTTPS_PROXY (" + detail + ")"};
    case CURLE_COULDNT_CONNECT: return {ErrorCategory::network, "cannot connect: " + detail};
    case CURLE_OPERATION_TIMEDOUT: return {ErrorCategory::timeout, detail};
    case CURLE_PEER_FAILED_VERIFICATION:
      return {ErrorCategory::tls,
              "TLS certificate verification failed: " + detail +
                  ": use --ca-cert FILE to trust its CA, or --insecure to skip verification"};
    case CURLE_SSL_CACERT_BADFILE:
      return {ErrorCategory::tls, "cannot read CA certificates '" + options.ca_cert_file + "': " + detail};
    case CURLE_SSL_CONNECT_ERROR: return {ErrorCategory::tls, "TLS handshake failed: " + detail};
    case CURLE_TOO_MANY_REDIRECTS:
      return {ErrorCategory::http, "more than " + std::to_string(options.max_redirects) + " redirects"};
    case CURLE_UNSUPPORTED_PROTOCOL:
      return {ErrorCategory::invalid_input, "redirected to an unsupported protocol: " + detail};
    case CURLE_PARTIAL_FILE: return {ErrorCategory::network, "connection closed early: " + detail};
    case CURLE_LOGIN_DENIED: return {ErrorCategory::http, "login denied: check the credentials"};
    default: return {ErrorCategory::network, detail};
  }
}

/// Why a redirect is not followed; none when it is. Permanent: the server will say it again.
Described describe_redirect(const AttemptOutcome& outcome, const AttemptContext& context) {
  const EngineOptions& options = *context.options;
  http::ParsedUrl target;
  std::string why;
  const std::string shown = http::redact_url(outcome.detail);
  if (context.hops >= options.max_redirects)
    return {ErrorCategory::http, "more than " + std::to_string(options.max_redirects) + " redirects"};
  if (!http::parse_url(outcome.detail, &target, &why))
    return {ErrorCategory::invalid_input,
            "the server redirected to '" + shown + "', which cannot be followed: " + why};
  if (context.host_key.rfind("https://", 0) == 0 && target.scheme == "http" && !options.allow_downgrade) {
    return {ErrorCategory::tls, "the server redirected from https to plain http (" + shown +
                                    "): refused, as it would drop TLS; use --allow-downgrade to follow it "
                                    "(no credential is ever sent over it)"};
  }
  const bool keeps_body = outcome.http_status == 307 || outcome.http_status == 308;
  if (context.sends_body && keeps_body &&
      !http::redirect_keeps_trust(context.host_key, &target, options.location_trusted)) {
    return {ErrorCategory::http,
            "the server redirected a POST (" + std::to_string(outcome.http_status) + ") to another origin, " +
                shown +
                ", which would send its body there: refused (trust redirects, location_trusted or "
                "--location-trusted, to send it anyway)"};
  }
  return {};
}

/// The category and message of an outcome: the one place they are built.
Described describe(const AttemptOutcome& outcome, const AttemptContext& context) {
  const EngineOptions& options = *context.options;
  switch (outcome.kind) {
    case Kind::running:
    case Kind::completed: return {};
    case Kind::http_error:
      return {ErrorCategory::http, http_failure_message(outcome.http_status, outcome.detail) +
                                       proxy_credentials_hint(outcome.http_status)};
    case Kind::proxy_refused:
      return {ErrorCategory::http,
              (context.proxy.empty() ? std::string("the proxy") : "the proxy " + context.proxy) +
                  " refused the tunnel: " + http_failure_message(outcome.http_status, {}) +
                  proxy_credentials_hint(outcome.http_status)};
    case Kind::curl_error: return describe_curl(outcome, context);
    case Kind::write_error: return {ErrorCategory::filesystem, outcome.detail};
    case Kind::too_large: return {ErrorCategory::too_large, outcome.detail};
    case Kind::protocol: return {ErrorCategory::protocol, outcome.detail};
    case Kind::truncated: return {ErrorCategory::network, "connection closed early: " + outcome.detail};
    case Kind::size_mismatch: return {ErrorCategory::checksum, outcome.detail};
    case Kind::digest_mismatch:
      return {ErrorCategory::checksum, "checksum mismatch: " + outcome.detail +
                                           (outcome.advertised ? " (as advertised by the server)" : "")};
    case Kind::resume_refused:
      return {ErrorCategory::http,
              "HTTP 416: the server cannot continue at byte " + std::to_string(outcome.offset)};
    case Kind::restart: return {ErrorCategory::network, outcome.detail};
    case Kind::cancelled: return {ErrorCategory::cancelled, "cancelled"};
    case Kind::stalled:
      return {ErrorCategory::stalled,
              "no data received for " + seconds_text(options.stall_timeout_s) + " s (stall timeout)"};
    case Kind::too_slow:
      return {ErrorCategory::stalled, "slower than the minimum rate of " +
                                          std::to_string(options.min_rate_bytes_per_s) + " bytes/s over " +
                                          seconds_text(min_rate_window_s(options)) + " s (min rate)"};
    case Kind::deadline:
      return {ErrorCategory::timeout, "gave up after " + seconds_text(context.max_time_s) + " s (max time)"};
    case Kind::redirect: return describe_redirect(outcome, context);
    case Kind::exists: return {ErrorCategory::none, outcome.detail};
  }
  return {ErrorCategory::network, outcome.detail};
}

/// Failures that suggest the host is overloaded: 429, 503, connection resets.
bool host_seems_overloaded(const AttemptOutcome& outcome) {
  const CURLcode code = outcome.kind == Kind::curl_error ? outcome.curl_code : CURLE_OK;
  return outcome.http_status == 429 || outcome.http_status == 503 || code == CURLE_RECV_ERROR ||
         code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING;
}

}  // namespace

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", std::round(seconds * 10) / 10);
  return text;
}

double min_rate_window_s(const EngineOptions& options) {
  constexpr double kDefaultWindowS = 30;
  return options.stall_timeout_s > 0 ? options.stall_timeout_s : kDefaultWindowS;
}

AttemptOutcome AttemptOutcome::curl_failure(CURLcode code, const char* error_buffer) {
  AttemptOutcome outcome =
      of(Kind::curl_error, error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code));
  outcome.curl_code = code;
  return outcome;
}

AttemptOutcome AttemptOutcome::interrupted(Interrupt interrupt) {
  switch (interrupt) {
    case Interrupt::none: break;
    case Interrupt::cancelled: return of(Kind::cancelled);
    case Interrupt::stalled: return of(Kind::stalled);
    case Interrupt::too_slow: return of(Kind::too_slow);
    case Interrupt::deadline: return of(Kind::deadline);
  }
  return {};
}

bool record_end(AttemptOutcome* outcome, const RequestEnd& end) {
  if (end.interrupt != Interrupt::none) {
    *outcome = AttemptOutcome::interrupted(end.interrupt);  // whatever a callback noted
  } else if (outcome->recorded()) {
    // A callback stopped the request: that is the outcome.
  } else if (end.code != CURLE_OK && end.connect_status >= 300) {
    // The status is the proxy's, not the server's: that is what the failure is judged by.
    *outcome = AttemptOutcome::of(Kind::proxy_refused);
    outcome->http_status = static_cast<int>(end.connect_status);
    return true;
  } else if (end.code != CURLE_OK) {
    *outcome = AttemptOutcome::curl_failure(end.code, end.error_buffer);
  } else if (end.http_status == 416 && end.resumed_at > 0) {
    *outcome = AttemptOutcome::of(Kind::resume_refused);
    outcome->offset = end.resumed_at;
  } else if (end.http_status >= 400) {
    *outcome = AttemptOutcome::of(Kind::http_error, end.response ? end.response->status_line : std::string());
  }
  outcome->http_status = static_cast<int>(end.http_status);
  if (end.response) outcome->retry_after_s = end.response->retry_after_s;
  return outcome->recorded();
}

std::string http_failure_message(long status, const std::string& status_line) {
  // "HTTP/1.1 404 Not Found" -> "HTTP 404 Not Found"; HTTP/2 has no reason phrase.
  std::string message = "HTTP " + std::to_string(status);
  std::size_t code_at = status_line.find(' ');
  if (code_at != std::string::npos) {
    std::size_t reason_at = status_line.find(' ', code_at + 1);
    if (reason_at != std::string::npos && reason_at + 1 < status_line.size())
      message += status_line.substr(reason_at);
  }
  return message;
}

Verdict judge(const AttemptOutcome& outcome, const AttemptContext& context) {
  Verdict verdict;
  if (outcome.kind == Kind::completed) return verdict;
  Described described = describe(outcome, context);
  if (outcome.kind == Kind::redirect && described.category == ErrorCategory::none) {
    verdict.step = Verdict::Step::follow;
    verdict.target = outcome.detail;
    return verdict;
  }
  verdict.category = described.category;
  verdict.message = std::move(described.message);
  if (outcome.kind == Kind::exists) {
    verdict.step = Verdict::Step::skip;
    return verdict;
  }
  if (outcome.kind == Kind::cancelled) {
    verdict.step = Verdict::Step::cancel;
    return verdict;
  }
  verdict.step = Verdict::Step::fail;
  verdict.host_struggling = host_seems_overloaded(outcome);
  const bool checksum = verdict.category == ErrorCategory::checksum;
  if (!context.retries_spent || checksum || outcome.start_over) {
    verdict.attempt_error = (context.subject.empty() ? std::string() : context.subject + ", ") + "attempt " +
                            std::to_string(context.attempt) + ": " + verdict.message;
  }

  // What may come next: a fresh download after a checksum mismatch (once), an immediate
  // start over when the bytes on disk cannot be continued, or a retry after a backoff.
  std::optional<double> delay;
  if (checksum) {
    verdict.drop_part = true;  // the data never reaches the final name
    if (!context.checksum_retried) {
      verdict.checksum_retry = true;
      delay = 0.0;
    }
  } else if (outcome.start_over) {
    verdict.drop_part = true;
    if (context.attempt <= context.policy.max_retries + 1) delay = 0.0;
  } else {
    // A server or proxy that answered a range wrongly may do it again: from now on the
    // transfer asks for the whole body, so bytes of two answers are never joined.
    verdict.refuse_ranges = verdict.category == ErrorCategory::protocol;
    if (outcome.kind != Kind::deadline && !context.retries_spent) {
      AttemptError error{verdict.category, outcome.http_status, outcome.retry_after_s,
                         outcome.descriptor_shortage};
      delay = retry_delay(error, context.attempt, context.policy, context.random01);
    }
  }
  const bool transient = delay.has_value() || is_transient({verdict.category, outcome.http_status,
                                                            std::nullopt, outcome.descriptor_shortage});
  if (delay && context.time_left_s && *delay >= *context.time_left_s) {
    verdict.category = ErrorCategory::timeout;
    verdict.message =
        "gave up after " + seconds_text(context.max_time_s) + " s (max time); last error: " + verdict.message;
    delay.reset();
  }
  if (delay) {
    verdict.step = Verdict::Step::retry;
    verdict.delay_s = *delay;
    if (!context.subject.empty()) verdict.message = context.subject + ": " + verdict.message;
    return verdict;
  }
  verdict.checksum_retry = false;
  if (context.attempt > 1) verdict.message += " (after " + std::to_string(context.attempt) + " attempts)";
  // Transient failures keep NAME.part for a later run; permanent ones drop it.
  if (!transient) verdict.drop_part = true;
  return verdict;
}

}  // namespace fetchpool::engine
