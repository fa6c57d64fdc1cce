#include "pg/subjects.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "utils/lsyscache.h"
}

namespace pz::pg {

namespace {

constexpr size_t kKeyBytes = 32;

// The newest key and the table it was read from (a re-created extension has
// a new table, and new keys).
std::string current_key;
Oid current_key_table = InvalidOid;

// PostgreSQL side (plain C: may ereport anywhere).
bytea* hmac_sha256(const uint8* key, size_t key_length, const char* message,
                   size_t message_length) {
  bytea* result = static_cast<bytea*>(palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH));
  SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
  pg_hmac_ctx* context = pg_hmac_create(PG_SHA256);
  if (context == nullptr) ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
  if (pg_hmac_init(context, key, key_length) < 0 ||
      pg_hmac_update(context, reinterpret_cast<const uint8*>(message), message_length) < 0 ||
      pg_hmac_final(context, reinterpret_cast<uint8*>(VARDATA(result)), PG_SHA256_DIGEST_LENGTH) <
          0) {
    char* reason = pstrdup(pg_hmac_error(context));
    pg_hmac_free(context);
    elog(ERROR, "pz: computing HMAC-SHA256 failed: %s", reason);
  }
  pg_hmac_free(context);
  return result;
}

Oid key_table() {
  Oid schema = get_namespace_oid("pz", true);
  return OidIsValid(schema) ? get_relname_relid("subject_keys", schema) : InvalidOid;
}

// The newest key, copied into `into` (NULL when the table has none).
bytea* read_newest_key(MemoryContext into) {
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pz: SPI_connect failed");
  if (SPI_execute("SELECT key FROM pz.subject_keys ORDER BY created_at DESC, key LIMIT 1", true,
                  1) != SPI_OK_SELECT)
    elog(ERROR, "pz: reading pz.subject_keys failed");
  bytea* key = nullptr;
  if (SPI_processed == 1) {
    bool is_null;
    Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    MemoryContext spi = MemoryContextSwitchTo(into);
    key = DatumGetByteaPCopy(value);
    MemoryContextSwitchTo(spi);
  }
  SPI_finish();
  return key;
}

// C++ side.
const std::string& newest_key() {
  Oid table = InvalidOid;
  pg_call([&] { table = key_table(); });
  if (table == current_key_table && !current_key.empty()) return current_key;
  if (!OidIsValid(table))  // an installation of 0.1.0 not yet updated
    throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "pz has no key to hash subjects with",
                   "Update the extension: ALTER EXTENSION pz UPDATE;");
  bytea* key = nullptr;
  MemoryContext caller = CurrentMemoryContext;
  pg_call([&] { key = read_newest_key(caller); });
  if (key == nullptr)
    throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "pz has no key to hash subjects with",
                   "Add one as the extension's owner: INSERT INTO pz.subject_keys (key) VALUES "
                   "(pz.new_subject_key());");
  current_key.assign(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key));
  current_key_table = table;
  return current_key;
}

}  // namespace

bytea* subject_hash(const std::string& subject) {
  const std::string& key = newest_key();
  bytea* hash = nullptr;
  pg_call([&] {
    hash = hmac_sha256(reinterpret_cast<const uint8*>(key.data()), key.size(), subject.data(),
                       subject.size());
  });
  return hash;
}

}  // namespace pz::pg

// pz.subject_hash(subject text, key bytea) RETURNS bytea (STRICT): the hash
// pz_rank logs, for pz_forget.
PZ_SQL_FUNCTION(pz_subject_hash) {
  bytea* hash = nullptr;
  pg_call([&] {
    text* subject = PG_GETARG_TEXT_PP(0);
    bytea* key = PG_GETARG_BYTEA_PP(1);
    hash = hmac_sha256(reinterpret_cast<const uint8*>(VARDATA_ANY(key)), VARSIZE_ANY_EXHDR(key),
                       VARDATA_ANY(subject), VARSIZE_ANY_EXHDR(subject));
  });
  PG_RETURN_BYTEA_P(hash);
}

// pz.new_subject_key() RETURNS bytea: a new random key.
PZ_SQL_FUNCTION(pz_new_subject_key) {
  bytea* key = nullptr;
  bool random_ok = false;
  pg_call([&] {
    key = static_cast<bytea*>(palloc(VARHDRSZ + kKeyBytes));
    SET_VARSIZE(key, VARHDRSZ + kKeyBytes);
    random_ok = pg_strong_random(VARDATA(key), kKeyBytes);
  });
  if (!random_ok) throw SqlError(ERRCODE_INTERNAL_ERROR, "could not generate a random key");
  PG_RETURN_BYTEA_P(key);
}
