-- Detect → share: sightings of indicators reported by organisations (`ward match --report`).
-- One row per (report, indicator). Rows carry the reporter's organisation, the reporter and a
-- TLP 2.0 level, and are read only through the same visibility rule as shared STIX objects;
-- aggregates never name the reporting organisations. No log content is stored: no file names,
-- lines or matched text (logs may hold patient data), only the indicator and the counts.
CREATE TABLE sightings (
    id               TEXT PRIMARY KEY,
    owner_org_id     TEXT NOT NULL REFERENCES orgs(id),
    added_by         TEXT REFERENCES users(id),
    tlp              TEXT NOT NULL,
    indicator_kind   TEXT NOT NULL,
    indicator_value  TEXT NOT NULL,
    indicator_ref    TEXT,
    n_sightings      BIGINT NOT NULL,
    first_seen       TEXT NOT NULL,
    last_seen        TEXT NOT NULL,
    reported_at      TEXT NOT NULL
);
CREATE INDEX sightings_by_indicator ON sightings (indicator_kind, indicator_value);
CREATE INDEX sightings_by_org ON sightings (owner_org_id, reported_at);
