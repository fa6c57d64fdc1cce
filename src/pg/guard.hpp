// The boundary between C++ and PostgreSQL, both ways:
// - call_cpp(): every SQL-callable function runs its C++ body through it; any
//   C++ exception is caught there and only after the C++ frames are gone does
//   it ereport(ERROR).
// - pg_call(): C++ code runs PostgreSQL code that may ereport through it; the
//   longjmp is caught right there and turned into a C++ exception, so it never
//   skips a C++ destructor.
#pragma once

#include <stdexcept>
#include <string>

#include "pg/postgres.hpp"

namespace pz::pg {

// An error raised by PostgreSQL inside pg_call(), re-raised unchanged (same
// SQLSTATE, message, detail) at the boundary.
class PostgresError : public std::exception {
 public:
  explicit PostgresError(ErrorData* data) : data_(data) {}
  ErrorData* data() const { return data_; }
  const char* what() const noexcept override;

 private:
  ErrorData* data_;
};

// An error found by the glue's own checks, with the SQLSTATE to report.
class SqlError : public std::runtime_error {
 public:
  SqlError(int sqlstate, const std::string& message, std::string hint = {},
           std::string detail = {})
      : std::runtime_error(message), sqlstate_(sqlstate), hint_(std::move(hint)),
        detail_(std::move(detail)) {}
  int sqlstate() const { return sqlstate_; }
  const std::string& hint() const { return hint_; }
  const std::string& detail() const { return detail_; }

 private:
  int sqlstate_;
  std::string hint_;
  std::string detail_;
};

// Runs `body` (PostgreSQL calls only: it must not throw, and must not create
// objects with destructors, since a longjmp may leave it at any point).
template <typename Body>
void pg_call(Body&& body) {
  MemoryContext caller_context = CurrentMemoryContext;
  ErrorData* volatile error = nullptr;
  PG_TRY();
  { body(); }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    error = CopyErrorData();
    FlushErrorState();
  }
  PG_END_TRY();
  if (error != nullptr) throw PostgresError(error);
}

// Runs the C++ body of a SQL function and reports its exceptions as errors.
Datum call_cpp(FunctionCallInfo fcinfo, Datum (*body)(FunctionCallInfo));

}  // namespace pz::pg

// Declares the SQL-callable C symbol `name` whose body is pz::pg::name##_body.
#define PZ_SQL_FUNCTION(name)                                  \
  namespace pz::pg {                                           \
  Datum name##_body(FunctionCallInfo fcinfo);                  \
  }                                                            \
  extern "C" {                                                 \
  PG_FUNCTION_INFO_V1(name);                                   \
  Datum name(PG_FUNCTION_ARGS) {                               \
    return pz::pg::call_cpp(fcinfo, pz::pg::name##_body);      \
  }                                                            \
  }                                                            \
  Datum pz::pg::name##_body(FunctionCallInfo fcinfo)
