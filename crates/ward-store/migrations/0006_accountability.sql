-- Accountability: the tamper-evident history (an append-only hash chain over every change to
-- incidents, attributions, reporting logs and reporting profiles, with signed checkpoints of its
-- head), the threat-actor register (MITRE ATT&CK objects and hand-made actors), and
-- incident-to-actor attributions with their confidence.

-- One entry per change, `seq` from 1 without gaps. `hash` is SHA-256 (hex) over the RFC 8785
-- JSON of {seq, kind, subject, version, body_hash, at, prev_hash}; `body_hash` covers the row
-- the change wrote (see ward_store::chain). Rows are never updated or deleted.
CREATE TABLE chain_entries (
    seq        BIGINT PRIMARY KEY,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    version    BIGINT NOT NULL,
    body_hash  TEXT NOT NULL,
    at         TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX chain_entries_subject ON chain_entries(subject, version);

-- The chain head, one row: every appending transaction updates it first, which serialises
-- writers (a row lock on PostgreSQL, the write lock on SQLite) so `seq` stays strict.
CREATE TABLE chain_head (
    id    INTEGER PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Ed25519 signatures (hex) by the instance key over {seq, head_hash, signed_at}. The private
-- key never enters the database.
CREATE TABLE chain_checkpoints (
    seq         BIGINT NOT NULL,
    head_hash   TEXT NOT NULL,
    signed_at   TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    signature   TEXT NOT NULL,
    PRIMARY KEY (seq, public_key)
);

-- Threat actors. `stix_id` is the idempotency key of ATT&CK imports (NULL for hand-made
-- actors); `body` is the JSON document (aliases, techniques, references, healthcare evidence,
-- stated policy, terms of use).
CREATE TABLE actors (
    id           TEXT PRIMARY KEY,
    stix_id      TEXT UNIQUE,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    attack_id    TEXT,
    origin       TEXT NOT NULL,
    revoked      INTEGER NOT NULL,
    deprecated   INTEGER NOT NULL,
    healthcare   INTEGER NOT NULL,
    modified     TEXT,
    body         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX actors_name ON actors(name_key);
CREATE INDEX actors_attack_id ON actors(attack_id);

CREATE TABLE actor_aliases (
    actor_id   TEXT NOT NULL REFERENCES actors(id),
    alias_key  TEXT NOT NULL,
    alias      TEXT NOT NULL,
    PRIMARY KEY (actor_id, alias_key)
);
CREATE INDEX actor_aliases_key ON actor_aliases(alias_key);

-- Incident-to-actor links. Append-only: several may coexist (competing attributions), and a
-- retraction is a new attribution with confidence `disputed`, never an edit.
CREATE TABLE attributions (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    actor_id     TEXT NOT NULL REFERENCES actors(id),
    confidence   TEXT NOT NULL,
    source_url   TEXT NOT NULL,
    stated_on    TEXT NOT NULL,
    note         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT REFERENCES users(id)
);
CREATE INDEX attributions_incident ON attributions(incident_id);
CREATE INDEX attributions_actor ON attributions(actor_id);
