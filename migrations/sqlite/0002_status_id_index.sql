-- The default list, filtered by status and sorted by id, walks this index in order.
CREATE INDEX orders_by_status_id ON orders (customer_id, status, id);
