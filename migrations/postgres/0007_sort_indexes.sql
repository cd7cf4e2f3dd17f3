-- Sorts and filters that no index served, each of which sorted or scanned every order of the
-- customer for one page (docs/performance.md, step 7).
--
-- `sort=status,-orderDate`: an index in exactly that order (mixed directions). It also serves
-- `status=...&sort=-orderDate` forwards.
DROP INDEX orders_by_status_date_id;
CREATE INDEX orders_by_status_date_desc_id ON orders (customer_id, status, order_date DESC) INCLUDE (id);
-- PostgreSQL sorts missing values last when ascending by itself; descending sorts on optional
-- fields put them last with `(col IS NULL)` first, as these indexes do.
CREATE INDEX orders_by_city_id ON orders (customer_id, site_city) INCLUDE (id);
CREATE INDEX orders_by_city_desc_nulls_last ON orders (customer_id, (site_city IS NULL), site_city DESC) INCLUDE (id);
CREATE INDEX orders_by_customer_reference_desc_nulls_last ON orders (customer_id, (request_customer_reference IS NULL), request_customer_reference DESC) INCLUDE (id);
-- A filter clients use often that scanned every order.
CREATE INDEX orders_by_product_code_id ON orders (customer_id, product_code) INCLUDE (id);
