-- The worklist's text search through an index: pg_trgm's trigram index serves the
-- `search_text LIKE '%…%'` the store already writes (pg_trgm is a trusted extension, in
-- postgresql-contrib).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX checkouts_search_trgm ON checkouts USING gin (search_text gin_trgm_ops);

-- Start-up fills in the search text of rows from before it existed (`Store::migrate`); this
-- empty index lets it find none without reading every row (a full scan took 0.3–3 s at a
-- million checkouts).
CREATE INDEX checkouts_search_pending ON checkouts (id) WHERE search_text = '';
