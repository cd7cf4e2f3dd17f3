-- The change log keyed by customer first, like every order table (and as Citus requires).
ALTER TABLE order_changes ADD PRIMARY KEY (customer_id, seq);
