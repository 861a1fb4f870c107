#!/usr/bin/env python3
"""Writes a container image as an OCI image layout, for fetchpool's registry tests (standard
library only): the tests push it to a real registry with skopeo.

  make_image.py DIR TAG [--layers N] [--layer-size BYTES] [--platforms os/arch,...] [--seed S]
                [--compress-level 1-9] [--compression gzip|zstd] [--wrong-diff-id]

Each layer is a gzip-compressed (or, with --compression zstd, zstd-compressed by the zstd
program) tar holding one file of deterministic bytes; the config lists their diff_ids
(with --wrong-diff-id, a wrong one for the first layer: a broken image). With several platforms the layout's index.json points at an image
index with one manifest per platform (each with its own layers). Prints the digest of what
index.json points at.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile


def write_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return "sha256:" + digest


def layer(name, size, seed):
    content = hashlib.shake_128(f"{name}:{seed}".encode()).digest(size)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(content)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(content))
    uncompressed = raw.getvalue()
    if COMPRESSION == "zstd":
        compressed = subprocess.run(["zstd", "-q", "-c"], input=uncompressed, capture_output=True,
                                    check=True).stdout
    else:
        compressed = gzip.compress(uncompressed, compresslevel=COMPRESS_LEVEL, mtime=0)
    return uncompressed, compressed


COMPRESS_LEVEL = 6
COMPRESSION = "gzip"
WRONG_DIFF_ID = False


def image(layout, platform, layers, layer_size, seed):
    os_name, arch, *variant = platform.split("/")
    descriptors, diff_ids = [], []
    for i in range(layers):
        uncompressed, compressed = layer(f"{arch}-layer-{i}.bin", layer_size, seed + i)
        listed = uncompressed + b"wrong" if WRONG_DIFF_ID and i == 0 else uncompressed
        diff_ids.append("sha256:" + hashlib.sha256(listed).hexdigest())
        descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+" + COMPRESSION,
                            "digest": write_blob(layout, compressed), "size": len(compressed)})
    config = {"architecture": arch, "os": os_name, "created": "2026-01-01T00:00:00Z",
              "config": {"Cmd": ["/bin/sh"]}, "rootfs": {"type": "layers", "diff_ids": diff_ids},
              "history": [{"created_by": f"layer {i}"} for i in range(layers)]}
    if variant:
        config["variant"] = variant[0]
    config_bytes = json.dumps(config, sort_keys=True).encode()
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": write_blob(layout, config_bytes), "size": len(config_bytes)},
                "layers": descriptors}
    manifest_bytes = json.dumps(manifest, sort_keys=True).encode()
    descriptor = {"mediaType": manifest["mediaType"], "digest": write_blob(layout, manifest_bytes),
                  "size": len(manifest_bytes), "platform": {"os": os_name, "architecture": arch}}
    if variant:
        descriptor["platform"]["variant"] = variant[0]
    return descriptor


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("layout")
    parser.add_argument("tag")
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--layer-size", type=int, default=100_000)
    parser.add_argument("--platforms", default="linux/amd64")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compress-level", type=int, default=6, help="gzip level of the layers (1 is fast)")
    parser.add_argument("--compression", choices=["gzip", "zstd"], default="gzip")
    parser.add_argument("--wrong-diff-id", action="store_true", help="list a wrong diff_id for the first layer")
    args = parser.parse_args()
    global COMPRESS_LEVEL, COMPRESSION, WRONG_DIFF_ID
    COMPRESS_LEVEL, COMPRESSION, WRONG_DIFF_ID = args.compress_level, args.compression, args.wrong_diff_id

    os.makedirs(os.path.join(args.layout, "blobs", "sha256"), exist_ok=True)
    platforms = args.platforms.split(",")
    manifests = [image(args.layout, p, args.layers, args.layer_size, args.seed + 100 * n)
                 for n, p in enumerate(platforms)]
    if len(manifests) == 1:
        top = dict(manifests[0])
        top.pop("platform")
    else:
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": manifests}
        index_bytes = json.dumps(index, sort_keys=True).encode()
        top = {"mediaType": index["mediaType"], "digest": write_blob(args.layout, index_bytes),
               "size": len(index_bytes)}
    top["annotations"] = {"org.opencontainers.image.ref.name": args.tag}
    with open(os.path.join(args.layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [top]}, f)
    with open(os.path.join(args.layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    print(top["digest"])


if __name__ == "__main__":
    main()
