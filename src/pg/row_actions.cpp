#include "pg/row_actions.hpp"

#include <cstring>

#include "core/features.hpp"

extern "C" {
#include "access/htup_details.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/typcache.h"
}

// PostgreSQL side throughout (plain C: may ereport anywhere); called under pg_call().
namespace pz::pg {

namespace {

// How a value of one type becomes tokens: as to_jsonb() would write it.
enum class ValueKind : uint8_t {
  kString,  // text, varchar, char(n): the bytes themselves
  kOther,   // enums and every other scalar type: the output function's text
  kInt2,
  kInt4,
  kInt8,
  kFloat4,
  kFloat8,
  kNumeric,
  kBool,
  kJsonb,
  kJson,
  kArray,
  kComposite,  // a nested row: an object of its columns
};

struct ValuePlan {
  ValueKind kind;
  FmgrInfo output;  // the base type's output function
  // kArray: the element type and how to read it
  Oid element_type;
  int16 element_length;
  bool element_by_value;
  char element_align;
  ValuePlan* element;
};

struct ColumnPlan {
  const char* name;
  uint32_t name_length;
  int attribute;  // index in the deformed row
  HashedKey key;  // hashed once, used for top-level keys
  ValuePlan value;
};

// One row type read with one choice of columns, in its own memory context.
struct RowPlan {
  RowPlan* next;
  MemoryContext context;
  Oid type;
  int32 typmod;
  uint64 identifier;  // the type cache's tuple descriptor identity when built
  char* signature;    // nullptr for nested rows (every column)
  size_t signature_length;
  TupleDesc descriptor;
  int key_attribute;  // -1: none (nested rows)
  ValuePlan key_value;
  ColumnPlan* features;  // in jsonb's key order (shorter names first, then bytewise)
  int feature_count;
};

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
    case BPCHAROID: plan->kind = ValueKind::kString; return;
    case INT2OID: plan->kind = ValueKind::kInt2; return;
    case INT4OID: plan->kind = ValueKind::kInt4; return;
    case INT8OID: plan->kind = ValueKind::kInt8; return;
    case FLOAT4OID: plan->kind = ValueKind::kFloat4; return;
    case FLOAT8OID: plan->kind = ValueKind::kFloat8; return;
    case NUMERICOID: plan->kind = ValueKind::kNumeric; return;
    case BOOLOID: plan->kind = ValueKind::kBool; return;
    case JSONBOID: plan->kind = ValueKind::kJsonb; return;
    case JSONOID: plan->kind = ValueKind::kJson; return;
    default: break;
  }
  if (type_is_rowtype(base)) {
    plan->kind = ValueKind::kComposite;
    return;
  }
  Oid element = get_element_type(base);
  if (element != InvalidOid) {
    plan->kind = ValueKind::kArray;
    plan->element_type = element;
    get_typlenbyvalalign(element, &plan->element_length, &plan->element_by_value, &plan->element_align);
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
  MemoryContext context = AllocSetContextCreate(CurrentMemoryContext, "pz row plan", ALLOCSET_SMALL_SIZES);
  MemoryContext caller = MemoryContextSwitchTo(context);
  RowPlan* plan = static_cast<RowPlan*>(palloc0(sizeof(RowPlan)));
  plan->context = context;
  plan->type = type;
  plan->typmod = typmod;
  plan->identifier = identifier;
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
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("the actions' row type %s has no key column \"%s\"", format_type_be(type), columns->key),
                      errhint("Set the loop's action_key to the column that holds the action id.")));
    plan_value(TupleDescAttr(descriptor, plan->key_attribute)->atttypid, &plan->key_value);
  }
  if (columns != nullptr && columns->features != nullptr) {
    for (int i = 0; i < columns->feature_count; ++i) {
      int attribute = find_column(descriptor, columns->features[i]);
      if (attribute < 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("column \"%s\" of setting action_features is not a column of the actions' row type %s",
                               columns->features[i], format_type_be(type)),
                        errhint("Set action_features to columns of the rows given, or to null for all of them.")));
      add_feature(plan, descriptor, attribute);
    }
  } else {
    for (int i = 0; i < descriptor->natts; ++i)
      if (!TupleDescAttr(descriptor, i)->attisdropped && i != plan->key_attribute) add_feature(plan, descriptor, i);
  }
  qsort(plan->features, plan->feature_count, sizeof(ColumnPlan), compare_columns);
  MemoryContextSwitchTo(caller);
  MemoryContextSetParent(context, plans_context());
  return plan;
}

