// The framing of a forwarded batch: what a standby's pz logger sends the
// primary in one call of pz.ingest_forwarded. A batch is a header (magic,
// record count) and records, each a kind, the event id it concerns, and its
// payload (the queued row, opaque here). Plain functions over caller buffers:
// the logger uses them without C++ objects in its frames.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pz {

constexpr size_t kBatchHeaderBytes = 8;
constexpr size_t kBatchRecordHeaderBytes = 1 + 4 + 16;

// Bytes a record with a payload of `payload_bytes` takes in a batch.
inline size_t batch_record_bytes(uint32_t payload_bytes) {
  return kBatchRecordHeaderBytes + payload_bytes;
}

// Writes the batch header for `records` records at `out` (kBatchHeaderBytes).
void write_batch_header(char* out, uint32_t records);

// Writes one record at `out`; returns the position after it.
char* write_batch_record(char* out, uint8_t kind, const uint8_t id[16], const char* payload,
                         uint32_t payload_bytes);

struct BatchRecordView {
  uint8_t kind;
  uint8_t id[16];
  const char* payload;
  uint32_t payload_bytes;
};

// Reads a batch header; nullptr when the bytes are no batch, else the reason
// is in *error. On success *records is the count the header announces.
const char* read_batch_header(const char* data, size_t size, uint32_t* records, const char** error);

// Reads the record at `cursor` (before `end`) into *record; returns the
// position after it, or nullptr (with *error) when it is cut short.
const char* read_batch_record(const char* cursor, const char* end, BatchRecordView* record,
                              const char** error);

}  // namespace pz
