#include "cli/app.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "cli/config_file.h"
#include "cli/console.h"
#include "cli/generated_docs.h"
#include "cli/get_command.h"
#include "cli/man_reference.h"
#include "cli/pull_command.h"
#include "cli/report_merge.h"
#include "cli/shell_completions.h"
#include "fetchpool/engine.h"

namespace fetchpool::cli {
namespace {

constexpr const char* kDescription =
    "fetchpool downloads many files, or a few huge ones, over networks that drop, stall and\n"
    "throttle: every file arrives byte-exact under its final name or is reported failed with\n"
    "a reason.";

constexpr const char* kGetFooter = R"(
Input list (-i FILE, '-' for stdin), one URL per line, options indented under it:
  https://example.com/a.iso
    out=renamed.iso            file name inside the output directory
    dir=isos                   subdirectory of -d
    header=Authorization: Bearer TOKEN
    checksum=sha256:HEX        verified before the file gets its name
Lines starting with '#' are comments.

A big file is fetched over several connections (-x) when the server takes ranges and
names the version (ETag or Last-Modified); each part resumes and retries on its own.

A file appears under NAME only when complete and verified; a long download is kept in
NAME.part (with NAME.part.state) meanwhile, so it can be continued.
An existing NAME is kept (reported as skipped) unless --if-exists says otherwise.

Transient failures (resets, timeouts, stalls, HTTP 408/429/5xx) are retried with backoff,
continuing from the bytes already on disk. Ctrl-C stops and keeps NAME.part: run the
same command again to continue. A second Ctrl-C exits at once.

Exit status: 0 all files there, 1 some failed, 2 usage error, 130 interrupted.

Examples:
  fetchpool get https://example.com/file.iso
  fetchpool get -j 32 -d out -i urls.txt --report report.json --save-failed failed.txt
  fetchpool get -i failed.txt -d out        retry exactly the ones that failed)";

constexpr const char* kFooter =
    "Run 'fetchpool get --help', 'fetchpool pull --help' or 'fetchpool report --help' for their options.";

/// curl's --proxy and --noproxy; unset, the engine reads the environment.
void add_proxy_options(CLI::App* command, EngineOptions& engine, const std::string& group) {
  command
      ->add_option_function<std::string>(
          "--proxy", [&engine](const std::string& proxy) { engine.proxy = proxy; },
          "Use this proxy, [scheme://][user:pass@]host[:port]; \"\" for none "
          "(default: http_proxy, HTTPS_PROXY, ALL_PROXY)")
      ->type_name("URL")
      ->group(group);
  command
      ->add_option_function<std::string>(
          "--noproxy", [&engine](const std::string& hosts) { engine.no_proxy = hosts; },
          "Reach these hosts directly: names, addresses, CIDR ranges, comma-separated, or * "
          "(default: NO_PROXY)")
      ->type_name("LIST")
      ->group(group);
}

/// Every option of every command takes one value per use, and a repeatable one is repeated
/// (`-H 'A: 1' -H 'B: 2'`), as curl's do: CLI11 lets an option that keeps a list take every
/// word after it, so `-H 'Name: value' URL` took the URL for a second header.
void take_one_value_per_use(CLI::App& app) {
  for (CLI::App* command : app.get_subcommands({})) {
    for (CLI::Option* option : command->get_options()) {
      if (option->get_positional() || option->get_expected_max() <= 1) continue;
      option->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    }
  }
}

void add_get_command(CLI::App& app, GetOptions& o) {
  CLI::App* get = app.add_subcommand("get", "Download URLs into a directory");
  get->footer(kGetFooter);
  get->add_option("url", o.urls, "URLs to download (http:// or https://)")->type_name("URL");

  get->add_option("-i,--input-file", o.input_file, "Read URLs (and per-URL options) from FILE; '-' is stdin")
      ->type_name("FILE")
      ->group("Input and output");
  get->add_option("-d,--dir", o.directory, "Save files into DIR (created if missing; default: .)")
      ->type_name("DIR")
      ->group("Input and output");
  get->add_option("-o,--output", o.output,
                  "Save the one URL as FILE (a path: the directory is yours; - for stdout)")
      ->type_name("FILE")
      ->group("Input and output");
  get->add_flag("-O,--remote-name")
      ->description("Name each file from its URL (the default; curl's spelling)")
      ->group("Input and output");
  get->add_option(
         "--if-exists", o.if_exists,
         "When NAME already exists: skip (default), fail, or overwrite once the new file is complete")
      ->type_name("MODE")
      ->group("Input and output");
  get->add_option("--checksum", o.checksum, "Verify the one URL against ALGO:HEX (sha256, sha512, sha1, md5)")
      ->type_name("ALGO:HEX")
      ->group("Input and output");
  get->add_flag("--content-disposition,-J,--remote-header-name", o.content_disposition,
                "Name files as the server's Content-Disposition says (made safe; not with -o or out=)")
      ->group("Input and output");
  get->add_flag("--force-directories", o.layout.enabled,
                "Keep the remote layout: save as DIR/HOST/PATH/NAME (wget's -x; here -x is connections)")
      ->group("Input and output");
  get->add_flag_function(
         "--no-host-directories",
         [&o](std::int64_t) {
           o.layout.enabled = true;
           o.layout.host_directory = false;
         },
         "Keep the remote layout without the HOST directory (implies --force-directories)")
      ->group("Input and output");
  get->add_option_function<int>(
         "--cut-dirs",
         [&o](int count) {
           o.layout.enabled = true;
           o.layout.cut_dirs = count;
         },
         "Drop the first N directories of the path from the layout (implies --force-directories)")
      ->type_name("N")
      ->check(CLI::Range(0, 1000).description(""))
      ->group("Input and output");

  get->add_option("--shard", o.shard,
                  "Take only shard K of N (0 <= K < N) of the entries, by a hash of each one's output path; "
                  "auto: K and N from a Kubernetes Indexed Job or a Slurm array (docs/SCALE.md)")
      ->type_name("K/N|auto")
      ->group("Input and output");

  get->add_option("-j,--jobs", o.engine.max_concurrent, "Download N files at once (default: 16)")
      ->type_name("N")
      ->check(CLI::Range(1, 100000).description(""))
      ->group("Connections");
  get->add_option("--per-host", o.engine.max_per_host,
                  "At most N connections at once to one host; big files split until it carries N "
                  "(default: no cap, and files split only below -x per host)")
      ->type_name("N")
      ->check(CLI::Range(0, 100000).description(""))
      ->group("Connections");
  get->add_option(
         "-x,--connections", o.engine.connections_per_file,
         "Fetch one file over up to N connections when the server takes ranges and has room (default: 4)")
      ->type_name("N")
      ->check(CLI::Range(1, 64).description(""))
      ->group("Connections");
  get->add_option("--limit-rate", o.engine.max_bytes_per_s,
                  "Receive at most RATE bytes/s over the whole run, e.g. 500K, 2M (limit-rate= in a list: "
                  "one file's)")
      ->type_name("RATE")
      ->transform(CLI::AsSizeValue(false).description(""))
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 50).description(""))
      ->group("Connections");
  get->add_option("--min-split-size", o.engine.min_split_size,
                  "Split no file into parts smaller than SIZE, e.g. 1M, 20M (default: 20M)")
      ->type_name("SIZE")
      ->transform(CLI::AsSizeValue(false).description(""))
      ->check(CLI::Range(std::int64_t{1024}, std::int64_t{1} << 50).description(""))
      ->group("Connections");
  get->add_option("--connect-timeout", o.engine.connect_timeout_s,
                  "Give up connecting after S seconds (default: 10)")
      ->type_name("S")
      ->group("Connections");
  get->add_option("--stall-timeout", o.engine.stall_timeout_s,
                  "Abort and retry an attempt that receives nothing for S seconds; 0 never (default: 30)")
      ->type_name("S")
      ->group("Connections");

  get->add_option("--min-rate", o.engine.min_rate_bytes_per_s,
                  "Abort and retry an attempt slower than RATE bytes/s over the stall timeout, e.g. 10K; "
                  "0 never (default: 1K)")
      ->type_name("RATE")
      ->transform(CLI::AsSizeValue(false).description(""))
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 50).description(""))
      ->group("Connections");
  get->add_option("--max-time", o.engine.max_time_s,
                  "Give up on a file S seconds after it started (default: never)")
      ->type_name("S")
      ->group("Connections");
  get->add_option("--retries", o.engine.retries, "Retry a transient failure N times (default: 5)")
      ->type_name("N")
      ->check(CLI::Range(0, 1000).description(""))
      ->group("Retries and resume");
  get->add_option("--retry-wait", o.engine.retry_wait_s,
                  "First backoff step in seconds, doubling up to 60, with jitter (default: 1)")
      ->type_name("S")
      ->group("Retries and resume");
  get->add_flag("--no-continue", o.no_continue, "Start over instead of continuing NAME.part files")
      ->group("Retries and resume");
  // What curl and wget users type to continue: already the default, taken as such.
  get->add_flag("-c,--continue")
      ->description("Continue NAME.part files (the default; wget's spelling)")
      ->group("Retries and resume");
  get->add_option_function<std::string>(
         "-C,--continue-at",
         [](const std::string& at) {
           if (at != "-")
             throw CLI::ValidationError("-C", "only '-C -' (continue where the file ends) is supported");
         },
         "'-C -': continue NAME.part files (the default; curl's spelling)")
      ->type_name("-")
      ->group("Retries and resume");
  get->add_flag("--no-server-digest", o.no_server_digest,
                "Do not check digests the server advertises (Repr-Digest, X-Checksum-Sha256, ...)")
      ->group("Retries and resume");

  get->add_option("-H,--header", o.headers, "Add 'Name: value' to every request (repeatable)")
      ->type_name("'NAME: VALUE'")
      ->group("HTTP");
  get->add_option("-u,--user", o.engine.credentials, "Send user:password to the hosts of the URLs given")
      ->type_name("USER:PASS")
      ->group("HTTP");
  get->add_option("-A,--user-agent", o.engine.user_agent,
                  "Send NAME as User-Agent (default: fetchpool/VERSION)")
      ->type_name("NAME")
      ->group("HTTP");
  get->add_option("-e,--referer", o.referer, "Send URL as Referer with every request")
      ->type_name("URL")
      ->group("HTTP");
  get->add_flag("-L,--location")
      ->description("Follow redirects (always done; curl's spelling)")
      ->group("HTTP");
  get->add_flag("--netrc", o.netrc, "Take credentials from ~/.netrc")->group("HTTP");
  get->add_flag("--location-trusted", o.engine.location_trusted,
                "Send credentials and -H headers along redirects to other hosts too")
      ->group("HTTP");
  get->add_flag("--allow-downgrade", o.engine.allow_downgrade,
                "Follow a redirect from https to plain http (never with credentials)")
      ->group("HTTP");
  get->add_option("--netrc-file", o.engine.netrc_file, "Take credentials from FILE (implies --netrc)")
      ->type_name("FILE")
      ->group("HTTP");
  add_proxy_options(get, o.engine, "HTTP");
  get->add_flag("-k,--insecure", o.insecure, "Do not verify TLS certificates (unsafe)")->group("HTTP");
  get->add_option("--ca-cert,--cacert", o.engine.ca_cert_file, "Trust the CA certificates in FILE (PEM)")
      ->type_name("FILE")
      ->group("HTTP");

  get->add_flag("-q,--quiet,-s,--silent", o.quiet, "Print only errors")->group("Reporting");
  get->add_flag("-v,--verbose", o.verbose,
                "Print each request and response header, redirect and retry (credentials redacted)")
      ->group("Reporting");
  get->add_option("--progress", o.progress,
                  "bar (live, the default on a terminal), plain (the default otherwise), json or none")
      ->type_name("MODE")
      ->group("Reporting");
  get->add_option("--report", o.report_file, "Write a JSON report, one entry per file, to FILE")
      ->type_name("FILE")
      ->group("Reporting");
  get->add_option("--save-failed", o.save_failed_file,
                  "Write the failed URLs, with their options, to FILE in input-list form")
      ->type_name("FILE")
      ->group("Reporting");
}

