#include "core/forward_batch.hpp"

#include <cstring>

namespace pz {

namespace {

constexpr char kMagic[4] = {'P', 'Z', 'F', '1'};

void put_u32(char* out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(value >> (8 * i));
}

uint32_t get_u32(const char* in) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i)
    value |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  return value;
}

}  // namespace

void write_batch_header(char* out, uint32_t records) {
  std::memcpy(out, kMagic, sizeof kMagic);
  put_u32(out + 4, records);
}

char* write_batch_record(char* out, uint8_t kind, const uint8_t id[16], const char* payload,
                         uint32_t payload_bytes) {
  out[0] = static_cast<char>(kind);
  put_u32(out + 1, payload_bytes);
  std::memcpy(out + 5, id, 16);
  std::memcpy(out + kBatchRecordHeaderBytes, payload, payload_bytes);
  return out + batch_record_bytes(payload_bytes);
}

const char* read_batch_header(const char* data, size_t size, uint32_t* records,
                              const char** error) {
  if (size < kBatchHeaderBytes || std::memcmp(data, kMagic, sizeof kMagic) != 0) {
    *error = "it does not start with a pz batch header";
    return nullptr;
  }
  *records = get_u32(data + 4);
  return data + kBatchHeaderBytes;
}

const char* read_batch_record(const char* cursor, const char* end, BatchRecordView* record,
                              const char** error) {
  if (end - cursor < static_cast<ptrdiff_t>(kBatchRecordHeaderBytes)) {
    *error = "a record header is cut short";
    return nullptr;
  }
  record->kind = static_cast<uint8_t>(cursor[0]);
  record->payload_bytes = get_u32(cursor + 1);
  std::memcpy(record->id, cursor + 5, 16);
  cursor += kBatchRecordHeaderBytes;
  if (static_cast<size_t>(end - cursor) < record->payload_bytes) {
    *error = "a record is cut short";
    return nullptr;
  }
  record->payload = cursor;
  return cursor + record->payload_bytes;
}

}  // namespace pz
