-- How many orders each customer has with each set of values of a few-valued field of its
-- appointments or milestones, in each status, moved in the import's transaction beside the other
-- kept counts: the exact X-Total-Count of a list filtered by one of these fields (any operator,
-- with or without status) is a sum over the sets any of whose values matches, where counting
-- tested each order's elements (5-9 s at 1,000,000 orders). `field` is the catalogue path;
-- `value_set` the order's distinct values of it, sorted by code point, `\` and `,` escaped with a
-- `\`, joined by `,` (src/store/value_sets.rs builds the same keys). An order without a value
-- has no row. The fields are those of `COUNTED_SETS` (src/store/order_columns.rs).
CREATE TABLE order_set_counts (
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    field        TEXT NOT NULL,
    value_set    TEXT NOT NULL,
    status       TEXT NOT NULL,
    orders       INTEGER NOT NULL,
    PRIMARY KEY (customer_id, field, value_set, status)
) STRICT;
INSERT INTO order_set_counts (customer_id, field, value_set, status, orders)
    SELECT s.customer_id, s.field, s.value_set, o.status, count(*)
    FROM (
        SELECT customer_id, order_id, field,
               group_concat(replace(replace(value, '\', '\\'), ',', '\,'), ',' ORDER BY value) AS value_set
        FROM (
            SELECT DISTINCT customer_id, order_id, 'appointments.type' AS field, type AS value FROM order_appointments WHERE type IS NOT NULL
            UNION
            SELECT DISTINCT customer_id, order_id, 'appointments.status', status FROM order_appointments WHERE status IS NOT NULL
            UNION
            SELECT DISTINCT customer_id, order_id, 'milestones.name', name FROM order_milestones WHERE name IS NOT NULL
            UNION
            SELECT DISTINCT customer_id, order_id, 'milestones.status', status FROM order_milestones WHERE status IS NOT NULL
        )
        GROUP BY customer_id, order_id, field
    ) s
    JOIN orders o ON o.customer_id = s.customer_id AND o.id = s.order_id
    GROUP BY s.customer_id, s.field, s.value_set, o.status;