constexpr const char* kPullFooter = R"(
Pulls an image from a Registry v2 registry into a tarball that `docker load` and
`skopeo copy docker-archive:FILE` take (the default), or into an OCI image layout
directory (--format oci). Every blob is checked against its digest before it is used;
blobs already downloaded are not fetched again (those in FILE.part, recorded in FILE.blobs/,
until the tarball is complete; or --cache-dir), and a partial one continues where it stopped. Registries on localhost,
127.0.0.0/8 and ::1 are spoken to over plain HTTP, others over HTTPS.

Credentials: --username with --password-stdin; else --authfile FILE alone; else, as
podman and docker look: $REGISTRY_AUTH_FILE, or ${XDG_RUNTIME_DIR}/containers/auth.json
and ~/.config/containers/auth.json, then $DOCKER_CONFIG/config.json or
~/.docker/config.json. In each, credHelpers and credsStore (docker-credential-NAME) are
run as docker runs them, then auths. Else anonymous. Token auth (WWW-Authenticate:
Bearer) and Basic are handled as docker does, identity tokens (OAuth2) included.

Mirrors (-r, repeatable) are tried in order for Docker Hub images (every image with
--mirror-all-registries); one that cannot serve the manifest is skipped, and the image's
own registry comes last.

Examples:
  fetchpool pull -o app.tar localhost:5000/team/app:1.2 && docker load -i app.tar
  fetchpool pull --format oci -o out --platform linux/arm64 registry.example/team/app:1.2
  fetchpool pull -o release.tar team/app:1.2 team/db:4.1   (one tarball, as docker save)
  fetchpool pull --format oci -o out -i images.txt         (one layout, an entry per image))";

