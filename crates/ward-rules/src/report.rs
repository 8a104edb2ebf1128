//! Report drafts: one stage's content list filled from the facts entered once, with labels in
//! the recipient's language, every missing required field listed (never blocking a report that
//! is due), and only the fields the stage asks for (data minimisation: patient identities appear
//! only where a stage cites the provision that requires them).

use std::fmt::Write as _;

use serde::Serialize;

use crate::engine::{format_zoned, Obligation, Status};
use crate::error::Error;
use crate::facts::{ContentValue, FactValue, Facts};
use crate::model::{RuleSet, Tri};

/// How strongly a stage asks for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    Required,
    WhereApplicable,
    WhereAvailable,
    AsAvailable,
}

/// One field of a report draft.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportField {
    pub id: String,
    /// Label in the report's language (English when the rule gives none in that language).
    pub label: String,
    pub requirement: Requirement,
    /// The value, or `None` when it is missing.
    pub value: Option<String>,
    /// Rendered value: the value, or the word for "missing" in the report's language.
    pub display: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// A renderer-friendly draft of one report (one stage of one obligation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportDraft {
    pub regime: String,
    pub regime_title: String,
    pub jurisdiction: String,
    pub stage: String,
    pub stage_title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub recipient: String,
    pub recipient_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_contact: Option<String>,
    /// Language of the labels (the recipient's).
    pub language: String,
    pub citation: String,
    pub rule_version: String,
    pub status: Status,
    pub due_at: Option<String>,
    pub due_basis: String,
    pub fields: Vec<ReportField>,
    /// Required fields still missing: listed, never blocking.
    pub missing_required: Vec<String>,
    /// Whether patient identities may appear (only where the stage cites the provision).
    pub patient_identities_included: bool,
    pub notes: Vec<String>,
}

/// Words of the report frame in the languages ward renders.
fn word(lang: &str, key: &str) -> &'static str {
    match (lang, key) {
        ("de", "missing") => "fehlt",
        ("fr", "missing") => "manquant",
        (_, "missing") => "missing",
        ("de", "recipient") => "Empfänger",
        ("fr", "recipient") => "Destinataire",
        (_, "recipient") => "Recipient",
        ("de", "due") => "Frist",
        ("fr", "due") => "Échéance",
        (_, "due") => "Due",
        ("de", "citation") => "Rechtsgrundlage",
        ("fr", "citation") => "Base légale",
        (_, "citation") => "Legal basis",
        ("de", "missing_required") => "Fehlende Pflichtangaben",
        ("fr", "missing_required") => "Champs obligatoires manquants",
        (_, "missing_required") => "Missing required fields",
        ("de", "none") => "keine Angabe",
        ("fr", "none") => "non précisé",
        (_, "none") => "not set by law",
        ("de", "yes") => "ja",
        ("fr", "yes") => "oui",
        (_, "yes") => "yes",
        ("de", "no") => "nein",
        ("fr", "no") => "non",
        (_, "no") => "no",
        _ => "",
    }
}

fn label_in(
    labels: &std::collections::BTreeMap<String, String>,
    lang: &str,
    fallback: &str,
) -> String {
    labels
        .get(lang)
        .or_else(|| labels.get("en"))
        .cloned()
        .unwrap_or_else(|| fallback.to_string())
}

