-- Documents are stored packed (zstd against the order schema's vocabulary, see
-- src/store/packed_documents.rs): about 40% of their JSON, where they were half of the file
-- (docs/performance.md, step 22). A STRICT table's column cannot change type in place, so the
-- change log is copied into one whose `doc` is a BLOB. The documents already stored stay plain
-- JSON, which readers tell from a packed one by its first byte (`{`); later imports pack theirs.
CREATE TABLE order_changes_packed (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    changed_at   INTEGER NOT NULL,
    doc          BLOB NOT NULL
) STRICT;
INSERT INTO order_changes_packed (seq, customer_id, order_id, changed_at, doc)
    SELECT seq, customer_id, order_id, changed_at, CAST(doc AS BLOB) FROM order_changes ORDER BY seq;
-- AUTOINCREMENT never hands out a number twice, even one whose change is gone: the copy carries
-- the old table's counter on.
DELETE FROM sqlite_sequence WHERE name = 'order_changes_packed';
INSERT INTO sqlite_sequence (name, seq) SELECT 'order_changes_packed', seq FROM sqlite_sequence WHERE name = 'order_changes';
DROP TABLE order_changes;
ALTER TABLE order_changes_packed RENAME TO order_changes;
CREATE INDEX order_changes_by_order ON order_changes (customer_id, order_id, seq);
