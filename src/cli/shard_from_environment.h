#pragma once

#include <cstdint>
#include <string>

#include "cli/shard.h"

namespace fetchpool::cli {

/// `--shard auto`: this process's shard, as the batch system that started it says.
///
/// - A Kubernetes Indexed Job: K is JOB_COMPLETION_INDEX; N is `count` (--shard auto/N),
///   else FETCHPOOL_SHARD_COUNT (Kubernetes does not put the Job's completions in the
///   environment, so the manifest sets it).
/// - A Slurm array: K is (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP,
///   so `--array=0-9` and `--array=1-10` both give shards 0..9; N is `count`, else
///   SLURM_ARRAY_TASK_COUNT, else (SLURM_ARRAY_TASK_MAX - MIN) / STEP + 1.
///
/// `count` 0: not given. False with `error` (a usage error) when neither system names
/// both, when both are there, or when the numbers do not make a shard.
bool shard_from_environment(const Environment& environment, std::int64_t count, Shard* shard,
                            std::string* error);

}  // namespace fetchpool::cli
