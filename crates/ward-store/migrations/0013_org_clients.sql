-- TLP 2.0 AMBER clients: an organisation names other organisations as its clients
-- (need-to-know recipients of its TLP:AMBER information; never of AMBER+STRICT or RED). The
-- relation is read whenever a reader's scope is built, so removing a client takes effect on
-- the next request.
CREATE TABLE org_clients (
    org_id         TEXT NOT NULL REFERENCES orgs(id),
    client_org_id  TEXT NOT NULL REFERENCES orgs(id),
    added_at       TEXT NOT NULL,
    PRIMARY KEY (org_id, client_org_id),
    CHECK (org_id <> client_org_id)
);
CREATE INDEX org_clients_by_client ON org_clients (client_org_id);