void add_pull_command(CLI::App& app, PullCommandOptions& o) {
  CLI::App* pull =
      app.add_subcommand("pull", "Pull a container image into a docker-archive tarball or an OCI layout");
  pull->footer(kPullFooter);
  pull->add_option("image", o.images, "alpine, host:5000/team/app:tag, name@sha256:... (several: one output)")
      ->type_name("IMAGE");
  pull->add_option("-i,--input-file", o.input_file, "Read more images from FILE, one per line ('-': stdin)")
      ->type_name("FILE");
  pull->add_option(
          "--shard", o.shard,
          "Pull only shard K of N (0 <= K < N) of the images, by a hash of each reference; auto: from "
          "a Kubernetes Indexed Job or a Slurm array (docs/SCALE.md)")
      ->type_name("K/N|auto");
  pull->add_option("-o,--output", o.output, "Write the image to FILE (docker-archive) or DIR (oci)")
      ->type_name("PATH");
  pull->add_option("--format", o.format, "docker-archive (default) or oci")->type_name("FORMAT");
  pull->add_option("--cache-dir", o.pull.cache_dir,
                   "Keep blobs in DIR/blobs/sha256 for later pulls (docker-archive)")
      ->type_name("DIR");
  pull->add_option("--platform", o.pull.platform,
                   "os/arch[/variant] to pick from a multi-platform image (default: this machine's)")
      ->type_name("OS/ARCH");
  pull->add_flag("--all-platforms", o.pull.all_platforms,
                 "Keep every platform of a multi-platform image, and its index (--format oci)");
  pull->add_flag("--plain-http", o.pull.plain_http, "Use http:// for the registry");
  pull->add_option("-r,--registry-mirror", o.pull.mirrors,
                   "Try this registry first for Docker Hub images (repeatable; in order; the origin last)")
      ->type_name("HOST|URL");
  pull->add_flag("--mirror-all-registries", o.pull.mirror_all_registries,
                 "Use the mirrors for images of every registry, not only Docker Hub");
  pull->add_option("--username", o.username, "Log in as USER (the password is read from stdin)")
      ->type_name("USER");
  pull->add_flag("--password-stdin", o.password_stdin, "Read the password from the first line of stdin");
  pull->add_option(
          "--authfile", o.pull.auth_file,
          "Read credentials from FILE only (podman's and skopeo's auth.json, or a docker config.json)")
      ->type_name("FILE");
  add_proxy_options(pull, o.pull.engine, "Options");
  pull->add_flag("-k,--insecure", o.insecure, "Do not verify TLS certificates (unsafe)");
  pull->add_option("--ca-cert", o.pull.engine.ca_cert_file, "Trust the CA certificates in FILE (PEM)")
      ->type_name("FILE");
  pull->add_option("-j,--jobs", o.pull.engine.max_concurrent, "Fetch N blobs at once (default: 16)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000).description(""));
  pull->add_option("-x,--connections", o.pull.engine.connections_per_file,
                   "Fetch one blob over up to N connections (default: 4)")
      ->type_name("N")
      ->check(CLI::Range(1, 64).description(""));
  pull->add_option("--connect-timeout", o.pull.engine.connect_timeout_s,
                   "Give up on a connection attempt after S seconds (default: 10)")
      ->type_name("S")
      ->check(CLI::PositiveNumber.description(""));
  pull->add_option("--stall-timeout", o.pull.engine.stall_timeout_s,
                   "Abort and retry a request that receives nothing for S seconds; 0 never (default: 30)")
      ->type_name("S")
      ->check(CLI::NonNegativeNumber.description(""));
  pull->add_option("--min-rate", o.pull.engine.min_rate_bytes_per_s,
                   "Abort and retry a request slower than RATE bytes/s over the stall timeout; 0 never "
                   "(default: 1K)")
      ->type_name("RATE")
      ->transform(CLI::AsSizeValue(false).description(""))
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 50).description(""));
  pull->add_option("--max-time", o.pull.engine.max_time_s,
                   "Give up on a blob S seconds after it started, and on a manifest or token request "
                   "after S seconds or 60, whichever is less (default: no limit for blobs)")
      ->type_name("S")
      ->check(CLI::NonNegativeNumber.description(""));
  pull->add_option("--retries", o.pull.engine.retries, "Retry a transient failure N times (default: 5)")
      ->type_name("N")
      ->check(CLI::Range(0, 1000).description(""));
  pull->add_flag("-q,--quiet", o.quiet, "Print only errors");
  pull->add_flag("-v,--verbose", o.verbose,
                 "Print each request and response header, the registry's too (credentials redacted)");
  pull->add_option("--progress", o.progress,
                   "bar (live, the default on a terminal), plain (the default otherwise), json or none")
      ->type_name("MODE");
}

