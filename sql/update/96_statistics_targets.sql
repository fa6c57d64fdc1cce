-- No column statistics for the two wide columns of pz.decisions. ANALYZE of
-- the log spent two thirds of its time on them (420 ms of a 300,000-event
-- log's, 160 ms without): sorting a sample of contexts and of encoded
-- candidates. The candidates are opaque bytes no query filters on; the
-- contexts' statistics serve only the estimate of a containment filter
-- (context @> ...), and an append-only log that grows by thousands of events a
-- second is analyzed every few seconds by autovacuum. A DBA whose analysts
-- filter on context can restore them:
--   ALTER TABLE pz.decisions ALTER COLUMN context SET STATISTICS -1;
ALTER TABLE pz.decisions ALTER COLUMN candidates SET STATISTICS 0;
ALTER TABLE pz.decisions ALTER COLUMN context SET STATISTICS 0;
