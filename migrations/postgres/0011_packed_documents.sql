-- Documents are stored packed (zstd against the order schema's vocabulary, see
-- src/store/packed_documents.rs): about 40% of their JSON (docs/performance.md, step 22). The
-- documents already stored stay plain JSON, as bytes, which readers tell from a packed one by its
-- first byte (`{`); later imports pack theirs.
ALTER TABLE order_changes ALTER COLUMN doc TYPE bytea USING convert_to(doc, 'UTF8');
