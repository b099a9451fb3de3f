-- The zone the desk shows a company's times in (an IANA name, checked by the service as
-- `domain::TimeZone`). Existing companies are Swedish booking suppliers.
ALTER TABLE companies ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Stockholm';
