#!/usr/bin/env python3
"""How fetchpool.dask grows from 1 to 2 local Dask workers, beside one `fetchpool get`.

    PYTHONPATH=build/python /usr/bin/python3 bench/dask_workers.py --fetchpool build/fetchpool

Each configuration downloads the same list from the same nginx (bench/run's: 2 workers,
sendfile, open_file_cache) into a fresh directory, checked by sha256 before its time
counts; the median of --reps runs is printed, with files/s, MiB/s and each worker
process's memory: its resident size when idle and its peak (VmHWM) after the runs. The
workers are distributed.LocalCluster processes with one thread each, each running one
Engine with max_concurrent = --jobs. Prints a Markdown table for docs/BENCHMARKS.md.
"""

import argparse
import datetime
import importlib.machinery
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_bench_run():
    """bench/run as a module: its Nginx, make_files and check_output."""
    loader = importlib.machinery.SourceFileLoader("bench_run", os.path.join(HERE, "run"))
    spec = importlib.util.spec_from_loader("bench_run", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def memory_kib():
    """This process's resident size now and its peak, in KiB (from /proc/self/status)."""
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


def checked(problem):
    """A wrong answer is a failure, never a time."""
    if problem:
        raise RuntimeError(problem)


def time_cli(bench, fetchpool, list_file, digests, jobs, work):
    out = os.path.join(work, "out-cli")
    shutil.rmtree(out, ignore_errors=True)
    start = time.monotonic()
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", os.path.join(work, "cli.rss"), fetchpool, "get",
                    "--no-config", "-q", "--progress", "none", "-j", str(jobs), "-d", out, "-i", list_file],
                   check=True)
    elapsed = time.monotonic() - start
    checked(bench.check_output(out, digests))
    with open(os.path.join(work, "cli.rss")) as f:
        peak = int(f.read().split()[-1])
    return elapsed, peak


# One process on the Python package alone: what a Dask worker runs, without Dask.
ENGINE_SCRIPT = """
import sys, time, fetchpool
urls = open(sys.argv[1]).read().split()
start = time.monotonic()
with fetchpool.Engine(output_dir=sys.argv[2], max_concurrent=int(sys.argv[3])) as engine:
    bad = [r.message for r in engine.as_completed(urls) if not r.ok]
elapsed = time.monotonic() - start
if bad:
    sys.exit("a download failed: " + bad[0])
print(elapsed)
"""


def time_engine(bench, list_file, digests, jobs, work):
    out = os.path.join(work, "out-engine")
    shutil.rmtree(out, ignore_errors=True)
    run = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", os.path.join(work, "engine.rss"), sys.executable,
                          "-c", ENGINE_SCRIPT, list_file, out, str(jobs)], check=True, capture_output=True, text=True)
    checked(bench.check_output(out, digests))
    with open(os.path.join(work, "engine.rss")) as f:
        peak = int(f.read().split()[-1])
    return float(run.stdout.split()[-1]), peak


def time_dask(bench, client, urls, digests, jobs, partitions, work, rep):
    import fetchpool.dask

    out = os.path.join(work, f"out-dask-{rep}")
    shutil.rmtree(out, ignore_errors=True)
    start = time.monotonic()
    records = fetchpool.dask.download(urls, npartitions=partitions, output_dir=out, max_concurrent=jobs,
                                      digest=None).compute()
    elapsed = time.monotonic() - start
    if any(record["status"] != "ok" for record in records):
        raise RuntimeError("a download failed: " + next(r["message"] for r in records if r["status"] != "ok"))
    checked(bench.check_output(out, digests))
    shutil.rmtree(out, ignore_errors=True)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetchpool", default=os.path.join(os.path.dirname(HERE), "build", "fetchpool"))
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--work", default=None, help="scratch directory (default: a new one in /tmp)")
    args = parser.parse_args()

    import distributed

    bench = load_bench_run()
    work = args.work or tempfile.mkdtemp(prefix="fetchpool-dask-bench-")
    workloads = [("40,000 x 16 KiB", 40_000, 16 << 10), ("1,000 x 1 MiB", 1_000, 1 << 20)]
    rows = []
    nginx = None
    try:
        source = os.path.join(work, "www")
        for label, count, size in workloads:
            bench.make_files(os.path.join(source, f"{count}x{size}"), count, size, seed=count)
        nginx = bench.Nginx(source, os.path.join(work, "nginx"))
        for label, count, size in workloads:
            directory = f"{count}x{size}"
            digests = bench.make_files(os.path.join(source, directory), count, size, seed=count)
            bench.warm_sources(os.path.join(source, directory))
            urls = [nginx.url(f"/{directory}/{name}") for name in sorted(digests)]
            list_file = os.path.join(work, f"{directory}.txt")
            with open(list_file, "w") as f:
                f.write("\n".join(urls) + "\n")
            megabytes = count * size / (1 << 20)
            cli = [time_cli(bench, args.fetchpool, list_file, digests, args.jobs, work) for _ in range(args.reps)]
            cli_s = statistics.median(t for t, _ in cli)
            rows.append((label, "fetchpool get (one process)", cli_s, count / cli_s, megabytes / cli_s,
                         "", f"{max(p for _, p in cli) / 1024:.0f}"))
            engine = [time_engine(bench, list_file, digests, args.jobs, work) for _ in range(args.reps)]
            engine_s = statistics.median(t for t, _ in engine)
            rows.append((label, "fetchpool.Engine (one Python process)", engine_s, count / engine_s,
                         megabytes / engine_s, "", f"{max(p for _, p in engine) / 1024:.0f}"))
            for workers in (1, 2):
                with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                              host="127.0.0.1", scheduler_port=0,
                                              dashboard_address="127.0.0.1:0") as cluster, \
                        distributed.Client(cluster) as client:
                    idle = client.run(memory_kib)
                    times = [time_dask(bench, client, urls, digests, args.jobs, 8, work, rep)
                             for rep in range(args.reps)]
                    after = client.run(memory_kib)
                median_s = statistics.median(times)
                idle_mib = "/".join(f"{m['VmRSS'] / 1024:.0f}" for m in idle.values())
                peak_mib = "/".join(f"{m['VmHWM'] / 1024:.0f}" for m in after.values())
                rows.append((label, f"Dask, {workers} worker{'s' if workers > 1 else ''}", median_s,
                             count / median_s, megabytes / median_s, idle_mib, peak_mib))
    finally:
        if nginx is not None:
            nginx.stop()
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{now}, {os.cpu_count()} cores (load average after: {load}), -j {args.jobs} per process, "
          f"8 partitions, median of {args.reps}")
    print("| workload | run | time | files/s | MiB/s | worker RSS idle (MiB) | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|---|")
    for label, run, seconds, files, mib, idle, peak in rows:
        print(f"| {label} | {run} | {seconds:.2f} s | {files:,.0f} | {mib:.0f} | {idle} | {peak} |")


if __name__ == "__main__":
    sys.exit(main())
