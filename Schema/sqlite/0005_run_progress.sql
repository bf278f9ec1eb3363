-- The parts of a run's stages that are fully written (docs/DESIGN.md §3.2): a rebuild started
-- again with the same --run skips them, and activation refuses a run without its 'complete' row.
-- Lists stay one row per entry here (a row is a B-tree cell; the request path reads a user's
-- candidates in the same statement as the history). Dropped with the run.
CREATE TABLE run_progress (
    run_id  TEXT    NOT NULL,
    stage   TEXT    NOT NULL,
    part    INTEGER NOT NULL,
    total   INTEGER NOT NULL,
    done_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, stage, part)
) WITHOUT ROWID;

-- Runs written before this file were activated only when whole.
INSERT INTO run_progress (run_id, stage, part, total, done_at)
    SELECT run_id, 'complete', 0, 1, created_at FROM model_runs;
