-- New loops decay their per-feature learning rates more slowly (power_t 0.25
-- instead of 0.5): at 0.5 a loop that has learned for long barely follows a
-- change of tastes (bench/learning_suite.cpp, README "Choosing the
-- defaults"). Loops that exist keep the value they hold.
UPDATE pz.setting_rules SET default_value = '0.25' WHERE key = 'power_t';
