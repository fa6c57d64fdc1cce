// The shared action documents of the decision log (pz.actions): each
// distinct candidate document of a loop is stored once, under a hash of its
// content, and given a number once (pz.actions.action_number, never reused)
// by which events reference it. A backend remembers the number of each
// document it knows to be stored, so that it writes and looks up each one once.
//
// Why remembering is safe against the removal of unreferenced documents
// (pz.collect_actions, in sql/update/90_lean_log.sql): a writer takes ROW
// EXCLUSIVE on pz.actions (lock_action_store) before it consults what it
// remembers and keeps it to the end of its transaction; a collection takes
// SHARE ROW EXCLUSIVE, so none runs while a writer may still reference what
// it deletes, and its commit queues an invalidation of pz.actions that the
// writer reads when it next takes the lock, forgetting everything. Documents
// a transaction wrote are remembered only once it commits. A number comes
// from a sequence and is never given to another document, so a remembered
// number can only be wrong by its document having been removed, which the
// lock rules out.
#pragma once

#include <cstdint>

#include "pg/postgres.hpp"

namespace pz::pg {

// PostgreSQL side (may ereport).

// The content hash of an action document (pz.action_hash).
int64 action_hash(const Jsonb* action);

// The same for a document given by its root container (a jsonb's bytes
// after its length word, or an object or array inside one): pure, never ereports.
int64 container_action_hash(const void* container, size_t length);

// The same for element `element` of a jsonb array of actions, without
// building the element as a document of its own.
int64 element_action_hash(Jsonb* actions, uint32 element);

// Locks pz.actions for writing (ROW EXCLUSIVE, to the end of the
// transaction) and forgets the remembered documents if a collection ran.
void lock_action_store();

// Whether this backend knows the document to be stored (committed, or
// stored by the current transaction), and then its number.
bool action_known(int32 loop_id, int64 hash, int64* number);

// Remembers a document and its number that this transaction stored or found
// stored, once the transaction commits.
void remember_action(int32 loop_id, int64 hash, int64 number);

// Stores documents of a loop (int8[] hashes, jsonb[] documents: distinct
// hashes) and remembers them with their numbers (action_known gives them);
// raises pz.action_hash_collision's error when a hash is stored with other
// content. None is stored, and none known, when the loop does not exist.
// Connected to SPI, the store locked.
void store_action_documents(int32 loop_id, ArrayType* hashes, ArrayType* documents);

}  // namespace pz::pg
