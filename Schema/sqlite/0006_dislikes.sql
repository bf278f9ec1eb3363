-- "Not interested" (POST /dislikes, docs/DESIGN.md §3.2): one row per title a user ruled out,
-- until they take it back (DELETE /dislikes/{user_id}/{anime_id} deletes the row). Apart from
-- user_anime, so that a title the user never touched otherwise leaves nothing behind when the verdict
-- is taken back. Read with the user's interactions, in the same statement; bounded by the catalogue.
CREATE TABLE user_dislikes (
    user_id  INTEGER NOT NULL,
    anime_id INTEGER NOT NULL,
    at_ms    INTEGER NOT NULL,        -- when the user said it, ms since 1970
    PRIMARY KEY (user_id, anime_id)
) WITHOUT ROWID;
