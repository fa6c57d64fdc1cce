// Subjects of decisions, so that a person can be forgotten: pz_rank's option
// "subject" is logged as HMAC-SHA256(key, subject), where the key is a random
// secret of the database (pz.subject_keys) that only the extension's owner
// can read. pz_forget hashes a subject the same way (pz.subject_hash).
#pragma once

#include <string>

#include "pg/postgres.hpp"

namespace pz::pg {

// The hash of `subject` with the database's newest key, a bytea palloc'd in
// the current memory context. The key is read once per connection (again
// only if pz.subject_keys is re-created). Throws SqlError 55000 when there is
// no key.
bytea* subject_hash(const std::string& subject);

}  // namespace pz::pg
