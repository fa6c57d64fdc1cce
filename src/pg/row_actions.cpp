#include "pg/row_actions.hpp"

#include <cstring>
#include <string_view>

#include "pg/row_plans.hpp"

extern "C" {
#include "access/htup_details.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
}

// PostgreSQL side throughout (plain C: may ereport anywhere); called under pg_call().
namespace pz::pg {

namespace {

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
void emit_array_dimension(const ValuePlan* element, int dimension, int dimensions,
                          const int* lengths, const Datum* values, const bool* nulls, int* index,
                          TokenBuffer* tokens) {
  push_token(tokens, TokenKind::kBeginArray);
  for (int i = 0; i < lengths[dimension]; ++i) {
    if (dimension + 1 < dimensions) {
      emit_array_dimension(element, dimension + 1, dimensions, lengths, values, nulls, index,
                           tokens);
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
  deconstruct_array(array, plan->element_type, plan->element_length, plan->element_by_value,
                    plan->element_align, &values, &nulls, &count);
  if (ARR_NDIM(array) == 0) {
    push_token(tokens, TokenKind::kBeginArray);
    push_token(tokens, TokenKind::kEndArray);
    return;
  }
  int index = 0;
  emit_array_dimension(plan->element, 0, ARR_NDIM(array), ARR_DIMS(array), values, nulls, &index,
                       tokens);
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
  const RowPlan* plan =
      find_row_plan(HeapTupleHeaderGetTypeId(row), HeapTupleHeaderGetTypMod(row), nullptr);
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
      emit_number(static_cast<double>(number), NumberSource::kInteger, Int64GetDatum(number),
                  tokens);
      break;
    }
    case ValueKind::kInt4: {
      int64 number = DatumGetInt32(value);
      emit_number(static_cast<double>(number), NumberSource::kInteger, Int64GetDatum(number),
                  tokens);
      break;
    }
    case ValueKind::kInt8: {
      int64 number = DatumGetInt64(value);
      emit_number(static_cast<double>(number), NumberSource::kInteger, Int64GetDatum(number),
                  tokens);
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
      emit_number(numeric_to_double(number), NumberSource::kNumeric, NumericGetDatum(number),
                  tokens);
      break;
    }
    case ValueKind::kBool:
      push_token(tokens, TokenKind::kBool)->boolean = DatumGetBool(value);
      break;
    case ValueKind::kJsonb:
      append_jsonb_tokens(DatumGetJsonbP(value), tokens);
      break;
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
    case NumberSource::kInteger:
      return int64_to_numeric(DatumGetInt64(token->datum));
    case NumberSource::kFloat4:
    case NumberSource::kFloat8: {
      // As to_jsonb writes a float: its shortest exact text, read as numeric.
      Datum text = token->source == NumberSource::kFloat4
                       ? DirectFunctionCall1(float4out, token->datum)
                       : DirectFunctionCall1(float8out, token->datum);
      return DatumGetNumeric(
          DirectFunctionCall3(numeric_in, text, ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
    }
    case NumberSource::kNumeric:
      break;
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
        pushJsonbValue(state,
                       token->kind == TokenKind::kBeginArray ? WJB_BEGIN_ARRAY : WJB_BEGIN_OBJECT,
                       nullptr);
        continue;
      case TokenKind::kEndObject:
      case TokenKind::kEndArray:
        --depth;
        pushJsonbValue(state, token->kind == TokenKind::kEndArray ? WJB_END_ARRAY : WJB_END_OBJECT,
                       nullptr);
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
      case TokenKind::kNull:
        value.type = jbvNull;
        break;
    }
    pushJsonbValue(state, token->kind == TokenKind::kKey ? WJB_KEY : scalar, &value);
  } while (depth > 0);
}

// Whether a value's document is a function of its bytes alone. The others
// are written with output functions or settings of the session (enums'
// labels, floats' digits, nested rows' types), and are read every time.
bool stable_value(ValueKind kind) {
  switch (kind) {
    case ValueKind::kString:
    case ValueKind::kInt2:
    case ValueKind::kInt4:
    case ValueKind::kInt8:
    case ValueKind::kNumeric:
    case ValueKind::kBool:
    case ValueKind::kJsonb:
      return true;
    default:
      return false;
  }
}

bool cacheable_plan(const RowPlan* plan) {
  if (plan->signature == nullptr || !stable_value(plan->key_value.kind)) return false;
  for (int i = 0; i < plan->feature_count; ++i)
    if (!stable_value(plan->features[i].value.kind)) return false;
  return true;
}

// Whether every row is there, of the first one's type, and stored plainly
// (its bytes as a key): only then are the rows looked up.
bool rows_of_one_type(const Datum* rows, const bool* nulls, int count) {
  Oid type = InvalidOid;
  int32 typmod = -1;
  for (int i = 0; i < count; ++i) {
    if (nulls[i] || VARATT_IS_EXTENDED(DatumGetPointer(rows[i]))) return false;
    HeapTupleHeader row = reinterpret_cast<HeapTupleHeader>(DatumGetPointer(rows[i]));
    if (i == 0) {
      type = HeapTupleHeaderGetTypeId(row);
      typmod = HeapTupleHeaderGetTypMod(row);
    } else if (HeapTupleHeaderGetTypeId(row) != type || HeapTupleHeaderGetTypMod(row) != typmod) {
      return false;
    }
  }
  return true;
}

// Looks row `i` up in `cache` by its key, first at its position in the
// previous call (no hashing), then by hash (kept in key_hashes for adding
// it): true if found (its entry and id set).
bool find_cached_row(ActionCache* cache, const RowPlan* plan, HeapTupleHeader row, int i, RowActions* out) {
  const RowKey key = row_key(plan, row);
  const size_t entry = cache->look_up(static_cast<size_t>(i), key.head(), key.body, &out->key_hashes[i]);
  out->entries[i] = entry;
  if (entry == ActionCache::kNone) return false;
  const std::string_view id = cache->id(entry);
  out->ids[i] = id.data();
  out->id_lengths[i] = static_cast<int>(id.size());
  out->features_token[i] = 0;
  return true;
}

void push_string(JsonbParseState** state, JsonbIteratorToken kind, const char* text, int length) {
  JsonbValue value;
  value.type = jbvString;
  value.val.string.val = const_cast<char*>(text);
  value.val.string.len = length;
  pushJsonbValue(state, kind, &value);
}

}  // namespace

RowKey row_key(const RowPlan* plan, HeapTupleHeader row) {
  RowKey key;
  const uint16 attributes = HeapTupleHeaderGetNatts(row);
  const char has_nulls = (row->t_infomask & HEAP_HASNULL) != 0 ? 'n' : '-';
  memcpy(key.head_bytes, &plan->serial, sizeof plan->serial);
  memcpy(key.head_bytes + sizeof plan->serial, &attributes, sizeof attributes);
  key.head_bytes[sizeof plan->serial + sizeof attributes] = has_nulls;
  const size_t from = offsetof(HeapTupleHeaderData, t_bits);
  key.body = std::string_view(reinterpret_cast<const char*>(row) + from, HeapTupleHeaderGetDatumLength(row) - from);
  return key;
}

void check_row_array_type(Oid array_type) {
  Oid element = get_element_type(array_type);
  if (element == InvalidOid || !type_is_rowtype(getBaseType(element)))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("actions must be an array of rows (of a composite type), not %s",
                           format_type_be(array_type)),
                    errhint("Pass ARRAY(SELECT c FROM catalog c WHERE ...) or array_agg(c).")));
}

