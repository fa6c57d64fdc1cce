#include "pg/rank_decision.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "core/hashing.hpp"
#include "pg/event_log.hpp"
#include "pg/featurize.hpp"
#include "pg/guard.hpp"
#include "pg/scratch_context.hpp"
#include "pg/subjects.hpp"

extern "C" {
#include "access/htup_details.h"
#include "utils/tuplestore.h"
}

namespace pz::pg {

namespace {

// Strong random bytes fetched a page at a time: one pg_strong_random call
// per event id cost a few percent of a rank call. Refilled in each process
// that uses it (a forked child must not replay its parent's bytes).
bool take_strong_random(uint8_t* out, size_t length) {
  static uint8_t pool[4096];
  static size_t used = sizeof(pool);
  static int filled_by = 0;
  if (filled_by != MyProcPid || used + length > sizeof(pool)) {
    if (!pg_strong_random(pool, sizeof(pool))) return false;
    used = 0;
    filled_by = MyProcPid;
  }
  memcpy(out, pool + used, length);
  used += length;
  return true;
}

pg_uuid_t new_event_id(const RankOptions& options) {
  pg_uuid_t id;
  if (!options.event_id.empty()) {
    pg_call([&] {
      pg_uuid_t* parsed =
          DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(options.event_id.c_str())));
      id = *parsed;
    });
    return id;
  }
  // Version 7 (RFC 9562): the first 48 bits are the Unix time in milliseconds,
  // the rest random. Ids that grow with time keep the inserts into the
  // primary key, and the trainer's updates of recent events, on the few index
  // pages at its right edge instead of all over it.
  bool random_ok = false;
  TimestampTz now = 0;
  pg_call([&] {
    // The first 6 bytes are the time (below).
    random_ok = take_strong_random(id.data + 6, UUID_LEN - 6);
    now = GetCurrentTimestamp();
  });
  if (!random_ok) throw SqlError(ERRCODE_INTERNAL_ERROR, "could not generate a random event id");
  const uint64_t unix_ms =
      static_cast<uint64_t>(now / 1000 + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) *
                                             static_cast<int64_t>(SECS_PER_DAY) * 1000);
  for (int i = 0; i < 6; ++i) id.data[i] = static_cast<uint8_t>(unix_ms >> (8 * (5 - i)));
  id.data[6] = (id.data[6] & 0x0f) | 0x70;  // version 7
  id.data[8] = (id.data[8] & 0x3f) | 0x80;  // RFC 9562 variant
  return id;
}

// The loop's policy, or with options.exploration an epsilon-greedy one with
// that epsilon for this decision only (0: the model's best, with certainty).
ExplorationSettings decision_policy(const ExplorationSettings& loop, const RankOptions& options) {
  if (!options.has_exploration) return loop;
  ExplorationSettings policy = loop;
  policy.algorithm = Algorithm::kEpsilonGreedy;
  policy.epsilon = options.exploration;
  return policy;
}

// Apprentice mode shows the application's own choice (the baseline, else the
// first action given) and logs it as chosen with certainty.
// With slots, the other slots are the next actions in the order given, each
// shown with certainty too.
void follow_baseline(const std::vector<Candidate>& candidates, const RankOptions& options,
                     Decision& decision) {
  uint32_t shown = 0;
  for (uint32_t i = 0; i < candidates.size(); ++i)
    if (options.has_baseline && candidates[i].id == options.baseline) shown = i;
  std::vector<uint32_t> ranking{shown};
  const size_t slots = decision.slot_probabilities.size();
  for (uint32_t i = 0; ranking.size() < slots; ++i)
    if (i != shown) ranking.push_back(i);
  std::vector<bool> placed(candidates.size(), false);
  for (uint32_t index : ranking) placed[index] = true;
  for (uint32_t index : decision.ranking)
    if (!placed[index]) ranking.push_back(index);
  decision.ranking = std::move(ranking);
  decision.probabilities.assign(candidates.size(), 0.0);
  decision.probabilities[shown] = 1.0;
  decision.slot_probabilities.assign(slots, 1.0);
}

// pz_rank's rows (event_id uuid, action_id text, rank integer, probability
// float8, score float8) laid out byte for byte as heap_form_minimal_tuple
// lays them out, each written straight into one buffer: the generic routine
// walks the descriptor twice and zeroes a new allocation a row, a sixth of a
// call over 5,000 actions (perf). The tuplestore keeps a copy.
class RankRowWriter {
 public:
  // Whether rows of `descriptor` are these.
  static bool fits(TupleDesc descriptor) {
    static const Oid kTypes[kColumns] = {UUIDOID, TEXTOID, INT4OID, FLOAT8OID, FLOAT8OID};
    if (descriptor->natts != kColumns) return false;
    for (int i = 0; i < kColumns; ++i) {
      const Form_pg_attribute column = TupleDescAttr(descriptor, i);
      if (column->attisdropped || column->atttypid != kTypes[i]) return false;
    }
    return true;
  }
  // Whether an id fits a one-byte varlena header, as heap_fill_tuple packs short texts.
  static bool fits(std::string_view id) { return VARHDRSZ_SHORT + id.size() <= VARATT_SHORT_MAX; }

