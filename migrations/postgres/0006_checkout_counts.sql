-- Count and sum of checkouts per company, status and currency, kept by a trigger, so the
-- worklist's totals for an unfiltered view cost the same at a million checkouts as at ten
-- thousand (product.md §7). Filtered views (text, dates) still add up the rows.
CREATE TABLE checkout_counts (
    company_id TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    n BIGINT NOT NULL,
    sum_minor BIGINT NOT NULL,
    PRIMARY KEY (company_id, status, currency)
);

INSERT INTO checkout_counts (company_id, status, currency, n, sum_minor)
SELECT company_id, status, currency, COUNT(*), SUM(amount_minor) FROM checkouts
GROUP BY company_id, status, currency;

CREATE FUNCTION checkout_counts_apply(c TEXT, s TEXT, cur TEXT, dn BIGINT, dsum BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO checkout_counts (company_id, status, currency, n, sum_minor)
    VALUES (c, s, cur, dn, dsum)
    ON CONFLICT (company_id, status, currency)
    DO UPDATE SET n = checkout_counts.n + dn, sum_minor = checkout_counts.sum_minor + dsum;
$$;

CREATE FUNCTION checkout_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM checkout_counts_apply(NEW.company_id, NEW.status, NEW.currency, 1, NEW.amount_minor);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM checkout_counts_apply(OLD.company_id, OLD.status, OLD.currency, -1, -OLD.amount_minor);
    ELSIF (OLD.company_id, OLD.status, OLD.currency, OLD.amount_minor)
          IS DISTINCT FROM (NEW.company_id, NEW.status, NEW.currency, NEW.amount_minor) THEN
        -- Rows are locked in key order, so two status changes cannot deadlock on them.
        IF (OLD.company_id, OLD.status, OLD.currency) <= (NEW.company_id, NEW.status, NEW.currency) THEN
            PERFORM checkout_counts_apply(OLD.company_id, OLD.status, OLD.currency, -1, -OLD.amount_minor);
            PERFORM checkout_counts_apply(NEW.company_id, NEW.status, NEW.currency, 1, NEW.amount_minor);
        ELSE
            PERFORM checkout_counts_apply(NEW.company_id, NEW.status, NEW.currency, 1, NEW.amount_minor);
            PERFORM checkout_counts_apply(OLD.company_id, OLD.status, OLD.currency, -1, -OLD.amount_minor);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER checkout_counts_track AFTER INSERT OR UPDATE OR DELETE ON checkouts
FOR EACH ROW EXECUTE FUNCTION checkout_counts_track();
