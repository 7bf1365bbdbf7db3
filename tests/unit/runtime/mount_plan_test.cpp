#include "runtime/mount_plan.hpp"

#include <doctest/doctest.h>
#include <sys/mount.h>

using namespace gocker::runtime;

TEST_CASE("mount options: flags, clearing flags, propagation and data") {
  MountOptions parsed = parse_mount_options({"nosuid", "noexec", "nodev", "ro", "mode=755", "size=65536k"});
  CHECK(parsed.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
  CHECK(parsed.data == "mode=755,size=65536k");
  CHECK(parsed.propagation == 0);

  CHECK(parse_mount_options({"ro", "rw"}).flags == 0);  // the last one wins
  CHECK(parse_mount_options({"rbind"}).flags == (MS_BIND | MS_REC));
  CHECK(parse_mount_options({"bind"}).flags == MS_BIND);
  CHECK(parse_mount_options({"rprivate"}).propagation == (MS_PRIVATE | MS_REC));
  CHECK(parse_mount_options({"slave"}).propagation == MS_SLAVE);
  CHECK(parse_mount_options({"newinstance", "ptmxmode=0666"}).data == "newinstance,ptmxmode=0666");
}

TEST_CASE("mount flags print by name for error messages") {
  CHECK(mount_flags_to_string(0) == "0");
  CHECK(mount_flags_to_string(MS_BIND | MS_REC | MS_RDONLY) == "MS_RDONLY|MS_BIND|MS_REC");
}

TEST_CASE("mount plan: config mounts in order, default /dev contents after a tmpfs /dev") {
  OciSpec spec;
  spec.mounts = {
      {"/proc", "proc", "proc", {"nosuid"}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "mode=755"}},
      {"/dev/pts", "devpts", "devpts", {"newinstance", "ptmxmode=0666"}},
      {"/etc/hostname", "bind", "/state/hostname", {"rbind", "ro"}},
      {"/data//", "none", "/srv", {"bind"}},
  };
  spec.masked_paths = {"/proc/kcore"};
  spec.readonly_paths = {"/proc/sys"};
  std::vector<MountStep> plan = build_mount_plan(spec);

  REQUIRE(plan.size() == 2 + 11 + 3 + 2);
  CHECK(plan[0].kind == MountStepKind::kMount);
  CHECK(plan[0].target == "/proc");
  CHECK(plan[0].fstype == "proc");
  CHECK(plan[1].target == "/dev");
  // The devices and links come right after /dev is mounted, before anything mounted below it.
  CHECK(plan[2].kind == MountStepKind::kDevice);
  CHECK(plan[2].target == "/dev/null");
  CHECK(plan[2].device_major == 1);
  CHECK(plan[2].device_minor == 3);
  CHECK(plan[2].device_mode == 0666);
  CHECK(plan[7].target == "/dev/tty");
  CHECK(plan[7].device_major == 5);
  CHECK(plan[8].kind == MountStepKind::kSymlink);
  CHECK(plan[8].target == "/dev/ptmx");
  CHECK(plan[8].source == "pts/ptmx");
  CHECK(plan[12].target == "/dev/stderr");
  CHECK(plan[12].source == "/proc/self/fd/2");
  CHECK(plan[13].target == "/dev/pts");
  CHECK(plan[13].options.data == "newinstance,ptmxmode=0666");

  const MountStep& hostname = plan[14];
  CHECK(hostname.is_bind());
  CHECK(hostname.fstype.empty());
  CHECK(hostname.needs_bind_remount());  // ro needs a second, MS_REMOUNT call
  CHECK(hostname.options.flags == (MS_BIND | MS_REC | MS_RDONLY));

  const MountStep& data = plan[15];
  CHECK(data.target == "/data");  // cleaned
  CHECK(data.is_bind());
  CHECK_FALSE(data.needs_bind_remount());

  CHECK(plan[16].kind == MountStepKind::kMaskPath);
  CHECK(plan[16].target == "/proc/kcore");
  CHECK(plan[17].kind == MountStepKind::kReadonlyPath);
  CHECK(plan[17].target == "/proc/sys");
}

TEST_CASE("mount plan: a bind-mounted /dev gets no device nodes; type bind alone means MS_BIND") {
  OciSpec spec;
  spec.mounts = {{"/dev", "bind", "/dev", {}}};
  std::vector<MountStep> plan = build_mount_plan(spec);
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].is_bind());
  CHECK(plan[0].options.flags == MS_BIND);
}
