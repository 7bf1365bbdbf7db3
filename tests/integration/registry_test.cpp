// Registry pull (images issue 5) against Debian's docker-registry (distribution 2.8), started by
// this program on 127.0.0.1 inside the harness's own network namespace (so gockerd, in the same
// namespace, reaches it and the host never sees the port). The image is built here as an OCI
// layout (python3: a busybox base layer as a plain tar, a gzip layer with a hard link and a
// symlink, a zstd layer deleting a file and making a directory opaque; an OCI index with an arm64
// and an amd64 manifest) and pushed with skopeo. Then: pull gives the right files and config,
// re-pull is a no-op, a tampered blob is refused with nothing registered, and the docker CLI pulls
// through gockerd. Push: a committed two-layer image goes up (skopeo reads back the manifest digest
// push printed, the config whose digest is the local id, and layers that inflate to the diff ids),
// a second push sends no layer, rmi + pull gives the same id back, and the docker CLI pushes.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/harness.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_registry.hpp"

using namespace gocker::test;
namespace fs = std::filesystem;

namespace {

constexpr int kRegistryPort = 5000;  // free: the network namespace is this program's own
const std::string kRegistry = "127.0.0.1:5000";

// Builds the OCI layout: argv = out_dir busybox_tar variant ("main" or "bad").
constexpr const char* kLayoutScript = R"PY(
import gzip, hashlib, io, json, os, subprocess, sys, tarfile
out, busybox, variant = sys.argv[1:4]
os.makedirs(out + '/blobs/sha256', exist_ok=True)
def put(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(out + '/blobs/sha256/' + digest, 'wb') as f: f.write(data)
    return 'sha256:' + digest
def entry(name, kind=tarfile.REGTYPE, data=b'', link='', mode=0o644):
    info = tarfile.TarInfo(name); info.type = kind; info.mode = mode; info.mtime = 1700000000
    info.linkname = link; info.size = len(data) if kind == tarfile.REGTYPE else 0
    return (info, data if kind == tarfile.REGTYPE else None)
def d(name): return entry(name, tarfile.DIRTYPE, mode=0o755)
def tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as t:
        for info, data in entries: t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()
base = open(busybox, 'rb').read()
layers = [(base, base, 'application/vnd.oci.image.layer.v1.tar')]
if variant == 'main':
    two = tar([d('etc'), entry('etc/tool.conf', data=b'tool=1\n'), entry('etc/old.conf', data=b'old\n'),
               d('opt'), d('opt/data'), entry('opt/data/a', data=b'a\n'), entry('opt/data/b', data=b'b\n'),
               entry('opt/hard', tarfile.LNKTYPE, link='etc/tool.conf'), d('usr'), d('usr/bin'),
               entry('usr/bin/tool', tarfile.SYMTYPE, link='/etc/tool.conf')])
    layers.append((two, gzip.compress(two, mtime=0), 'application/vnd.oci.image.layer.v1.tar+gzip'))
    three = tar([d('etc'), entry('etc/.wh.old.conf'), d('opt'), d('opt/data'), entry('opt/data/.wh..wh..opq'),
                 entry('opt/data/c', data=b'c\n')])
    zst = subprocess.run(['zstd', '-q', '-c'], input=three, stdout=subprocess.PIPE, check=True).stdout
    layers.append((three, zst, 'application/vnd.oci.image.layer.v1.tar+zstd'))
else:
    bad = tar([d('bad'), entry('bad/file', data=os.urandom(200000).hex().encode())])
    layers.append((bad, gzip.compress(bad, mtime=0), 'application/vnd.oci.image.layer.v1.tar+gzip'))
descriptors = [{'mediaType': t, 'digest': put(blob), 'size': len(blob)} for raw, blob, t in layers]
diff_ids = ['sha256:' + hashlib.sha256(raw).hexdigest() for raw, blob, t in layers]
def manifest(arch):
    config = json.dumps({'architecture': arch, 'os': 'linux', 'created': '2024-01-02T03:04:05Z',
        'config': {'Env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hello from x'],
                   'Cmd': ['sh', '-c', 'echo $GREETING in $(pwd)'], 'WorkingDir': '/opt/data'},
        'rootfs': {'type': 'layers', 'diff_ids': diff_ids}}).encode()
    body = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
        'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': put(config), 'size': len(config)},
        'layers': descriptors}).encode()
    return {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': put(body), 'size': len(body),
            'platform': {'architecture': arch, 'os': 'linux'}}
