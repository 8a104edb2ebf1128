//! The tamper-evident history: an append-only hash chain over every change to incidents,
//! attributions, reporting logs and reporting profiles, with Ed25519-signed checkpoints of its
//! head, and the verifier that recomputes it.
//!
//! Each entry commits to the row its change wrote (`body_hash`: SHA-256 over the RFC 8785 JSON of
//! that row's columns, see [`COVERED`]) and to the previous entry (`prev_hash`); its own `hash` is
//! SHA-256 over the RFC 8785 JSON of `{seq, kind, subject, version, body_hash, at, prev_hash}`.
//! Entries are appended in the same transaction as the change, after every other write of that
//! transaction, so the head row (the serialisation point) is held as briefly as possible.
//! `docs/EVIDENCE.md` describes the format for outside verifiers.

use std::collections::HashMap;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::incidents::{Sql, SqlValue, ROWS_PER_STATEMENT};
use crate::time::to_db;
use crate::{Store, StoreError};

/// The `prev_hash` of entry 1.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A record kind the chain covers: where its rows live and which columns the body hash covers.
#[derive(Debug, Clone, Copy)]
pub struct Covered {
    /// Entry kinds covering this table start with this (`incident.update`, `incident.merge`…).
    pub prefix: &'static str,
    pub table: &'static str,
    pub subject_column: &'static str,
    /// A column, or an SQL expression for tables whose rows are written once.
    pub version_column: &'static str,
    /// Text columns (NULL allowed) hashed as one JSON object `{column: value}`.
    pub columns: &'static [&'static str],
}

/// Everything the chain covers.
pub const COVERED: [Covered; 4] = [
    Covered {
        prefix: "incident.",
        table: "incident_versions",
        subject_column: "incident_id",
        version_column: "version",
        columns: &["body", "changed_fields", "changed_at", "changed_by"],
    },
    Covered {
        prefix: "obligation.",
        table: "incident_obligation_events",
        subject_column: "incident_id",
        version_column: "seq",
        columns: &["kind", "body", "recorded_at", "recorded_by"],
    },
    Covered {
        prefix: "profile.",
        table: "org_reporting_profile_versions",
        subject_column: "org_id",
        version_column: "version",
        columns: &["entity", "changed_at", "changed_by"],
    },
    Covered {
        prefix: "attribution.",
        table: "attributions",
        subject_column: "id",
        version_column: "CAST(1 AS BIGINT)",
        columns: &["incident_id", "actor_id", "confidence", "source_url", "stated_on", "note", "recorded_at", "recorded_by"],
    },
];

fn covered_for(kind: &str) -> Option<&'static Covered> {
    COVERED.iter().find(|c| kind.starts_with(c.prefix))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Parses lower- or upper-case hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// RFC 8785 canonical JSON of a value.
pub fn canonical_json(value: &serde_json::Value) -> Vec<u8> {
    // Serialising a `serde_json::Value` cannot fail (no non-string keys, no NaN).
    serde_json_canonicalizer::to_vec(value).unwrap_or_default()
}

/// SHA-256 (hex) of the RFC 8785 JSON of a value.
pub fn sha256_canonical(value: &serde_json::Value) -> String {
    hex(&Sha256::digest(canonical_json(value)))
}

