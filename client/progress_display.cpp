#include "progress_display.hpp"

#include "format.hpp"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace gocker::client {

std::string progress_bar(int64_t current, int64_t total) {
  if (total <= 0) return current > 0 ? human_size(static_cast<double>(current)) : std::string();
  constexpr int kWidth = 50;
  if (current > total) current = total;
  const int filled = static_cast<int>(static_cast<double>(current) * kWidth / static_cast<double>(total));
  std::string bar = "[" + std::string(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += ">" + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
  bar += "] ";
  std::string numbers = human_size(static_cast<double>(current)) + "/" + human_size(static_cast<double>(total));
  if (numbers.size() < 17) numbers.insert(0, 17 - numbers.size(), ' ');
  return bar + numbers;
}

Outcome<void> ProgressDisplay::feed(std::string_view bytes) {
  partial_.append(bytes);
  size_t newline;
  while ((newline = partial_.find('\n')) != std::string::npos) {
    std::string line = partial_.substr(0, newline);
    partial_.erase(0, newline + 1);
    if (auto shown = show(line); !shown) return shown;
  }
  return {};
}

Outcome<void> ProgressDisplay::finish() {
  if (partial_.empty()) return {};
  std::string line = std::move(partial_);
  partial_.clear();
  return show(line);
}

Outcome<void> ProgressDisplay::show(const std::string& line) {
  if (line.find_first_not_of(" \r\t") == std::string::npos) return {};
  auto message = nlohmann::json::parse(line, nullptr, false);
  if (!message.is_object()) return {};
  auto text = [&message](const char* key) {
    auto found = message.find(key);
    return found != message.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  if (const std::string error = text("error"); !error.empty()) {
    out_.flush();
    return Failure{FailureKind::Daemon, 0, error};
  }
  const std::string id = text("id");
  std::string status = text("status");
  std::string bar;
  if (auto detail = message.find("progressDetail"); detail != message.end() && detail->is_object() && !detail->empty()) {
    if (!terminal_) return {};  // figures are for terminals
    const int64_t current = detail->value("current", int64_t{0});
    const int64_t total = detail->value("total", int64_t{0});
    bar = progress_bar(current, total);
  }
  if (status.empty() && bar.empty()) return {};  // an aux message (push's digest) is for programs
  std::string shown = id.empty() ? status : id + ": " + status;
  if (!bar.empty()) shown += " " + bar;
  if (!terminal_ || id.empty()) {
    out_ << shown << "\n";
    ++lines_;
    out_.flush();
    return {};
  }
  auto known = line_of_.find(id);
  if (known == line_of_.end()) {
    line_of_[id] = lines_;
    out_ << shown << "\n";
    ++lines_;
  } else {
    // Up to the id's line, clear it, write, and back down to where new lines go.
    const int up = lines_ - known->second;
    out_ << "\x1b[" << up << "A\r\x1b[2K" << shown << "\r\x1b[" << up << "B";
  }
  out_.flush();
  return {};
}

}  // namespace gocker::client