amd64 = manifest('amd64')
entries = [dict(amd64, annotations={'org.opencontainers.image.ref.name': 'single'})]
if variant == 'main':
    index = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',
                        'manifests': [manifest('arm64'), amd64]}).encode()
    entries.append({'mediaType': 'application/vnd.oci.image.index.v1+json', 'digest': put(index), 'size': len(index),
                    'annotations': {'org.opencontainers.image.ref.name': 'multi'}})
with open(out + '/index.json', 'w') as f: json.dump({'schemaVersion': 2, 'manifests': entries}, f)
with open(out + '/oci-layout', 'w') as f: json.dump({'imageLayoutVersion': '1.0.0'}, f)
print(descriptors[-1]['digest'])
)PY";

Daemon& daemon_under_test() {
  static Daemon daemon;
  return daemon;
}

struct Fixture {
  std::unique_ptr<TestRegistry> registry;
  std::string bad_layer_digest;
  std::string error;
};

// The registry with tools/x:3 (an OCI manifest), tools/x:multi (an index) and tools/bad:1.
Fixture& fixture() {
  static Fixture state = [] {
    Fixture made;
    auto& daemon = daemon_under_test();
    if (!daemon.started()) {
      made.error = daemon.start_error();
      return made;
    }
    const std::string dir = daemon.temp_dir() + "/registry";
    made.registry = std::make_unique<TestRegistry>(dir, "127.0.0.1", kRegistryPort);
    if (!made.registry->wait_listening()) {
      made.error = "docker-registry did not start";
      return made;
    }
    for (const std::string variant : {"main", "bad"}) {
      const std::string layout = daemon.temp_dir() + "/layout-" + variant;
      auto built = run_command({"python3", "-c", kLayoutScript, layout, image_dir() + "/busybox-rootfs.tar", variant});
      if (built.exit_code != 0) {
        made.error = "build OCI layout: " + built.describe();
        return made;
      }
      if (variant == "bad") made.bad_layer_digest = built.out.substr(0, built.out.find('\n'));
      std::vector<std::pair<std::string, std::string>> copies;
      if (variant == "main") {
        copies = {{"single", "tools/x:3"}, {"multi", "tools/x:multi"}};
      } else {
        copies = {{"single", "tools/bad:1"}};
      }
      for (const auto& [source, target] : copies) {
        auto copied = run_command({"skopeo", "copy", "--all", "--quiet", "--dest-tls-verify=false", "oci:" + layout + ":" + source,
                                   "docker://" + kRegistry + "/" + target});
        if (copied.exit_code != 0) {
          made.error = "skopeo copy " + source + ": " + copied.describe();
          return made;
        }
      }
    }
    return made;
  }();
  return state;
}

size_t count_dir(const std::string& path) {
  size_t count = 0;
  std::error_code error;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(path, error)) ++count;
  return count;
}

nlohmann::json inspect(const std::string& reference) {
  auto result = daemon_under_test().gockerctl({"image", "inspect", reference});
  REQUIRE_MESSAGE(result.exit_code == 0, result.describe());
  auto parsed = nlohmann::json::parse(result.out, nullptr, false);
  REQUIRE(parsed.is_array());
  return parsed[0];
}

}  // namespace

