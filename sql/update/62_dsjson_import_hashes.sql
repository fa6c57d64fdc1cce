-- pz_import_dsjson hashes the candidates' documents itself and stores in
-- pz.actions only those this backend does not know to be stored (as pz_rank
-- does, src/pg/action_store.cpp): its rows carry the hashes and the ranking
-- as positions, and their `actions` document only when it is compared with
-- an event already logged.
ALTER TYPE pz.dsjson_event
    ADD ATTRIBUTE action_hashes bigint[],
    ADD ATTRIBUTE positions integer[];