constexpr const char* kReportFooter = R"(
Combines the --report files of several runs (the shards of one list, say) into one report
of the same form: every transfer entry kept, the summary's ok, failed, skipped, cancelled
and bytes summed, elapsed_s the longest run's. When every report names its shard (--shard),
a missing or repeated shard is an error (exit 1; the merged report is written all the same).
The failures are listed with their reasons; to rerun them, concatenate the shards'
--save-failed lists: input lists concatenate (docs/SCALE.md).

Exit status: 0 nothing failed, 1 failures or shards missing, 2 a report cannot be read.

Example:
  fetchpool report merge report-*.json -o all.json && cat failed-*.txt > failed.txt)";

void add_report_command(CLI::App& app, ReportMergeOptions& o) {
  CLI::App* report = app.add_subcommand("report", "Combine the --report files of several runs into one");
  report->footer(kReportFooter);
  report->add_option("action", o.action, "merge (the one action)")
      ->type_name("merge")
      ->required()
      ->check(CLI::IsMember({"merge"}).description(""));
  report->add_option("reports", o.reports, "--report files to merge, in order")
      ->type_name("REPORT")
      ->required();
  report->add_option("-o,--output", o.output, "Write the merged report to FILE")
      ->type_name("FILE")
      ->required()
      ->group("Options");
  report->add_flag("-q,--quiet", o.quiet, "Print only errors and the failures")->group("Options");
}

