#pragma once

namespace fetchpool::engine {

/// What one running transfer (or one connection of a split download) may hold open: its
/// socket, the idle connections libcurl keeps for reuse (up to two per slot, see
/// CURLMOPT_MAXCONNECTS in EventLoop), and its output file.
constexpr int kDescriptorsPerTransfer = 4;
/// Kept free for everything else: state files, directories, the program's own files.
constexpr int kSpareDescriptors = 32;

/// The concurrency to run at: `wanted`, or fewer when a process allowed `limit` open files
/// (-1: no limit known), holding `open_now` (-1: unknown, taken as none), could not give
/// that many transfers their descriptors. Never below 1.
int concurrency_within(int wanted, int limit, int open_now);

}  // namespace fetchpool::engine
