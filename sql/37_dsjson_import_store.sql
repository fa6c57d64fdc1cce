-- pz_import_dsjson stores each distinct candidate document once (hashed by
-- the import itself, as pz_rank does) and refuses a document whose content
-- hash is stored with other content.
SET TimeZone = 'UTC';
SELECT name FROM pz_create_loop('dsjson_store');
\set two_lines '{"_label_cost":-1,"_label_probability":0.8,"_labelIndex":0,"o":[{"v":1}],"EventId":"e1","a":[1,2],"c":{"u":{"s":"a"},"_multi":[{"_tag":"kettle","i":{"c":"kitchen"}},{"_tag":"mug","i":{"c":"kitchen"}}]},"p":[0.8,0.2]}\n{"_label_cost":0,"_label_probability":0.3,"_labelIndex":1,"o":[],"EventId":"e2","a":[2,1],"c":{"u":{"s":"b"},"_multi":[{"_tag":"kettle","i":{"c":"kitchen"}},{"_tag":"mug","i":{"c":"kitchen"}}]},"p":[0.3,0.7]}'
\set third_line '{"_label_cost":0,"_label_probability":0.5,"_labelIndex":0,"EventId":"e3","a":[1,2],"c":{"u":{"s":"c"},"_multi":[{"_tag":"mug","i":{"c":"kitchen"}},{"_tag":"teapot","i":{"c":"kitchen"}}]},"p":[0.5,0.5]}'
BEGIN;
SELECT pz_import_dsjson('dsjson_store', :'two_lines')->'imported' AS imported;
SELECT pz_import_dsjson('dsjson_store', :'third_line')->'imported' AS imported;
COMMIT;
-- Three documents for four candidates of the same content, each once.
SELECT a.action_id, a.action, a.action_hash = pz.action_hash(a.action) AS hashed
  FROM pz.actions a JOIN pz.loops l USING (loop_id) WHERE l.name = 'dsjson_store' ORDER BY a.action_id;
-- The events read back through the view: candidates in line order, ranking by id.
SELECT e.chosen_action, e.ranking, e.actions,
       ARRAY(SELECT array_position(pz.candidate_numbers(d.candidates), r.number)
               FROM unnest(pz.ranked_numbers(d.candidates)) WITH ORDINALITY AS r(number, k) ORDER BY r.k) AS positions
  FROM pz.events e JOIN pz.decisions d USING (event_id) JOIN pz.loops l ON l.loop_id = e.loop_id
 WHERE l.name = 'dsjson_store' ORDER BY e.created_at, e.chosen_action, e.ranking;
-- A document whose hash is taken by other content (forged here): 22000, nothing imported.
SELECT name FROM pz_create_loop('dsjson_clash');
INSERT INTO pz.actions (loop_id, action_hash, action_id, action)
SELECT l.loop_id, pz.action_hash('{"id": "kettle", "features": {"i": {"c": "kitchen"}}}'), 'kettle', '"other"'
  FROM pz.loops l WHERE l.name = 'dsjson_clash';
SELECT pz_import_dsjson('dsjson_clash', :'two_lines');
SELECT count(*) AS events FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'dsjson_clash';
