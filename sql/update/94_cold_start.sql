-- Cold start: epsilon-greedy gives the share cold_start of its exploration
-- to the actions the model has learned least about for the visit (their id
-- never learned with the visit's features; src/core/model.cpp novelty_all,
-- src/core/policy.cpp), so that a new item is tried soon after it arrives;
-- the rest is spread uniformly as before, and 0 spreads all of it uniformly.
-- Loops that exist keep exploring as they did (0).
INSERT INTO pz.setting_rules (key, default_value, value_check) VALUES
    ('cold_start', '0.5', 'pz.check_number_setting($1, $2, 0, 1)');
UPDATE pz.loops SET settings = settings || '{"cold_start": 0}' WHERE NOT settings ? 'cold_start';
