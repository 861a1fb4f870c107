#!/usr/bin/env python3
"""One Python download client over a list of URLs, for bench/run's Python rows:

  python_clients.py TOOL MODE LIST OUT JOBS DIGESTS

TOOL: fetchpool (its AsyncEngine), fetchpool-sync (its Engine, as a batch script without
asyncio would use it), aiohttp, httpx (async), requests (a ThreadPoolExecutor
of JOBS threads, a Session per thread). MODE: files (each body written to OUT/NAME, the
plain open/write a script does; fetchpool writes its own way, atomically) or memory (the
bodies kept as bytes). DIGESTS: a JSON file name -> sha256 every body is checked against
(in both modes, by every tool: the peers hash each body in Python, fetchpool is given it as
the request's checksum and its engine checks the bytes as they arrive). Exits 1 on any
failure."""

import asyncio
import concurrent.futures
import hashlib
import json
import os
import sys
import threading


def main():
    tool, mode, listing, out, jobs, digests_file = sys.argv[1:7]
    jobs = int(jobs)
    urls = [line.strip() for line in open(listing) if line.strip()]
    digests = json.load(open(digests_file))
    to_files = mode == "files"
    wrong = []

    def check(url, body):
        name = url.rsplit("/", 1)[1]
        if hashlib.sha256(body).hexdigest() != digests[name]:
            wrong.append(name)

    def store(url, body):
        check(url, body)
        if to_files:
            with open(os.path.join(out, url.rsplit("/", 1)[1]), "wb") as f:
                f.write(body)

    if tool == "fetchpool-sync":
        import fetchpool

        with fetchpool.Engine(max_concurrent=jobs, output_dir=out) as engine:
            for result in engine.as_completed(
                    fetchpool.Request(url, to_memory=not to_files,
                                      checksum="sha256:" + digests[url.rsplit("/", 1)[1]]) for url in urls):
                if not result.ok:
                    wrong.append(result.message)
    elif tool == "fetchpool":
        import fetchpool

        async def run():
            async with fetchpool.AsyncEngine(max_concurrent=jobs, output_dir=out) as engine:
                # The engine checks each body against its digest as the bytes arrive.
                async for result in engine.as_completed(
                        fetchpool.Request(url, to_memory=not to_files,
                                          checksum="sha256:" + digests[url.rsplit("/", 1)[1]]) for url in urls):
                    if not result.ok:
                        wrong.append(result.message)
        asyncio.run(run())
    elif tool in ("aiohttp", "httpx"):
        async def run():
            semaphore = asyncio.Semaphore(jobs)
            if tool == "aiohttp":
                import aiohttp
                session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=jobs))

                async def fetch(url):
                    async with semaphore, session.get(url) as response:
                        response.raise_for_status()
                        store(url, await response.read())
            else:
                import httpx
                session = httpx.AsyncClient(limits=httpx.Limits(max_connections=jobs))

                async def fetch(url):
                    async with semaphore:
                        response = await session.get(url)
                        response.raise_for_status()
                        store(url, response.content)
            try:
                await asyncio.gather(*(fetch(url) for url in urls))
            finally:
                await (session.close() if tool == "aiohttp" else session.aclose())
        asyncio.run(run())
    elif tool == "requests":
        import requests
        local = threading.local()

        def fetch(url):
            if not hasattr(local, "session"):
                local.session = requests.Session()
            response = local.session.get(url)
            response.raise_for_status()
            store(url, response.content)
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            list(pool.map(fetch, urls))
    else:
        sys.exit(f"unknown tool {tool}")
    if wrong:
        sys.exit(f"{len(wrong)} wrong, e.g. {wrong[0]}")


if __name__ == "__main__":
    main()
