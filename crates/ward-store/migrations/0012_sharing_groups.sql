-- Sharing groups: named sets of organisations (a regional hospital network, an ISAC's
-- members) to which a TAXII collection grants read and/or write. Membership is resolved when a
-- collection is loaded, so adding or removing a member takes effect on the next request.
CREATE TABLE sharing_groups (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT,
    created_at   TEXT NOT NULL
);

CREATE TABLE sharing_group_members (
    group_id   TEXT NOT NULL REFERENCES sharing_groups(id),
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    added_at   TEXT NOT NULL,
    PRIMARY KEY (group_id, org_id)
);

CREATE TABLE taxii_collection_groups (
    collection_id  TEXT NOT NULL REFERENCES taxii_collections(id),
    group_id       TEXT NOT NULL REFERENCES sharing_groups(id),
    can_read       INTEGER NOT NULL,
    can_write      INTEGER NOT NULL,
    PRIMARY KEY (collection_id, group_id)
);
CREATE INDEX sharing_group_members_by_org ON sharing_group_members (org_id);
