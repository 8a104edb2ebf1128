-- Tabletop exercises: runs of a scenario by an organisation, each run's append-only event log
-- (the exercise clock, released injects, actions, decisions, marks and observations; every
-- metric and the after-action report are computed from it by ward-exercise), and the
-- improvement items the after-action review agreed, optionally linked to a requirement of the
-- risk module (`framework/requirement`). `last_seq` is the run's concurrency guard: an append
-- names the sequence number it read, and of two racing appends exactly one wins.
CREATE TABLE exercise_runs (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id),
    scenario_id       TEXT NOT NULL,
    scenario_version  BIGINT NOT NULL,
    title             TEXT NOT NULL,
    origin_at         TEXT NOT NULL,
    status            TEXT NOT NULL,
    last_seq          BIGINT NOT NULL,
    created_by        TEXT REFERENCES users(id),
    created_at        TEXT NOT NULL,
    finished_at       TEXT,
    summary           TEXT
);
CREATE INDEX exercise_runs_by_org ON exercise_runs (org_id, created_at);

CREATE TABLE exercise_events (
    run_id            TEXT NOT NULL REFERENCES exercise_runs(id),
    seq               BIGINT NOT NULL,
    at                TEXT NOT NULL,
    scenario_seconds  BIGINT NOT NULL,
    user_id           TEXT REFERENCES users(id),
    recorded_by       TEXT,
    kind              TEXT NOT NULL,
    body              TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE exercise_improvements (
    id                TEXT PRIMARY KEY,
    run_id            TEXT NOT NULL REFERENCES exercise_runs(id),
    org_id            TEXT NOT NULL REFERENCES orgs(id),
    text              TEXT NOT NULL,
    owner             TEXT NOT NULL,
    due_on            TEXT,
    control           TEXT,
    source            TEXT,
    status            TEXT NOT NULL,
    created_by        TEXT REFERENCES users(id),
    created_at        TEXT NOT NULL
);
CREATE INDEX exercise_improvements_by_org ON exercise_improvements (org_id, status);
