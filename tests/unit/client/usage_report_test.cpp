#include "usage_report.hpp"

#include <doctest/doctest.h>

using namespace gocker::client;
using nlohmann::json;

namespace {

json sample_usage() {
  return json::parse(R"({
    "LayersSize": 1100,
    "Images": [
      {"Id": "sha256:aaaaaaaaaaaa1111", "RepoTags": ["busybox:latest", "bb:1"], "Created": 1000, "Size": 1000,
       "SharedSize": 400, "Containers": 1},
      {"Id": "sha256:bbbbbbbbbbbb2222", "RepoTags": [], "Created": 1000, "Size": 500, "SharedSize": 400, "Containers": 0}
    ],
    "Containers": [
      {"Id": "c1c1c1c1c1c1c1c1", "Names": ["/web"], "Image": "busybox", "Command": "httpd -f -p 80 -h /www/html",
       "State": "running", "Status": "Up 2 minutes", "Created": 940, "SizeRw": 10,
       "Mounts": [{"Type": "volume", "Name": "data"}, {"Type": "bind"}]},
      {"Id": "c2c2c2c2c2c2c2c2", "Names": ["/old"], "Image": "busybox", "Command": "true", "State": "exited",
       "Status": "Exited (0) 1 minute ago", "Created": 940, "SizeRw": 30, "Mounts": []}
    ],
    "Volumes": [
      {"Name": "data", "UsageData": {"Size": 5, "RefCount": 1}},
      {"Name": "spare", "UsageData": {"Size": 15, "RefCount": 0}}
    ],
    "BuildCache": []
  })");
}

}  // namespace

TEST_CASE("system df: docker's table, active and reclaimable counted by its rules") {
  CHECK(disk_usage_table(sample_usage()) ==
        "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n"
        "Images          2         1         1.1kB     500B (45%)\n"
        "Containers      2         1         40B       30B (75%)\n"
        "Local Volumes   2         1         20B       15B (75%)\n"
        "Build Cache     0         0         0B        0B\n");
  // Nothing at all: no percentages (no division by zero either).
  CHECK(disk_usage_table(json::object()) ==
        "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n"
        "Images          0         0         0B        0B\n"
        "Containers      0         0         0B        0B\n"
        "Local Volumes   0         0         0B        0B\n"
        "Build Cache     0         0         0B        0B\n");
}

TEST_CASE("system df -v: a row per image (first tag), container and volume") {
  const std::string out = disk_usage_verbose(sample_usage(), 1120);
  CHECK(out.find("Images space usage:\n\nREPOSITORY   TAG       IMAGE ID       CREATED") == 0);
  CHECK(out.find("busybox      latest    aaaaaaaaaaaa   2 minutes ago   1kB       400B          600B          1\n") !=
        std::string::npos);
  CHECK(out.find("\nbb ") == std::string::npos);  // only the first tag
  CHECK(out.find("<none>       <none>    bbbbbbbbbbbb") != std::string::npos);
  CHECK(out.find("c1c1c1c1c1c1   busybox   \"httpd -f -p 80 -h /…\"   1               10B") != std::string::npos);
  CHECK(out.find("Up 2 minutes              web\n") != std::string::npos);
  CHECK(out.find("\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\ndata          1         5B\nspare         0         15B\n") !=
        std::string::npos);
  CHECK(out.find("\nBuild cache usage: 0B\n\nCACHE ID") != std::string::npos);
}

TEST_CASE("prune sections: the heading and one line per item, nothing when nothing went") {
  CHECK(prune_section(json::parse(R"({"ImagesDeleted":[{"Untagged":"a:1"},{"Deleted":"sha256:ab"}],"SpaceReclaimed":3})")) ==
        "Deleted Images:\nuntagged: a:1\ndeleted: sha256:ab\n");
  CHECK(prune_section(json::parse(R"({"ContainersDeleted":["c1","c2"],"SpaceReclaimed":0})")) ==
        "Deleted Containers:\nc1\nc2\n");
  CHECK(prune_section(json::parse(R"({"VolumesDeleted":["v"]})")) == "Deleted Volumes:\nv\n");
  CHECK(prune_section(json::parse(R"({"NetworksDeleted":["n"]})")) == "Deleted Networks:\nn\n");
  CHECK(prune_section(json::parse(R"({"ImagesDeleted":null,"SpaceReclaimed":0})")) == "");
  CHECK(prune_section(json::parse(R"({"ContainersDeleted":[]})")) == "");
}
