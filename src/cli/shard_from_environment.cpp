#include "cli/shard_from_environment.h"

#include <charconv>
#include <optional>
#include <string_view>

namespace fetchpool::cli {
namespace {

/// The variable's value as a whole number; nullopt when unset. `*bad` names it when it is
/// set to something else.
std::optional<std::int64_t> number_in(const Environment& environment, const char* name, std::string* bad) {
  const char* value = environment(name);
  if (value == nullptr) return std::nullopt;
  const std::string_view text(value);
  std::int64_t number = 0;
  auto [at, status] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || status != std::errc() || at != text.data() + text.size() || number < 0) {
    if (bad->empty()) *bad = std::string(name) + "='" + std::string(text) + "' is not a whole number";
    return std::nullopt;
  }
  return number;
}

bool finish(std::int64_t index, std::int64_t count, const std::string& where, Shard* shard,
            std::string* error) {
  if (count < 1 || count > kMaxShards) {
    *error =
        "--shard auto: " + where + ": the number of shards must be from 1 to " + std::to_string(kMaxShards);
    return false;
  }
  if (index >= count) {
    *error = "--shard auto: " + where + ": shard " + std::to_string(index) +
             " is not below the number of shards (" + std::to_string(count) + ")";
    return false;
  }
  shard->index = index;
  shard->count = count;
  return true;
}

bool from_kubernetes(const Environment& environment, std::int64_t count, Shard* shard, std::string* error) {
  std::string bad;
  const std::optional<std::int64_t> index = number_in(environment, "JOB_COMPLETION_INDEX", &bad);
  const std::optional<std::int64_t> from_variable = number_in(environment, "FETCHPOOL_SHARD_COUNT", &bad);
  if (!bad.empty()) {
    *error = "--shard auto: " + bad;
    return false;
  }
  if (count == 0 && !from_variable) {
    *error =
        "--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not the number of shards: "
        "set "
        "FETCHPOOL_SHARD_COUNT to the Job's completions, or give --shard auto/N";
    return false;
  }
  const std::int64_t shards = count != 0 ? count : *from_variable;
  return finish(*index, shards, "JOB_COMPLETION_INDEX=" + std::to_string(*index), shard, error);
}

bool from_slurm(const Environment& environment, std::int64_t count, Shard* shard, std::string* error) {
  std::string bad;
  const std::optional<std::int64_t> id = number_in(environment, "SLURM_ARRAY_TASK_ID", &bad);
  const std::optional<std::int64_t> min = number_in(environment, "SLURM_ARRAY_TASK_MIN", &bad);
  const std::optional<std::int64_t> max = number_in(environment, "SLURM_ARRAY_TASK_MAX", &bad);
  const std::optional<std::int64_t> tasks = number_in(environment, "SLURM_ARRAY_TASK_COUNT", &bad);
  const std::optional<std::int64_t> step = number_in(environment, "SLURM_ARRAY_TASK_STEP", &bad);
  if (!bad.empty()) {
    *error = "--shard auto: " + bad;
    return false;
  }
  const std::int64_t first = min.value_or(0);
  const std::int64_t stride = step.value_or(1) > 0 ? step.value_or(1) : 1;
  const std::string where = "SLURM_ARRAY_TASK_ID=" + std::to_string(*id);
  if (*id < first || (*id - first) % stride != 0) {
    *error = "--shard auto: " + where +
             " is not in the array's range (SLURM_ARRAY_TASK_MIN=" + std::to_string(first) + ", step " +
             std::to_string(stride) + "): give the array as a range, --array=0-N";
    return false;
  }
  std::int64_t shards = count;
  if (shards == 0 && tasks) shards = *tasks;
  if (shards == 0 && max) shards = (*max - first) / stride + 1;
  if (shards == 0) {
    *error =
        "--shard auto: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX: "
        "give "
        "--shard auto/N";
    return false;
  }
  return finish((*id - first) / stride, shards, where, shard, error);
}

}  // namespace

bool shard_from_environment(const Environment& environment, std::int64_t count, Shard* shard,
                            std::string* error) {
  const bool kubernetes = environment("JOB_COMPLETION_INDEX") != nullptr;
  const bool slurm = environment("SLURM_ARRAY_TASK_ID") != nullptr;
  if (kubernetes && slurm) {
    *error =
        "--shard auto: both JOB_COMPLETION_INDEX (Kubernetes) and SLURM_ARRAY_TASK_ID (Slurm) are set: give "
        "--shard "
        "K/N";
    return false;
  }
  if (kubernetes) return from_kubernetes(environment, count, shard, error);
  if (slurm) return from_slurm(environment, count, shard, error);
  *error =
      "--shard auto: no batch system names this process's shard: expected JOB_COMPLETION_INDEX (a Kubernetes "
      "Indexed Job, with FETCHPOOL_SHARD_COUNT or --shard auto/N) or SLURM_ARRAY_TASK_ID (a Slurm array); "
      "else "
      "give --shard K/N";
  return false;
}

}  // namespace fetchpool::cli
