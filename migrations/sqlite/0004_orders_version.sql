-- A number that changes with every import that changes one of the customer's orders, in the
-- import's transaction: answers cached under it stay exact (src/http/answer_cache.rs).
ALTER TABLE customers ADD COLUMN orders_version INTEGER NOT NULL DEFAULT 0;
