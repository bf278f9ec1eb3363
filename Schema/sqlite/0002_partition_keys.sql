-- Events are unique inside their (user_id, day) partition only, as on Cassandra, where a table-wide
-- unique index cannot exist: a retried write with the same event id lands on the same row.
DROP INDEX user_events_by_id;

-- Trending counts per hour bucket (hours since 1970, UTC, of the time the service received the
-- event), sharded by anime_id % 4 like the Cassandra counter table. Closed buckets never change.
CREATE TABLE anime_hourly_counts (
    bucket   INTEGER NOT NULL,
    shard    INTEGER NOT NULL,
    anime_id INTEGER NOT NULL,
    clicks   INTEGER NOT NULL DEFAULT 0,
    views    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, shard, anime_id)
) WITHOUT ROWID;

DROP TABLE anime_daily_counts;

-- The live-run pointer carries the run's fields, so reading the live run is one row.
ALTER TABLE live_run ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_run ADD COLUMN ranker TEXT;
UPDATE live_run SET
    created_at = coalesce((SELECT created_at FROM model_runs r WHERE r.run_id = live_run.run_id), 0),
    ranker = (SELECT ranker FROM model_runs r WHERE r.run_id = live_run.run_id);
