#include "pg/scratch_context.hpp"

#include <exception>

#include "pg/guard.hpp"

namespace pz::pg {

namespace {

// Enough for a decision among a few hundred actions without a further block;
// larger ones add blocks that each reset returns.
constexpr Size kKeptBytes = 1024 * 1024;

MemoryContext scratch = nullptr;
int open_scopes = 0;

}  // namespace

ScratchScope::ScratchScope() : outermost_(open_scopes == 0), exceptions_at_entry_(std::uncaught_exceptions()) {
  if (scratch == nullptr)
    pg_call([&] {
      scratch = AllocSetContextCreate(TopMemoryContext, "pz scratch", kKeptBytes, kKeptBytes, ALLOCSET_DEFAULT_MAXSIZE);
    });
  // What a scope left by an error kept. Resetting frees memory only: it raises no error.
  if (outermost_) MemoryContextReset(scratch);
  previous_ = MemoryContextSwitchTo(scratch);
  ++open_scopes;
}

ScratchScope::~ScratchScope() {
  --open_scopes;
  MemoryContextSwitchTo(previous_);
  if (outermost_ && std::uncaught_exceptions() == exceptions_at_entry_) MemoryContextReset(scratch);
}

}  // namespace pz::pg