void read_row_actions(ArrayType* actions, const RowColumns* columns, ActionCache* cache,
                      TokenBuffer* tokens, RowActions* out) {
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
  out->plan = nullptr;
  out->entries = nullptr;
  bool look_up = cache != nullptr && rows_of_one_type(rows, nulls, count);
  const RowPlan* plan = nullptr;
  Datum* values = nullptr;
  bool* value_nulls = nullptr;
  for (int i = 0; i < count; ++i) {
    if (nulls[i])
      ereport(ERROR,
              (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("action %d is null", i + 1)));
    HeapTupleHeader row = DatumGetHeapTupleHeader(rows[i]);
    Oid type = HeapTupleHeaderGetTypeId(row);
    int32 typmod = HeapTupleHeaderGetTypMod(row);
    // Rows of one array share their type (records may differ in their typmod).
    if (plan == nullptr || plan->type != type || plan->typmod != typmod) {
      plan = find_row_plan(type, typmod, columns);
      out->plan = i == 0 ? plan : nullptr;  // a second plan: the rows' types differ
      // An object, and a key and a scalar value for each feature column, per row.
      reserve_tokens(tokens, static_cast<size_t>(count) * (2 * plan->feature_count + 2) + 16);
      values = static_cast<Datum*>(palloc(sizeof(Datum) * (plan->descriptor->natts + 1)));
      value_nulls = static_cast<bool*>(palloc(sizeof(bool) * (plan->descriptor->natts + 1)));
      look_up = look_up && cacheable_plan(plan);  // one plan for every row (rows_of_one_type)
      if (look_up) {
        out->entries = static_cast<size_t*>(palloc(sizeof(size_t) * count));
        out->key_hashes = static_cast<uint64*>(palloc(sizeof(uint64) * count));
      }
    }
    if (look_up && find_cached_row(cache, plan, row, i, out)) continue;
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
