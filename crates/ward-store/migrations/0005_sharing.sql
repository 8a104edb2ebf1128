-- Share: TAXII 2.1 collections, the STIX objects in them and add-objects status resources.
-- `date_added` is unique and strictly increasing per collection (fixed-width RFC 3339 UTC with
-- microseconds, assigned under the collection row's lock), so a keyset cursor over it never
-- duplicates or skips; `seq` records the insertion order as a tiebreak for auditing.
CREATE TABLE taxii_collections (
    id               TEXT PRIMARY KEY,
    api_root         TEXT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT,
    owner_org_id     TEXT NOT NULL REFERENCES orgs(id),
    created_at       TEXT NOT NULL,
    next_seq         BIGINT NOT NULL,
    last_date_added  TEXT NOT NULL
);

-- Organisations other than the owner that may read and/or write a collection.
CREATE TABLE taxii_collection_orgs (
    collection_id  TEXT NOT NULL REFERENCES taxii_collections(id),
    org_id         TEXT NOT NULL REFERENCES orgs(id),
    can_read       INTEGER NOT NULL,
    can_write      INTEGER NOT NULL,
    PRIMARY KEY (collection_id, org_id)
);

-- One row per (object, version). `version` is `modified`, else `created`, else `date_added`,
-- normalised to the fixed-width form so text order is time order. `tlp` is the strictest TLP
-- 2.0 marking (NULL: unmarked). `owner_org_id`/`added_by` are who added it (TLP's "organisation"
-- and "recorder"). `body` is the object's JSON text as accepted.
CREATE TABLE stix_objects (
    collection_id  TEXT NOT NULL REFERENCES taxii_collections(id),
    seq            BIGINT NOT NULL,
    date_added     TEXT NOT NULL,
    stix_id        TEXT NOT NULL,
    object_type    TEXT NOT NULL,
    spec_version   TEXT NOT NULL,
    version        TEXT NOT NULL,
    tlp            TEXT,
    owner_org_id   TEXT NOT NULL REFERENCES orgs(id),
    added_by       TEXT REFERENCES users(id),
    body           TEXT NOT NULL,
    PRIMARY KEY (collection_id, seq),
    UNIQUE (collection_id, stix_id, version)
);
CREATE UNIQUE INDEX stix_objects_date_added ON stix_objects (collection_id, date_added);
CREATE INDEX stix_objects_type ON stix_objects (collection_id, object_type, date_added);

-- Add-objects status resources (the TAXII status document as JSON), readable by the
-- requesting organisation; kept at least 24 hours.
CREATE TABLE taxii_status (
    id                 TEXT PRIMARY KEY,
    collection_id      TEXT NOT NULL REFERENCES taxii_collections(id),
    org_id             TEXT NOT NULL REFERENCES orgs(id),
    user_id            TEXT REFERENCES users(id),
    request_timestamp  TEXT NOT NULL,
    body               TEXT NOT NULL
);

-- Federation: how far `ward sync pull` got from each remote collection into a local one (the
-- remote's last X-TAXII-Date-Added-Last), so an interrupted pull resumes where it stopped.
CREATE TABLE taxii_sync_state (
    collection_id  TEXT NOT NULL REFERENCES taxii_collections(id),
    remote_url     TEXT NOT NULL,
    added_after    TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (collection_id, remote_url)
);
