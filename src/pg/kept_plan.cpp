#include "pg/kept_plan.hpp"

namespace pz::pg {

SPIPlanPtr prepare_kept_plan(const char* query, int nargs, Oid* types) {
  SPIPlanPtr plan = SPI_prepare(query, nargs, types);
  if (plan == nullptr) elog(ERROR, "pz: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
  SPI_keepplan(plan);
  return plan;
}

}  // namespace pz::pg