// The cached plan for rows of (type, typmod), rebuilt when the type changed
// (ALTER TABLE, ALTER TYPE: the type cache gives the descriptor a new identity).
const RowPlan* find_row_plan(Oid type, int32 typmod, const RowColumns* columns) {
  uint64 identifier = assign_record_type_identifier(type, typmod);
  for (RowPlan** link = &plans; *link != nullptr; link = &(*link)->next) {
    RowPlan* plan = *link;
    if (plan->type != type || plan->typmod != typmod || (plan->signature == nullptr) != (columns == nullptr)) continue;
    if (columns != nullptr && (plan->signature_length != columns->signature_length ||
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

void emit_value(const ValuePlan* plan, Datum value, TokenBuffer* tokens);

void emit_string(const char* text, size_t length, TokenBuffer* tokens) {
  JsonToken* token = push_token(tokens, TokenKind::kString);
  token->text = text;
  token->length = static_cast<uint32_t>(length);
}

void emit_number(double number, NumberSource source, Datum datum, TokenBuffer* tokens) {
  JsonToken* token = push_token(tokens, TokenKind::kNumber);
  token->number = number;
  token->source = source;
  token->datum = datum;
}

// One dimension of an array, as to_jsonb nests multidimensional arrays.
void emit_array_dimension(const ValuePlan* element, int dimension, int dimensions, const int* lengths,
                          const Datum* values, const bool* nulls, int* index, TokenBuffer* tokens) {
  push_token(tokens, TokenKind::kBeginArray);
  for (int i = 0; i < lengths[dimension]; ++i) {
    if (dimension + 1 < dimensions) {
      emit_array_dimension(element, dimension + 1, dimensions, lengths, values, nulls, index, tokens);
    } else {
      if (nulls[*index])
        push_token(tokens, TokenKind::kNull);
      else
        emit_value(element, values[*index], tokens);
      ++*index;
    }
  }
  push_token(tokens, TokenKind::kEndArray);
}

void emit_array(const ValuePlan* plan, Datum value, TokenBuffer* tokens) {
  ArrayType* array = DatumGetArrayTypeP(value);
  Datum* values;
  bool* nulls;
  int count;
  deconstruct_array(array, plan->element_type, plan->element_length, plan->element_by_value, plan->element_align,
                    &values, &nulls, &count);
  if (ARR_NDIM(array) == 0) {
    push_token(tokens, TokenKind::kBeginArray);
    push_token(tokens, TokenKind::kEndArray);
    return;
  }
  int index = 0;
  emit_array_dimension(plan->element, 0, ARR_NDIM(array), ARR_DIMS(array), values, nulls, &index, tokens);
}

// A row's feature columns as an object; NULL columns are left out (a null
// feature is ignored). Top-level keys carry their cached hashes.
void emit_row(const RowPlan* plan, HeapTupleHeader row, Datum* values, bool* nulls, bool top_level,
              TokenBuffer* tokens) {
  HeapTupleData tuple;
  tuple.t_len = HeapTupleHeaderGetDatumLength(row);
  ItemPointerSetInvalid(&tuple.t_self);
  tuple.t_tableOid = InvalidOid;
  tuple.t_data = row;
  heap_deform_tuple(&tuple, plan->descriptor, values, nulls);
  push_token(tokens, TokenKind::kBeginObject);
  for (int i = 0; i < plan->feature_count; ++i) {
    const ColumnPlan* column = &plan->features[i];
    if (nulls[column->attribute]) continue;
    JsonToken* key = push_token(tokens, TokenKind::kKey);
    key->text = column->name;
    key->length = column->name_length;
    key->hashed = top_level ? &column->key : nullptr;
    emit_value(&column->value, values[column->attribute], tokens);
  }
  push_token(tokens, TokenKind::kEndObject);
}

void emit_nested_row(Datum value, TokenBuffer* tokens) {
  HeapTupleHeader row = DatumGetHeapTupleHeader(value);
  const RowPlan* plan = find_row_plan(HeapTupleHeaderGetTypeId(row), HeapTupleHeaderGetTypMod(row), nullptr);
  Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * (plan->descriptor->natts + 1)));
  bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * (plan->descriptor->natts + 1)));
  emit_row(plan, row, values, nulls, false, tokens);
}

