-- Sorts and filters that no index served, each of which sorted or scanned every order of the
-- customer for one page (docs/performance.md, step 7): 100-280 ms each on 100,000 orders.
--
-- `sort=status,-orderDate`: an index in exactly that order (mixed directions). It also serves
-- `status=...&sort=-orderDate` forwards, with `id` ascending as the list's tie-break.
DROP INDEX orders_by_status_date_id;
CREATE INDEX orders_by_status_date_desc_id ON orders (customer_id, status, order_date DESC, id);
-- Ascending sorts on optional fields put missing values last with `(col IS NULL)` first; these
-- indexes hold that expression. (Descending, SQLite's own NULL placement suffices: the customer
-- reference's plain index serves it backwards; a descending city sort still sorts.)
CREATE INDEX orders_by_customer_reference_nulls_last ON orders (customer_id, (request_customer_reference IS NULL), request_customer_reference, id);
CREATE INDEX orders_by_city_nulls_last ON orders (customer_id, (site_city IS NULL), site_city, id);
-- A filter clients use often that scanned every order.
CREATE INDEX orders_by_product_code_id ON orders (customer_id, product_code, id);
-- Statistics for the new indexes now: without them SQLite walked the product-code index for
-- lists sorted by id and sorted every order (11 ms instead of 0.1 on 100,000 orders).
ANALYZE orders;
