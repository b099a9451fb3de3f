-- Count and sum of checkouts per company, status and currency, kept by triggers, so the
-- worklist's totals for an unfiltered view cost the same at a million checkouts as at ten
-- thousand (product.md §7). Filtered views (text, dates) still add up the rows.
CREATE TABLE checkout_counts (
    company_id TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    n INTEGER NOT NULL,
    sum_minor INTEGER NOT NULL,
    PRIMARY KEY (company_id, status, currency)
);

INSERT INTO checkout_counts (company_id, status, currency, n, sum_minor)
SELECT company_id, status, currency, COUNT(*), SUM(amount_minor) FROM checkouts
GROUP BY company_id, status, currency;

CREATE TRIGGER checkout_counts_insert AFTER INSERT ON checkouts BEGIN
    INSERT INTO checkout_counts (company_id, status, currency, n, sum_minor)
    VALUES (NEW.company_id, NEW.status, NEW.currency, 1, NEW.amount_minor)
    ON CONFLICT (company_id, status, currency)
    DO UPDATE SET n = n + 1, sum_minor = sum_minor + excluded.sum_minor;
END;

CREATE TRIGGER checkout_counts_delete AFTER DELETE ON checkouts BEGIN
    UPDATE checkout_counts SET n = n - 1, sum_minor = sum_minor - OLD.amount_minor
    WHERE company_id = OLD.company_id AND status = OLD.status AND currency = OLD.currency;
END;

CREATE TRIGGER checkout_counts_update AFTER UPDATE OF company_id, status, currency, amount_minor ON checkouts
WHEN OLD.company_id IS NOT NEW.company_id OR OLD.status IS NOT NEW.status
  OR OLD.currency IS NOT NEW.currency OR OLD.amount_minor IS NOT NEW.amount_minor
BEGIN
    UPDATE checkout_counts SET n = n - 1, sum_minor = sum_minor - OLD.amount_minor
    WHERE company_id = OLD.company_id AND status = OLD.status AND currency = OLD.currency;
    INSERT INTO checkout_counts (company_id, status, currency, n, sum_minor)
    VALUES (NEW.company_id, NEW.status, NEW.currency, 1, NEW.amount_minor)
    ON CONFLICT (company_id, status, currency)
    DO UPDATE SET n = n + 1, sum_minor = sum_minor + excluded.sum_minor;
END;
