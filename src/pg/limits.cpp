#include "pg/limits.hpp"

#include <string>

#include "core/model.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"
#include "pg/postgres.hpp"

namespace pz::pg {

namespace {

std::string megabytes(size_t bytes) {
  return std::to_string((bytes + (size_t{1} << 20) - 1) >> 20) + " MB";
}

// Limits apply to the role that called in (SET ROLE included), not to the
// owner of the SECURITY DEFINER function running: superusers are exempt.
bool caller_is_superuser() {
  bool result = false;
  pg_call([&] { result = superuser_arg(GetOuterUserId()); });
  return result;
}

}  // namespace

void check_model_memory(int bits, const char* loop) {
  const size_t needed = Model::weight_bytes(bits, ModelUse::kLearning);
  const size_t limit = pz_max_model_memory_bytes();
  if (needed <= limit) return;
  std::string subject = loop != nullptr ? "the model of loop \"" + std::string(loop) + "\""
                                        : "a model with bits = " + std::to_string(bits);
  throw SqlError(ERRCODE_PROGRAM_LIMIT_EXCEEDED, subject + " would need " + megabytes(needed) + " of memory",
                 "pz.max_model_memory allows " + megabytes(limit) +
                     " per model; lower the loop's bits, or have a superuser raise pz.max_model_memory.",
                 "bits = " + std::to_string(bits) + " makes 2^" + std::to_string(bits) + " weights.");
}

void check_document_size(const char* what, size_t bytes) {
  const size_t limit = pz_max_document_bytes();
  if (bytes <= limit || caller_is_superuser()) return;
  throw SqlError(ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                 std::string(what) + " is too large: " + std::to_string(bytes) + " bytes",
                 "pz.max_document_bytes allows " + std::to_string(limit) +
                     " bytes per document; send fewer or smaller items, or have a superuser raise it.");
}

void check_rank_document_sizes(size_t context_bytes, size_t actions_bytes) {
  check_document_size("context", context_bytes);
  check_document_size("actions", actions_bytes);
}

}  // namespace pz::pg

// pz.check_model_memory(bits integer): the setting check of bits.
PZ_SQL_FUNCTION(pz_check_model_memory) {
  int bits = 0;
  pg_call([&] { bits = PG_GETARG_INT32(0); });
  check_model_memory(bits, nullptr);
  PG_RETURN_VOID();
}

// pz.reward_limit(): pz.max_rewards_per_event for the caller, NULL for superusers.
PZ_SQL_FUNCTION(pz_reward_limit) {
  if (caller_is_superuser()) PG_RETURN_NULL();
  PG_RETURN_INT32(pz_max_rewards_per_event());
}
