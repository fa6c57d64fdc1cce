// DSJSON's event ids and timestamps, and their pz forms (uuid, microseconds).
#include <cctype>
#include <cstdio>

#include "dsjson.hpp"

namespace pz {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_uuid(std::string_view text, std::array<unsigned char, 16>& out) {
  if (text.size() != 32 && text.size() != 36) return false;
  size_t digits = 0;
  unsigned char byte = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.size() == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
      if (text[i] != '-') return false;
      continue;
    }
    int digit = hex_digit(text[i]);
    if (digit < 0) return false;
    byte = static_cast<unsigned char>((byte << 4) | digit);
    if (++digits % 2 == 0) out[digits / 2 - 1] = byte;
  }
  return digits == 32;
}

uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t year_of_era = year - era * 400;
  int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool read_digits(std::string_view text, size_t& at, size_t count, int64_t& value) {
  value = 0;
  for (size_t i = 0; i < count; ++i, ++at) {
    if (at >= text.size() || !std::isdigit(static_cast<unsigned char>(text[at]))) return false;
    value = value * 10 + (text[at] - '0');
  }
  return true;
}

bool expect_char(std::string_view text, size_t& at, char c) {
  if (at >= text.size() || text[at] != c) return false;
  ++at;
  return true;
}

}  // namespace

std::array<unsigned char, 16> dsjson_event_id(std::string_view event_id) {
  std::array<unsigned char, 16> uuid{};
  if (parse_uuid(event_id, uuid)) return uuid;
  // Two independent 64-bit FNV-1a hashes, mixed: 122 bits of a version 8 uuid.
  uint64_t high = 0xcbf29ce484222325ULL;
  uint64_t low = 0x84222325cbf29ce4ULL;
  for (char c : event_id) {
    high = (high ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    low = (low ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    low = (low << 7) | (low >> 57);
  }
  high = mix(high);
  low = mix(low ^ high);
  for (int i = 0; i < 8; ++i) {
    uuid[i] = static_cast<unsigned char>(high >> (56 - 8 * i));
    uuid[8 + i] = static_cast<unsigned char>(low >> (56 - 8 * i));
  }
  uuid[6] = static_cast<unsigned char>((uuid[6] & 0x0f) | 0x80);
  uuid[8] = static_cast<unsigned char>((uuid[8] & 0x3f) | 0x80);
  return uuid;
}

std::string uuid_to_text(const std::array<unsigned char, 16>& uuid) {
  static const char hex[] = "0123456789abcdef";
  std::string text;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += hex[uuid[i] >> 4];
    text += hex[uuid[i] & 15];
  }
  return text;
}

bool parse_iso_timestamp(std::string_view text, int64_t& microseconds) {
  size_t at = 0;
  int64_t year, month, day, hour, minute, second;
  if (!read_digits(text, at, 4, year) || !expect_char(text, at, '-') ||
      !read_digits(text, at, 2, month) || !expect_char(text, at, '-') ||
      !read_digits(text, at, 2, day))
    return false;
  if (at >= text.size() || (text[at] != 'T' && text[at] != ' ')) return false;
  ++at;
  if (!read_digits(text, at, 2, hour) || !expect_char(text, at, ':') ||
      !read_digits(text, at, 2, minute) || !expect_char(text, at, ':') ||
      !read_digits(text, at, 2, second))
    return false;
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] || hour > 23 || minute > 59 ||
      second > 60)
    return false;
  int64_t fraction = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int64_t scale = 100000;
    size_t digits = 0;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      fraction += (text[at] - '0') * scale;  // beyond microseconds: truncated
      scale /= 10;
      ++at;
      ++digits;
    }
    if (digits == 0) return false;
  }
  int64_t offset_minutes = 0;
  if (at < text.size()) {
    if (text[at] == 'Z') {
      ++at;
    } else if (text[at] == '+' || text[at] == '-') {
      int sign = text[at] == '-' ? -1 : 1;
      ++at;
      int64_t offset_hours, offset_mins;
      if (!read_digits(text, at, 2, offset_hours) || !expect_char(text, at, ':') ||
          !read_digits(text, at, 2, offset_mins))
        return false;
      offset_minutes = sign * (offset_hours * 60 + offset_mins);
    }
  }
  if (at != text.size()) return false;
  int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                    offset_minutes * 60;
  microseconds = seconds * 1000000 + fraction;
  return true;
}

}  // namespace pz
