-- Nothing to do on SQLite: `seq` is already the table's key (INTEGER PRIMARY KEY). The version
-- exists so that both backends share migration numbers.
SELECT 1;
