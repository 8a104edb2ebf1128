-- Foundation schema: organisations, users, API tokens, browser sessions, incidents and their
-- versions. Timestamps are TEXT in one fixed RFC 3339 UTC format (see ward_store::time), so
-- they sort as text on both backends.
CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    org_type    TEXT NOT NULL,
    country     TEXT,
    region      TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    role          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE incidents (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    version       BIGINT NOT NULL,
    tlp           TEXT NOT NULL,
    title         TEXT NOT NULL,
    country       TEXT NOT NULL,
    org_type      TEXT NOT NULL,
    attack_types  TEXT NOT NULL,
    sort_key      TEXT NOT NULL,
    search_text   TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    created_by    TEXT REFERENCES users(id),
    updated_by    TEXT REFERENCES users(id)
);
CREATE INDEX incidents_sort ON incidents(sort_key, id);
CREATE INDEX incidents_org ON incidents(org_id, sort_key);
CREATE INDEX incidents_country ON incidents(country, sort_key);

CREATE TABLE incident_versions (
    incident_id    TEXT NOT NULL REFERENCES incidents(id),
    version        BIGINT NOT NULL,
    body           TEXT NOT NULL,
    changed_fields TEXT NOT NULL,
    changed_at     TEXT NOT NULL,
    changed_by     TEXT REFERENCES users(id),
    PRIMARY KEY (incident_id, version)
);
