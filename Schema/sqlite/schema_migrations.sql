-- The migration runner's own bookkeeping: which numbered files were applied, with their checksum
-- (FNV-1a 64 of the file's bytes, 16 hex digits).
CREATE TABLE IF NOT EXISTS schema_migrations (
    name       TEXT PRIMARY KEY,
    checksum   TEXT,
    applied_at INTEGER NOT NULL
);
