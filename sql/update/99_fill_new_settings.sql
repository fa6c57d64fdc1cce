-- Loops created before this update get the defaults of the settings it adds
-- (pz.loops.settings always holds every key), keeping their own values.
UPDATE pz.loops SET settings = pz.default_settings() || settings
 WHERE settings <> pz.default_settings() || settings;
SELECT pz.loops_changed();