bool looks_like_url(const std::string& arg) {
  return arg.find("://") != std::string::npos;
}

/// `fetchpool --version`: the version and libraries, then a "Features:" line as curl -V has.
std::string version_text() {
  std::string text = version_string() + "\nFeatures:";
  for (const std::string& feature : build_features()) text += " " + feature;
  return text;
}

/// The fetchpool command with every option, parsing into `get` and `pull`.
std::unique_ptr<CLI::App> make_app(GetOptions& get, PullCommandOptions& pull, ReportMergeOptions& report) {
  auto app = std::make_unique<CLI::App>(kDescription, "fetchpool");
  app->set_version_flag("-V,--version", version_text(),
                        "Print the version, the libraries and features in use");
  app->require_subcommand(1);
  app->footer(std::string(kFooter) + "\n\n" + environment_help());
  add_get_command(*app, get);
  add_pull_command(*app, pull);
  add_report_command(*app, report);
  for (CLI::App* command : app->get_subcommands({}))
    command->add_flag("--no-config")
        ->description("Read no config file (see FETCHPOOL_CONFIG below)")
        ->group("Reporting");
  take_one_value_per_use(*app);
  return app;
}

bool is_yes(const std::string& value) {
  return value == "true" || value == "yes" || value == "on" || value == "1";
}

