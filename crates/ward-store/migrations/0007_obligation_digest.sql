-- A digest of what each stored obligation says (status, open flag, due instant, rule version
-- and body), so a bulk re-evaluation writes only the rows whose result changed. NULL on rows
-- written before this migration: they are rewritten on their next evaluation.
ALTER TABLE incident_obligations ADD COLUMN digest TEXT;
