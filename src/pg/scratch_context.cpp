#include "pg/scratch_context.hpp"

#include "pg/guard.hpp"

namespace pz::pg {

namespace {

// Enough for a decision among a few hundred actions without a further block;
// larger ones add blocks that each reset returns.
constexpr Size kKeptBytes = 1024 * 1024;

MemoryContext scratch = nullptr;
int open_scopes = 0;

}  // namespace

ScratchScope::ScratchScope() : outermost_(open_scopes == 0) {
  if (scratch == nullptr)
    pg_call([&] {
      scratch = AllocSetContextCreate(TopMemoryContext, "pz scratch", kKeptBytes, kKeptBytes, ALLOCSET_DEFAULT_MAXSIZE);
    });
  previous_ = MemoryContextSwitchTo(scratch);
  ++open_scopes;
}

ScratchScope::~ScratchScope() {
  --open_scopes;
  MemoryContextSwitchTo(previous_);
  // Resetting frees memory only: it raises no error.
  if (outermost_) MemoryContextReset(scratch);
}

}  // namespace pz::pg
