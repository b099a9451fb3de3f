-- "All statuses" lists are newest first, per company or across companies.
CREATE INDEX checkouts_company_created ON checkouts (company_id, created_at, id);
CREATE INDEX checkouts_created ON checkouts (created_at, id);
