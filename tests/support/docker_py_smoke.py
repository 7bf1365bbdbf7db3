"""docker-py against gockerd (DOCKER_HOST). Each check prints what it does; the first failure ends
the script with a non-zero exit and the reason (docker_py_test.cpp runs it and shows the output)."""
import sys

import docker


def check(what, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + what + ("" if condition else f": {detail!r}"), flush=True)
    if not condition:
        sys.exit(1)


client = docker.from_env(version="1.41", timeout=60)
check("ping", client.ping() is True)
version = client.version()
check("version has ApiVersion 1.41", version.get("ApiVersion") == "1.41", version)
# The low-level call (GET /images/json) rather than images.list(), which also inspects each image
# (GET /images/{id}/json, not part of gocker's first API slice).
tags = [tag for image in client.api.images() for tag in (image.get("RepoTags") or [])]
check("images lists busybox:latest", "busybox:latest" in tags, tags)

output = client.containers.run("busybox", ["echo", "hello"], remove=True)
check("containers.run(remove=True) returns the output", output == b"hello\n", output)

try:
    client.containers.run("busybox", ["sh", "-c", "echo oops >&2; exit 3"], remove=True, stderr=True)
    check("a failing command raises ContainerError", False, "no exception")
except docker.errors.ContainerError as error:
    check("a failing command raises ContainerError with its exit status", error.exit_status == 3, error.exit_status)

container = client.containers.run("busybox", ["sh", "-c", "echo started; trap 'exit 7' TERM; while true; do sleep 1; done"],
                                  detach=True, name="pyweb", mem_limit="64m")
container.reload()
check("detached container is running", container.status == "running", container.status)
listed = [c.name for c in client.containers.list()]
check("containers.list shows it", "pyweb" in listed, listed)
check("HostConfig.Memory is 64m", container.attrs["HostConfig"]["Memory"] == 64 * 1024 * 1024,
      container.attrs["HostConfig"].get("Memory"))
container.stop(timeout=5)
result = container.wait()
check("wait after stop reports exit 7", result.get("StatusCode") == 7, result)
logs = container.logs()
check("logs", logs == b"started\n", logs)
container.remove()
try:
    client.containers.get("pyweb")
    check("removed container is gone", False, "still there")
except docker.errors.NotFound:
    check("removed container is gone (404 -> NotFound)", True)

try:
    client.containers.create("no-such-image", ["true"])
    check("unknown image raises", False, "no exception")
except docker.errors.NotFound as error:
    # docker-py picks ImageNotFound from Docker's message text ("No such image: ...").
    check("unknown image raises ImageNotFound", isinstance(error, docker.errors.ImageNotFound), str(error))

print("docker-py smoke: all checks passed")
