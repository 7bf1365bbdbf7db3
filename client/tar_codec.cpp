#include "tar_codec.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace gocker::client {

namespace {

constexpr size_t kBlock = 512;

Failure local_errno(const std::string& what, int err) { return Failure::local(what + ": " + std::strerror(err)); }

void put_octal(char* field, size_t width, uint64_t value) {
  // width - 1 digits and a NUL, as ustar writers do.
  std::string digits(width - 1, '0');
  for (size_t i = width - 1; i-- > 0 && value;) {
    digits[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  std::memcpy(field, digits.data(), width - 1);
  field[width - 1] = '\0';
}

uint64_t get_octal(const char* field, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width && field[i]; ++i) {
    if (field[i] == ' ') continue;
    if (field[i] < '0' || field[i] > '7') break;
    value = (value << 3) | static_cast<uint64_t>(field[i] - '0');
  }
  return value;
}

std::string pax_record(const std::string& key, const std::string& value) {
  // "%d %s=%s\n", where the length counts itself.
  std::string body = " " + key + "=" + value + "\n";
  size_t length = body.size() + 1;
  while (std::to_string(length).size() + body.size() != length) ++length;
  return std::to_string(length) + body;
}

void append_header(std::string& out, const std::string& name, char type, mode_t mode, uid_t uid, gid_t gid,
                   int64_t mtime, uint64_t size, const std::string& link_name) {
  char header[kBlock] = {};
  std::memcpy(header, name.data(), std::min(name.size(), size_t{100}));
  put_octal(header + 100, 8, mode & 07777);
  put_octal(header + 108, 8, uid);
  put_octal(header + 116, 8, gid);
  put_octal(header + 124, 12, size);
  put_octal(header + 136, 12, static_cast<uint64_t>(mtime < 0 ? 0 : mtime));
  header[156] = type;
  std::memcpy(header + 157, link_name.data(), std::min(link_name.size(), size_t{100}));
  std::memcpy(header + 257, "ustar", 6);
  std::memcpy(header + 263, "00", 2);
  std::memset(header + 148, ' ', 8);
  unsigned checksum = 0;
  for (unsigned char c : header) checksum += c;
  put_octal(header + 148, 7, checksum);
  header[155] = ' ';
  out.append(header, kBlock);
}

void pad(std::string& out) { out.append((kBlock - out.size() % kBlock) % kBlock, '\0'); }

int open_beneath(int dir_fd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, dir_fd, path.empty() ? "." : path.c_str(), &how, sizeof how));
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return fd;
}

struct Fd {
  int fd = -1;
  explicit Fd(int value) : fd(value) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Outcome<std::vector<std::string>> components_of(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") return Failure::local("archive entry " + name + " leaves the destination directory");
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, size_t count) {
  std::string path;
  for (size_t i = 0; i < count; ++i) path += (i ? "/" : "") + parts[i];
  return path;
}

}  // namespace

void append_tar_entry(std::string& out, const TarEntry& entry) {
  std::string pax;
  if (entry.name.size() > 100) pax += pax_record("path", entry.name);
  if (entry.link_name.size() > 100) pax += pax_record("linkpath", entry.link_name);
  if (!pax.empty()) {
    append_header(out, "PaxHeaders/" + entry.name.substr(0, 80), 'x', 0644, 0, 0, entry.mtime, pax.size(), "");
    out += pax;
    pad(out);
  }
  const uint64_t size = entry.type == '0' ? entry.content.size() : 0;
  append_header(out, entry.name, entry.type, entry.mode, entry.uid, entry.gid, entry.mtime, size, entry.link_name);
  if (size) {
    out.append(entry.content);
    pad(out);
  }
}

void append_tar_end(std::string& out) { out.append(2 * kBlock, '\0'); }

