// How much freed heap a backend keeps for reuse instead of returning it to
// the kernel. By default glibc hands back the top of the heap whenever more
// than 128 kB of it is free, and serves blocks over 128 kB by mmap: every
// statement that needs a few hundred kilobytes (a rank call over thousands of
// actions, its result rows, an import batch) then faults its pages in again,
// zeroed, and unmaps them at its end (a TLB flush). pz raises both limits in
// the backends that use it, once, and says so in the README.
#pragma once

#include <cstddef>

namespace pz::pg {

// From now on this process keeps up to `bytes` of freed heap (never lowers
// what an earlier call allowed); blocks up to 32 MB come from the heap.
void keep_freed_memory(size_t bytes);

}  // namespace pz::pg
