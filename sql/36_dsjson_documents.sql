-- The documents an import stores are built as jsonb value trees, not parsed
-- from text: they must be the very jsonb that parsing their text gives (keys
-- in jsonb's order, repeated keys once, nested objects inside arrays, numbers
-- exact), so that key lookups and comparisons find every member.
SET TimeZone = 'UTC';
\getenv abs_srcdir PG_ABS_SRCDIR
\set sample_file :abs_srcdir '/tests/data/dsjson/sample.dsjson'
\set sample `cat :sample_file`
SELECT name FROM pz_create_loop('dsjson_docs');
SELECT pz_import_dsjson('dsjson_docs', :'sample') ->> 'imported' AS imported;
-- Keys out of order and of every length, a repeated key (the last one stays),
-- objects inside arrays inside objects, numbers beyond a double's digits.
SELECT pz_import_dsjson('dsjson_docs', $dsjson$
{"EventId":"doc-1","_label_cost":-1,"_label_probability":0.5,"_label_Action":1,"a":[1,2],"p":[0.5,0.5],"c":{"zz":{"b":1,"a":2,"aa":3,"a":4},"y":[{"q":1,"p":[{"z":1,"y":2}]},2,"x"],"n":{"big":12345678901234567890,"dec":0.1000000000000000055511151231257827,"neg":-0.0,"e":1e-7},"_hidden":1,"user":{"segment":"pro","tenure":3,"a_longer_key":true,"k":null},"_multi":[{"_tag":"one","item":{"size":"L","color":"red","c":"x"}},{"_tag":"two","item":{"color":"blue"},"extra":{"b":[1,{"d":4,"c":3}]}}]}}
$dsjson$) ->> 'imported' AS imported;
SELECT count(*) AS events,
       count(*) FILTER (WHERE e.context = e.context::text::jsonb AND e.actions = e.actions::text::jsonb) AS same_as_parsed,
       count(*) FILTER (WHERE e.context::text = e.context::text::jsonb::text) AS same_text
  FROM pz.events e JOIN pz.loops l USING (loop_id) WHERE l.name = 'dsjson_docs';
SELECT e.context, e.actions,
       e.context #> '{zz,a}' AS zz_a, e.context #> '{y,0,p,0,y}' AS y_p_y, e.context #> '{n,big}' AS big,
       e.context #> '{user,a_longer_key}' AS longer, e.actions #> '{1,features,extra,b,1,c}' AS extra_c,
       e.context @> '{"user": {"segment": "pro"}}' AS contains_segment
  FROM pz.events e JOIN pz.loops l USING (loop_id)
 WHERE l.name = 'dsjson_docs' AND e.event_id = (SELECT event_id FROM pz.events e2 JOIN pz.loops l2 USING (loop_id)
                                                 WHERE l2.name = 'dsjson_docs' AND e2.context ? 'zz');
SELECT pz_drop_loop('dsjson_docs');
