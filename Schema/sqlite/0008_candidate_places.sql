-- Candidate places (docs/DESIGN.md §3.2): a user's precomputed candidates are the union of the
-- item model's list (EASE) and the factor model's (iALS); each row keeps its place in both, the
-- same bytes the ring packs into its candidate rows (`PackedList.appendPlaces`: per model a rank
-- byte, 255 when not listed, and the score as a big-endian Float32). NULL in rows written before
-- this file: such a list reads as the item model's alone, in rank order. Adding a nullable column
-- rewrites nothing.
ALTER TABLE user_candidates ADD COLUMN places BLOB;