  // Appends a row (the id must fit). PostgreSQL side (may ereport).
  void put(Tuplestorestate* store, const pg_uuid_t* event_id, std::string_view id, int32 rank, double probability,
           double score) {
    // No null but event_id's; the header and its bitmap take a MAXALIGNed 24 bytes either way.
    constexpr size_t kHeader = MAXALIGN(offsetof(HeapTupleHeaderData, t_bits) + BITMAPLEN(kColumns));
    static_assert(kHeader == MAXALIGN(offsetof(HeapTupleHeaderData, t_bits)), "a bitmap changes the header");
    char* data = buffer_ + kHeader;
    size_t at = 0;
    if (event_id != nullptr) {
      memcpy(data, event_id->data, UUID_LEN);
      at = UUID_LEN;
    }
    SET_VARSIZE_SHORT(data + at, VARHDRSZ_SHORT + id.size());
    memcpy(data + at + VARHDRSZ_SHORT, id.data(), id.size());
    at += VARHDRSZ_SHORT + id.size();
    const size_t rank_at = INTALIGN(at);
    const size_t probability_at = DOUBLEALIGN(rank_at + sizeof(int32));
    memset(data + at, 0, probability_at - at);  // the padding, as palloc0 leaves it
    memcpy(data + rank_at, &rank, sizeof rank);
    memcpy(data + probability_at, &probability, sizeof probability);
    memcpy(data + probability_at + sizeof(double), &score, sizeof score);
    const size_t length = kHeader + probability_at + 2 * sizeof(double);

    HeapTupleHeader header = reinterpret_cast<HeapTupleHeader>(buffer_);
    memset(header, 0, kHeader);
    HeapTupleHeaderSetNatts(header, kColumns);
    header->t_infomask = HEAP_HASVARWIDTH;
    header->t_hoff = kHeader;
    if (event_id == nullptr) {
      header->t_infomask |= HEAP_HASNULL;
      header->t_bits[0] = static_cast<bits8>(((1u << kColumns) - 1) & ~1u);  // event_id null, the rest not
    }
    HeapTupleData tuple;
    tuple.t_len = static_cast<uint32>(length);
    ItemPointerSetInvalid(&tuple.t_self);
    tuple.t_tableOid = InvalidOid;
    tuple.t_data = header;
#ifdef PZ_CHECK_ROW_FAST_PATH
    check(store, event_id, id, rank, probability, score, tuple);
#endif
    tuplestore_puttuple(store, &tuple);
  }

 private:
  static constexpr int kColumns = 5;
#ifdef PZ_CHECK_ROW_FAST_PATH
  // Warns unless the row's bytes are heap_form_minimal_tuple's.
  static void check(Tuplestorestate* store, const pg_uuid_t* event_id, std::string_view id, int32 rank,
                    double probability, double score, const HeapTupleData& tuple) {
    TupleDesc descriptor = CreateTemplateTupleDesc(kColumns);
    const Oid types[kColumns] = {UUIDOID, TEXTOID, INT4OID, FLOAT8OID, FLOAT8OID};
    for (int i = 0; i < kColumns; ++i) TupleDescInitEntry(descriptor, static_cast<AttrNumber>(i + 1), "", types[i], -1, 0);
    Datum values[kColumns] = {event_id == nullptr ? 0 : UUIDPGetDatum(const_cast<pg_uuid_t*>(event_id)),
                              PointerGetDatum(cstring_to_text_with_len(id.data(), static_cast<int>(id.size()))),
                              Int32GetDatum(rank), Float8GetDatum(probability), Float8GetDatum(score)};
    bool nulls[kColumns] = {event_id == nullptr, false, false, false, false};
    MinimalTuple expected = heap_form_minimal_tuple(descriptor, values, nulls);
    const size_t length = tuple.t_len - MINIMAL_TUPLE_OFFSET;
    const char* ours = reinterpret_cast<const char*>(tuple.t_data) + MINIMAL_TUPLE_OFFSET;
    const size_t skip = offsetof(MinimalTupleData, t_infomask2);  // t_len and the padding
    if (expected->t_len != length || memcmp(ours + skip, reinterpret_cast<char*>(expected) + skip, length - skip) != 0)
      elog(WARNING, "pz: rank row formed in place differs");
  }
#endif
  alignas(MAXIMUM_ALIGNOF) char buffer_[MAXALIGN(offsetof(HeapTupleHeaderData, t_bits) + BITMAPLEN(kColumns)) +
                                         UUID_LEN + VARATT_SHORT_MAX + 4 * sizeof(double)];
};

