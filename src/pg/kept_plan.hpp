// Statements prepared once per backend and kept across transactions.
#pragma once

#include "pg/postgres.hpp"

namespace pz::pg {

// PostgreSQL side: call it connected to SPI; raises an ERROR if the statement
// cannot be prepared.
SPIPlanPtr prepare_kept_plan(const char* query, int nargs, Oid* types);

}  // namespace pz::pg