bool is_no(const std::string& value) {
  return value == "false" || value == "no" || value == "off" || value == "0";
}

/// The config file's settings for `command` as arguments to go before the command line's.
/// `parsed` has parsed the command line alone: an option given there is not taken from the
/// file (a repeatable one, like --header, takes both, the file's first).
bool config_arguments(CLI::App& parsed, const std::string& command, const std::string& path,
                      const std::vector<ConfigSetting>& settings, std::vector<std::string>* out,
                      std::string* error) {
  CLI::App* sub = parsed.get_subcommand(command);
  for (const ConfigSetting& setting : settings) {
    if (!setting.command.empty() && setting.command != command) continue;
    const std::string where = path + ":" + std::to_string(setting.line) + ": ";
    const std::string flag = "--" + setting.name;
    CLI::Option* option =
        setting.name == "no-config" || setting.name == "help" ? nullptr : sub->get_option_no_throw(flag);
    if (option == nullptr) {
      bool elsewhere = false;
      for (CLI::App* other : parsed.get_subcommands({}))
        elsewhere = elsewhere || (other != sub && other->get_option_no_throw(flag) != nullptr);
      if (elsewhere && setting.command.empty()) continue;  // another command's setting
      *error = where + "'" + setting.name + "' is not an option of 'fetchpool " + command +
               "' (its --help lists them; give long names without --)";
      return false;
    }
    const bool repeatable = option->get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
    if (option->count() > 0 && !repeatable) continue;  // the command line wins
    if (option->get_expected_min() == 0) {             // a flag
      if (setting.has_value && is_no(setting.value)) continue;
      if (setting.has_value && !is_yes(setting.value)) {
        *error = where + setting.name + " is a flag: give it alone, or = true / false";
        return false;
      }
      out->push_back(flag);
      continue;
    }
    if (!setting.has_value) {
      *error = where + setting.name + " needs a value: " + setting.name + " = VALUE";
      return false;
    }
    out->push_back(flag + "=" + setting.value);
  }
  return true;
}

