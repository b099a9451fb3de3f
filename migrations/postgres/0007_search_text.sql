-- What the worklist's text search matches: customer name, e-mail, booking reference and
-- checkout id, lower-cased by the application (Unicode, so "åsa" finds "Åsa"; SQLite's
-- lower() knows only ASCII). Rows from before this column are filled in by the application
-- at start-up (`Store::migrate`).
ALTER TABLE checkouts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