fn render_fact(value: &FactValue, facts: &Facts, lang: &str) -> String {
    match value {
        FactValue::Tri(Tri::Yes) => word(lang, "yes").into(),
        FactValue::Tri(Tri::No) => word(lang, "no").into(),
        FactValue::Tri(Tri::Unknown) => "unknown".into(),
        FactValue::Bool(b) => word(lang, if *b { "yes" } else { "no" }).into(),
        FactValue::Count(n) => n.to_string(),
        FactValue::Decimal(d) => d.to_string(),
        FactValue::Instant { at, imprecise } => {
            let s = format_zoned(&at.to_zoned(facts.time_zone.clone()));
            if *imprecise {
                format!("{s} (date only)")
            } else {
                s
            }
        }
        FactValue::Date(d) => d.to_string(),
        FactValue::Enum(s) | FactValue::Text(s) => s.clone(),
        FactValue::Set(set) => set.iter().cloned().collect::<Vec<_>>().join(", "),
        FactValue::StateCounts(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        FactValue::Duration(d) => format!("{} s", d.as_secs()),
        FactValue::LeDelay(d) => format!(
            "{} statement of {}{}",
            if d.written { "written" } else { "oral" },
            d.stated_on,
            d.until.map(|u| format!(" until {u}")).unwrap_or_default()
        ),
    }
}

/// Drafts the report for one obligation from the facts entered once.
pub fn draft_report(
    rules: &RuleSet,
    facts: &Facts,
    obligation: &Obligation,
) -> Result<ReportDraft, Error> {
    let unknown = || Error::UnknownStage {
        regime: obligation.regime.clone(),
        version: obligation.rule_version.clone(),
        stage: obligation.stage.clone(),
    };
    let regime = rules
        .regimes
        .iter()
        .find(|r| r.id == obligation.regime && r.version == obligation.rule_version)
        .ok_or_else(unknown)?;
    let stage = regime
        .stages
        .iter()
        .find(|s| s.id == obligation.stage)
        .ok_or_else(unknown)?;
    let recipient = rules.recipients.get(&obligation.recipient);
    let lang = recipient.map_or("en", |r| r.language.as_str()).to_string();
    let mut fields = Vec::new();
    let lists = [
        (
            crate::report::Requirement::Required,
            &stage.content.required,
        ),
        (
            Requirement::WhereApplicable,
            &stage.content.where_applicable,
        ),
        (Requirement::WhereAvailable, &stage.content.where_available),
        (Requirement::AsAvailable, &stage.content.as_available),
    ];
    for (requirement, ids) in lists {
        for id in ids {
            let Some(def) = rules.content_fields.get(id) else {
                continue;
            };
            let (value, source, as_of) = match facts.content.get(id) {
                Some(ContentValue::Text(t)) => (Some(t.clone()), None, None),
                Some(ContentValue::Sourced(s)) => {
                    (Some(s.value.clone()), s.source.clone(), s.as_of.clone())
                }
                None => {
                    let parts: Vec<String> = def
                        .from_facts
                        .iter()
                        .filter_map(|f| {
                            facts.current[f.0].as_ref().map(|v| {
                                let fd = rules.fact(*f);
                                format!(
                                    "{}: {}",
                                    label_in(&fd.labels, &lang, &fd.id),
                                    render_fact(v, facts, &lang)
                                )
                            })
                        })
                        .collect();
                    if parts.is_empty() {
                        (None, None, None)
                    } else {
                        (Some(parts.join("; ")), Some("facts".to_string()), None)
                    }
                }
            };
            let display = value
                .clone()
                .unwrap_or_else(|| word(&lang, "missing").to_string());
            fields.push(ReportField {
                id: id.clone(),
                label: label_in(&def.labels, &lang, id),
                requirement,
                value,
                display,
                source,
                as_of,
            });
        }
    }
    let missing_required = fields
        .iter()
        .filter(|f| f.requirement == Requirement::Required && f.value.is_none())
        .map(|f| f.id.clone())
        .collect();
    let mut notes = Vec::new();
    match &stage.identities_required_by {
        Some(cite) => notes.push(format!("patient identities included: required by {cite}")),
        None => notes
            .push("data minimisation: no patient identities; counts and categories only".into()),
    }
    notes.extend(obligation.notes.iter().cloned());
    Ok(ReportDraft {
        regime: obligation.regime.clone(),
        regime_title: label_in(&regime.labels, &lang, &regime.title),
        jurisdiction: obligation.jurisdiction.clone(),
        stage: obligation.stage.clone(),
        stage_title: label_in(&stage.labels, &lang, &stage.title),
        instance: obligation.instance.clone(),
        recipient: obligation.recipient.clone(),
        recipient_name: recipient.map_or_else(
            || obligation.recipient.clone(),
            |r| label_in(&r.labels, &lang, &obligation.recipient),
        ),
        recipient_contact: recipient.and_then(|r| r.contact.clone()),
        language: lang,
        citation: obligation.citation.clone(),
        rule_version: obligation.rule_version.clone(),
        status: obligation.status,
        due_at: obligation.due_at.as_ref().map(format_zoned),
        due_basis: obligation.due_basis.clone(),
        fields,
        missing_required,
        patient_identities_included: stage.identities_required_by.is_some(),
        notes,
    })
}

/// Renders a draft as Markdown.
pub fn render_markdown(d: &ReportDraft) -> String {
    let lang = d.language.as_str();
    let mut s = String::new();
    let _ = writeln!(s, "# {} — {}", d.regime_title, d.stage_title);
    if let Some(i) = &d.instance {
        let _ = writeln!(s, "\n_{i}_");
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "- **{}**: {}", word(lang, "recipient"), d.recipient_name);
    if let Some(c) = &d.recipient_contact {
        let _ = writeln!(s, "  ({c})");
    }
    let _ = writeln!(
        s,
        "- **{}**: {} ({})",
        word(lang, "due"),
        d.due_at.as_deref().unwrap_or(word(lang, "none")),
        d.due_basis
    );
    let _ = writeln!(
        s,
        "- **{}**: {} [{}; rule version {}]",
        word(lang, "citation"),
        d.citation,
        d.regime,
        d.rule_version
    );
    let _ = writeln!(s);
    for f in &d.fields {
        let provenance = match (&f.source, &f.as_of) {
            (Some(src), Some(at)) => format!(" _(source: {src}, as of {at})_"),
            (Some(src), None) => format!(" _(source: {src})_"),
            (None, Some(at)) => format!(" _(as of {at})_"),
            (None, None) => String::new(),
        };
        let marker = if f.requirement == Requirement::Required {
            " *"
        } else {
            ""
        };
        let _ = writeln!(s, "## {}{marker}\n\n{}{provenance}\n", f.label, f.display);
    }
    if !d.missing_required.is_empty() {
        let _ = writeln!(
            s,
            "**{}**: {}\n",
            word(lang, "missing_required"),
            d.missing_required.join(", ")
        );
    }
    for n in &d.notes {
        let _ = writeln!(s, "> {n}");
    }
    s
}

/// Renders a draft as pretty JSON.
pub fn render_json(d: &ReportDraft) -> String {
    serde_json::to_string_pretty(d)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
}