TEST_CASE("pull from a registry: layers, whiteouts, links, config, RepoDigests; re-pull is a no-op") {
  auto& daemon = daemon_under_test();
  auto& state = fixture();
  REQUIRE_MESSAGE(state.error.empty(), state.error);
  const std::string image = kRegistry + "/tools/x:3";

  auto pulled = daemon.gockerctl({"pull", image});
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  CHECK_MESSAGE(pulled.out.find("3: Pulling from tools/x") != std::string::npos, pulled.out);
  CHECK_MESSAGE(pulled.out.find(": Pull complete") != std::string::npos, pulled.out);
  CHECK_MESSAGE(pulled.out.find("Digest: sha256:") != std::string::npos, pulled.out);
  CHECK_MESSAGE(pulled.out.find("Status: Downloaded newer image for " + image) != std::string::npos, pulled.out);
  CHECK_MESSAGE(pulled.out.find("Downloading") == std::string::npos, "no progress figures when not a terminal");

  // The files: layer 3 deleted etc/old.conf and made opt/data opaque (a, b gone; c there).
  auto listing = daemon.gockerctl({"run", "--rm", image, "sh", "-c",
                                   "ls /opt/data; cat /etc/tool.conf /opt/hard; readlink /usr/bin/tool; "
                                   "test -e /etc/old.conf || echo old-gone; "
                                   "stat -c %h /opt/hard"});
  REQUIRE_MESSAGE(listing.exit_code == 0, listing.describe());
  CHECK(listing.out == "c\ntool=1\ntool=1\n/etc/tool.conf\nold-gone\n2\n");

  // The config: Env, Cmd and WorkingDir.
  auto ran = daemon.gockerctl({"run", "--rm", image});
  REQUIRE_MESSAGE(ran.exit_code == 0, ran.describe());
  CHECK(ran.out == "hello from x in /opt/data\n");

  auto inspected = inspect(image);
  REQUIRE(inspected["RepoDigests"].is_array());
  REQUIRE(inspected["RepoDigests"].size() == 1);
  const std::string repo_digest = inspected["RepoDigests"][0].get<std::string>();
  CHECK(repo_digest.rfind(kRegistry + "/tools/x@sha256:", 0) == 0);
  CHECK(inspected["RepoTags"] == nlohmann::json::array({image}));
  CHECK(pulled.out.find("Digest: " + repo_digest.substr(repo_digest.find('@') + 1)) != std::string::npos);
  CHECK(inspected["Config"]["WorkingDir"] == "/opt/data");
  // The digest reference names the image too.
  CHECK(inspect(repo_digest)["Id"] == inspected["Id"]);

  // Again: nothing downloaded, nothing new on disk.
  const size_t layers = count_dir(daemon.root() + "/layers/sha256");
  auto again = daemon.gockerctl({"pull", image});
  REQUIRE_MESSAGE(again.exit_code == 0, again.describe());
  CHECK_MESSAGE(again.out.find("Status: Image is up to date for " + image) != std::string::npos, again.out);
  CHECK_MESSAGE(again.out.find("Pull complete") == std::string::npos, again.out);
  CHECK(count_dir(daemon.root() + "/layers/sha256") == layers);

  // The index: the amd64 entry is chosen, and its layers are all there already.
  auto multi = daemon.gockerctl({"pull", kRegistry + "/tools/x:multi"});
  REQUIRE_MESSAGE(multi.exit_code == 0, multi.describe());
  CHECK_MESSAGE(multi.out.find("Pull complete") == std::string::npos, multi.out);
  CHECK(inspect(kRegistry + "/tools/x:multi")["Id"] == inspected["Id"]);
  CHECK(inspect(kRegistry + "/tools/x:multi")["Architecture"] == "amd64");
  CHECK(count_dir(daemon.root() + "/layers/sha256") == layers);

  auto missing = daemon.gockerctl({"pull", kRegistry + "/tools/x:nope"});
  CHECK(missing.exit_code == 1);
  CHECK_MESSAGE(missing.err.find("manifest for") != std::string::npos, missing.describe());
}

