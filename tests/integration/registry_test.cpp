// A real Registry v2 (Debian's docker-registry), images pushed by skopeo: the ground the
// image puller stands on. Blobs come through the engine verified by the digest the
// registry advertises, also when split over several connections.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "engine/resume_state.h"
#include "fetchpool/engine.h"
#include "fetchpool/pull.h"
#include "support/fault_server.h"
#include "support/nginx_server.h"
#include "support/process.h"
#include "support/registry_server.h"
#include "support/shared_server.h"
#include "support/test_data.h"
#include "support/wait.h"

namespace fetchpool {
namespace {

using test::RegistryServer;
using test::TempDir;

class RegistryTest : public test::SharedServerTest<RegistryServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<RegistryServer>(); });
  }
  nlohmann::json skopeo_inspect(const std::string& image, bool raw) {
    std::vector<std::string> argv{"/usr/bin/skopeo", "inspect", "--tls-verify=false"};
    if (raw) argv.push_back("--raw");
    argv.push_back("docker://" + server_->host() + "/" + image);
    auto run = test::run_process(argv);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return nlohmann::json::parse(run.out, nullptr, false);
  }
  TempDir dir_;
};

TEST_F(RegistryTest, SkopeoSeesTheImagesPushedToIt) {
  std::string digest = server_->push_image("test/small", "v1");
  auto inspected = skopeo_inspect("test/small:v1", false);
  EXPECT_EQ(inspected["Digest"], digest);
  EXPECT_EQ(inspected["Layers"].size(), 3u);

  std::string index_digest = server_->push_image(
      "test/multi", "v1", {.layers = 2, .layer_size = 50'000, .platforms = "linux/amd64,linux/arm64/v8"});
  auto index = skopeo_inspect("test/multi:v1", true);
  ASSERT_EQ(index["manifests"].size(), 2u) << index.dump();
  EXPECT_EQ(index["manifests"][1]["platform"]["architecture"], "arm64");
  EXPECT_EQ(skopeo_inspect("test/multi@" + index_digest, true), index);
}

TEST_F(RegistryTest, BlobsComeThroughTheEngineCheckedAgainstTheAdvertisedDigest) {
  server_->push_image("test/blobs", "v1", {.layers = 2, .layer_size = 3'000'000});
  auto manifest = skopeo_inspect("test/blobs:v1", true);
  ASSERT_EQ(manifest["layers"].size(), 2u);

  EngineOptions options;
  options.output_dir = dir_ / "out";
  options.min_split_size = 256 * 1024;  // a 3 MB layer over four connections
  Engine engine(options);
  std::vector<std::string> digests;
  std::vector<TransferHandle> handles;
  for (const auto& layer : manifest["layers"]) {
    std::string digest = layer["digest"];
    digests.push_back(digest);
    handles.push_back(engine.submit(
        {.url = server_->url("/v2/test/blobs/blobs/" + digest), .file_name = digest.substr(7)}));
  }
  for (std::size_t i = 0; i < handles.size(); ++i) {
    Result result = handles[i].wait();
    ASSERT_EQ(result.status, Status::ok) << result.message;
    EXPECT_EQ("sha256:" + test::sha256_of(dir_ / ("out/" + digests[i].substr(7))), digests[i]);
  }

  // The registry's own Docker-Content-Digest is checked: a request that expects another
  // digest fails before anything gets the name.
  Result wrong = engine
                     .submit({.url = server_->url("/v2/test/blobs/blobs/" + digests[0]),
                              .file_name = "wrong",
                              .expected_digest = "sha256:" + std::string(64, '0')})
                     .wait();
  EXPECT_EQ(wrong.category, ErrorCategory::checksum) << wrong.message;
}

// `fetchpool pull` into an OCI layout, checked by skopeo as a third-party reader.
TEST_F(RegistryTest, PullWritesAnOciLayoutSkopeoReads) {
  std::string digest = server_->push_image("pull/small", "v1");
  std::string layout = dir_ / "layout";
  auto run =
      test::run_fetchpool({"pull", "--format", "oci", "-o", layout, server_->host() + "/pull/small:v1"});
  EXPECT_NE(run.err.find("pulled "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(", from " + server_->host() + "\n"), std::string::npos)
      << "who served it: " << run.err;
  ASSERT_EQ(run.exit_code, 0) << run.err;

  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "oci:" + layout + ":v1"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["Digest"], digest);
  // skopeo copies out of it, and the layers it writes are the registry's.
  std::string copy = dir_ / "copy";
  auto copied =
      test::run_process({"/usr/bin/skopeo", "copy", "oci:" + layout + ":v1", "oci:" + copy + ":v1"});
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  auto registry_manifest = skopeo_inspect("pull/small:v1", true);
  auto copy_manifest = nlohmann::json::parse(
      test::run_process({"/usr/bin/skopeo", "inspect", "--raw", "oci:" + copy + ":v1"}).out);
  ASSERT_EQ(copy_manifest["layers"].size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(copy_manifest["layers"][i]["digest"], registry_manifest["layers"][i]["digest"]);

  // Again: every blob is already there, nothing is fetched twice.
  auto again =
      test::run_fetchpool({"pull", "--format", "oci", "-o", layout, server_->host() + "/pull/small:v1"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::size_t already = 0;
  for (std::size_t at = 0; (at = again.err.find("(already exists)", at)) != std::string::npos; ++at)
    ++already;
  EXPECT_EQ(already, 4u) << again.err;  // the config and three layers
}

TEST_F(RegistryTest, PullPicksThePlatformOrListsTheOnesThereAre) {
  server_->push_image("pull/multi", "v2",
                      {.layers = 2, .layer_size = 50'000, .platforms = "linux/amd64,linux/arm64/v8"});
  auto index = skopeo_inspect("pull/multi:v2", true);
  std::string arm64 = index["manifests"][1]["digest"];

  PullOptions options;
  options.image = server_->host() + "/pull/multi:v2";
  options.format = ImageFormat::oci_layout;
  options.output = dir_ / "multi";
  options.platform = "linux/arm64";
  PullResult pulled = pull_image(options);
  ASSERT_TRUE(pulled.ok) << pulled.error;
  EXPECT_EQ(pulled.manifest_digest, arm64);
  EXPECT_EQ(pulled.blobs.size(), 3u);

  options.platform = "linux/s390x";
  PullResult missing = pull_image(options);
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.error.find("linux/amd64, linux/arm64/v8"), std::string::npos) << missing.error;

  // Pinned by digest, and a digest the registry does not have.
  options.platform = "linux/amd64";
  options.image = server_->host() + "/pull/multi@" + arm64;
  PullResult pinned = pull_image(options);
  EXPECT_TRUE(pinned.ok) << pinned.error;
  options.image = server_->host() + "/pull/multi@sha256:" + std::string(64, '1');
  PullResult unknown = pull_image(options);
  EXPECT_FALSE(unknown.ok);
  EXPECT_NE(unknown.error.find("not found"), std::string::npos) << unknown.error;
}

TEST_F(RegistryTest, PullWritesATarballSkopeoLoads) {
  server_->push_image("pull/archive", "v3");
  std::string tarball = dir_ / "app.tar";
  std::string image = server_->host() + "/pull/archive:v3";
  auto run = test::run_fetchpool({"pull", "-o", tarball, image});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(std::filesystem::exists(tarball + ".blobs"))
      << "the work directory goes once the tarball is there";
  EXPECT_FALSE(std::filesystem::exists(tarball + ".part"));

  // skopeo reads it as docker load would: each layer, as downloaded (gzip), decompresses to
  // the diff_id its config names, and the tag is the one pulled.
  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "docker-archive:" + tarball});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  auto inspected = nlohmann::json::parse(inspect.out);
  auto config = test::run_process(
      {"/usr/bin/skopeo", "inspect", "--config", "--tls-verify=false", "docker://" + image});
  ASSERT_EQ(config.exit_code, 0) << config.err;
  EXPECT_EQ(inspected["Layers"], nlohmann::json::parse(config.out)["rootfs"]["diff_ids"]);
  auto manifest =
      nlohmann::json::parse(test::run_process({"/usr/bin/tar", "xOf", tarball, "manifest.json"}).out);
  EXPECT_EQ(manifest[0]["RepoTags"][0], image);
  auto copied = test::run_process(
      {"/usr/bin/skopeo", "copy", "docker-archive:" + tarball, "oci:" + dir_ / "from-archive" + ":v3"});
  EXPECT_EQ(copied.exit_code, 0) << copied.err;

  // With a cache directory the blobs stay, and the next pull fetches none of them.
  std::string cache = dir_ / "cache";
  ASSERT_EQ(test::run_fetchpool({"pull", "-q", "--cache-dir", cache, "-o", dir_ / "a.tar", image}).exit_code,
            0);
  auto again = test::run_fetchpool({"pull", "--cache-dir", cache, "-o", dir_ / "b.tar", image});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::size_t already = 0;
  for (std::size_t at = 0; (at = again.err.find("(already exists)", at)) != std::string::npos; ++at)
    ++already;
  EXPECT_EQ(already, 4u) << again.err;
  EXPECT_EQ(test::sha256_of(dir_ / "a.tar"), test::sha256_of(dir_ / "b.tar"))
      << "the same image, the same bytes";
}

TEST_F(RegistryTest, AllPlatformsKeepsTheIndexAndEveryImageInTheOciLayout) {
  std::string index_digest = server_->push_image(
      "pull/every", "v1", {.layers = 2, .layer_size = 50'000, .platforms = "linux/amd64,linux/arm64/v8"});
  std::string image = server_->host() + "/pull/every:v1";
  std::string layout = dir_ / "every";
  auto run = test::run_fetchpool({"pull", "-q", "--all-platforms", "--format", "oci", "-o", layout, image});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  // index.json names the registry's index, and skopeo finds both images through it.
  auto index = nlohmann::json::parse(test::read_file(layout + "/index.json"));
  ASSERT_EQ(index["manifests"].size(), 1u);
  EXPECT_EQ(index["manifests"][0]["digest"], index_digest);
  EXPECT_EQ(index["manifests"][0]["mediaType"], "application/vnd.oci.image.index.v1+json");
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "v1");
  auto raw = test::run_process({"/usr/bin/skopeo", "inspect", "--raw", "oci:" + layout + ":v1"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(nlohmann::json::parse(raw.out)["manifests"].size(), 2u);
  for (const char* arch : {"amd64", "arm64"}) {
    auto inspect = test::run_process(
        {"/usr/bin/skopeo", "--override-arch", arch, "inspect", "--config", "oci:" + layout + ":v1"});
    ASSERT_EQ(inspect.exit_code, 0) << arch << ": " << inspect.err;
    EXPECT_EQ(nlohmann::json::parse(inspect.out)["architecture"], arch);
  }
  auto copied = test::run_process(
      {"/usr/bin/skopeo", "copy", "--all", "oci:" + layout + ":v1", "oci:" + dir_ / "copy" + ":v1"});
  EXPECT_EQ(copied.exit_code, 0) << copied.err;

  auto tarball = test::run_fetchpool({"pull", "--all-platforms", "-o", dir_ / "every.tar", image});
  EXPECT_EQ(tarball.exit_code, 2);
  EXPECT_NE(tarball.err.find("--all-platforms needs --format oci"), std::string::npos) << tarball.err;
}

TEST_F(RegistryTest, ZstdLayersPullToBothOutputs) {
  server_->push_image("pull/zstd", "v1", {.layers = 2, .layer_size = 400'000, .compression = "zstd"});
  std::string image = server_->host() + "/pull/zstd:v1";
  std::string tarball = dir_ / "zstd.tar";
  auto run = test::run_fetchpool({"pull", "-q", "-o", tarball, image});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "docker-archive:" + tarball});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  auto config = test::run_process(
      {"/usr/bin/skopeo", "inspect", "--config", "--tls-verify=false", "docker://" + image});
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["Layers"],
            nlohmann::json::parse(config.out)["rootfs"]["diff_ids"]);
  auto oci = test::run_fetchpool({"pull", "-q", "--format", "oci", "-o", dir_ / "zstd-oci", image});
  ASSERT_EQ(oci.exit_code, 0) << oci.err;
  EXPECT_EQ(test::run_process({"/usr/bin/skopeo", "inspect", "oci:" + dir_ / "zstd-oci" + ":v1"}).exit_code,
            0);
}

TEST_F(RegistryTest, ALayerThatDoesNotMatchItsDiffIdFailsThePullAndLeavesNoTarball) {
  server_->push_image("pull/broken", "v1", {.layers = 2, .wrong_diff_id = true});
  std::string image = server_->host() + "/pull/broken:v1";
  auto manifest = skopeo_inspect("pull/broken:v1", true);
  std::string first_layer = manifest["layers"][0]["digest"];

  std::string tarball = dir_ / "broken.tar";
  auto run = test::run_fetchpool({"pull", "-q", "-o", tarball, image});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("layer " + first_layer + " decompresses to sha256:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("but the image config lists"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(tarball));
  EXPECT_FALSE(std::filesystem::exists(tarball + ".part"));

  // In an OCI layout the image is not named, and the layer that failed is not kept.
  std::string layout = dir_ / "broken-oci";
  auto oci = test::run_fetchpool({"pull", "-q", "--format", "oci", "-o", layout, image});
  EXPECT_EQ(oci.exit_code, 1) << oci.err;
  EXPECT_FALSE(std::filesystem::exists(layout + "/index.json"));
  EXPECT_FALSE(std::filesystem::exists(layout + "/blobs/sha256/" + first_layer.substr(7)));
  EXPECT_TRUE(std::filesystem::exists(layout + "/blobs/sha256/" +
                                      std::string(manifest["layers"][1]["digest"]).substr(7)));
}

TEST_F(RegistryTest, ADescriptorWhoseSizeIsNotTheBlobsFailsThePull) {
  server_->push_image("pull/sizes", "good", {.layers = 2, .layer_size = 50'000});
  nlohmann::json manifest = skopeo_inspect("pull/sizes:good", true);
  const std::string media_type = manifest["mediaType"];
  for (const char* which : {"config", "layer"}) {
    nlohmann::json lying = manifest;
    nlohmann::json& descriptor = std::string(which) == "config" ? lying["config"] : lying["layers"][1];
    const std::int64_t size = descriptor["size"];
    descriptor["size"] = size + 7;
    const std::string tag = std::string("wrong-") + which;
    server_->put_manifest("pull/sizes", tag, media_type, lying.dump());
    const std::string digest = descriptor["digest"];

    std::string tarball = dir_ / (tag + ".tar");
    auto run = test::run_fetchpool({"pull", "-q", "-o", tarball, server_->host() + "/pull/sizes:" + tag});
    EXPECT_EQ(run.exit_code, 1) << which << ": " << run.err;
    EXPECT_NE(run.err.find("size mismatch: expected " + std::to_string(size + 7) +
                           " bytes, the server states " + std::to_string(size)),
              std::string::npos)
        << run.err;
    EXPECT_NE(run.err.find(digest.substr(7)), std::string::npos) << run.err;
    EXPECT_FALSE(std::filesystem::exists(tarball)) << which;
    // TARBALL.part stays (not under the final name), for a rerun to continue, as any
    // partial download does; nothing of the refused blob is recorded complete in it.
    std::ifstream record(tarball + ".blobs/archive");
    const std::string recorded{std::istreambuf_iterator<char>(record), std::istreambuf_iterator<char>()};
    EXPECT_EQ(recorded.find(digest), std::string::npos) << which << ": " << recorded;
    // Another image into the same name is laid out anew (the blobs sit at other offsets):
    // nothing of the kept TARBALL.part is taken for its bytes.
    auto good = test::run_fetchpool({"pull", "-q", "-o", tarball, server_->host() + "/pull/sizes:good"});
    ASSERT_EQ(good.exit_code, 0) << which << ": " << good.err;
    auto copied = test::run_process(
        {"/usr/bin/skopeo", "copy", "docker-archive:" + tarball, "oci:" + dir_ / (tag + "-check") + ":good"});
    EXPECT_EQ(copied.exit_code, 0) << which << ": " << copied.err;

    std::string layout = dir_ / (tag + "-oci");
    auto oci = test::run_fetchpool(
        {"pull", "-q", "--format", "oci", "-o", layout, server_->host() + "/pull/sizes:" + tag});
    EXPECT_EQ(oci.exit_code, 1) << which << ": " << oci.err;
    EXPECT_FALSE(std::filesystem::exists(layout + "/index.json")) << which;
    EXPECT_FALSE(std::filesystem::exists(layout + "/blobs/sha256/" + digest.substr(7))) << which;
  }
}

TEST_F(RegistryTest, DockerSchema2ImagesAndListsPullToo) {
  server_->push_image(
      "pull/docker", "v1",
      {.layers = 2, .layer_size = 50'000, .platforms = "linux/amd64,linux/arm64/v8", .docker_schema2 = true});
  auto list = skopeo_inspect("pull/docker:v1", true);
  ASSERT_EQ(list["mediaType"], "application/vnd.docker.distribution.manifest.list.v2+json") << list.dump();

  std::string tarball = dir_ / "docker.tar";
  auto run = test::run_fetchpool(
      {"pull", "--platform", "linux/arm64", "-o", tarball, server_->host() + "/pull/docker:v1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "docker-archive:" + tarball});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["Architecture"], "arm64");
}

// An OCI layout of a Docker-typed image (most of Docker Hub) is written in OCI media types,
// as skopeo writes one: skopeo, umoci and podman read it by tag; the layers are the
// registry's, the manifest is rewritten (its digest is the layout's own). With
// --all-platforms the manifest list becomes an OCI index pointing at the rewritten images.
TEST_F(RegistryTest, AnOciLayoutOfADockerImageIsReadByTagBySkopeoUmociAndPodman) {
  server_->push_image(
      "pull/dockerish", "v1",
      {.layers = 2, .layer_size = 40'000, .platforms = "linux/amd64,linux/arm64/v8", .docker_schema2 = true});
  const std::string image = server_->host() + "/pull/dockerish:v1";
  const std::string layout = dir_ / "layout";
  auto run = test::run_fetchpool(
      {"pull", "-q", "--format", "oci", "--platform", "linux/amd64", "-o", layout, image});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "--raw", "oci:" + layout + ":v1"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  auto manifest = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(manifest["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
  // The layers are the registry's, named as OCI names them.
  auto list = skopeo_inspect("pull/dockerish:v1", true);
  std::string amd64;
  for (const auto& entry : list["manifests"])
    if (entry["platform"]["architecture"] == "amd64") amd64 = entry["digest"];
  auto original = skopeo_inspect("pull/dockerish@" + amd64, true);
  ASSERT_EQ(manifest["layers"].size(), original["layers"].size());
  for (std::size_t i = 0; i < original["layers"].size(); ++i) {
    EXPECT_EQ(manifest["layers"][i]["digest"], original["layers"][i]["digest"]);
    EXPECT_EQ(manifest["layers"][i]["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
  }
  EXPECT_EQ(manifest["config"]["digest"], original["config"]["digest"]);

  auto ls = test::run_process({"/usr/bin/umoci", "ls", "--layout", layout});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out, "v1\n");
  auto unpacked = test::run_process(
      {"/usr/bin/umoci", "unpack", "--rootless", "--image", layout + ":v1", dir_ / "bundle"});
  ASSERT_EQ(unpacked.exit_code, 0) << unpacked.err;
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "bundle/rootfs"));

  // podman names the image after the layout's path, which must be lowercase: a relative one.
  const std::string storage = dir_ / "podman";
  auto podman = test::run_process({"/bin/sh", "-c",
                                   "cd '" + dir_.path() + "' && /usr/bin/podman --root '" + storage +
                                       "/root' --runroot '" + storage +
                                       "/run' --storage-driver vfs pull oci:layout:v1"});
  ASSERT_EQ(podman.exit_code, 0) << podman.err;

  // Every platform: an OCI index of the rewritten images.
  const std::string all = dir_ / "all";
  auto every = test::run_fetchpool({"pull", "-q", "--format", "oci", "--all-platforms", "-o", all, image});
  ASSERT_EQ(every.exit_code, 0) << every.err;
  auto index = nlohmann::json::parse(
      test::run_process({"/usr/bin/skopeo", "inspect", "--raw", "oci:" + all + ":v1"}).out);
  EXPECT_EQ(index["mediaType"], "application/vnd.oci.image.index.v1+json");
  ASSERT_EQ(index["manifests"].size(), 2u);
  for (const auto& entry : index["manifests"])
    EXPECT_EQ(entry["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  auto arm = test::run_process({"/usr/bin/skopeo", "--override-arch", "arm64", "--override-variant", "v8",
                                "inspect", "oci:" + all + ":v1"});
  ASSERT_EQ(arm.exit_code, 0) << arm.err;
  EXPECT_EQ(nlohmann::json::parse(arm.out)["Architecture"], "arm64");
}

// podman loads the docker-archive tarball (and says which image it got).
TEST_F(RegistryTest, PodmanLoadsTheTarball) {
  server_->push_image("pull/podman", "v1", {.layers = 2, .layer_size = 30'000});
  const std::string tarball = dir_ / "app.tar";
  auto run = test::run_fetchpool({"pull", "-q", "-o", tarball, server_->host() + "/pull/podman:v1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string storage = dir_ / "podman";
  auto loaded = test::run_process({"/usr/bin/podman", "--root", storage + "/root", "--runroot",
                                   storage + "/run", "--storage-driver", "vfs", "load", "-i", tarball});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_NE((loaded.out + loaded.err).find("pull/podman:v1"), std::string::npos) << loaded.out << loaded.err;
}

TEST_F(RegistryTest, BadPullArgumentsAreUsageErrors) {
  auto upper = test::run_fetchpool({"pull", "-o", dir_ / "x.tar", "Alpine"});
  EXPECT_EQ(upper.exit_code, 2);
  EXPECT_NE(upper.err.find("lower case"), std::string::npos) << upper.err;
  auto no_output = test::run_fetchpool({"pull", server_->host() + "/a/b:c"});
  EXPECT_EQ(no_output.exit_code, 2);
  EXPECT_NE(no_output.err.find("needs -o"), std::string::npos) << no_output.err;
  auto missing = test::run_fetchpool({"pull", "-o", dir_ / "x.tar", server_->host() + "/no/such:tag"});
  EXPECT_EQ(missing.exit_code, 1);
  // With the registry's own words, which say whether the repository or the tag is unknown.
  EXPECT_NE(missing.err.find("not found (HTTP 404; the registry says: MANIFEST_UNKNOWN: manifest unknown)"),
            std::string::npos)
      << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "x.tar"));
}

TEST_F(RegistryTest, KillNineMidPullThenRerunFetchesOnlyTheRest) {
  server_->push_image("pull/slow", "v1", {.layers = 2, .layer_size = 4'000'000});
  // The registry behind nginx at 1 MiB/s, so that the pull is still running when killed.
  test::NginxServer proxy(test::TestData::get().root(), test::NginxServer::Scheme::http, server_->host());
  std::string image = "127.0.0.1:" + std::to_string(proxy.port()) + "/pull/slow:v1";
  std::string tarball = dir_ / "slow.tar";
  std::vector<std::string> args{"pull", "-q", "-j", "1", "-x", "1", "-o", tarball, image};
  // Each blob is written straight into TARBALL.part; beside it, the record of the blobs
  // complete there, and the resume state of the one under way.
  const std::filesystem::path record = tarball + ".blobs/archive";
  const std::filesystem::path states = tarball + ".blobs/blobs/sha256";
  std::filesystem::path state;
  std::vector<std::string> recorded;  // the digests the record names complete
  auto read_record = [&] {
    recorded.clear();
    std::ifstream in(record);
    std::string line;
    for (std::getline(in, line); std::getline(in, line);) recorded.push_back(line);
  };
  {
    test::ChildProcess first(test::fetchpool_argv(args));
    // One blob at a time: until one layer is complete and the next has a state naming
    // some of its bytes (after a second of downloading).
    test::wait_until(
        [&] {
          std::error_code ec;
          read_record();
          for (const auto& entry : std::filesystem::directory_iterator(states, ec)) {
            const std::string name = entry.path().filename().string();
            if (name.ends_with(".part.state")) state = entry.path();
          }
          engine::ResumeState saved;
          return recorded.size() >= 2 && !state.empty() &&
                 engine::load_resume_state(state.string(), &saved) && saved.done > 0;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(50));
    first.signal(SIGKILL);
    first.wait(std::chrono::seconds(5));
  }
  ASSERT_FALSE(state.empty()) << "no partial layer's state appeared: " << proxy.proxy_log();
  read_record();
  ASSERT_GE(recorded.size(), 2u) << "no layer was complete (the config comes first): " << proxy.proxy_log();
  ASSERT_FALSE(std::filesystem::exists(tarball));
  ASSERT_TRUE(std::filesystem::exists(tarball + ".part"));
  EXPECT_FALSE(std::filesystem::exists(states / recorded.back().substr(7)))
      << "a blob was stored beside the tarball, not in it";
  engine::ResumeState saved;
  ASSERT_TRUE(engine::load_resume_state(state.string(), &saved));
  const std::int64_t kept = saved.done;
  ASSERT_GT(kept, 0);
  const std::string layer = state.filename().string().substr(0, 64);
  // The complete layer's bytes are read back before a rerun trusts them (nothing is
  // fsync'd: a power loss can lose what the record names): one changed byte, and it is
  // fetched again.
  const std::string damaged = recorded.back().substr(7);
  {
    std::fstream part(tarball + ".part", std::ios::in | std::ios::out | std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(part), std::istreambuf_iterator<char>()};
    const std::size_t header = bytes.find("blobs/sha256/" + damaged);  // its tar header; the data follows
    ASSERT_NE(header, std::string::npos);
    part.seekp(static_cast<std::streamoff>(header + 512 + 1000));
    part.put(static_cast<char>(bytes[header + 512 + 1000] ^ 0x55));
    // And the first tar header, which the rerun writes again rather than trusting it.
    part.seekp(0);
    part.write("garbage", 7);
  }
  recorded.pop_back();
  const std::size_t log_before = proxy.proxy_log().size();

  auto second = test::run_fetchpool(args);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "docker-archive:" + tarball});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
  auto loaded = test::run_process(
      {"/usr/bin/skopeo", "copy", "docker-archive:" + tarball, "oci:" + dir_ / "slow-check:v1"});
  EXPECT_EQ(loaded.exit_code, 0) << loaded.err;  // skopeo reads every blob and checks its digest
  EXPECT_FALSE(std::filesystem::exists(tarball + ".part"));
  EXPECT_FALSE(std::filesystem::exists(tarball + ".blobs"));
  // The rerun asked for the layer from where the first run's state said, and got only the rest.
  std::istringstream log(proxy.proxy_log().substr(log_before));
  bool resumed = false;
  for (std::string line; std::getline(log, line);) {
    if (line.find(layer) == std::string::npos) continue;
    EXPECT_NE(line.find("\"bytes=" + std::to_string(kept) + "-\""), std::string::npos) << line;
    resumed = true;
  }
  EXPECT_TRUE(resumed) << proxy.proxy_log();
  EXPECT_NE(proxy.proxy_log().substr(log_before).find(damaged), std::string::npos)
      << "the damaged layer was not fetched again: " << proxy.proxy_log();
  for (const std::string& complete : recorded) {
    EXPECT_EQ(proxy.proxy_log().substr(log_before).find(complete.substr(7)), std::string::npos)
        << "the complete blob " << complete << " was fetched again: " << proxy.proxy_log();
  }
}

TEST_F(RegistryTest, MirrorsAreTriedInOrderThenTheOrigin) {
  RegistryServer mirror;  // starts empty
  server_->push_image("mirror/app", "v1");
  PullOptions options;
  options.format = ImageFormat::oci_layout;
  options.mirror_all_registries = true;  // the images here are not on Docker Hub

  // A mirror without the image is skipped; the origin serves it.
  options.image = server_->host() + "/mirror/app:v1";
  options.output = dir_ / "from-origin";
  options.mirrors = {mirror.url("")};
  PullResult via_origin = pull_image(options);
  EXPECT_TRUE(via_origin.ok) << via_origin.error;

  // A mirror with the image serves it even when the origin is gone.
  mirror.push_image("mirror/app", "v1");
  options.image = "127.0.0.1:" + std::to_string(test::free_port()) + "/mirror/app:v1";  // nothing listens
  options.output = dir_ / "from-mirror";
  options.mirrors = {"http://127.0.0.1:" + std::to_string(test::free_port()),
                     mirror.host()};  // a dead one first
  PullResult via_mirror = pull_image(options);
  EXPECT_TRUE(via_mirror.ok) << via_mirror.error;
  EXPECT_EQ(via_mirror.manifest_digest, via_origin.manifest_digest);
  ASSERT_EQ(via_mirror.images.size(), 1u);
  EXPECT_EQ(via_mirror.images[0].served_by, "mirror " + mirror.host());
  ASSERT_EQ(via_origin.images.size(), 1u);
  EXPECT_EQ(via_origin.images[0].served_by, server_->host());

  // Without mirror_all_registries, mirrors are for Docker Hub images only.
  options.mirror_all_registries = false;
  options.output = dir_ / "not-mirrored";
  options.engine.retries = 0;  // the origin's requests are retried like any other; not here
  PullResult unmirrored = pull_image(options);
  EXPECT_FALSE(unmirrored.ok);
  EXPECT_NE(unmirrored.error.find("cannot connect"), std::string::npos) << unmirrored.error;
}

// A platform the image does not have is the image's answer, whoever served the index: the
// error lists the platforms there are, and the origin (here: nothing listening) is not
// asked for the same index again.
TEST_F(RegistryTest, AMissingPlatformIsTheImagesAnswerNotAMirrorFailure) {
  RegistryServer mirror;
  mirror.push_image("mirror/multi", "v1", {.layers = 1, .platforms = "linux/amd64,linux/arm64/v8"});
  const int dead_port = test::free_port();
  auto run = test::run_fetchpool({"pull", "-q", "--mirror-all-registries", "-r", mirror.host(), "--retries",
                                  "0", "--platform", "linux/s390x", "-o", dir_ / "x.tar",
                                  "127.0.0.1:" + std::to_string(dead_port) + "/mirror/multi:v1"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("has no linux/s390x variant; it has: linux/amd64, linux/arm64/v8"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("cannot connect"), std::string::npos) << "the origin was asked:\n" << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "x.tar"));
}

// Several images into one output, as `docker save IMAGE...`: one docker-archive holding
// every image with its tag, each blob stored (and fetched) once; or one OCI layout with an
// entry per image. podman, skopeo and umoci read each image back; -i FILE lists images.
TEST_F(RegistryTest, SeveralImagesGoIntoOneOutputSharingTheirBlobs) {
  server_->push_image("multi/base", "v1", {.layers = 2, .layer_size = 30'000});
  server_->push_image("multi/app", "v2",
                      {.layers = 3, .layer_size = 30'000});  // the base's two layers, and one
  const std::string base = server_->host() + "/multi/base:v1", app = server_->host() + "/multi/app:v2";
  auto base_manifest = skopeo_inspect("multi/base:v1", true),
       app_manifest = skopeo_inspect("multi/app:v2", true);
  const std::string shared = base_manifest["layers"][0]["digest"];
  ASSERT_EQ(app_manifest["layers"][0]["digest"], shared) << "the images share no layer";

  const std::string tarball = dir_ / "images.tar";
  auto run = test::run_fetchpool({"pull", "-v", "--progress", "plain", "-o", tarball, base, app});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::size_t fetched = 0;
  for (std::size_t at = 0; (at = run.err.find("/blobs/" + shared + " HTTP/", at)) != std::string::npos; ++at)
    ++fetched;
  EXPECT_EQ(fetched, 1u) << "a shared layer is fetched once:\n" << run.err;
  EXPECT_NE(run.err.find("pulled " + base), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("pulled " + app), std::string::npos) << run.err;

  auto listing = test::run_process({"/bin/tar", "tf", tarball});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  std::size_t shared_entries = 0;
  for (std::size_t at = 0; (at = listing.out.find(shared.substr(7), at)) != std::string::npos; ++at)
    ++shared_entries;
  EXPECT_EQ(shared_entries, 1u) << listing.out;
  for (const std::string& image : {base, app}) {
    auto inspect =
        test::run_process({"/usr/bin/skopeo", "inspect", "docker-archive:" + tarball + ":" + image});
    EXPECT_EQ(inspect.exit_code, 0) << image << ": " << inspect.err;
  }
  const std::string storage = dir_ / "podman";
  auto loaded = test::run_process({"/usr/bin/podman", "--root", storage + "/root", "--runroot",
                                   storage + "/run", "--storage-driver", "vfs", "load", "-i", tarball});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_NE(loaded.out.find("multi/base:v1"), std::string::npos) << loaded.out;
  EXPECT_NE(loaded.out.find("multi/app:v2"), std::string::npos) << loaded.out;

  // The same from a list, into an OCI layout: an entry per image, by its full reference.
  test::write_file(dir_ / "images.txt", "# the release\n" + base + "\n\n" + app + "\n");
  const std::string layout = dir_ / "layout";
  auto oci = test::run_fetchpool({"pull", "-q", "--format", "oci", "-o", layout, "-i", dir_ / "images.txt"});
  ASSERT_EQ(oci.exit_code, 0) << oci.err;
  for (const std::string& image : {base, app}) {
    auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "oci:" + layout + ":" + image});
    EXPECT_EQ(inspect.exit_code, 0) << image << ": " << inspect.err;
  }
  auto ls = test::run_process({"/usr/bin/umoci", "ls", "--layout", layout});
  EXPECT_EQ(ls.out, base + "\n" + app + "\n") << ls.err;

  // One image that cannot be pulled fails the pull, and nothing is written.
  auto missing = test::run_fetchpool(
      {"pull", "-q", "--retries", "0", "-o", dir_ / "none.tar", base, server_->host() + "/multi/nothing:v9"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("multi/nothing:v9"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "none.tar"));

  auto bad_list_line = [&] {
    test::write_file(dir_ / "bad.txt", base + "\nNot A Reference\n");
    return test::run_fetchpool({"pull", "-o", dir_ / "bad.tar", "-i", dir_ / "bad.txt"});
  }();
  EXPECT_EQ(bad_list_line.exit_code, 2);
  EXPECT_NE(bad_list_line.err.find("line 2"), std::string::npos) << bad_list_line.err;
}

// A registry that wants tokens, from a token server of its own.
class TokenRegistryTest : public test::SharedServerTest<RegistryServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<RegistryServer>(RegistryServer::Auth::token); });
  }
  int token_requests_by(const std::string& user) const {
    int count = 0;
    std::istringstream lines(server_->token_log());
    for (std::string line; std::getline(lines, line);) count += nlohmann::json::parse(line)["user"] == user;
    return count;
  }
  TempDir dir_;
};

TEST_F(TokenRegistryTest, AnonymousPullGetsAToken) {
  server_->push_image("auth/public", "v1");
  int before = token_requests_by("");
  auto run = test::run_fetchpool({"pull", "-o", dir_ / "public.tar", server_->host() + "/auth/public:v1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_GT(token_requests_by(""), before);
  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "docker-archive:" + dir_ / "public.tar"});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
}

TEST_F(TokenRegistryTest, CredentialsFromStdinOrDockerConfigAndNeverShown) {
  server_->push_image("auth/app", "v2");
  std::string image = server_->host() + "/auth/app:v2";
  int before = token_requests_by(RegistryServer::kUser);
  auto run = test::run_fetchpool(
      {"pull", "--username", RegistryServer::kUser, "--password-stdin", "-o", dir_ / "a.tar", image},
      std::string(RegistryServer::kPassword) + "\n");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_GT(token_requests_by(RegistryServer::kUser), before) << "the token was asked for as the user";
  EXPECT_EQ((run.out + run.err).find(RegistryServer::kPassword), std::string::npos);

  // Docker's config file, as `docker login` leaves it.
  test::write_file(dir_ / "config.json", R"({"auths":{")" + server_->host() + R"(":{"auth":")" +
                                             server_->base64_credentials() + R"("}}})");
  setenv("DOCKER_CONFIG", dir_.path().c_str(), 1);
  before = token_requests_by(RegistryServer::kUser);
  auto from_config = test::run_fetchpool({"pull", "-o", dir_ / "b.tar", image});
  unsetenv("DOCKER_CONFIG");
  ASSERT_EQ(from_config.exit_code, 0) << from_config.err;
  EXPECT_GT(token_requests_by(RegistryServer::kUser), before);

  auto wrong = test::run_fetchpool(
      {"pull", "--username", RegistryServer::kUser, "--password-stdin", "-o", dir_ / "c.tar", image},
      "not-the-password\n");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("refuses these credentials"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.err.find("not-the-password"), std::string::npos) << wrong.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "c.tar"));
}

// pull -v traces the registry's requests too (token, manifests, blobs) and never a secret:
// not the password, not the Basic credentials, not the bearer token.
TEST_F(TokenRegistryTest, VerbosePullTracesEveryRequestWithCredentialsRedacted) {
  server_->push_image("auth/traced", "v1");
  std::string image = server_->host() + "/auth/traced:v1";
  auto run = test::run_fetchpool(
      {"pull", "-v", "--username", RegistryServer::kUser, "--password-stdin", "-o", dir_ / "t.tar", image},
      std::string(RegistryServer::kPassword) + "\n");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find(RegistryServer::kPassword), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(server_->base64_credentials()), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("Authorization: Bearer"), std::string::npos) << "the token is redacted:\n"
                                                                      << run.err;
  EXPECT_NE(run.err.find("> GET /v2/auth/traced/manifests/v1"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("> GET /v2/auth/traced/blobs/sha256:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("> Authorization: [redacted]"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("< Www-Authenticate: Bearer realm="), std::string::npos)
      << "the challenge is no secret and says where the token comes from:\n"
      << run.err;
}

// A registry behind Basic auth (htpasswd).
class BasicRegistryTest : public test::SharedServerTest<RegistryServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<RegistryServer>(RegistryServer::Auth::basic); });
  }
  TempDir dir_;
};

TEST_F(BasicRegistryTest, CredentialsAreSentAsBasicAndAskedForWhenMissing) {
  server_->push_image("basic/app", "v1");
  std::string image = server_->host() + "/basic/app:v1";
  auto anonymous = test::run_fetchpool({"pull", "-o", dir_ / "a.tar", image});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_NE(anonymous.err.find("asks for credentials; tried --username (not given)"), std::string::npos)
      << anonymous.err;

  auto run = test::run_fetchpool(
      {"pull", "--username", RegistryServer::kUser, "--password-stdin", "-o", dir_ / "b.tar", image},
      std::string(RegistryServer::kPassword) + "\n");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "docker-archive:" + dir_ / "b.tar"});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
}

TEST_F(TokenRegistryTest, ATokenThatExpiresMidPullIsRenewed) {
  server_->push_image("auth/long", "v1", {.layers = 3, .layer_size = 1'500'000});
  // The registry behind nginx at 1 MiB/s, one layer at a time: the pull takes about 4 s.
  test::NginxServer proxy(test::TestData::get().root(), test::NginxServer::Scheme::http, server_->host());
  std::string image = "127.0.0.1:" + std::to_string(proxy.port()) + "/auth/long:v1";
  // The registry allows a token 60 s past its expiry: these are good for one to two seconds.
  server_->set_token_lifetime(-58);
  int before = token_requests_by("");
  auto run = test::run_fetchpool({"pull", "-j", "1", "-x", "1", "-o", dir_ / "long.tar", image});
  server_->set_token_lifetime(300);
  ASSERT_EQ(run.exit_code, 0) << run.err << proxy.proxy_log();
  int refused_blobs = 0;
  std::istringstream log(proxy.proxy_log());
  for (std::string line; std::getline(log, line);)
    refused_blobs += line.find("/blobs/") != std::string::npos && line.find("\" 401 ") != std::string::npos;
  EXPECT_GE(refused_blobs, 1) << "no blob was refused: " << proxy.proxy_log();
  EXPECT_GE(token_requests_by("") - before, 2) << "the expired token was renewed";
  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "docker-archive:" + dir_ / "long.tar"});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
}

TEST_F(TokenRegistryTest, BlobsRedirectedToAnotherHostGetNoAuthorization) {
  server_->push_image("auth/redirected", "v1", {.layers = 2, .layer_size = 3'000'000});
  test::NginxServer front(test::TestData::get().root(), test::NginxServer::Scheme::http, server_->host(),
                          server_->storage_dir());
  std::string image = "127.0.0.1:" + std::to_string(front.port()) + "/auth/redirected:v1";
  auto run = test::run_fetchpool({"pull", "-q", "-o", dir_ / "redirected.tar", image});
  ASSERT_EQ(run.exit_code, 0) << run.err << front.proxy_log();
  auto inspect =
      test::run_process({"/usr/bin/skopeo", "inspect", "docker-archive:" + dir_ / "redirected.tar"});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;

  // Manifests went to the registry with the token; every blob request (the config and the
  // layers) reached the object store without it.
  EXPECT_NE(front.proxy_log().find("/manifests/v1"), std::string::npos) << front.proxy_log();
  std::istringstream objects(front.object_log());
  int requests = 0;
  for (std::string line; std::getline(objects, line); ++requests) {
    EXPECT_NE(line.find("host=localhost"), std::string::npos) << line;
    EXPECT_NE(line.find("authorization=\"-\""), std::string::npos) << line;  // nginx logs none as "-"
  }
  EXPECT_GE(requests, 3) << front.object_log();
}

// The registry sees no request the engine did not make: the first manifest request (its
// 401 and challenge), the token, the manifests and the blobs are each an engine transfer,
// one HTTP request per attempt, with their response headers in the Result.
TEST_F(TokenRegistryTest, EveryRequestOfAPullIsOneOfTheEngines) {
  server_->push_image("auth/counted", "v1", {.layers = 2, .layer_size = 100'000});
  test::NginxServer front(test::TestData::get().root(), test::NginxServer::Scheme::http, server_->host());
  auto lines = [](const std::string& text) {
    std::istringstream in(text);
    int count = 0;
    for (std::string line; std::getline(in, line);) count += !line.empty();
    return count;
  };
  const int tokens_before = lines(server_->token_log());
  std::mutex mutex;
  std::vector<Result> seen;
  EngineOptions engine_options;
  engine_options.on_finished = [&](const Result& ended) {
    std::lock_guard lock(mutex);
    seen.push_back(ended);
  };
  PullOptions options;
  options.image = "127.0.0.1:" + std::to_string(front.port()) + "/auth/counted:v1";
  options.output = dir_ / "counted.tar";
  {
    Engine engine(engine_options);
    options.run_on = &engine;
    PullResult pulled = pull_image(options);
    ASSERT_TRUE(pulled.ok) << pulled.error;
  }
  int registry_attempts = 0, token_attempts = 0, challenges = 0, manifests = 0;
  for (const Result& ended : seen) {
    (ended.url.find("/v2/") != std::string::npos ? registry_attempts : token_attempts) += ended.attempts;
    if (ended.url.find("/manifests/") == std::string::npos) continue;
    EXPECT_TRUE(ended.path.empty()) << "a manifest is kept in memory: " << ended.path;
    if (ended.http_status == 401) challenges += !ended.header("www-authenticate").empty();
    if (ended.ok()) manifests += ended.header("Content-Type").find("manifest") != std::string::npos;
  }
  EXPECT_EQ(challenges, 1) << "the first manifest request met the challenge, with its header";
  EXPECT_EQ(manifests, 1);
  EXPECT_EQ(lines(front.proxy_log()), registry_attempts) << front.proxy_log();
  EXPECT_EQ(lines(server_->token_log()) - tokens_before, token_attempts) << server_->token_log();
  EXPECT_GE(token_attempts, 1);
  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "docker-archive:" + dir_ / "counted.tar"});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
}

// A registry that takes the connection and the request, then never answers: holds every
// connection open and keeps what arrived, until destroyed.
class SilentRegistry {
 public:
  SilentRegistry() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(listener_, 16) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error("cannot listen on 127.0.0.1");
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~SilentRegistry() {
    stop_ = true;
    thread_.join();
    for (int fd : connections_) close(fd);
    close(listener_);
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  /// Waits (at most `timeout`) until a request line containing `text` has arrived.
  bool received(const std::string& text, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return bytes_.find(text) != std::string::npos; });
  }

 private:
  void serve() {
    while (!stop_) {  // ends with the test: each turn waits at most 50 ms
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (int fd : connections_) fds.push_back({fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) connections_.push_back(accept(listener_, nullptr, nullptr));
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        char buffer[4096];
        ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
        if (got <= 0) continue;
        std::lock_guard lock(mutex_);
        bytes_.append(buffer, static_cast<std::size_t>(got));
        arrived_.notify_all();
      }
    }
  }
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> connections_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::string bytes_;
  std::thread thread_;
};

// The manifest request is the engine's, so Ctrl-C and --max-time reach it: a registry that
// never answers does not hold a pull (before, the first Ctrl-C was ignored until a 60 s
// limit ran out).
TEST(SilentRegistryTest, CtrlCAndMaxTimeEndAPullWhoseRegistryNeverAnswers) {
  SilentRegistry registry;
  TempDir dir;
  test::ChildProcess interrupted(
      test::fetchpool_argv({"pull", "-o", dir / "a.tar", registry.host() + "/app:v1"}));
  ASSERT_TRUE(registry.received("GET /v2/app/manifests/v1", std::chrono::seconds(10)));
  interrupted.signal(SIGINT);
  test::ProcessResult stopped = interrupted.wait(std::chrono::seconds(10));
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_NE(stopped.err.find("interrupted"), std::string::npos) << stopped.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "a.tar"));

  test::ChildProcess limited(
      test::fetchpool_argv({"pull", "--max-time", "2", "-o", dir / "b.tar", registry.host() + "/app:v1"}));
  test::ProcessResult timed_out = limited.wait(std::chrono::seconds(20));
  EXPECT_EQ(timed_out.exit_code, 1) << timed_out.err;
  EXPECT_NE(timed_out.err.find("max time"), std::string::npos) << timed_out.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "b.tar"));
}

