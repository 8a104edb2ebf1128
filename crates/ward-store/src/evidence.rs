//! Evidence packages: everything an outside party needs to check, offline, that an incident's
//! recorded history (every version, its reporting log, its attributions) is what ward's hash
//! chain committed to and what the instance key signed. The format is in `docs/EVIDENCE.md`;
//! [`verify_package`] is the reference verifier and needs no database.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::Timestamp;
use serde_json::{json, Map, Value};
use sqlx::Row;
use ward_core::{IncidentId, ReadScope};

use crate::chain::{body_hash, canonical_json, hex, unhex, ChainEntry, Checkpoint, COVERED};
use crate::time::to_db;
use crate::{Store, StoreError};

/// The `format` of packages this version writes and reads.
pub const EVIDENCE_FORMAT: &str = "ward-evidence/1";
/// Largest package [`verify_package`] reads.
pub const MAX_EVIDENCE_BYTES: usize = 256 * 1024 * 1024;

/// What a verified package holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EvidenceReport {
    pub incident_id: String,
    pub public_key: String,
    pub records: usize,
    pub incident_versions: usize,
    pub chain_entries: usize,
    pub checkpoint_seq: i64,
    pub checkpoint_signed_at: String,
}

fn entry_json(e: &ChainEntry) -> Value {
    serde_json::to_value(e).unwrap_or(Value::Null)
}

impl Store {
    /// Builds the package for an incident `scope` may read: signs a fresh checkpoint with `key`
    /// first so the package's chain segment ends at a signed head. Returns the package's bytes
    /// (RFC 8785 JSON, signed as a whole).
    pub async fn export_evidence(&self, incident: IncidentId, scope: &ReadScope, key: &SigningKey, now: Timestamp) -> Result<Vec<u8>, StoreError> {
        let record = self.get_incident(incident, scope).await?;
        self.write_checkpoint(key, now).await?;
        let public_key = hex(key.verifying_key().as_bytes());
        let checkpoint = self
            .checkpoints()
            .await?
            .into_iter()
            .filter(|c| c.public_key == public_key)
            .max_by_key(|c| c.seq)
            .ok_or_else(|| StoreError::Corrupt("the chain is empty: nothing to export".into()))?;
        let id = incident.to_string();
        let mut records = Vec::new();
        let mut subjects = vec![id.clone()];
        let attribution_ids: Vec<String> = sqlx::query("SELECT id FROM attributions WHERE incident_id = $1 ORDER BY id")
            .bind(id.clone())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("id"))
            .collect::<Result<_, _>>()?;
        subjects.extend(attribution_ids.iter().cloned());
        for c in COVERED.iter().filter(|c| c.prefix != "profile.") {
            let cols = c.columns.join(", ");
            let (filter_col, values): (&str, Vec<String>) = if c.prefix == "attribution." { ("id", attribution_ids.clone()) } else { (c.subject_column, vec![id.clone()]) };
            for v in values {
                let rows = sqlx::query(&format!(
                    "SELECT {} AS chain_subject, {} AS chain_version, {cols} FROM {} WHERE {filter_col} = $1 ORDER BY chain_version",
                    c.subject_column, c.version_column, c.table
                ))
                .bind(v)
                .fetch_all(&self.pool)
                .await?;
                for r in rows {
                    let mut columns = Map::new();
                    for col in c.columns {
                        columns.insert((*col).to_owned(), r.try_get::<Option<String>, _>(*col)?.map_or(Value::Null, Value::String));
                    }
                    records.push(json!({
                        "table": c.table, "kind_prefix": c.prefix,
                        "subject": r.try_get::<String, _>("chain_subject")?, "version": r.try_get::<i64, _>("chain_version")?,
                        "columns": columns,
                    }));
                }
            }
        }
        let mut first = checkpoint.seq;
        for s in &subjects {
            for e in self.chain_entries_for(s).await? {
                first = first.min(e.seq);
            }
        }
        let rows = sqlx::query("SELECT seq, kind, subject, version, body_hash, at, prev_hash, hash FROM chain_entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq")
            .bind(first)
            .bind(checkpoint.seq)
            .fetch_all(&self.pool)
            .await?;
        let mut chain = Vec::with_capacity(rows.len());
        for r in &rows {
            chain.push(entry_json(&crate::chain::entry_from_row(r)?));
        }
        let mut package = json!({
            "format": EVIDENCE_FORMAT,
            "incident_id": id,
            "incident_title": record.draft.title.as_str(),
            "exported_at": to_db(now),
            "public_key": public_key,
            "records": records,
            "chain": chain,
            "checkpoint": serde_json::to_value(&checkpoint).unwrap_or(Value::Null),
        });
        let signature = key.sign(&canonical_json(&package));
        package["package_signature"] = Value::String(hex(&signature.to_bytes()));
        Ok(canonical_json(&package))
    }
}

fn field<'a>(v: &'a Value, k: &str) -> Result<&'a Value, String> {
    v.get(k).ok_or_else(|| format!("{k}: missing"))
}

fn text<'a>(v: &'a Value, k: &str) -> Result<&'a str, String> {
    field(v, k)?.as_str().ok_or_else(|| format!("{k}: not a string"))
}

