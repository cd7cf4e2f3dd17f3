-- An order's served document is the latest entry of its change log, kept once: `orders.doc_seq`
-- points at it, and `order_documents`, which held a second copy of every document (a third of
-- the file), goes (docs/performance.md, step 19). Imports write an order and its change in one
-- transaction, so its latest change already holds its document; one that would not gets a
-- change of its own here first, so that no document is lost.
ALTER TABLE orders ADD COLUMN doc_seq INTEGER;
INSERT INTO order_changes (customer_id, order_id, changed_at, doc)
    SELECT d.customer_id, d.order_id, o.updated_at, d.doc
    FROM order_documents d JOIN orders o ON o.customer_id = d.customer_id AND o.id = d.order_id
    WHERE d.doc IS NOT (
        SELECT c.doc FROM order_changes c
        WHERE c.customer_id = d.customer_id AND c.order_id = d.order_id
        ORDER BY c.seq DESC LIMIT 1
    );
UPDATE orders SET doc_seq = (
    SELECT max(c.seq) FROM order_changes c WHERE c.customer_id = orders.customer_id AND c.order_id = orders.id
);
DROP TABLE order_documents;