// The token request is the engine's too: a token service that never sends its body ends
// on Ctrl-C at once, and within --max-time.
TEST(SilentRegistryTest, CtrlCAndMaxTimeEndAPullWhoseTokenServiceNeverAnswers) {
  test::FaultServer registry;  // its /v2/ asks for a token from its own stalling /data/token
  TempDir dir;
  const std::string image = "127.0.0.1:" + std::to_string(registry.port()) + "/app:v1";
  test::ChildProcess interrupted(test::fetchpool_argv({"pull", "-o", dir / "a.tar", image}));
  ASSERT_TRUE(test::wait_until([&] { return !registry.requests_for("/data/token").empty(); },
                               std::chrono::seconds(10)))
      << "no token request";
  interrupted.signal(SIGINT);
  test::ProcessResult stopped = interrupted.wait(std::chrono::seconds(10));
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "a.tar"));

  test::ChildProcess limited(test::fetchpool_argv({"pull", "--max-time", "2", "-o", dir / "b.tar", image}));
  test::ProcessResult timed_out = limited.wait(std::chrono::seconds(20));
  EXPECT_EQ(timed_out.exit_code, 1) << timed_out.err;
  EXPECT_NE(timed_out.err.find("token request"), std::string::npos) << timed_out.err;
  EXPECT_NE(timed_out.err.find("max time"), std::string::npos) << timed_out.err;
}

}  // namespace
}  // namespace fetchpool
