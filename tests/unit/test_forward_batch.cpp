#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/forward_batch.hpp"

namespace pz {
namespace {

std::string two_record_batch() {
  const uint8_t first[16] = {1, 2, 3};
  const uint8_t second[16] = {9};
  std::string batch(kBatchHeaderBytes + batch_record_bytes(5) + batch_record_bytes(0), '\0');
  write_batch_header(batch.data(), 2);
  char* cursor = write_batch_record(batch.data() + kBatchHeaderBytes, 0, first, "hello", 5);
  cursor = write_batch_record(cursor, 1, second, "", 0);
  EXPECT_EQ(cursor, batch.data() + batch.size());
  return batch;
}

TEST(ForwardBatch, RoundTripsRecords) {
  std::string batch = two_record_batch();
  const char* error = nullptr;
  uint32_t records = 0;
  const char* cursor = read_batch_header(batch.data(), batch.size(), &records, &error);
  ASSERT_NE(cursor, nullptr);
  EXPECT_EQ(records, 2u);
  const char* end = batch.data() + batch.size();
  BatchRecordView record;
  cursor = read_batch_record(cursor, end, &record, &error);
  ASSERT_NE(cursor, nullptr);
  EXPECT_EQ(record.kind, 0);
  EXPECT_EQ(record.id[2], 3);
  EXPECT_EQ(std::string(record.payload, record.payload_bytes), "hello");
  cursor = read_batch_record(cursor, end, &record, &error);
  ASSERT_NE(cursor, nullptr);
  EXPECT_EQ(record.kind, 1);
  EXPECT_EQ(record.id[0], 9);
  EXPECT_EQ(record.payload_bytes, 0u);
  EXPECT_EQ(cursor, end);
}

TEST(ForwardBatch, RejectsWhatIsNoBatch) {
  const char* error = nullptr;
  uint32_t records = 0;
  EXPECT_EQ(read_batch_header("PZ", 2, &records, &error), nullptr);
  EXPECT_EQ(read_batch_header("XXXX\1\0\0\0", 8, &records, &error), nullptr);
  EXPECT_NE(error, nullptr);
}

TEST(ForwardBatch, RejectsEveryTruncation) {
  std::string batch = two_record_batch();
  // Cut anywhere inside the first record: never read past the end.
  for (size_t cut = kBatchHeaderBytes; cut < kBatchHeaderBytes + batch_record_bytes(5); ++cut) {
    const char* error = nullptr;
    BatchRecordView record;
    EXPECT_EQ(
        read_batch_record(batch.data() + kBatchHeaderBytes, batch.data() + cut, &record, &error),
        nullptr)
        << cut;
    EXPECT_NE(error, nullptr);
  }
}

TEST(ForwardBatch, RejectsAPayloadLongerThanTheBatch) {
  std::string batch = two_record_batch();
  batch[kBatchHeaderBytes + 1] = '\xff';  // payload size low byte: 255
  const char* error = nullptr;
  BatchRecordView record;
  EXPECT_EQ(read_batch_record(batch.data() + kBatchHeaderBytes, batch.data() + batch.size(),
                              &record, &error),
            nullptr);
}

}  // namespace
}  // namespace pz
