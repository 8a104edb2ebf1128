-- A digest of what each stored obligation says (status, open flag, due instant, rule version
-- and body), so a bulk re-evaluation writes only the rows whose result changed. NULL on rows
-- written before this migration: they are rewritten on their next evaluation.
ALTER TABLE incident_obligations ADD COLUMN digest TEXT;

-- One digest per incident over the digests of the obligations its last bulk evaluation
-- produced (sorted by regime, stage, instance): an unchanged incident is recognised from one
-- row. Every other write of an incident's obligations deletes its row (the next bulk
-- evaluation then compares row by row and writes it again).
CREATE TABLE incident_obligation_digests (
    incident_id TEXT PRIMARY KEY REFERENCES incidents(id),
    digest      TEXT NOT NULL
);