/// The body hash of a covered row: SHA-256 over the RFC 8785 JSON object of its columns.
pub fn body_hash(fields: &[(&str, Option<&str>)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> =
        fields.iter().map(|(k, v)| ((*k).to_owned(), v.map_or(serde_json::Value::Null, |s| serde_json::Value::String(s.to_owned())))).collect();
    sha256_canonical(&serde_json::Value::Object(map))
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainEntry {
    pub seq: i64,
    pub kind: String,
    pub subject: String,
    pub version: i64,
    pub body_hash: String,
    pub at: String,
    pub prev_hash: String,
    pub hash: String,
}

impl ChainEntry {
    /// The hash this entry's content commits to (what `hash` must equal).
    pub fn compute_hash(&self) -> String {
        sha256_canonical(&serde_json::json!({
            "seq": self.seq, "kind": self.kind, "subject": self.subject, "version": self.version,
            "body_hash": self.body_hash, "at": self.at, "prev_hash": self.prev_hash,
        }))
    }
}

/// A signed statement of the chain head.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub head_hash: String,
    pub signed_at: String,
    /// Ed25519 public key, hex.
    pub public_key: String,
    /// Ed25519 signature over [`Checkpoint::message`], hex.
    pub signature: String,
}

impl Checkpoint {
    /// The signed bytes: RFC 8785 JSON of `{seq, head_hash, signed_at}`.
    pub fn message(seq: i64, head_hash: &str, signed_at: &str) -> Vec<u8> {
        canonical_json(&serde_json::json!({ "seq": seq, "head_hash": head_hash, "signed_at": signed_at }))
    }

    /// Whether the signature is valid for the public key it names.
    pub fn signature_valid(&self) -> bool {
        let key = unhex(&self.public_key).and_then(|b| <[u8; 32]>::try_from(b).ok()).and_then(|b| VerifyingKey::from_bytes(&b).ok());
        let sig = unhex(&self.signature).and_then(|b| <[u8; 64]>::try_from(b).ok()).map(|b| Signature::from_bytes(&b));
        match (key, sig) {
            (Some(k), Some(s)) => k.verify(&Checkpoint::message(self.seq, &self.head_hash, &self.signed_at), &s).is_ok(),
            _ => false,
        }
    }
}

/// A change awaiting its chain entry.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub kind: &'static str,
    pub subject: String,
    pub version: i64,
    pub body_hash: String,
}

/// Changes written in a transaction that still need their chain entries. Hand them to
/// [`append`] before the transaction commits.
#[must_use = "every change must be appended to the chain in its own transaction"]
#[derive(Debug, Default)]
pub(crate) struct Pending(pub Vec<Change>);

impl Pending {
    pub fn extend(&mut self, other: Pending) {
        self.0.extend(other.0);
    }
}

/// Appends entries for `pending` inside `tx`: takes the head (serialising concurrent writers),
/// inserts the entries and moves the head. Call it as the last write before commit.
pub(crate) async fn append(tx: &mut sqlx::AnyConnection, pending: Pending, now: Timestamp) -> Result<(), StoreError> {
    if pending.0.is_empty() {
        return Ok(());
    }
    // The no-op update takes the head row's lock first (PostgreSQL waits here for any other
    // appender to commit, then reads its head; SQLite already holds the write lock).
    sqlx::query("UPDATE chain_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
    let row = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1").fetch_one(&mut *tx).await?;
    let mut seq: i64 = row.try_get("seq")?;
    let mut prev: String = row.try_get("hash")?;
    let at = to_db(now);
    let mut entries = Vec::with_capacity(pending.0.len());
    for c in pending.0 {
        seq += 1;
        let mut e = ChainEntry { seq, kind: c.kind.to_owned(), subject: c.subject, version: c.version, body_hash: c.body_hash, at: at.clone(), prev_hash: prev, hash: String::new() };
        e.hash = e.compute_hash();
        prev = e.hash.clone();
        entries.push(e);
    }
    for chunk in entries.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new("INSERT INTO chain_entries (seq, kind, subject, version, body_hash, at, prev_hash, hash) VALUES ");
        for (n, e) in chunk.iter().enumerate() {
            let vals = [
                sql.bind(SqlValue::Int(Some(e.seq))),
                sql.param(e.kind.clone()),
                sql.param(e.subject.clone()),
                sql.bind(SqlValue::Int(Some(e.version))),
                sql.param(e.body_hash.clone()),
                sql.param(e.at.clone()),
                sql.param(e.prev_hash.clone()),
                sql.param(e.hash.clone()),
            ];
            sql.push(&format!("{}({})", if n == 0 { "" } else { ", " }, vals.join(", ")));
        }
        sql.query().execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1").bind(seq).bind(prev).execute(&mut *tx).await?;
    Ok(())
}

/// The body hash of an incident version as written.
pub(crate) fn incident_version_hash(body: &str, changed_fields: &str, changed_at: &str, changed_by: Option<&str>) -> String {
    body_hash(&[("body", Some(body)), ("changed_fields", Some(changed_fields)), ("changed_at", Some(changed_at)), ("changed_by", changed_by)])
}

/// Why verification failed, naming the first entry that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainFailure {
    /// The entry (or the checkpoint's entry) that does not verify.
    pub seq: i64,
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub version: Option<i64>,
    pub reason: String,
}