/// Verifies a package offline. Any changed byte fails: the file must be the RFC 8785 form of
/// its content, the whole content is signed, every record must match the chain entry that
/// committed to it, the chain segment must link entry to entry up to a signed checkpoint.
pub fn verify_package(bytes: &[u8]) -> Result<EvidenceReport, String> {
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(format!("the package is larger than {MAX_EVIDENCE_BYTES} bytes"));
    }
    let mut package: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    if canonical_json(&package) != bytes {
        return Err("the file is not in its canonical (RFC 8785) form: it was edited after export".into());
    }
    if text(&package, "format")? != EVIDENCE_FORMAT {
        return Err(format!("format: expected {EVIDENCE_FORMAT}"));
    }
    let public_key_hex = text(&package, "public_key")?.to_owned();
    let key = unhex(&public_key_hex)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or("public_key: not an Ed25519 public key")?;
    let signature = unhex(text(&package, "package_signature")?).and_then(|b| <[u8; 64]>::try_from(b).ok()).map(|b| Signature::from_bytes(&b)).ok_or("package_signature: not an Ed25519 signature")?;
    if let Some(obj) = package.as_object_mut() {
        obj.remove("package_signature");
    }
    key.verify(&canonical_json(&package), &signature).map_err(|_| "package_signature: does not verify with the package's public key".to_owned())?;

    let checkpoint: Checkpoint = serde_json::from_value(field(&package, "checkpoint")?.clone()).map_err(|e| format!("checkpoint: {e}"))?;
    if checkpoint.public_key != public_key_hex {
        return Err("checkpoint: signed by another key than the package's".into());
    }
    if !checkpoint.signature_valid() {
        return Err(format!("checkpoint: the signature of entry {} does not verify", checkpoint.seq));
    }
    let chain: Vec<ChainEntry> = serde_json::from_value(field(&package, "chain")?.clone()).map_err(|e| format!("chain: {e}"))?;
    let mut prev: Option<&ChainEntry> = None;
    for e in &chain {
        if e.compute_hash() != e.hash {
            return Err(format!("chain entry {}: its hash does not match its content", e.seq));
        }
        if let Some(p) = prev {
            if e.seq != p.seq + 1 || e.prev_hash != p.hash {
                return Err(format!("chain entry {}: does not follow entry {}", e.seq, p.seq));
            }
        }
        prev = Some(e);
    }
    let last = chain.last().ok_or("chain: empty")?;
    if last.seq != checkpoint.seq || last.hash != checkpoint.head_hash {
        return Err(format!("chain: the segment ends at entry {} but the checkpoint signs entry {}", last.seq, checkpoint.seq));
    }
    let records = field(&package, "records")?.as_array().ok_or("records: not an array")?;
    let incident_id = text(&package, "incident_id")?.to_owned();
    let mut incident_versions = 0;
    let mut covered = std::collections::HashSet::new();
    for (n, r) in records.iter().enumerate() {
        let prefix = text(r, "kind_prefix")?;
        let table = text(r, "table")?;
        let c = COVERED.iter().find(|c| c.prefix == prefix && c.table == table).ok_or_else(|| format!("records[{n}]: unknown table {table}"))?;
        let subject = text(r, "subject")?;
        let version = field(r, "version")?.as_i64().ok_or_else(|| format!("records[{n}].version: not an integer"))?;
        let columns = field(r, "columns")?;
        let mut fields = Vec::new();
        for col in c.columns {
            let v = columns.get(*col).ok_or_else(|| format!("records[{n}].columns.{col}: missing"))?;
            fields.push((*col, v.as_str()));
        }
        let h = body_hash(&fields);
        let entry = chain
            .iter()
            .find(|e| e.kind.starts_with(prefix) && e.subject == subject && e.version == version)
            .ok_or_else(|| format!("records[{n}] ({table} {subject} version {version}): no chain entry in the package covers it"))?;
        if entry.body_hash != h {
            return Err(format!("records[{n}] ({table} {subject} version {version}): does not match chain entry {}", entry.seq));
        }
        if table == "incident_versions" {
            incident_versions += 1;
        }
        covered.insert((prefix.to_owned(), subject.to_owned(), version));
    }
    // Every version of the incident the chain segment records is in the package.
    for e in chain.iter().filter(|e| e.subject == incident_id) {
        let prefix = COVERED.iter().find(|c| e.kind.starts_with(c.prefix)).map_or("", |c| c.prefix);
        if !covered.contains(&(prefix.to_owned(), e.subject.clone(), e.version)) {
            return Err(format!("chain entry {} ({} version {}): its record is missing from the package", e.seq, e.kind, e.version));
        }
    }
    if incident_versions == 0 {
        return Err("records: the package holds no version of the incident".into());
    }
    Ok(EvidenceReport {
        incident_id,
        public_key: public_key_hex,
        records: records.len(),
        incident_versions,
        chain_entries: chain.len(),
        checkpoint_seq: checkpoint.seq,
        checkpoint_signed_at: checkpoint.signed_at,
    })
}
