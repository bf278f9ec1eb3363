-- Impressions (POST /impressions, docs/DESIGN.md §3.2): the hours in which pages showed a title to
-- a user, what impression fatigue is counted from. One row per user, title and hour (a title
-- shown again in the same hour keeps its newest time), so a retried or reloaded batch changes
-- nothing. Rows live 14 days: reads skip older ones, and each batch deletes its user's expired
-- rows. Read with the user's interactions, in the same statement, newest first through the index
-- below (a walk, not a sort of every row the user has).
CREATE TABLE user_impressions (
    user_id  INTEGER NOT NULL,
    anime_id INTEGER NOT NULL,
    hour     INTEGER NOT NULL,        -- hours since 1970
    at_ms    INTEGER NOT NULL,        -- the newest time shown in that hour, ms since 1970
    PRIMARY KEY (user_id, anime_id, hour)
) WITHOUT ROWID;

CREATE INDEX user_impressions_recent ON user_impressions (user_id, at_ms);
