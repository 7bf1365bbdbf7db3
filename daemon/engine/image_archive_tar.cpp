#include "engine/image_archive_tar.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/strings.hpp"

namespace gocker::engine {
namespace {

constexpr int64_t kBlock = 512;

void put_octal(char* field, size_t width, uint64_t value) {
  // width - 1 octal digits, then NUL.
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
}

void put_number(char* field, size_t width, uint64_t value) {
  if (value < (uint64_t{1} << (3 * (width - 1)))) {
    put_octal(field, width, value);
    return;
  }
  // GNU/star base-256: high bit of the first byte set, the value big-endian in the rest.
  std::memset(field, 0, width);
  field[0] = static_cast<char>(0x80);
  for (size_t i = width; i-- > 1;) {
    field[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

std::string_view field_text(const char* field, size_t width) {
  size_t length = 0;
  while (length < width && field[length] != '\0') ++length;
  return {field, length};
}

std::optional<int64_t> parse_number(const char* field, size_t width) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(field);
  if ((bytes[0] & 0x80) != 0) {
    if ((bytes[0] & 0x40) != 0) return std::nullopt;  // negative
    uint64_t value = bytes[0] & 0x3f;
    for (size_t i = 1; i < width; ++i) {
      if (value > (uint64_t{1} << 55)) return std::nullopt;
      value = (value << 8) | bytes[i];
    }
    return static_cast<int64_t>(value);
  }
  size_t i = 0;
  while (i < width && field[i] == ' ') ++i;
  int64_t value = 0;
  bool any = false;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value > (int64_t{1} << 60)) return std::nullopt;
    value = value * 8 + (field[i] - '0');
    any = true;
  }
  if (!any) return 0;
  return value;
}

Status read_exactly(int fd, int64_t offset, char* data, size_t size) {
  while (size > 0) {
    ssize_t count = ::pread(fd, data, size, offset);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return Error::from_errno(errno, "read archive");
    if (count == 0) return Error::invalid("invalid tar archive: unexpected end of file");
    data += count;
    size -= static_cast<size_t>(count);
    offset += count;
  }
  return ok();
}

// Pax records "<length> <key>=<value>\n".
void parse_pax(std::string_view records, std::map<std::string, std::string, std::less<>>& out) {
  while (!records.empty()) {
    const size_t space = records.find(' ');
    if (space == std::string_view::npos) return;
    size_t length = 0;
    for (char c : records.substr(0, space)) {
      if (c < '0' || c > '9') return;
      length = length * 10 + static_cast<size_t>(c - '0');
    }
    if (length <= space + 1 || length > records.size()) return;
    std::string_view record = records.substr(space + 1, length - space - 1);
    if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
    const size_t equals = record.find('=');
    if (equals != std::string_view::npos) out[std::string(record.substr(0, equals))] = std::string(record.substr(equals + 1));
    records.remove_prefix(length);
  }
}

}  // namespace

std::string ustar_header(std::string_view name, char type, int64_t size, int64_t mtime, uint32_t mode) {
  std::string header(kBlock, '\0');
  char* h = header.data();
  std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
  put_octal(h + 100, 8, mode);
  put_octal(h + 108, 8, 0);
  put_octal(h + 116, 8, 0);
  put_number(h + 124, 12, static_cast<uint64_t>(size));
  put_number(h + 136, 12, static_cast<uint64_t>(mtime < 0 ? 0 : mtime));
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  put_octal(h + 148, 7, sum);  // six digits, NUL, then the space already there
  h[155] = ' ';
  return header;
}

std::string tar_padding(int64_t size) {
  const int64_t rest = size % kBlock;
  return std::string(rest == 0 ? 0 : static_cast<size_t>(kBlock - rest), '\0');
}

std::string tar_end() { return std::string(2 * kBlock, '\0'); }

std::string normalize_member_name(std::string_view name) {
  std::vector<std::string_view> parts;
  while (!name.empty()) {
    const size_t slash = name.find('/');
    std::string_view part = name.substr(0, slash);
    name = slash == std::string_view::npos ? std::string_view{} : name.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (std::string_view part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

Result<TarIndex> TarIndex::build(int fd) {
  TarIndex index;
  std::array<char, kBlock> header{};
  int64_t position = 0;
  std::map<std::string, std::string, std::less<>> pax;
  std::optional<std::string> long_name;
  std::optional<std::string> long_link;
  bool first = true;
  while (true) {
    GOCKER_TRY(read_exactly(fd, position, header.data(), header.size()));
    position += kBlock;
    bool zero = true;
    for (char c : header) zero = zero && c == '\0';
    if (zero) break;  // end of archive (the second zero block is not required)

    unsigned sum = 0;
    for (size_t i = 0; i < header.size(); ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
    auto stored_sum = parse_number(header.data() + 148, 8);
    if (!stored_sum || static_cast<unsigned>(*stored_sum) != sum)
      return Error::invalid(first ? "invalid archive: not a tar file" : "invalid tar archive: bad header checksum");
    first = false;
    auto size = parse_number(header.data() + 124, 12);
    if (!size) return Error::invalid("invalid tar archive: bad size field");
    const char type = header[156] == '\0' ? '0' : header[156];
    const int64_t data_offset = position;
    position += *size + static_cast<int64_t>(tar_padding(*size).size());

    if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
      if (*size > (16 << 20)) return Error::invalid("invalid tar archive: extended header too large");
      std::string data(static_cast<size_t>(*size), '\0');
      GOCKER_TRY(read_exactly(fd, data_offset, data.data(), data.size()));
      if (type == 'x') parse_pax(data, pax);
      if (type == 'L') long_name = std::string(field_text(data.data(), data.size()));
      if (type == 'K') long_link = std::string(field_text(data.data(), data.size()));
      continue;
    }

    std::string name(field_text(header.data(), 100));
    const bool ustar = std::memcmp(header.data() + 257, "ustar\0", 6) == 0;
    if (ustar) {
      std::string_view prefix = field_text(header.data() + 345, 155);
      if (!prefix.empty()) name = std::string(prefix) + "/" + name;
    }
    std::string link(field_text(header.data() + 157, 100));
    int64_t member_size = *size;
    if (long_name) name = *long_name;
    if (long_link) link = *long_link;
    if (auto found = pax.find("path"); found != pax.end()) name = found->second;
    if (auto found = pax.find("linkpath"); found != pax.end()) link = found->second;
    if (auto found = pax.find("size"); found != pax.end()) {
      int64_t value = 0;
      for (char c : found->second) value = value * 10 + (c - '0');
      // the data that follows has the pax size, not the header's
      position = data_offset + value + static_cast<int64_t>(tar_padding(value).size());
      member_size = value;
    }
    pax.clear();
    long_name.reset();
    long_link.reset();

    TarMember member;
    member.offset = data_offset;
    member.size = member_size;
    member.link = link;
    switch (type) {
      case '0': case '7': member.type = '0'; break;
      case '1': case '2': case '5': member.type = type; break;
      default: continue;  // devices, fifos: not part of an image archive
    }
    index.members_[normalize_member_name(name)] = std::move(member);
  }
  return index;
}

bool TarIndex::contains(std::string_view name) const { return members_.find(normalize_member_name(name)) != members_.end(); }

Result<TarMember> TarIndex::file(std::string_view name) const {
  std::string current = normalize_member_name(name);
  for (int hops = 0; hops < 16; ++hops) {
    auto found = members_.find(current);
    if (found == members_.end()) return Error::not_found("archive member " + quoted(std::string(name)) + " not found");
    const TarMember& member = found->second;
    if (member.type == '0') return member;
    if (member.type == '1') {
      current = normalize_member_name(member.link);
    } else if (member.type == '2') {
      if (!member.link.empty() && member.link[0] == '/') {
        current = normalize_member_name(member.link);
      } else {
        const size_t slash = current.rfind('/');
        current = normalize_member_name((slash == std::string::npos ? std::string() : current.substr(0, slash + 1)) + member.link);
      }
    } else {
      return Error::invalid("archive member " + quoted(std::string(name)) + " is not a file");
    }
  }
  return Error::invalid("archive member " + quoted(std::string(name)) + ": too many links");
}

Result<std::string> TarIndex::read(int fd, std::string_view name, int64_t limit) const {
  auto member = file(name);
  if (!member) return std::move(member).error();
  if (member->size > limit) return Error::invalid("archive member " + quoted(std::string(name)) + " is too large");
  std::string data(static_cast<size_t>(member->size), '\0');
  GOCKER_TRY(read_exactly(fd, member->offset, data.data(), data.size()));
  return data;
}

}  // namespace gocker::engine