// PostgreSQL side (plain C: may ereport anywhere).
void emit_rows(FunctionCallInfo fcinfo, const pg_uuid_t* event_id,
               const std::vector<Candidate>& candidates, const std::vector<double>& scores,
               const Decision& decision, const Datum* items) {
  ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  const bool write_rows = items == nullptr && RankRowWriter::fits(result->setDesc);
  RankRowWriter writer;
  // One text value rewritten for each row (tuplestore_putvalues copies it),
  // not one allocated per candidate.
  size_t longest_id = 0;
  for (const Candidate& candidate : candidates) longest_id = std::max(longest_id, candidate.id.size());
  text* action_id = static_cast<text*>(palloc(VARHDRSZ + longest_id));
  for (size_t rank = 0; rank < decision.ranking.size(); ++rank) {
    uint32 index = decision.ranking[rank];
    const Candidate& candidate = candidates[index];
    // A slot's own probability; below the slots, the one of being at rank 1.
    const double probability = rank < decision.slot_probabilities.size() ? decision.slot_probabilities[rank]
                                                                         : decision.probabilities[index];
    if (write_rows && RankRowWriter::fits(candidate.id)) {
      writer.put(result->setResult, event_id, candidate.id, static_cast<int32>(rank + 1), probability, scores[index]);
      continue;
    }
    Datum values[6];
    bool nulls[6] = {event_id == nullptr, false, false, false, false, false};
    values[0] = event_id == nullptr ? 0 : UUIDPGetDatum(const_cast<pg_uuid_t*>(event_id));
    SET_VARSIZE(action_id, VARHDRSZ + candidate.id.size());
    memcpy(VARDATA(action_id), candidate.id.data(), candidate.id.size());
    values[1] = PointerGetDatum(action_id);
    values[2] = Int32GetDatum(static_cast<int32>(rank + 1));
    values[3] = Float8GetDatum(probability);
    values[4] = Float8GetDatum(scores[index]);
    values[5] = items == nullptr ? 0 : items[candidate.element];
    tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
  }
  pfree(action_id);
}

}  // namespace

void check_loop_and_context(const char* loop, Jsonb* context) {
  if (loop == nullptr) throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "loop must not be null");
  if (context == nullptr)
    throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "context must not be null",
                   "Pass '{}' for no context.");
}

RankOptions read_context_and_options(Jsonb* context, Jsonb* options, FeatureSet& context_features) {
  featurize_context(tokenize_jsonb(context), context_features);
  return parse_rank_options(options == nullptr ? JsonTokens{} : tokenize_jsonb(options));
}

const std::vector<FeatureView>& featurize_candidates(JsonTokens tokens,
                                                     const std::vector<Candidate>& candidates) {
  // Reused between calls: featurizing thousands of actions then allocates nothing.
  static std::vector<FeatureSet> pool;
  static std::vector<FeatureView> views;
  pool.resize(candidates.size());
  views.resize(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    featurize_action(tokens, candidates[i], pool[i]);
    views[i] = pool[i].view();
  }
  return views;
}

RankOutcome decide_and_log(const RankInput& input,
                           const std::function<LoggedActions()>& log_actions) {
  const CachedLoop& loop = *input.loop;
  const RankOptions& options = *input.options;
  RankOutcome outcome;
  loop.model->score_all(*input.context_features, *input.actions, outcome.scores);

  outcome.event_id = new_event_id(options);
  outcome.decision = decide(decision_policy(loop.settings.exploration, options), outcome.scores, loop.model->examples(),
                            seed_from_bytes(outcome.event_id.data, UUID_LEN), static_cast<size_t>(options.slots));
  if (loop.apprentice) follow_baseline(*input.candidates, options, outcome.decision);

  outcome.logged = options.learn;
  if (options.learn) {
    ScratchScope scratch;
    LoggedActions logged = log_actions();
    EventRecord record{outcome.event_id,
                       loop.loop_id,
                       loop.model_version,
                       input.context,
                       logged.actions,
                       logged.count,
                       input.candidates,
                       &outcome.scores,
                       &outcome.decision,
                       !options.deferred,
                       options.has_baseline ? &options.baseline : nullptr,
                       options.subject.empty() ? nullptr : subject_hash(options.subject),
                       !options.event_id.empty(),
                       logged.hashes};
    insert_event(record);
  }
  return outcome;
}

void emit_ranking(FunctionCallInfo fcinfo, const RankOutcome& outcome,
                  const std::vector<Candidate>& candidates, const Datum* items) {
  pg_call([&] {
    emit_rows(fcinfo, outcome.logged ? &outcome.event_id : nullptr, candidates, outcome.scores,
              outcome.decision, items);
  });
}

}  // namespace pz::pg
