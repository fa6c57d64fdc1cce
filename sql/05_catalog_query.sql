-- The one statement of the README: filter the viable items with SQL, rank them, join back.
CREATE TABLE catalog (sku text PRIMARY KEY, title text, category text, price numeric, in_stock boolean);
INSERT INTO catalog
SELECT 'sku' || i, 'Item ' || i, (ARRAY['toys', 'books', 'garden', 'office'])[1 + i % 4], 5 + (i * 7) % 90, i % 5 <> 0
  FROM generate_series(1, 200) AS i;

CREATE TEMP TABLE shown AS
SELECT c.sku, c.title, c.price, r.rank, r.probability, r.event_id
FROM pz_rank('home_hero',
       '{"user": {"segment": "budget", "tenure_days": 12}, "device": "mobile"}',
       (SELECT jsonb_agg(jsonb_build_object('id', sku,
                 'features', jsonb_build_object('category', category, 'price', price)))
          FROM catalog WHERE in_stock AND price <= 50)) AS r
JOIN catalog c ON c.sku = r.action_id
ORDER BY r.rank;

-- Every viable item ranked once, nothing else; probabilities sum to 1.
SELECT count(*) AS ranked, (SELECT count(*) FROM catalog WHERE in_stock AND price <= 50) AS viable,
       bool_and(price <= 50) AS all_viable, count(DISTINCT rank) = count(*) AS distinct_ranks,
       abs(sum(probability) - 1) < 1e-9 AS sums_to_one, count(DISTINCT event_id) AS events
  FROM shown;
-- With LIMIT: the top of the same kind of ranking.
SELECT count(*) FROM (
  SELECT c.sku FROM pz_rank('home_hero', '{}', (SELECT jsonb_agg(sku) FROM catalog WHERE in_stock)) AS r
  JOIN catalog c ON c.sku = r.action_id ORDER BY r.rank LIMIT 10) AS top;

-- The decision and its reward can be read back.
SELECT pz_reward((SELECT event_id FROM shown LIMIT 1), 1, 'click');
SELECT e.chosen_action = (SELECT sku FROM shown WHERE rank = 1) AS logged_choice,
       cardinality(e.ranking) AS ranked, r.value, r.signal
  FROM pz.events e JOIN pz.rewards r USING (event_id)
 WHERE e.event_id = (SELECT event_id FROM shown LIMIT 1);

-- The planner expects a candidate list of typical size from pz_rank, so the
-- ranking is joined back through the catalog's key rather than by hashing the
-- whole catalog on every call.
SELECT prorows FROM pg_proc WHERE oid = 'pz_rank(text, jsonb, jsonb, jsonb)'::regprocedure;
CREATE TABLE big_catalog AS SELECT 'sku' || i AS sku, i % 7 = 0 AS featured FROM generate_series(1, 20000) AS i;
ALTER TABLE big_catalog ADD PRIMARY KEY (sku);
ANALYZE big_catalog;
EXPLAIN (COSTS OFF)
SELECT c.sku, r.rank
FROM pz_rank('home_hero', '{}', '["sku1", "sku2"]', '{"learn": false}') AS r
JOIN big_catalog c ON c.sku = r.action_id
ORDER BY r.rank LIMIT 10;
DROP TABLE big_catalog;

-- The logged documents (and the candidates, when large) are compressed with lz4 (fast to write and to read back).
SELECT attname, attcompression FROM pg_attribute
 WHERE attrelid = 'pz.decisions'::regclass AND attname IN ('context', 'candidates') ORDER BY attname;