void emit_value(const ValuePlan* plan, Datum value, TokenBuffer* tokens) {
  switch (plan->kind) {
    case ValueKind::kString: {
      text* string = DatumGetTextPP(value);
      emit_string(VARDATA_ANY(string), VARSIZE_ANY_EXHDR(string), tokens);
      break;
    }
    case ValueKind::kOther: {
      char* string = OutputFunctionCall(const_cast<FmgrInfo*>(&plan->output), value);
      emit_string(string, strlen(string), tokens);
      break;
    }
    case ValueKind::kInt2: {
      int64 number = DatumGetInt16(value);
      emit_number(static_cast<double>(number), NumberSource::kInteger, Int64GetDatum(number), tokens);
      break;
    }
    case ValueKind::kInt4: {
      int64 number = DatumGetInt32(value);
      emit_number(static_cast<double>(number), NumberSource::kInteger, Int64GetDatum(number), tokens);
      break;
    }
    case ValueKind::kInt8: {
      int64 number = DatumGetInt64(value);
      emit_number(static_cast<double>(number), NumberSource::kInteger, Int64GetDatum(number), tokens);
      break;
    }
    case ValueKind::kFloat4:
      emit_number(DatumGetFloat4(value), NumberSource::kFloat4, value, tokens);
      break;
    case ValueKind::kFloat8:
      emit_number(DatumGetFloat8(value), NumberSource::kFloat8, value, tokens);
      break;
    case ValueKind::kNumeric: {
      Numeric number = DatumGetNumeric(value);
      emit_number(numeric_to_double(number), NumberSource::kNumeric, NumericGetDatum(number), tokens);
      break;
    }
    case ValueKind::kBool: push_token(tokens, TokenKind::kBool)->boolean = DatumGetBool(value); break;
    case ValueKind::kJsonb: append_jsonb_tokens(DatumGetJsonbP(value), tokens); break;
    case ValueKind::kJson: {
      Datum document = DirectFunctionCall1(jsonb_in, CStringGetDatum(TextDatumGetCString(value)));
      append_jsonb_tokens(DatumGetJsonbP(document), tokens);
      break;
    }
    case ValueKind::kArray:
      check_stack_depth();
      emit_array(plan, value, tokens);
      break;
    case ValueKind::kComposite:
      check_stack_depth();
      emit_nested_row(value, tokens);
      break;
  }
}

// The key column's value as an action id: its text.
void read_id(const ValuePlan* plan, Datum value, const char** id, int* length) {
  if (plan->kind == ValueKind::kString) {
    text* string = DatumGetTextPP(value);
    *id = VARDATA_ANY(string);
    *length = static_cast<int>(VARSIZE_ANY_EXHDR(string));
  } else {
    *id = OutputFunctionCall(const_cast<FmgrInfo*>(&plan->output), value);
    *length = static_cast<int>(strlen(*id));
  }
}

Numeric token_numeric(const JsonToken* token) {
  switch (token->source) {
    case NumberSource::kInteger: return int64_to_numeric(DatumGetInt64(token->datum));
    case NumberSource::kFloat4:
    case NumberSource::kFloat8: {
      // As to_jsonb writes a float: its shortest exact text, read as numeric.
      Datum text = token->source == NumberSource::kFloat4 ? DirectFunctionCall1(float4out, token->datum)
                                                          : DirectFunctionCall1(float8out, token->datum);
      return DatumGetNumeric(
          DirectFunctionCall3(numeric_in, text, ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
    }
    case NumberSource::kNumeric: break;
  }
  return DatumGetNumeric(token->datum);
}

// Pushes the value starting at tokens[begin] into a jsonb being built.
void push_tokens(JsonbParseState** state, const JsonToken* tokens, size_t begin) {
  int depth = 0;
  size_t capacity = 8;
  bool* in_array = static_cast<bool*>(palloc(capacity * sizeof(bool)));
  size_t position = begin;
  do {
    const JsonToken* token = &tokens[position++];
    JsonbIteratorToken scalar = depth > 0 && in_array[depth - 1] ? WJB_ELEM : WJB_VALUE;
    JsonbValue value;
    switch (token->kind) {
      case TokenKind::kBeginObject:
      case TokenKind::kBeginArray:
        if (static_cast<size_t>(depth) == capacity) {
          capacity *= 2;
          in_array = static_cast<bool*>(repalloc(in_array, capacity * sizeof(bool)));
        }
        in_array[depth++] = token->kind == TokenKind::kBeginArray;
        pushJsonbValue(state, token->kind == TokenKind::kBeginArray ? WJB_BEGIN_ARRAY : WJB_BEGIN_OBJECT, nullptr);
        continue;
      case TokenKind::kEndObject:
      case TokenKind::kEndArray:
        --depth;
        pushJsonbValue(state, token->kind == TokenKind::kEndArray ? WJB_END_ARRAY : WJB_END_OBJECT, nullptr);
        continue;
      case TokenKind::kKey:
      case TokenKind::kString:
        value.type = jbvString;
        value.val.string.val = const_cast<char*>(token->text);
        value.val.string.len = static_cast<int>(token->length);
        break;
      case TokenKind::kNumber:
        value.type = jbvNumeric;
        value.val.numeric = token_numeric(token);
        break;
      case TokenKind::kBool:
        value.type = jbvBool;
        value.val.boolean = token->boolean;
        break;
      case TokenKind::kNull: value.type = jbvNull; break;
    }
    pushJsonbValue(state, token->kind == TokenKind::kKey ? WJB_KEY : scalar, &value);
  } while (depth > 0);
}

void push_string(JsonbParseState** state, JsonbIteratorToken kind, const char* text, int length) {
  JsonbValue value;
  value.type = jbvString;
  value.val.string.val = const_cast<char*>(text);
  value.val.string.len = length;
  pushJsonbValue(state, kind, &value);
}

}  // namespace

void check_row_array_type(Oid array_type) {
  Oid element = get_element_type(array_type);
  if (element == InvalidOid || !type_is_rowtype(getBaseType(element)))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("actions must be an array of rows (of a composite type), not %s", format_type_be(array_type)),
                    errhint("Pass ARRAY(SELECT c FROM catalog c WHERE ...) or array_agg(c).")));
}

