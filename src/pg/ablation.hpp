// Features of a logged decision with some namespaces (or keys of them) left
// out: what feature importance replays to measure what each one is worth.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/document.hpp"
#include "core/features.hpp"
#include "pg/jsonb_tokens.hpp"
#include "pg/rank_request.hpp"

namespace pz::pg {

// What to leave out of one document: whole namespaces, or "namespace.key".
struct DocumentAblation {
  std::vector<std::string> namespaces;
  std::vector<std::pair<std::string, std::string>> keys;
  bool empty() const { return namespaces.empty() && keys.empty(); }
};

// Passes a document on to `next` without the values the ablation names.
class AblatingHandler : public DocumentHandler {
 public:
  AblatingHandler(DocumentHandler& next, const DocumentAblation& ablation)
      : next_(next), ablation_(ablation) {}
  void begin_object() override;
  void end_object() override;
  void begin_array() override;
  void end_array() override;
  void key(std::string_view name) override;
  void string_value(std::string_view value) override;
  void number_value(double value) override;
  void bool_value(bool value) override;
  void null_value() override;

 private:
  bool swallow_scalar();
  bool swallow_open();
  bool swallow_close();
  bool drops(std::string_view name_space, std::string_view key) const;

  DocumentHandler& next_;
  const DocumentAblation& ablation_;
  int depth_ = 0;           // containers open in the forwarded document
  std::string namespace_;   // top-level key being forwarded
  bool drop_next_ = false;  // the value after a dropped key
  int dropping_ = 0;        // containers open inside a dropped value
};

void featurize_context_without(JsonTokens context, const DocumentAblation& ablation,
                               FeatureSet& out);
// `drop_id`: leave out the action id namespace too.
void featurize_action_without(JsonTokens actions, const Candidate& candidate,
                              const DocumentAblation& ablation, bool drop_id, FeatureSet& out);

}  // namespace pz::pg