Outcome<void> append_local_tree(std::string& out, const std::string& path, const std::string& name, bool follow,
                                bool keep_owners) {
  struct stat info {};
  if ((follow ? ::stat(path.c_str(), &info) : ::lstat(path.c_str(), &info)) != 0) return local_errno("lstat " + path, errno);
  TarEntry entry;
  entry.name = name;
  entry.mode = info.st_mode & 07777;
  entry.uid = keep_owners ? info.st_uid : 0;
  entry.gid = keep_owners ? info.st_gid : 0;
  entry.mtime = info.st_mtim.tv_sec;
  std::string content;
  if (S_ISREG(info.st_mode)) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.fd < 0) return local_errno("open " + path, errno);
    char buffer[64 * 1024];
    ssize_t n = 0;
    while ((n = ::read(fd.fd, buffer, sizeof buffer)) > 0) content.append(buffer, static_cast<size_t>(n));
    if (n < 0) return local_errno("read " + path, errno);
    entry.type = '0';
    entry.content = content;
  } else if (S_ISLNK(info.st_mode)) {
    char target[4096];
    ssize_t n = ::readlink(path.c_str(), target, sizeof target);
    if (n < 0) return local_errno("readlink " + path, errno);
    entry.type = '2';
    entry.link_name.assign(target, static_cast<size_t>(n));
  } else if (S_ISDIR(info.st_mode)) {
    entry.type = '5';
  } else {
    return {};  // devices, fifos, sockets: not copied
  }
  append_tar_entry(out, entry);
  if (!S_ISDIR(info.st_mode)) return {};
  std::unique_ptr<DIR, int (*)(DIR*)> directory(::opendir(path.c_str()), ::closedir);
  if (!directory) return local_errno("open " + path, errno);
  while (dirent* item = ::readdir(directory.get())) {
    std::string child = item->d_name;
    if (child == "." || child == "..") continue;
    std::string child_name = name == "." ? child : name + "/" + child;
    if (auto added = append_local_tree(out, path + "/" + child, child_name, false, keep_owners); !added) return added;
  }
  return {};
}

