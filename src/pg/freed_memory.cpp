#include "pg/freed_memory.hpp"

#include <malloc.h>

namespace pz::pg {

void keep_freed_memory(size_t bytes) {
  static size_t kept = 0;
  if (bytes <= kept) return;
  // Setting either limit turns off glibc's own adjustment of both: set both.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(bytes));
  kept = bytes;
}

}  // namespace pz::pg
