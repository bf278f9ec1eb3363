-- The embedded store's first schema: the same tables as the Cassandra model (docs/DESIGN.md §3),
-- keyed the same way. SQLite puts run_id first in run-scoped keys so an old run is dropped with one
-- range delete; Cassandra puts it in the partition key instead.

CREATE TABLE anime (
    anime_id INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    genres   TEXT NOT NULL,          -- genres joined with ', ' as in the Kaggle file
    type     TEXT,
    episodes INTEGER,
    rating   REAL,
    members  INTEGER NOT NULL
);

CREATE TABLE user_events (
    user_id    INTEGER NOT NULL,
    day        INTEGER NOT NULL,      -- yyyymmdd, UTC
    event_id   BLOB    NOT NULL,      -- 16-byte UUID, time-based when the server made it
    anime_id   INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,      -- ms; the TTL of the Cassandra table
    PRIMARY KEY (user_id, day, event_id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX user_events_by_id ON user_events (event_id);

CREATE TABLE user_anime (
    user_id  INTEGER NOT NULL,
    anime_id INTEGER NOT NULL,
    rating   INTEGER,                 -- 1..10, NULL when not rated
    liked    INTEGER,                 -- 1/0, NULL when unknown
    events   INTEGER NOT NULL DEFAULT 0,
    last_at  INTEGER,                 -- ms, NULL for imported history
    PRIMARY KEY (user_id, anime_id)
) WITHOUT ROWID;

CREATE TABLE anime_daily_counts (
    day      INTEGER NOT NULL,
    anime_id INTEGER NOT NULL,
    clicks   INTEGER NOT NULL DEFAULT 0,
    views    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, anime_id)
) WITHOUT ROWID;

CREATE TABLE model_runs (
    run_id     TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    ranker     TEXT                   -- JSON RankerWeights
);

CREATE TABLE live_run (
    model  TEXT PRIMARY KEY,          -- always 'default'
    run_id TEXT NOT NULL
);

CREATE TABLE anime_neighbors (
    run_id      TEXT    NOT NULL,
    anime_id    INTEGER NOT NULL,
    rank        INTEGER NOT NULL,
    neighbor_id INTEGER NOT NULL,
    score       REAL    NOT NULL,
    PRIMARY KEY (run_id, anime_id, rank)
) WITHOUT ROWID;

CREATE TABLE user_candidates (
    run_id   TEXT    NOT NULL,
    user_id  INTEGER NOT NULL,
    rank     INTEGER NOT NULL,
    anime_id INTEGER NOT NULL,
    score    REAL    NOT NULL,
    reason   TEXT    NOT NULL,
    PRIMARY KEY (run_id, user_id, rank)
) WITHOUT ROWID;

CREATE TABLE ranked_lists (
    run_id   TEXT    NOT NULL,
    list_key TEXT    NOT NULL,
    rank     INTEGER NOT NULL,
    anime_id INTEGER NOT NULL,
    score    REAL    NOT NULL,
    PRIMARY KEY (run_id, list_key, rank)
) WITHOUT ROWID;