Outcome<void> read_tar(std::string_view tar, const std::function<Outcome<void>(const TarEntry&)>& on_entry) {
  size_t offset = 0;
  std::string long_name, long_link;
  while (offset + kBlock <= tar.size()) {
    const char* header = tar.data() + offset;
    bool zero = true;
    for (size_t i = 0; i < kBlock && zero; ++i) zero = header[i] == '\0';
    if (zero) return {};
    unsigned expected = static_cast<unsigned>(get_octal(header + 148, 8));
    unsigned sum = 0;
    for (size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
    if (sum != expected) return Failure::local("malformed archive: bad header checksum");
    uint64_t size = get_octal(header + 124, 12);
    char type = header[156];
    offset += kBlock;
    if (size > tar.size() - offset) return Failure::local("malformed archive: truncated entry");
    std::string_view content = tar.substr(offset, size);
    offset += (size + kBlock - 1) / kBlock * kBlock;

    if (type == 'x' || type == 'g') {
      // pax records: only path and linkpath matter here (global ones are ignored).
      size_t at = 0;
      while (type == 'x' && at < content.size()) {
        size_t space = content.find(' ', at);
        if (space == std::string_view::npos) break;
        size_t length = std::stoul(std::string(content.substr(at, space - at)));
        if (length == 0 || at + length > content.size()) break;
        std::string_view record = content.substr(space + 1, length - (space - at) - 2);
        size_t equals = record.find('=');
        if (equals != std::string_view::npos) {
          if (record.substr(0, equals) == "path") long_name = std::string(record.substr(equals + 1));
          if (record.substr(0, equals) == "linkpath") long_link = std::string(record.substr(equals + 1));
        }
        at += length;
      }
      continue;
    }
    if (type == 'L' || type == 'K') {  // GNU long name / link
      std::string text(content);
      text = text.substr(0, text.find('\0'));
      (type == 'L' ? long_name : long_link) = text;
      continue;
    }
    TarEntry entry;
    std::string name(header, strnlen(header, 100));
    std::string prefix(header + 345, strnlen(header + 345, 155));
    if (std::memcmp(header + 257, "ustar", 5) == 0 && !prefix.empty()) name = prefix + "/" + name;
    entry.name = long_name.empty() ? name : long_name;
    entry.link_name = long_link.empty() ? std::string(header + 157, strnlen(header + 157, 100)) : long_link;
    long_name.clear();
    long_link.clear();
    entry.type = type == '\0' || type == '7' ? '0' : type;
    entry.mode = static_cast<mode_t>(get_octal(header + 100, 8));
    entry.uid = static_cast<uid_t>(get_octal(header + 108, 8));
    entry.gid = static_cast<gid_t>(get_octal(header + 116, 8));
    entry.mtime = static_cast<int64_t>(get_octal(header + 136, 12));
    entry.content = content;
    if (auto handled = on_entry(entry); !handled) return handled;
  }
  return {};
}

std::string rebase_entry_name(const std::string& name, const std::string& from, const std::string& to) {
  std::string trimmed = name;
  if (from != ".")
    while (trimmed.size() > 2 && trimmed.compare(0, 2, "./") == 0) trimmed.erase(0, 2);
  if (trimmed == from) return to;
  if (trimmed.size() > from.size() && trimmed.compare(0, from.size(), from) == 0 && trimmed[from.size()] == '/')
    return to + trimmed.substr(from.size());
  return trimmed;
}

Outcome<void> extract_tar_locally(std::string_view tar, const std::string& directory, const std::string& from,
                                  const std::string& to, bool keep_owners) {
  Fd root(::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.fd < 0) return local_errno("open " + directory, errno);
  struct DirectoryTime {
    std::string path;
    int64_t mtime;
  };
  std::vector<DirectoryTime> directory_times;
  auto extract_one = [&](const TarEntry& entry) -> Outcome<void> {
    auto parts = components_of(rebase_entry_name(entry.name, from, to));
    if (!parts) return std::move(parts).error();
    if (parts->empty()) return {};
    const std::string what = directory + "/" + join(*parts, parts->size());
    // Parents: created where missing, opened beneath the destination (no symlink leads out).
    Fd parent(::fcntl(root.fd, F_DUPFD_CLOEXEC, 0));
    for (size_t i = 0; i + 1 < parts->size(); ++i) {
      int next = open_beneath(root.fd, join(*parts, i + 1), O_PATH | O_DIRECTORY);
      if (next < 0 && errno == ENOENT) {
        if (::mkdirat(parent.fd, (*parts)[i].c_str(), 0755) != 0 && errno != EEXIST) return local_errno("mkdir " + what, errno);
        next = open_beneath(root.fd, join(*parts, i + 1), O_PATH | O_DIRECTORY);
      }
      if (next < 0) return local_errno("open " + directory + "/" + join(*parts, i + 1), errno);
      ::close(parent.fd);
      parent.fd = next;
    }
    const std::string& name = parts->back();
    struct stat existing {};
    bool exists = ::fstatat(parent.fd, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && !(entry.type == '5' && S_ISDIR(existing.st_mode))) {
      if (::unlinkat(parent.fd, name.c_str(), S_ISDIR(existing.st_mode) ? AT_REMOVEDIR : 0) != 0)
        return local_errno("replace " + what, errno);
      exists = false;
    }
    timespec times[2] = {{entry.mtime, 0}, {entry.mtime, 0}};
    switch (entry.type) {
      case '0': {
        Fd file(::openat(parent.fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (file.fd < 0) return local_errno("create " + what, errno);
        size_t written = 0;
        while (written < entry.content.size()) {
          ssize_t n = ::write(file.fd, entry.content.data() + written, entry.content.size() - written);
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) return local_errno("write " + what, errno);
          written += static_cast<size_t>(n);
        }
        if (keep_owners && ::fchown(file.fd, entry.uid, entry.gid) != 0 && errno != EPERM)
          return local_errno("chown " + what, errno);
        ::fchmod(file.fd, entry.mode & 07777);
        ::futimens(file.fd, times);
        return {};
      }
      case '5':
        if (!exists && ::mkdirat(parent.fd, name.c_str(), 0700) != 0) return local_errno("mkdir " + what, errno);
        {
          Fd made(::openat(parent.fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
          if (made.fd < 0) return local_errno("open " + what, errno);
          if (keep_owners) [[maybe_unused]] int owned = ::fchown(made.fd, entry.uid, entry.gid);
          ::fchmod(made.fd, entry.mode & 07777);
        }
        directory_times.push_back({join(*parts, parts->size()), entry.mtime});
        return {};
      case '2':
        if (::symlinkat(entry.link_name.c_str(), parent.fd, name.c_str()) != 0) return local_errno("symlink " + what, errno);
        if (keep_owners) [[maybe_unused]] int owned = ::fchownat(parent.fd, name.c_str(), entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW);
        ::utimensat(parent.fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
        return {};
      case '1': {
        auto target = components_of(rebase_entry_name(entry.link_name, from, to));
        if (!target) return std::move(target).error();
        if (target->empty()) return Failure::local("archive entry " + entry.name + " links to the destination");
        Fd target_parent(open_beneath(root.fd, join(*target, target->size() - 1), O_PATH | O_DIRECTORY));
        if (target_parent.fd < 0) return local_errno("link " + what, errno);
        if (::linkat(target_parent.fd, target->back().c_str(), parent.fd, name.c_str(), 0) != 0)
          return local_errno("link " + what, errno);
        return {};
      }
      default:
        return {};  // devices and fifos are not recreated on the host
    }
  };
  if (auto extracted = read_tar(tar, extract_one); !extracted) return extracted;
  for (const auto& item : directory_times) {
    Fd made(open_beneath(root.fd, item.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    if (made.fd < 0) continue;
    timespec times[2] = {{item.mtime, 0}, {item.mtime, 0}};
    ::futimens(made.fd, times);
  }
  return {};
}

}  // namespace gocker::client