TEST_CASE("a layer blob whose content does not match its digest is refused, and nothing is registered") {
  auto& daemon = daemon_under_test();
  auto& state = fixture();
  REQUIRE_MESSAGE(state.error.empty(), state.error);
  // Same size, other bytes: only the digest can tell.
  const std::string blob = state.registry->blob_path(state.bad_layer_digest);
  {
    std::fstream file(blob, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(file.good());
    file.seekp(100);
    file.write("tampered", 8);
  }
  const size_t layers = count_dir(daemon.root() + "/layers/sha256");
  auto pulled = daemon.gockerctl({"pull", kRegistry + "/tools/bad:1"});
  CHECK(pulled.exit_code == 1);
  CHECK_MESSAGE(pulled.err.find("verification failed") != std::string::npos, pulled.describe());
  CHECK(daemon.gockerctl({"image", "inspect", kRegistry + "/tools/bad:1"}).exit_code != 0);
  CHECK(count_dir(daemon.root() + "/layers/sha256") == layers);
  CHECK(count_dir(daemon.root() + "/layers/tmp") == 0);
}

TEST_CASE("docker pull through gockerd") {
  auto& daemon = daemon_under_test();
  auto& state = fixture();
  REQUIRE_MESSAGE(state.error.empty(), state.error);
  const std::string image = kRegistry + "/tools/x:3";
  daemon.gockerctl({"rmi", image});  // whatever the order of the cases: pull it fresh or again
  auto pulled = daemon.docker({"pull", image});
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  CHECK_MESSAGE(pulled.out.find("Status: ") != std::string::npos, pulled.out);
  auto ran = daemon.docker({"run", "--rm", image});
  CHECK_MESSAGE(ran.out == "hello from x in /opt/data\n", ran.describe());
  auto listed = daemon.docker({"images", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}"});
  CHECK_MESSAGE(listed.out.find(kRegistry + "/tools/x 3 sha256:") != std::string::npos, listed.describe());
}

// sha256 of what `sh -c script` prints, as "sha256:<hex>".
std::string sha256_of_output(const std::string& script) {
  auto result = run_command({"bash", "-c", "set -o pipefail; " + script + " | sha256sum"});
  REQUIRE_MESSAGE(result.exit_code == 0, result.describe());
  return "sha256:" + result.out.substr(0, 64);
}

TEST_CASE("push to a registry: the stored layer tars and config go up as they are; pull gives the same image back") {
  auto& daemon = daemon_under_test();
  auto& state = fixture();
  REQUIRE_MESSAGE(state.error.empty(), state.error);
  const std::string image = kRegistry + "/me/base:2";

  // Two layers: busybox's and a committed one.
  auto ran = daemon.gockerctl({"run", "--name", "pushsrc", "busybox", "sh", "-c", "echo pushed > /pushed; rm /bin/true"});
  REQUIRE_MESSAGE(ran.exit_code == 0, ran.describe());
  auto committed = daemon.gockerctl({"commit", "-c", "CMD [\"cat\", \"/pushed\"]", "pushsrc", image});
  REQUIRE_MESSAGE(committed.exit_code == 0, committed.describe());
  REQUIRE(daemon.gockerctl({"rm", "pushsrc"}).exit_code == 0);
  const nlohmann::json local = inspect(image);
  const std::string id = local["Id"].get<std::string>();
  REQUIRE(local["RootFS"]["Layers"].size() == 2);

  auto pushed = daemon.gockerctl({"push", image});
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.describe());
  CHECK_MESSAGE(pushed.out.find("The push refers to repository [" + kRegistry + "/me/base]") != std::string::npos, pushed.out);
  CHECK_MESSAGE(pushed.out.find(": Pushed") != std::string::npos, pushed.out);
  const size_t digest_at = pushed.out.find("2: digest: sha256:");
  REQUIRE_MESSAGE(digest_at != std::string::npos, pushed.out);
  const std::string digest = pushed.out.substr(digest_at + 11, 71);
  CHECK_MESSAGE(pushed.out.find("Pushing") == std::string::npos, "no progress figures when not a terminal");

  // What the registry holds, read by skopeo: the manifest push printed, the config byte for byte
  // (its digest is the local image id), and layers whose uncompressed digests are the diff ids.
  const std::string source = "docker://" + image;
  CHECK(sha256_of_output("skopeo inspect --tls-verify=false --raw " + source) == digest);
  CHECK(sha256_of_output("skopeo inspect --tls-verify=false --raw --config " + source) == id);
  auto described = run_command({"skopeo", "inspect", "--tls-verify=false", source});
  REQUIRE_MESSAGE(described.exit_code == 0, described.describe());
  auto remote = nlohmann::json::parse(described.out, nullptr, false);
  REQUIRE(remote.is_object());
  CHECK(remote["Digest"] == digest);
  REQUIRE(remote["Layers"].size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const std::string blob = remote["Layers"][i].get<std::string>();
    CHECK(sha256_of_output("gzip -dc < " + state.registry->blob_path(blob)) == local["RootFS"]["Layers"][i]);
  }
  CHECK(inspect(image)["RepoDigests"] == nlohmann::json::array({kRegistry + "/me/base@" + digest}));

  // Again: every blob is there already.
  auto again = daemon.gockerctl({"push", image});
  REQUIRE_MESSAGE(again.exit_code == 0, again.describe());
  CHECK_MESSAGE(again.out.find("Pushed") == std::string::npos, again.out);
  CHECK_MESSAGE(again.out.find("Layer already exists") != std::string::npos, again.out);
  CHECK_MESSAGE(again.out.find("2: digest: " + digest) != std::string::npos, again.out);

  // Gone locally, then pulled back: the same image id, and it runs.
  auto removed = daemon.gockerctl({"rmi", image});
  REQUIRE_MESSAGE(removed.exit_code == 0, removed.describe());
  REQUIRE(daemon.gockerctl({"image", "inspect", id}).exit_code != 0);
  auto pulled = daemon.gockerctl({"pull", image});
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  CHECK(pulled.out.find("Digest: " + digest) != std::string::npos);
  CHECK(inspect(image)["Id"] == id);
  auto shown = daemon.gockerctl({"run", "--rm", image});
  CHECK_MESSAGE(shown.out == "pushed\n", shown.describe());

  // Errors: a tag that does not exist locally, a digest reference.
  auto missing = daemon.gockerctl({"push", kRegistry + "/me/base:nope"});
  CHECK(missing.exit_code == 1);
  CHECK_MESSAGE(missing.err.find("An image does not exist locally with the tag: " + kRegistry + "/me/base:nope") !=
                    std::string::npos,
                missing.describe());
}

TEST_CASE("docker push through gockerd") {
  auto& daemon = daemon_under_test();
  auto& state = fixture();
  REQUIRE_MESSAGE(state.error.empty(), state.error);
  const std::string image = kRegistry + "/me/docker-pushed:1";
  REQUIRE(daemon.gockerctl({"tag", "busybox", image}).exit_code == 0);
  auto pushed = daemon.docker({"push", image});
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.describe());
  CHECK_MESSAGE(pushed.out.find("1: digest: sha256:") != std::string::npos, pushed.out);
  auto described = run_command({"skopeo", "inspect", "--tls-verify=false", "--raw", "--config", "docker://" + image});
  REQUIRE_MESSAGE(described.exit_code == 0, described.describe());
  CHECK(sha256_of_output("skopeo inspect --tls-verify=false --raw --config docker://" + image) ==
        inspect("busybox")["Id"].get<std::string>());
}

