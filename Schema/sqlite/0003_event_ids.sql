-- Which event each event id names, store-wide: user_events is unique inside its (user_id, day)
-- partition only, so this is what tells a retry (the same user, anime and kind again) from an id
-- reused for a different event (409), across users and days. Rows expire with their event.
CREATE TABLE event_ids (
    event_id   BLOB    NOT NULL PRIMARY KEY,   -- 16-byte UUID
    user_id    INTEGER NOT NULL,
    anime_id   INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    expires_at INTEGER NOT NULL                -- ms; as user_events.expires_at
) WITHOUT ROWID;

INSERT OR IGNORE INTO event_ids (event_id, user_id, anime_id, kind, expires_at)
    SELECT event_id, user_id, anime_id, kind, expires_at FROM user_events;
