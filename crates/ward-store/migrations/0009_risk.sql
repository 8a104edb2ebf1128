-- Continuous risk management (ward-risk): assessments of control frameworks, each
-- requirement's answer with owner and linked controls, evidence with the day it takes effect and
-- the day it expires, the daily posture history, the asset inventory, the CISA KEV catalogue
-- with its import runs, and the findings that link assets to catalogue entries. Days are TEXT
-- 'YYYY-MM-DD'; timestamps are fixed-width RFC 3339 UTC text (ward_store::time), as in 0001.
-- Posture is never stored as a result: it is computed from these rows and the day; the history
-- table keeps what it was on each day, for trends.
CREATE TABLE risk_assessments (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    framework_id  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (org_id, framework_id)
);

CREATE TABLE risk_answers (
    assessment_id    TEXT NOT NULL REFERENCES risk_assessments(id),
    requirement_id   TEXT NOT NULL,
    answer           TEXT NOT NULL,
    owner            TEXT,
    linked_controls  TEXT,
    note             TEXT,
    updated_at       TEXT NOT NULL,
    updated_by       TEXT REFERENCES users(id),
    PRIMARY KEY (assessment_id, requirement_id)
);

-- Append-only: new evidence supersedes old by being in force later, never by editing.
CREATE TABLE risk_evidence (
    id               TEXT PRIMARY KEY,
    assessment_id    TEXT NOT NULL REFERENCES risk_assessments(id),
    requirement_id   TEXT NOT NULL,
    title            TEXT NOT NULL,
    reference        TEXT,
    effective_on     TEXT NOT NULL,
    expires_on       TEXT NOT NULL,
    added_at         TEXT NOT NULL,
    added_by         TEXT REFERENCES users(id)
);
CREATE INDEX risk_evidence_assessment ON risk_evidence(assessment_id, requirement_id);

-- One row per organisation, framework and day; `inferred` is 1 when the posture came through a
-- crosswalk (then `inferred_from` names the assessed framework).
CREATE TABLE risk_posture_days (
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    framework_id    TEXT NOT NULL,
    day             TEXT NOT NULL,
    inferred        INTEGER NOT NULL,
    inferred_from   TEXT,
    score_percent   DOUBLE PRECISION,
    n_compliant     BIGINT NOT NULL,
    n_partial       BIGINT NOT NULL,
    n_non_compliant BIGINT NOT NULL,
    n_stale         BIGINT NOT NULL,
    n_not_assessed  BIGINT NOT NULL,
    n_not_applicable BIGINT NOT NULL,
    n_open_findings BIGINT NOT NULL,
    recorded_at     TEXT NOT NULL,
    PRIMARY KEY (org_id, framework_id, day)
);

CREATE TABLE risk_assets (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES orgs(id),
    name               TEXT NOT NULL,
    name_key           TEXT NOT NULL,
    kind               TEXT NOT NULL,
    manufacturer       TEXT,
    product            TEXT,
    version            TEXT,
    cpe                TEXT,
    network_segment    TEXT,
    clinical_function  TEXT,
    criticality        TEXT NOT NULL,
    internet_facing    INTEGER NOT NULL,
    owner              TEXT,
    rto_hours          BIGINT,
    rpo_hours          BIGINT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE kev_imports (
    id               TEXT PRIMARY KEY,
    imported_at      TEXT NOT NULL,
    source_name      TEXT NOT NULL,
    source_format    TEXT NOT NULL,
    catalog_version  TEXT,
    date_released    TEXT,
    n_entries        BIGINT NOT NULL,
    n_added          BIGINT NOT NULL,
    n_removed        BIGINT NOT NULL,
    n_changed        BIGINT NOT NULL
);

-- Entries are never deleted: one missing from a later catalogue gets `removed_import_id`.
CREATE TABLE kev_entries (
    cve_id              TEXT PRIMARY KEY,
    vendor_project      TEXT NOT NULL,
    product             TEXT NOT NULL,
    vulnerability_name  TEXT NOT NULL,
    date_added          TEXT NOT NULL,
    short_description   TEXT NOT NULL,
    required_action     TEXT NOT NULL,
    due_date            TEXT NOT NULL,
    known_ransomware    INTEGER NOT NULL,
    notes               TEXT NOT NULL,
    cwes                TEXT NOT NULL,
    added_import_id     TEXT NOT NULL REFERENCES kev_imports(id),
    removed_import_id   TEXT REFERENCES kev_imports(id)
);

-- status: open | resolved (no longer matches: asset or catalogue changed) | mitigated (the
-- organisation says so, with a note). One row per asset and CVE.
CREATE TABLE risk_findings (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    asset_id      TEXT NOT NULL REFERENCES risk_assets(id),
    cve_id        TEXT NOT NULL REFERENCES kev_entries(cve_id),
    match_rule    TEXT NOT NULL,
    confidence    TEXT NOT NULL,
    status        TEXT NOT NULL,
    note          TEXT,
    opened_at     TEXT NOT NULL,
    closed_at     TEXT,
    closed_by     TEXT REFERENCES users(id),
    UNIQUE (asset_id, cve_id)
);
CREATE INDEX risk_findings_org ON risk_findings(org_id, status);