void read_row_actions(ArrayType* actions, const RowColumns* columns, TokenBuffer* tokens, RowActions* out) {
  Oid element_type = ARR_ELEMTYPE(actions);
  int16 length;
  bool by_value;
  char align;
  get_typlenbyvalalign(element_type, &length, &by_value, &align);
  Datum* rows;
  bool* nulls;
  int count;
  deconstruct_array(actions, element_type, length, by_value, align, &rows, &nulls, &count);

  out->count = count;
  out->ids = static_cast<const char**>(palloc(sizeof(char*) * (count + 1)));
  out->id_lengths = static_cast<int*>(palloc(sizeof(int) * (count + 1)));
  out->features_token = static_cast<size_t*>(palloc(sizeof(size_t) * (count + 1)));
  out->items = rows;
  const RowPlan* plan = nullptr;
  Datum* values = nullptr;
  bool* value_nulls = nullptr;
  for (int i = 0; i < count; ++i) {
    if (nulls[i])
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("action %d is null", i + 1)));
    HeapTupleHeader row = DatumGetHeapTupleHeader(rows[i]);
    Oid type = HeapTupleHeaderGetTypeId(row);
    int32 typmod = HeapTupleHeaderGetTypMod(row);
    // Rows of one array share their type (records may differ in their typmod).
    if (plan == nullptr || plan->type != type || plan->typmod != typmod) {
      plan = find_row_plan(type, typmod, columns);
      // An object, and a key and a scalar value for each feature column, per row.
      reserve_tokens(tokens, static_cast<size_t>(count) * (2 * plan->feature_count + 2) + 16);
      values = static_cast<Datum*>(palloc(sizeof(Datum) * (plan->descriptor->natts + 1)));
      value_nulls = static_cast<bool*>(palloc(sizeof(bool) * (plan->descriptor->natts + 1)));
    }
    out->features_token[i] = tokens->size;
    emit_row(plan, row, values, value_nulls, true, tokens);
    if (value_nulls[plan->key_attribute])
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("action %d: key column \"%s\" is null", i + 1, columns->key)));
    read_id(&plan->key_value, values[plan->key_attribute], &out->ids[i], &out->id_lengths[i]);
  }
  out->tokens.tokens = tokens->tokens;
  out->tokens.size = tokens->size;
}


Jsonb* row_actions_jsonb(const RowActions* rows, const size_t* elements, size_t count) {
  JsonbParseState* state = nullptr;
  pushJsonbValue(&state, WJB_BEGIN_ARRAY, nullptr);
  for (size_t i = 0; i < count; ++i) {
    size_t element = elements[i];
    pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
    push_string(&state, WJB_KEY, "id", 2);
    push_string(&state, WJB_VALUE, rows->ids[element], rows->id_lengths[element]);
    push_string(&state, WJB_KEY, "features", 8);
    push_tokens(&state, rows->tokens.tokens, rows->features_token[element]);
    pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
  }
  return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_ARRAY, nullptr));
}

}  // namespace pz::pg