/// The outcome of [`Store::verify_chain`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainReport {
    pub ok: bool,
    pub entries: i64,
    /// The hash of the last entry that verified (the whole chain's head when `ok`).
    pub head_hash: String,
    pub checkpoints: i64,
    /// Checkpoints signed by the trusted key (when one was given).
    pub checkpoints_by_trusted_key: i64,
    pub failure: Option<ChainFailure>,
}

fn fail(seq: i64, e: Option<&ChainEntry>, reason: String) -> ChainFailure {
    ChainFailure { seq, kind: e.map(|e| e.kind.clone()), subject: e.map(|e| e.subject.clone()), version: e.map(|e| e.version), reason }
}

pub(crate) fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<ChainEntry, StoreError> {
    Ok(ChainEntry {
        seq: r.try_get("seq")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        version: r.try_get("version")?,
        body_hash: r.try_get("body_hash")?,
        at: r.try_get("at")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

fn checkpoint_from_row(r: &sqlx::any::AnyRow) -> Result<Checkpoint, StoreError> {
    Ok(Checkpoint {
        seq: r.try_get("seq")?,
        head_hash: r.try_get("head_hash")?,
        signed_at: r.try_get("signed_at")?,
        public_key: r.try_get("public_key")?,
        signature: r.try_get("signature")?,
    })
}

/// Covered rows, keyed by (table prefix, subject, version), with their body hashes.
type CoveredRows = HashMap<(&'static str, String, i64), String>;

impl Store {
    async fn covered_rows(&self, only_subject: Option<&str>) -> Result<CoveredRows, StoreError> {
        let mut out = HashMap::new();
        for c in &COVERED {
            let cols = c.columns.join(", ");
            let mut sql = Sql::new(&format!("SELECT {} AS chain_subject, {} AS chain_version, {cols} FROM {}", c.subject_column, c.version_column, c.table));
            if let Some(s) = only_subject {
                let p = sql.param(s);
                sql.push(&format!(" WHERE {} = {p}", c.subject_column));
            }
            for r in sql.query().fetch_all(&self.pool).await? {
                let mut fields = Vec::with_capacity(c.columns.len());
                for col in c.columns {
                    fields.push((*col, r.try_get::<Option<String>, _>(*col)?));
                }
                let borrowed: Vec<(&str, Option<&str>)> = fields.iter().map(|(k, v)| (*k, v.as_deref())).collect();
                out.insert((c.prefix, r.try_get::<String, _>("chain_subject")?, r.try_get::<i64, _>("chain_version")?), body_hash(&borrowed));
            }
        }
        Ok(out)
    }

    /// Entries for rows written before the chain existed (an upgraded database), once: when
    /// the chain is empty and covered rows exist. Called by [`Store::open`].
    pub async fn backfill_chain(&self, now: Timestamp) -> Result<u64, StoreError> {
        let head: i64 = sqlx::query("SELECT seq FROM chain_head WHERE id = 1").fetch_one(&self.pool).await?.try_get("seq")?;
        if head > 0 {
            return Ok(0);
        }
        let mut rows: Vec<((&'static str, String, i64), String)> = self.covered_rows(None).await?.into_iter().collect();
        if rows.is_empty() {
            return Ok(0);
        }
        rows.sort();
        let kinds: HashMap<&str, &'static str> =
            [("incident.", "incident.backfill"), ("obligation.", "obligation.backfill"), ("profile.", "profile.backfill"), ("attribution.", "attribution.backfill")].into();
        let n = rows.len() as u64;
        let pending = Pending(rows.into_iter().map(|((p, subject, version), body_hash)| Change { kind: kinds[p], subject, version, body_hash }).collect());
        let mut tx = self.pool.begin().await?;
        // Two replicas starting together: only the first to hold the head backfills.
        sqlx::query("UPDATE chain_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
        let head: i64 = sqlx::query("SELECT seq FROM chain_head WHERE id = 1").fetch_one(&mut *tx).await?.try_get("seq")?;
        if head > 0 {
            return Ok(0);
        }
        append(&mut tx, pending, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The current head: (seq, hash).
    pub async fn chain_head(&self) -> Result<(i64, String), StoreError> {
        let r = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1").fetch_one(&self.pool).await?;
        Ok((r.try_get("seq")?, r.try_get("hash")?))
    }

    /// Signs the current head with the instance key and stores the checkpoint, unless this key
    /// already signed this head (or the chain is empty). Returns the new checkpoint.
    pub async fn write_checkpoint(&self, key: &SigningKey, now: Timestamp) -> Result<Option<Checkpoint>, StoreError> {
        let (seq, head_hash) = self.chain_head().await?;
        if seq == 0 {
            return Ok(None);
        }
        let public_key = hex(key.verifying_key().as_bytes());
        let exists = sqlx::query("SELECT 1 AS one FROM chain_checkpoints WHERE seq = $1 AND public_key = $2")
            .bind(seq)
            .bind(public_key.clone())
            .fetch_optional(&self.pool)
            .await?;
        if exists.is_some() {
            return Ok(None);
        }
        let signed_at = to_db(now);
        let signature = hex(&key.sign(&Checkpoint::message(seq, &head_hash, &signed_at)).to_bytes());
        let cp = Checkpoint { seq, head_hash, signed_at, public_key, signature };
        let written = sqlx::query("INSERT INTO chain_checkpoints (seq, head_hash, signed_at, public_key, signature) VALUES ($1, $2, $3, $4, $5)")
            .bind(cp.seq)
            .bind(cp.head_hash.clone())
            .bind(cp.signed_at.clone())
            .bind(cp.public_key.clone())
            .bind(cp.signature.clone())
            .execute(&self.pool)
            .await;
        match written {
            Ok(_) => Ok(Some(cp)),
            // Another replica signed the same head at the same moment: nothing to add.
            Err(e) => match StoreError::unique(e, "checkpoint") {
                StoreError::Duplicate { .. } => Ok(None),
                other => Err(other),
            },
        }
    }

    /// Every checkpoint, oldest first.
    pub async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query("SELECT seq, head_hash, signed_at, public_key, signature FROM chain_checkpoints ORDER BY seq, public_key").fetch_all(&self.pool).await?;
        rows.iter().map(checkpoint_from_row).collect()
    }

    /// Chain entries covering `subject` (an incident, organisation or attribution id), by seq.
    pub async fn chain_entries_for(&self, subject: &str) -> Result<Vec<ChainEntry>, StoreError> {
        let rows = sqlx::query("SELECT seq, kind, subject, version, body_hash, at, prev_hash, hash FROM chain_entries WHERE subject = $1 ORDER BY seq")
            .bind(subject.to_owned())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Recomputes the whole chain from the stored rows and checks every checkpoint signature
    /// (and, given `trusted_key`, that checkpoints are signed by it). Reports the first entry that
    /// does not verify: a missing entry, an entry whose hash does not match its content or does not
    /// follow its predecessor, a covered row changed or missing, a covered row with no entry, an
    /// incident whose current document is not its latest covered version, or a bad checkpoint.
    pub async fn verify_chain(&self, trusted_key: Option<&VerifyingKey>) -> Result<ChainReport, StoreError> {
        let mut covered = self.covered_rows(None).await?;
        let rows = sqlx::query("SELECT seq, kind, subject, version, body_hash, at, prev_hash, hash FROM chain_entries ORDER BY seq").fetch_all(&self.pool).await?;
        let checkpoints = self.checkpoints().await?;
        let trusted_hex = trusted_key.map(|k| hex(k.as_bytes()));
        let mut report = ChainReport {
            ok: false,
            entries: rows.len() as i64,
            head_hash: GENESIS_HASH.to_owned(),
            checkpoints: checkpoints.len() as i64,
            checkpoints_by_trusted_key: checkpoints.iter().filter(|c| Some(&c.public_key) == trusted_hex.as_ref()).count() as i64,
            failure: None,
        };
        let mut hashes: Vec<String> = vec![GENESIS_HASH.to_owned()];
        let mut entry_of: HashMap<(String, i64), i64> = HashMap::new();
        let mut prev = GENESIS_HASH.to_owned();
        for (n, r) in rows.iter().enumerate() {
            let e = entry_from_row(r)?;
            let expected_seq = n as i64 + 1;
            if e.seq != expected_seq {
                report.failure = Some(fail(expected_seq, None, format!("entry {expected_seq} is missing (the next stored entry is {})", e.seq)));
                return Ok(report);
            }
            if e.compute_hash() != e.hash {
                report.failure = Some(fail(e.seq, Some(&e), "the entry's hash does not match its content".into()));
                return Ok(report);
            }
            if e.prev_hash != prev {
                report.failure = Some(fail(e.seq, Some(&e), format!("the entry does not follow entry {} (previous hash differs)", e.seq - 1)));
                return Ok(report);
            }
            let Some(c) = covered_for(&e.kind) else {
                report.failure = Some(fail(e.seq, Some(&e), format!("unknown entry kind {:?}", e.kind)));
                return Ok(report);
            };
            match covered.remove(&(c.prefix, e.subject.clone(), e.version)) {
                None => {
                    report.failure = Some(fail(e.seq, Some(&e), format!("the {} row it covers is missing", c.table)));
                    return Ok(report);
                }
                Some(h) if h != e.body_hash => {
                    report.failure = Some(fail(e.seq, Some(&e), format!("the {} row it covers was changed", c.table)));
                    return Ok(report);
                }
                Some(_) => {}
            }
            if c.prefix == "incident." {
                entry_of.insert((e.subject.clone(), e.version), e.seq);
            }
            prev = e.hash.clone();
            hashes.push(e.hash);
        }
        let last = rows.len() as i64;
        report.head_hash = prev.clone();
        let (head_seq, head_hash) = self.chain_head().await?;
        if head_seq != last || head_hash != prev {
            report.failure = Some(fail(last.min(head_seq) + 1, None, format!("the chain head says entry {head_seq} but {last} entries verify (entries were removed from the end)")));
            return Ok(report);
        }
        if let Some(((prefix, subject, version), _)) = covered.iter().min_by(|a, b| a.0.cmp(b.0)) {
            let table = COVERED.iter().find(|c| c.prefix == *prefix).map_or("?", |c| c.table);
            report.failure = Some(ChainFailure {
                seq: last + 1,
                kind: None,
                subject: Some(subject.clone()),
                version: Some(*version),
                reason: format!("a {table} row (subject {subject}, version {version}) has no chain entry"),
            });
            return Ok(report);
        }
        // The current document of each incident is its latest covered version.
        let current = sqlx::query("SELECT i.id, i.version, i.body, v.body AS vbody FROM incidents i LEFT JOIN incident_versions v ON v.incident_id = i.id AND v.version = i.version ORDER BY i.id")
            .fetch_all(&self.pool)
            .await?;
        for r in &current {
            let id: String = r.try_get("id")?;
            let version: i64 = r.try_get("version")?;
            let body: String = r.try_get("body")?;
            let vbody: Option<String> = r.try_get("vbody")?;
            if vbody.as_deref() != Some(body.as_str()) {
                let seq = entry_of.get(&(id.clone(), version)).copied().unwrap_or(last + 1);
                report.failure = Some(ChainFailure {
                    seq,
                    kind: Some("incident".into()),
                    subject: Some(id.clone()),
                    version: Some(version),
                    reason: format!("incident {id}: the current document is not its recorded version {version}"),
                });
                return Ok(report);
            }
        }
        for cp in &checkpoints {
            let bad = |reason: String| Some(ChainFailure { seq: cp.seq, kind: Some("checkpoint".into()), subject: Some(cp.public_key.clone()), version: None, reason });
            if cp.seq < 1 || cp.seq > last {
                report.failure = bad(format!("a checkpoint signs entry {} but the chain has {last}", cp.seq));
                return Ok(report);
            }
            if hashes[cp.seq as usize] != cp.head_hash {
                report.failure = bad(format!("the checkpoint of entry {} signs a different hash than the chain has", cp.seq));
                return Ok(report);
            }
            if !cp.signature_valid() {
                report.failure = bad(format!("the checkpoint of entry {} has an invalid signature", cp.seq));
                return Ok(report);
            }
        }
        report.ok = true;
        Ok(report)
    }
}
