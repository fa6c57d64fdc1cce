-- How the learner weighs a logged action's example (Vowpal Wabbit's
-- --cb_type): "mtr" (1/p over the mean number of actions per event, the
-- default DESIGN.md fixes) or "dm" (the direct method: every example weighs
-- 1, which learns faster on pz's simulations but is biased toward what the
-- policy shows; README "Learning and exploration"). The learner reads it
-- (src/core/settings.cpp); 99_fill_new_settings gives existing loops "mtr",
-- what they learned with before.
INSERT INTO pz.setting_rules (key, default_value, value_check) VALUES
    ('cb_type', '"mtr"', 'pz.check_choice_setting($1, $2, ''{mtr,dm}'')');
