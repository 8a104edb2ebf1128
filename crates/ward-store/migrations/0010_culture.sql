-- Culture of resilience: suspicious-activity reports and their triage, the response team,
-- escalation events, outgoing notifications with every delivery attempt, and lesson
-- completions. Timestamps are fixed-width RFC 3339 UTC text, like everywhere else.

-- Per organisation: the account-less report link (an unguessable token; not a credential for
-- reading anything, kept so administrators can print the poster again; rotating it retires
-- old posters) and the escalation interval.
CREATE TABLE culture_settings (
    org_id                       TEXT PRIMARY KEY REFERENCES orgs(id),
    link_token                   TEXT UNIQUE,
    link_enabled                 INTEGER NOT NULL,
    escalation_interval_minutes  BIGINT NOT NULL,
    updated_at                   TEXT NOT NULL
);

-- Timers per category (rows override the defaults of ward-culture).
CREATE TABLE culture_triage_config (
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    category        TEXT NOT NULL,
    ack_minutes     BIGINT NOT NULL,
    decide_minutes  BIGINT NOT NULL,
    PRIMARY KEY (org_id, category)
);

-- Departments with their head count (the denominator of "reports per 100 staff").
CREATE TABLE culture_departments (
    org_id       TEXT NOT NULL REFERENCES orgs(id),
    name_key     TEXT NOT NULL,
    name         TEXT NOT NULL,
    staff_count  BIGINT NOT NULL,
    PRIMARY KEY (org_id, name_key)
);

-- The horizontal response team: function, on-call flag and level in the escalation chain
-- (1 is alerted first).
CREATE TABLE culture_team (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id),
    name              TEXT NOT NULL,
    email             TEXT NOT NULL,
    team_function     TEXT NOT NULL,
    on_call           INTEGER NOT NULL,
    escalation_level  BIGINT NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (org_id, email)
);

CREATE TABLE culture_reports (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id),
    reference         TEXT NOT NULL UNIQUE,
    category          TEXT NOT NULL,
    department        TEXT NOT NULL,
    occurred          TEXT NOT NULL,
    description       TEXT NOT NULL,
    via               TEXT NOT NULL,
    reporter_id       TEXT REFERENCES users(id),
    status            TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    ack_due_at        TEXT NOT NULL,
    decide_due_at     TEXT NOT NULL,
    acknowledged_at   TEXT,
    acknowledged_by   TEXT REFERENCES users(id),
    decided_at        TEXT,
    decided_by        TEXT REFERENCES users(id),
    dismiss_reason    TEXT,
    merged_into       TEXT REFERENCES culture_reports(id),
    incident_id       TEXT REFERENCES incidents(id),
    escalation_level  BIGINT NOT NULL,
    email_summary     TEXT,
    version           BIGINT NOT NULL
);
CREATE INDEX culture_reports_org_status ON culture_reports (org_id, status, received_at);

-- Attachments as base64 text (the one column type both backends share), size-limited by the
-- caller; never rendered, only downloaded.
CREATE TABLE culture_attachments (
    id           TEXT PRIMARY KEY,
    report_id    TEXT NOT NULL REFERENCES culture_reports(id),
    file_name    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content_b64  TEXT NOT NULL
);

CREATE TABLE culture_escalations (
    report_id     TEXT NOT NULL REFERENCES culture_reports(id),
    level         BIGINT NOT NULL,
    escalated_at  TEXT NOT NULL,
    recipients    TEXT NOT NULL,
    PRIMARY KEY (report_id, level)
);

-- Outgoing notifications (channel: email, webhook, web) and their delivery state.
CREATE TABLE culture_notifications (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs(id),
    report_id        TEXT NOT NULL REFERENCES culture_reports(id),
    event            TEXT NOT NULL,
    channel          TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_at  TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    delivered_at     TEXT
);
CREATE INDEX culture_notifications_due ON culture_notifications (status, next_attempt_at);

CREATE TABLE culture_delivery_attempts (
    notification_id  TEXT NOT NULL REFERENCES culture_notifications(id),
    attempt          BIGINT NOT NULL,
    attempted_at     TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    error            TEXT,
    PRIMARY KEY (notification_id, attempt)
);

-- The latest result per person and lesson; shown only as department aggregates.
CREATE TABLE culture_lesson_completions (
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    lesson_id     TEXT NOT NULL,
    department    TEXT NOT NULL,
    score         BIGINT NOT NULL,
    total         BIGINT NOT NULL,
    passed        INTEGER NOT NULL,
    completed_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, lesson_id)
);
