// libFuzzer target: arbitrary bytes as a forwarded batch (the argument of
// pz.ingest_forwarded, which any member of pz_forwarder sends). Reading must
// refuse a malformed batch and never read outside it; every record it accepts
// lies inside the batch.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/forward_batch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes, so that AddressSanitizer sees any read past it.
  std::vector<char> batch(data, data + size);
  const char* begin = batch.data();
  const char* end = begin + size;
  const char* error = nullptr;
  uint32_t announced = 0;
  const char* cursor = pz::read_batch_header(begin, size, &announced, &error);
  if (cursor == nullptr) return 0;
  while (cursor < end) {
    pz::BatchRecordView record;
    const char* next = pz::read_batch_record(cursor, end, &record, &error);
    if (next == nullptr) break;
    if (record.payload < begin || record.payload + record.payload_bytes > end || next <= cursor) std::abort();
    volatile char sink = 0;
    for (uint32_t i = 0; i < record.payload_bytes; ++i) sink ^= record.payload[i];
    cursor = next;
  }
  return 0;
}
