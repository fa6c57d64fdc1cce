// Limits that keep one setting or one caller from taking more than the server
// can give: the memory of a loop's model (pz.max_model_memory), the size of
// the documents of a rank call (pz.max_document_bytes), and the rewards of one
// event (pz.max_rewards_per_event, enforced by a trigger on pz.rewards).
#pragma once

#include <cstddef>

namespace pz::pg {

// Throws SqlError 54000 when a model of 2^bits weights, learning (the larger
// of its two forms), would exceed pz.max_model_memory. `loop` names the loop
// in the message, or is nullptr while a setting is being checked.
void check_model_memory(int bits, const char* loop);

// Throws SqlError 54000 when a document given by a caller that is not a
// superuser exceeds pz.max_document_bytes; `what` names the argument.
void check_document_size(const char* what, size_t bytes);

// Both documents of a rank call: its context and its candidate actions.
void check_rank_document_sizes(size_t context_bytes, size_t actions_bytes);

}  // namespace pz::pg
