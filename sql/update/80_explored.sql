-- Exploration made visible: each event records whether its rank-1 action
-- was an exploration (scored below the model's best). pz_rank's option
-- "exploration" sets the epsilon of one decision (0: the model's best).
ALTER TABLE pz.events ADD COLUMN explored boolean;
COMMENT ON COLUMN pz.events.explored IS 'Whether the rank-1 action was an exploration: scored below the best action of the deciding model (an action tied for the best is not). NULL for events logged before 0.2.0 and for imported ones.';