/// Parses `args` (reversed, as CLI11 consumes them); false with the exit status in
/// `*status` when the run ends here (help, version, a usage error).
bool parse_arguments(CLI::App& app, std::vector<std::string> args, bool bare, int* status) {
  try {
    app.parse(args);
    return true;
  } catch (const CLI::CallForHelp& e) {
    *status = app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    *status = app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    *status = app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (bare) {
      print_console(stderr, "{}\n", app.help());
    } else {
      print_console(stderr, "fetchpool: error: {}\nRun 'fetchpool --help' for usage.\n", e.what());
    }
    *status = kExitUsage;
  }
  return false;
}

}  // namespace

int run_app(int argc, char** argv) {
  // "fetchpool URL..." is short for "fetchpool get URL...", as with curl and aria2c.
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && looks_like_url(args[0])) args.insert(args.begin(), "get");
  std::reverse(args.begin(), args.end());  // CLI11 parses (and consumes) a reversed vector

  auto get_options = std::make_unique<GetOptions>();
  auto pull_options = std::make_unique<PullCommandOptions>();
  auto report_options = std::make_unique<ReportMergeOptions>();
  std::unique_ptr<CLI::App> app = make_app(*get_options, *pull_options, *report_options);

  // The build writes the man page and the bash completion from this same option table.
  if (args.size() == 2 && args[1] == "--generate") {
    if (args[0] == "man") {
      const std::string version = version_string();
      print_console(stdout, "{}", man_page(*app, version.substr(0, version.find(" ("))));
      return kExitOk;
    }
    if (args[0] == "bash-completion") {
      print_console(stdout, "{}", bash_completion(*app));
      return kExitOk;
    }
    if (args[0] == "zsh-completion") {
      print_console(stdout, "{}", zsh_completion(*app));
      return kExitOk;
    }
    if (args[0] == "fish-completion") {
      print_console(stdout, "{}", fish_completion(*app));
      return kExitOk;
    }
    print_error("--generate takes man, bash-completion, zsh-completion or fish-completion");
    return kExitUsage;
  }

  int status = kExitUsage;
  if (!parse_arguments(*app, args, argc <= 1, &status)) return status;
  const std::string command = app->got_subcommand("get")    ? "get"
                              : app->got_subcommand("pull") ? "pull"
                                                            : "report";
  // The config file (aria2.conf's and .curlrc's way): its settings go before the command
  // line's, which is parsed again with them into fresh options.
  bool required = false;
  std::string config = app->get_subcommand(command)->get_option("--no-config")->count() > 0
                           ? std::string()
                           : config_file_path(&required);
  if (!config.empty()) {
    std::vector<ConfigSetting> settings;
    std::vector<std::string> extra;
    std::string error;
    if (!read_config_file(config, &settings, &error) ||
        !config_arguments(*app, command, config, settings, &extra, &error)) {
      print_error(error);
      return kExitUsage;
    }
    if (!extra.empty()) {
      std::reverse(args.begin(), args.end());
      auto at = std::find(args.begin(), args.end(), command);
      args.insert(at + 1, extra.begin(), extra.end());
      std::reverse(args.begin(), args.end());
      get_options = std::make_unique<GetOptions>();
      pull_options = std::make_unique<PullCommandOptions>();
      report_options = std::make_unique<ReportMergeOptions>();
      app = make_app(*get_options, *pull_options, *report_options);
      if (!parse_arguments(*app, args, false, &status)) return status;
    }
  }
  if (command == "get") return run_get(*get_options);
  if (command == "report") return run_report_merge(*report_options);
  return run_pull(std::move(*pull_options));
}

}  // namespace fetchpool::cli
