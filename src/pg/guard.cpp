#include "pg/guard.hpp"

#include <cstring>
#include <new>

#include "core/errors.hpp"
#include "pg/schema_version.hpp"

namespace pz::pg {

const char* PostgresError::what() const noexcept {
  return data_ != nullptr && data_->message != nullptr ? data_->message : "PostgreSQL error";
}

namespace {

// Fixed buffers: the report is copied out of the exception inside the catch
// block, and ereport runs only after it, when no C++ object is alive.
struct Report {
  int sqlstate = 0;
  char message[1024] = {};
  char hint[512] = {};
  char detail[512] = {};
};

void copy_text(char* target, size_t size, const char* text) {
  std::strncpy(target, text, size - 1);
  target[size - 1] = '\0';
}

void fill(Report& report, int sqlstate, const char* message, const std::string& hint = {},
          const std::string& detail = {}) {
  report.sqlstate = sqlstate;
  copy_text(report.message, sizeof report.message, message);
  copy_text(report.hint, sizeof report.hint, hint.c_str());
  copy_text(report.detail, sizeof report.detail, detail.c_str());
}

}  // namespace

Datum call_cpp(FunctionCallInfo fcinfo, Datum (*body)(FunctionCallInfo)) {
  // Before any C++ object exists in this frame: it may ereport.
  require_current_schema();
  ErrorData* postgres_error = nullptr;
  Report report;
  try {
    return body(fcinfo);
  } catch (const PostgresError& error) {
    postgres_error = error.data();
  } catch (const SqlError& error) {
    fill(report, error.sqlstate(), error.what(), error.hint(), error.detail());
  } catch (const pz::InputError& error) {
    fill(report, ERRCODE_INVALID_PARAMETER_VALUE, error.what());
  } catch (const pz::ModelFormatError& error) {
    fill(report, ERRCODE_DATA_CORRUPTED, error.what(), "Roll the loop back to an earlier model version.");
  } catch (const std::bad_alloc&) {
    fill(report, ERRCODE_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& error) {
    fill(report, ERRCODE_INTERNAL_ERROR, error.what());
  } catch (...) {
    fill(report, ERRCODE_INTERNAL_ERROR, "unexpected C++ exception");
  }
  if (postgres_error != nullptr) ReThrowError(postgres_error);
  ereport(ERROR, (errcode(report.sqlstate), errmsg("%s", report.message),
                  report.detail[0] != '\0' ? errdetail("%s", report.detail) : 0,
                  report.hint[0] != '\0' ? errhint("%s", report.hint) : 0));
  pg_unreachable();
}

}  // namespace pz::pg