TEST_CASE("login against a registry with basic auth; pull and push then carry the saved credentials") {
  auto& daemon = daemon_under_test();
  auto& state = fixture();
  REQUIRE_MESSAGE(state.error.empty(), state.error);
  // A second registry that wants a password (distribution's htpasswd: bcrypt, made with crypt(3)).
  const std::string dir = daemon.temp_dir() + "/registry-auth";
  fs::create_directories(dir);
  auto hashed = run_command({"/usr/bin/python3", "-W", "ignore", "-c",
                             "import crypt; print(crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH)))"});
  REQUIRE_MESSAGE(hashed.exit_code == 0, hashed.describe());
  std::ofstream(dir + "/htpasswd") << "alice:" << hashed.out.substr(0, hashed.out.find('\n')) << "\n";
  TestRegistry secured(dir, "127.0.0.1", 5001, "", "auth:\n  htpasswd:\n    realm: gocker-test\n    path: " + dir + "/htpasswd\n");
  REQUIRE(secured.wait_listening());
  const std::string config_dir = daemon.temp_dir() + "/client-config";
  CommandOptions with_config;
  with_config.env = {{"GOCKER_CONFIG", config_dir}};

  // Without credentials the registry refuses a push.
  REQUIRE(daemon.gockerctl({"tag", "busybox", "127.0.0.1:5001/private/x:1"}).exit_code == 0);
  auto refused = daemon.gockerctl({"push", "127.0.0.1:5001/private/x:1"}, with_config);
  CHECK(refused.exit_code != 0);

  // A wrong password: an error from the daemon, nothing saved.
  auto wrong = daemon.gockerctl({"login", "-u", "alice", "--password-stdin", "127.0.0.1:5001"},
                                CommandOptions{"nope\n", with_config.env});
  CHECK(wrong.exit_code == 1);
  CHECK_MESSAGE(contains(wrong.err, "unauthorized"), wrong.describe());
  CHECK_FALSE(fs::exists(config_dir + "/config.json"));
  auto bad_body = daemon.http("POST", "/v1.41/auth", "[]", "application/json");
  CHECK(bad_body.status == 400);

  auto logged_in = daemon.gockerctl({"login", "-u", "alice", "--password-stdin", "127.0.0.1:5001"},
                                    CommandOptions{"s3cret\n", with_config.env});
  REQUIRE_MESSAGE(logged_in.exit_code == 0, logged_in.describe());
  CHECK(contains(logged_in.out, "Login Succeeded"));
  struct stat info {};
  REQUIRE(::stat((config_dir + "/config.json").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  auto pushed = daemon.gockerctl({"push", "127.0.0.1:5001/private/x:1"}, with_config);
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.describe());
  REQUIRE(daemon.gockerctl({"rmi", "127.0.0.1:5001/private/x:1"}).exit_code == 0);
  auto pulled = daemon.gockerctl({"pull", "127.0.0.1:5001/private/x:1"}, with_config);
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  CHECK(daemon.gockerctl({"image", "inspect", "127.0.0.1:5001/private/x:1"}).exit_code == 0);

  auto logged_out = daemon.gockerctl({"logout", "127.0.0.1:5001"}, with_config);
  CHECK(logged_out.exit_code == 0);
  CHECK(contains(logged_out.out, "Removing login credentials for 127.0.0.1:5001"));
  REQUIRE(daemon.gockerctl({"rmi", "127.0.0.1:5001/private/x:1"}).exit_code == 0);
  CHECK(daemon.gockerctl({"pull", "127.0.0.1:5001/private/x:1"}, with_config).exit_code != 0);

  if (docker_cli_path().empty()) {
    MESSAGE("SKIPPED PART: no docker CLI on this machine; docker login was not exercised");
    return;
  }
  CommandOptions docker_options{"s3cret\n", {{"DOCKER_CONFIG", daemon.temp_dir() + "/docker-config"}}};
  auto docker_login = daemon.docker({"login", "-u", "alice", "--password-stdin", "127.0.0.1:5001"}, docker_options);
  CHECK_MESSAGE(docker_login.exit_code == 0, docker_login.describe());
  CHECK(contains(docker_login.out, "Login Succeeded"));
}

TEST_CASE("a TLS registry is trusted through certs.d/<host:port>/ with the client certificate it asks for") {
  if (run_command({"openssl", "version"}).exit_code != 0) {
    MESSAGE("SKIP: no openssl CLI to make certificates with (scripts/install-deps.sh --test installs it)");
    return;
  }
  // An address that is not loopback, so gocker speaks TLS to it (127.0.0.0/8 is plain HTTP, as in
  // Docker); it exists only in this program's network namespace.
  const std::string ip = "10.99.0.1";
  const std::string domain = ip + ":5443";
  auto added = run_command({"ip", "addr", "replace", ip + "/32", "dev", "lo"});
  REQUIRE_MESSAGE(added.exit_code == 0, added.describe());
  TestPki pki("IP:" + ip);
  REQUIRE_MESSAGE(pki.error().empty(), pki.error());
  const std::string config_dir = pki.dir() + "/gocker-config";
  fs::create_directories(config_dir);
  DaemonOptions options;
  options.extra_args = {"--config-dir", config_dir};
  Daemon daemon(options);
  REQUIRE_MESSAGE(daemon.started(), daemon.start_error());
  TestRegistry registry(daemon.temp_dir() + "/registry-tls", ip, 5443,
                    "  tls:\n    certificate: " + pki.server_cert() + "\n    key: " + pki.server_key() +
                        "\n    clientcas:\n      - " + pki.ca() + "\n");
  REQUIRE(registry.wait_listening());
  const std::string image = domain + "/tls/busybox:1";
  REQUIRE(daemon.gockerctl({"tag", "busybox", image}).exit_code == 0);

  // The test CA is not in the system's trust store: refused.
  auto untrusted = daemon.gockerctl({"push", image});
  CHECK(untrusted.exit_code != 0);
  CHECK_MESSAGE(contains(untrusted.out + untrusted.err, "TLS"), untrusted.describe());

  // Trusted, but the registry wants a client certificate.
  const fs::path certs = fs::path(config_dir) / "certs.d" / domain;
  fs::create_directories(certs);
  fs::copy_file(pki.ca(), certs / "ca.crt");
  auto without_client_cert = daemon.gockerctl({"push", image});
  CHECK_MESSAGE(without_client_cert.exit_code != 0, without_client_cert.describe());

  fs::copy_file(pki.client_cert(), certs / "client.cert");
  fs::copy_file(pki.client_key(), certs / "client.key");
  auto pushed = daemon.gockerctl({"push", image});
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.describe());
  REQUIRE(daemon.gockerctl({"rmi", image}).exit_code == 0);
  auto pulled = daemon.gockerctl({"pull", image});
  REQUIRE_MESSAGE(pulled.exit_code == 0, pulled.describe());
  auto ran = daemon.gockerctl({"run", "--rm", "--network", "none", image, "echo", "pulled over TLS"});
  CHECK(ran.out == "pulled over TLS\n");
}
