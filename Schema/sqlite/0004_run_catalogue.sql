-- The catalogue as a run saw it, written by rebuild with the run: the service's in-memory
-- catalogue (search, names and genres in lists) is loaded from the live run's copy, so it is
-- immutable within a run and the same on every replica. Dropped with the run.
CREATE TABLE run_catalogue (
    run_id   TEXT    NOT NULL,
    anime_id INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    genres   TEXT    NOT NULL,               -- ", "-separated, as in anime
    type     TEXT,
    episodes INTEGER,
    rating   REAL,
    members  INTEGER NOT NULL,
    PRIMARY KEY (run_id, anime_id)
) WITHOUT ROWID;
