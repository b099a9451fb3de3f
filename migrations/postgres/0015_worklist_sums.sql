-- The awaiting list's index, widened by what a date range's bounded totals read per row
-- (currency, amount), so they are an index-only scan. Not the search text (as in SQLite):
-- a B-tree entry is limited to about 2,700 bytes, and the trigram index serves the text.
-- It starts like the index it replaces, so every statement that used that one still can.
CREATE INDEX checkouts_worklist_sums
    ON checkouts (status, ready_to_ship_at, id) INCLUDE (currency, amount_minor);
DROP INDEX checkouts_worklist;
