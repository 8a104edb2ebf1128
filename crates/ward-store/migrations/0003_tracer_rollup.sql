-- Tracer rollup: incident counts, harm sums and how often each harm figure is known,
-- pre-aggregated by the dashboard's dimensions, so the overview and the filtered views answer
-- from the rollup instead of scanning every incident. Maintained by the store in the same
-- transaction as each incident write, and rebuilt from the incidents when its recipe version
-- changes (`tracer_rollup_state`).
-- `facet`/`value` ('' on other rows) carry one value of a multi-valued facet to group by;
-- `filter_facet`/`filter_value` ('' on other rows) one value of a facet to filter on (attack
-- type, actor). `created_by` is only set on TLP:RED rows, the only level whose visibility
-- depends on it.
CREATE TABLE tracer_rollup (
    filter_facet           TEXT NOT NULL,
    filter_value           TEXT NOT NULL,
    facet                  TEXT NOT NULL,
    value                  TEXT NOT NULL,
    org_id                 TEXT NOT NULL,
    tlp                    TEXT NOT NULL,
    created_by             TEXT NOT NULL,
    year                   INTEGER NOT NULL,
    dated                  INTEGER NOT NULL,
    country                TEXT NOT NULL,
    region                 TEXT NOT NULL,
    org_type               TEXT NOT NULL,
    has_harm               INTEGER NOT NULL,
    n                      BIGINT NOT NULL,
    individuals_affected   BIGINT NOT NULL,
    individuals_known      BIGINT NOT NULL,
    care_milli_days        BIGINT NOT NULL,
    care_known             BIGINT NOT NULL,
    ambulance_diverted     BIGINT NOT NULL,
    ambulance_known        BIGINT NOT NULL,
    appointments_cancelled BIGINT NOT NULL,
    appointments_known     BIGINT NOT NULL,
    latest                 TEXT NOT NULL,
    PRIMARY KEY (filter_facet, filter_value, facet, value, org_id, tlp, created_by, year, dated, country, region, org_type, has_harm)
);

CREATE TABLE tracer_rollup_state (
    version BIGINT NOT NULL
);
