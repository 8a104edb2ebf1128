-- Tracer: derived columns for filters and totals, links between records of the same incident,
-- external ids for idempotent imports, and multi-valued facets (attack type, VERIS action,
-- actor, data variety). Derived values are recomputed from the stored document by the store
-- (`Store::reindex`), never edited by hand.
ALTER TABLE incidents ADD COLUMN merged_into TEXT REFERENCES incidents(id);
ALTER TABLE incidents ADD COLUMN year INTEGER;
ALTER TABLE incidents ADD COLUMN month TEXT;
ALTER TABLE incidents ADD COLUMN region TEXT;
ALTER TABLE incidents ADD COLUMN norm_name TEXT;
ALTER TABLE incidents ADD COLUMN individuals_affected BIGINT;
ALTER TABLE incidents ADD COLUMN care_disruption_days DOUBLE PRECISION;
ALTER TABLE incidents ADD COLUMN ambulance_diverted INTEGER;
ALTER TABLE incidents ADD COLUMN appointments_cancelled BIGINT;
ALTER TABLE incidents ADD COLUMN has_harm INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN derived_version INTEGER NOT NULL DEFAULT 0;

CREATE INDEX incidents_year ON incidents(year);
CREATE INDEX incidents_norm_name ON incidents(norm_name);
CREATE INDEX incidents_merged ON incidents(merged_into);

CREATE TABLE incident_external_ids (
    scheme      TEXT NOT NULL,
    value       TEXT NOT NULL,
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    PRIMARY KEY (scheme, value)
);
CREATE INDEX incident_external_ids_incident ON incident_external_ids(incident_id);

CREATE TABLE incident_facets (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    facet       TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (incident_id, facet, value)
);
CREATE INDEX incident_facets_value ON incident_facets(facet, value);
