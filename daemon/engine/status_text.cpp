#include "engine/status_text.hpp"

namespace gocker::engine {

std::string human_duration(int64_t nanoseconds) {
  const double seconds_float = static_cast<double>(nanoseconds) / 1e9;
  const int64_t seconds = static_cast<int64_t>(seconds_float);
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  const int64_t minutes = static_cast<int64_t>(seconds_float / 60);
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  // Docker rounds hours to the nearest one.
  const int64_t hours = static_cast<int64_t>(seconds_float / 3600 + 0.5);
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(hours / 24 / 365) + " years";
}

std::string status_text(const StatusInputs& inputs, int64_t now_nanos) {
  if (inputs.status == "running") {
    return "Up " + human_duration(now_nanos - inputs.started_at_nanos) + (inputs.paused ? " (Paused)" : "");
  }
  if (inputs.status == "exited") {
    if (inputs.finished_at_nanos == 0) return "Exited (" + std::to_string(inputs.exit_code) + ")";
    return "Exited (" + std::to_string(inputs.exit_code) + ") " +
           human_duration(now_nanos - inputs.finished_at_nanos) + " ago";
  }
  if (inputs.status == "restarting")
    return "Restarting (" + std::to_string(inputs.exit_code) + ") " + human_duration(now_nanos - inputs.finished_at_nanos) + " ago";
  if (inputs.status == "removing") return "Removal In Progress";
  if (inputs.status == "dead") return "Dead";
  return "Created";
}

}  // namespace gocker::engine
