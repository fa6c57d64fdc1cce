#include "pg/row_plans.hpp"

#include <cstring>

#include "core/features.hpp"

extern "C" {
#include "utils/lsyscache.h"
#include "utils/typcache.h"
}

// PostgreSQL side throughout (plain C: may ereport anywhere); called under pg_call().
namespace pz::pg {

namespace {

RowPlan* plans = nullptr;

MemoryContext plans_context() {
  static MemoryContext context = nullptr;
  if (context == nullptr)
    context = AllocSetContextCreate(TopMemoryContext, "pz row plans", ALLOCSET_SMALL_SIZES);
  return context;
}

void plan_value(Oid type, ValuePlan* plan) {
  Oid base = getBaseType(type);
  Oid output;
  bool is_varlena;
  getTypeOutputInfo(base, &output, &is_varlena);
  fmgr_info_cxt(output, &plan->output, CurrentMemoryContext);
  plan->element = nullptr;
  switch (base) {
    case TEXTOID:
    case VARCHAROID:
    case BPCHAROID:
      plan->kind = ValueKind::kString;
      return;
    case INT2OID:
      plan->kind = ValueKind::kInt2;
      return;
    case INT4OID:
      plan->kind = ValueKind::kInt4;
      return;
    case INT8OID:
      plan->kind = ValueKind::kInt8;
      return;
    case FLOAT4OID:
      plan->kind = ValueKind::kFloat4;
      return;
    case FLOAT8OID:
      plan->kind = ValueKind::kFloat8;
      return;
    case NUMERICOID:
      plan->kind = ValueKind::kNumeric;
      return;
    case BOOLOID:
      plan->kind = ValueKind::kBool;
      return;
    case JSONBOID:
      plan->kind = ValueKind::kJsonb;
      return;
    case JSONOID:
      plan->kind = ValueKind::kJson;
      return;
    default:
      break;
  }
  if (type_is_rowtype(base)) {
    plan->kind = ValueKind::kComposite;
    return;
  }
  Oid element = get_element_type(base);
  if (element != InvalidOid) {
    plan->kind = ValueKind::kArray;
    plan->element_type = element;
    get_typlenbyvalalign(element, &plan->element_length, &plan->element_by_value,
                         &plan->element_align);
    plan->element = static_cast<ValuePlan*>(palloc(sizeof(ValuePlan)));
    plan_value(element, plan->element);
    return;
  }
  plan->kind = ValueKind::kOther;
}

int find_column(TupleDesc descriptor, const char* name) {
  for (int i = 0; i < descriptor->natts; ++i) {
    Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
    if (!attribute->attisdropped && strcmp(NameStr(attribute->attname), name) == 0) return i;
  }
  return -1;
}

// jsonb's order of object keys, so that a row's features come in the order
// its jsonb form's would (and scores add up in the same order).
int compare_columns(const void* a, const void* b) {
  const char* left = static_cast<const ColumnPlan*>(a)->name;
  const char* right = static_cast<const ColumnPlan*>(b)->name;
  size_t left_length = strlen(left);
  size_t right_length = strlen(right);
  if (left_length != right_length) return left_length < right_length ? -1 : 1;
  return memcmp(left, right, left_length);
}

void add_feature(RowPlan* plan, TupleDesc descriptor, int attribute) {
  ColumnPlan* column = &plan->features[plan->feature_count++];
  column->name = pstrdup(NameStr(TupleDescAttr(descriptor, attribute)->attname));
  column->name_length = static_cast<uint32_t>(strlen(column->name));
  column->attribute = attribute;
  column->key = hash_key(column->name);
  plan_value(TupleDescAttr(descriptor, attribute)->atttypid, &column->value);
}

// Built in a context of its own under the caller's, moved under the cache's
// only when complete: an error half-way leaves nothing behind.
RowPlan* build_row_plan(Oid type, int32 typmod, uint64 identifier, const RowColumns* columns) {
  MemoryContext context =
      AllocSetContextCreate(CurrentMemoryContext, "pz row plan", ALLOCSET_SMALL_SIZES);
  MemoryContext caller = MemoryContextSwitchTo(context);
  RowPlan* plan = static_cast<RowPlan*>(palloc0(sizeof(RowPlan)));
  plan->context = context;
  plan->type = type;
  plan->typmod = typmod;
  plan->identifier = identifier;
  static uint64 plans_built = 0;
  plan->serial = ++plans_built;
  TupleDesc descriptor = lookup_rowtype_tupdesc_copy(type, typmod);
  plan->descriptor = descriptor;
  plan->key_attribute = -1;
  plan->features = static_cast<ColumnPlan*>(palloc0(sizeof(ColumnPlan) * (descriptor->natts + 1)));
  if (columns != nullptr) {
    plan->signature = static_cast<char*>(palloc(columns->signature_length));
    memcpy(plan->signature, columns->signature, columns->signature_length);
    plan->signature_length = columns->signature_length;
    plan->key_attribute = find_column(descriptor, columns->key);
    if (plan->key_attribute < 0)
      ereport(ERROR,
              (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
               errmsg("the actions' row type %s has no key column \"%s\"", format_type_be(type),
                      columns->key),
               errhint("Set the loop's action_key to the column that holds the action id.")));
    plan_value(TupleDescAttr(descriptor, plan->key_attribute)->atttypid, &plan->key_value);
  }
  if (columns != nullptr && columns->features != nullptr) {
    for (int i = 0; i < columns->feature_count; ++i) {
      int attribute = find_column(descriptor, columns->features[i]);
      if (attribute < 0)
        ereport(
            ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
             errmsg("column \"%s\" of setting action_features is not a column of the actions' row "
                    "type %s",
                    columns->features[i], format_type_be(type)),
             errhint(
                 "Set action_features to columns of the rows given, or to null for all of them.")));
      add_feature(plan, descriptor, attribute);
    }
  } else {
    for (int i = 0; i < descriptor->natts; ++i)
      if (!TupleDescAttr(descriptor, i)->attisdropped && i != plan->key_attribute)
        add_feature(plan, descriptor, i);
  }
  qsort(plan->features, plan->feature_count, sizeof(ColumnPlan), compare_columns);
  MemoryContextSwitchTo(caller);
  MemoryContextSetParent(context, plans_context());
  return plan;
}

}  // namespace

// The cached plan for rows of (type, typmod), rebuilt when the type changed
// (ALTER TABLE, ALTER TYPE: the type cache gives the descriptor a new identity).
const RowPlan* find_row_plan(Oid type, int32 typmod, const RowColumns* columns) {
  uint64 identifier = assign_record_type_identifier(type, typmod);
  for (RowPlan** link = &plans; *link != nullptr; link = &(*link)->next) {
    RowPlan* plan = *link;
    if (plan->type != type || plan->typmod != typmod ||
        (plan->signature == nullptr) != (columns == nullptr))
      continue;
    if (columns != nullptr &&
        (plan->signature_length != columns->signature_length ||
         memcmp(plan->signature, columns->signature, columns->signature_length) != 0))
      continue;
    if (plan->identifier == identifier) return plan;
    *link = plan->next;
    MemoryContextDelete(plan->context);
    break;
  }
  RowPlan* plan = build_row_plan(type, typmod, identifier, columns);
  plan->next = plans;
  plans = plan;
  return plan;
}

}  // namespace pz::pg
