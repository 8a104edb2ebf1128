-- Report once: each organisation's reporting profile (the `entity.*` facts the rules read), each
-- incident's event log of reporting facts, submissions and decisions, and the obligations last
-- evaluated from them with the rule version they were computed with. JSON bodies are TEXT;
-- timestamps are fixed-width RFC 3339 UTC text (ward_store::time), as in 0001.
CREATE TABLE org_reporting_profiles (
    org_id      TEXT PRIMARY KEY REFERENCES orgs(id),
    version     BIGINT NOT NULL,
    entity      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT REFERENCES users(id)
);

CREATE TABLE org_reporting_profile_versions (
    org_id      TEXT NOT NULL REFERENCES orgs(id),
    version     BIGINT NOT NULL,
    entity      TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    changed_by  TEXT REFERENCES users(id),
    PRIMARY KEY (org_id, version)
);

-- Append-only: `seq` starts at 1 per incident; the primary key makes two racing writers of the
-- same `seq` conflict, so exactly one wins. `kind` is facts | submission | decision.
CREATE TABLE incident_obligation_events (
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    seq          BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT REFERENCES users(id),
    PRIMARY KEY (incident_id, seq)
);

-- One row per (incident, regime, stage, instance); `instance` is '' for stages without one.
-- Rows are upserted by each evaluation and never deleted: an owed obligation leaves only
-- through a recorded decision (status closed).
CREATE TABLE incident_obligations (
    incident_id    TEXT NOT NULL REFERENCES incidents(id),
    regime         TEXT NOT NULL,
    stage          TEXT NOT NULL,
    instance       TEXT NOT NULL,
    status         TEXT NOT NULL,
    is_open        INTEGER NOT NULL,
    due_at         TEXT,
    rule_version   TEXT NOT NULL,
    body           TEXT NOT NULL,
    evaluated_at   TEXT NOT NULL,
    evaluated_seq  BIGINT NOT NULL,
    PRIMARY KEY (incident_id, regime, stage, instance)
);
CREATE INDEX incident_obligations_open ON incident_obligations(is_open, due_at);
