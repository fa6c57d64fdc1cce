// A per-backend memory context for work whose results do not outlive a
// scope, kept between uses. Logging a decision builds kilobytes to megabytes
// of documents and rows; allocated in the statement's own context, they grew
// the process heap for every statement and glibc returned the top of it to
// the kernel when the executor freed it (a brk and a TLB flush per decision:
// a quarter of a buffered rank call's time). Here they land in a block that
// stays mapped and is reused.
#pragma once

#include "pg/postgres.hpp"

namespace pz::pg {

// While alive, allocations go to the backend's scratch context; it is emptied
// (its first block kept) when the outermost scope returns, and when the next
// one opens. A scope left by an exception leaves it as it is: the error being
// raised (pg_call copies PostgreSQL's errors into the context current at the
// call) may live there until call_cpp reports it. Nothing allocated inside
// may be used after the scope. A scope opened inside another (a trigger on
// pz's tables that ranks) shares the outer one's context and leaves it as it is.
class ScratchScope {
 public:
  ScratchScope();
  ~ScratchScope();
  ScratchScope(const ScratchScope&) = delete;
  ScratchScope& operator=(const ScratchScope&) = delete;

 private:
  MemoryContext previous_;
  bool outermost_;
  int exceptions_at_entry_;
};

}  // namespace pz::pg
