// The scenarios of pz-sim --change: what changes in the shop mid-run, and the
// figures that say how the loop followed.
#pragma once

#include <cstdio>
#include <optional>
#include <string_view>
#include <vector>

#include "shop.hpp"
#include "visits.hpp"

namespace pz_sim {

std::optional<Change> parse_change(std::string_view name);
const char* change_name(Change change);

// Fills shop.personas_after, the sold flags and the arriving item from the
// shop's catalog and personas: a drift gives each persona the next one's
// tastes (its signals stay its own), an item clearly better for `persona`
// arrives (new_item_for), a vanish takes each persona's five best items out
// of stock.
void plan_change(Shop& shop, Change change, long change_at, int persona);

// Visits of the trailing mean the recovery is read from.
inline constexpr long kRecoveryWindow = 500;

// The change's figures (also as one "change figures:" line of key=value
// pairs for scripts); nothing without a change.
void print_change_report(std::FILE* out, const std::vector<VisitResult>& results, const Shop& shop,
                         double exploration);

}  // namespace pz_sim
