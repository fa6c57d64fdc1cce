// The shared action documents of the decision log (pz.actions): each
// distinct candidate document of a loop is stored once, under a hash of its
// content, and events reference it by that hash. A backend remembers which
// documents it knows to be stored, so that it writes each one once.
//
// Why remembering is safe against the removal of unreferenced documents
// (pz.collect_actions, in sql/update/90_lean_log.sql): a writer takes ROW
// EXCLUSIVE on pz.actions (lock_action_store) before it consults what it
// remembers and keeps it to the end of its transaction; a collection takes
// SHARE ROW EXCLUSIVE, so none runs while a writer may still reference what
// it deletes, and its commit queues an invalidation of pz.actions that the
// writer reads when it next takes the lock, forgetting everything. Documents
// a transaction wrote are remembered only once it commits.
#pragma once

#include <cstdint>

#include "pg/postgres.hpp"

namespace pz::pg {

// PostgreSQL side (may ereport).

// The content hash of an action document (pz.action_hash).
int64 action_hash(const Jsonb* action);

// The same for element `element` of a jsonb array of actions, without
// building the element as a document of its own.
int64 element_action_hash(Jsonb* actions, uint32 element);

// Locks pz.actions for writing (ROW EXCLUSIVE, to the end of the
// transaction) and forgets the remembered documents if a collection ran.
void lock_action_store();

// Whether this backend knows the document to be stored: committed, or
// stored by the current transaction.
bool action_known(int32 loop_id, int64 hash);

// Remembers a document this transaction stored or found stored, once the
// transaction commits.
void remember_action(int32 loop_id, int64 hash);

// Stores documents of a loop (int8[] hashes, jsonb[] documents: distinct
// hashes) and remembers them; raises pz.action_hash_collision's error when
// a hash is stored with other content. Connected to SPI, the store locked.
void store_action_documents(int32 loop_id, ArrayType* hashes, ArrayType* documents);

}  // namespace pz::pg
