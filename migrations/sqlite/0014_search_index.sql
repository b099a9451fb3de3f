-- The worklist's text search through an index: a trigram full-text index over
-- `search_text` (substring matches of 3 or more characters), kept by triggers. The store
-- asks it for the candidates of a search and confirms each with the same LIKE as before,
-- so results do not change; only a search with few candidates is answered from it.
CREATE VIRTUAL TABLE checkouts_search USING fts5(
    search_text, content = 'checkouts', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO checkouts_search (checkouts_search) VALUES ('rebuild');

CREATE TRIGGER checkouts_search_insert AFTER INSERT ON checkouts BEGIN
    INSERT INTO checkouts_search (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END;

CREATE TRIGGER checkouts_search_delete AFTER DELETE ON checkouts BEGIN
    INSERT INTO checkouts_search (checkouts_search, rowid, search_text)
    VALUES ('delete', OLD.rowid, OLD.search_text);
END;

CREATE TRIGGER checkouts_search_update AFTER UPDATE OF search_text ON checkouts
WHEN OLD.search_text IS NOT NEW.search_text
BEGIN
    INSERT INTO checkouts_search (checkouts_search, rowid, search_text)
    VALUES ('delete', OLD.rowid, OLD.search_text);
    INSERT INTO checkouts_search (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END;

-- Start-up fills in the search text of rows from before it existed (`Store::migrate`); this
-- empty index lets it find none without reading every row (a full scan took 0.3–3 s at a
-- million checkouts).
CREATE INDEX checkouts_search_pending ON checkouts (id) WHERE search_text = '';
