//! Loading and checking rule files: YAML → raw serde types → the checked model. Unknown keys,
//! dangling references, impossible predicates and overlapping versions are load errors naming
//! the file, the line and the YAML path.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use jiff::civil::Date;
use jiff::{SignedDuration, Span};

use crate::calendar::{parse_weekday, HolidayCalendar};
use crate::error::{Error, Location};
use crate::locate::{push_index, push_key, LineIndex};
use crate::model::*;
use crate::raw::*;
use crate::{
    MAX_BUSINESS_DAYS, MAX_PREDICATE_DEPTH, MAX_RULE_FILES, MAX_RULE_FILE_BYTES, SCHEMA_VERSION,
};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

static EMBEDDED: OnceLock<Result<RuleSet, Error>> = OnceLock::new();

impl RuleSet {
    /// The rule set compiled into the binary from the repository's `rules/` directory, loaded
    /// and checked once per process.
    pub fn embedded() -> Result<&'static RuleSet, Error> {
        EMBEDDED
            .get_or_init(|| {
                let rules: Vec<(String, String)> = embedded::RULE_FILES
                    .iter()
                    .map(|(n, t)| (format!("rules/{n}"), (*t).to_string()))
                    .collect();
                let calendars: Vec<(String, String)> = embedded::CALENDAR_FILES
                    .iter()
                    .map(|(n, t)| (format!("rules/calendars/{n}"), (*t).to_string()))
                    .collect();
                RuleSet::from_sources(&rules, &calendars)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Loads `DIR/*.yaml` (rules) and `DIR/calendars/*.yaml` (holiday calendars).
    pub fn load_dir(dir: &Path) -> Result<RuleSet, Error> {
        let rules = read_yaml_files(dir)?;
        let calendars_dir = dir.join("calendars");
        let calendars = if calendars_dir.is_dir() {
            read_yaml_files(&calendars_dir)?
        } else {
            Vec::new()
        };
        RuleSet::from_sources(&rules, &calendars)
    }

    /// Compiles rule files and calendar files given as (name, text) pairs.
    pub fn from_sources(
        rule_files: &[(String, String)],
        calendar_files: &[(String, String)],
    ) -> Result<RuleSet, Error> {
        let n_files = rule_files.len() + calendar_files.len();
        if n_files > MAX_RULE_FILES {
            return Err(Error::Limit {
                what: "rule files",
                limit: MAX_RULE_FILES,
                actual: n_files,
            });
        }
        let mut parsed = Vec::new();
        for (name, text) in rule_files {
            let raw: RawFile = parse_yaml(name, text)?;
            let ctx = FileCtx {
                name: name.clone(),
                lines: LineIndex::build(text),
            };
            if raw.schema_version != SCHEMA_VERSION {
                return Err(ctx.err(
                    "schema_version",
                    format!(
                        "schema_version {} is not supported (expected {SCHEMA_VERSION})",
                        raw.schema_version
                    ),
                ));
            }
            parsed.push((ctx, raw));
        }
        let mut calendars = BTreeMap::new();
        for (name, text) in calendar_files {
            let raw: RawCalendar = parse_yaml(name, text)?;
            let ctx = FileCtx {
                name: name.clone(),
                lines: LineIndex::build(text),
            };
            let calendar = compile_calendar(&ctx, raw)?;
            if calendars.contains_key(&calendar.id) {
                return Err(ctx.err(
                    "id",
                    format!("holiday calendar {} is defined twice", calendar.id),
                ));
            }
            calendars.insert(calendar.id.clone(), calendar);
        }
        let sources = rule_files
            .iter()
            .chain(calendar_files)
            .map(|(n, t)| RuleSource {
                name: n.clone(),
                bytes: t.len(),
            })
            .collect();
        Compiler::new(parsed, calendars)?.compile(sources)
    }
}

fn read_yaml_files(dir: &Path) -> Result<Vec<(String, String)>, Error> {
    let io = |e: std::io::Error| Error::RuleIo {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            names.push(path);
        }
    }
    names.sort();
    if names.len() > MAX_RULE_FILES {
        return Err(Error::Limit {
            what: "rule files",
            limit: MAX_RULE_FILES,
            actual: names.len(),
        });
    }
    let mut out = Vec::new();
    for path in names {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(&path).map_err(|e| Error::RuleIo {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        if meta.len() > MAX_RULE_FILE_BYTES as u64 {
            return Err(Error::Limit {
                what: "rule file size (bytes)",
                limit: MAX_RULE_FILE_BYTES,
                actual: usize::try_from(meta.len()).unwrap_or(usize::MAX),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::RuleIo {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        out.push((shown, text));
    }
    Ok(out)
}

fn parse_yaml<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, Error> {
    if text.len() > MAX_RULE_FILE_BYTES {
        return Err(Error::Limit {
            what: "rule file size (bytes)",
            limit: MAX_RULE_FILE_BYTES,
            actual: text.len(),
        });
    }
    let de = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let line = inner.location().map(|l| l.line());
        Error::RuleSyntax {
            location: Location {
                file: name.to_string(),
                line,
                path: if path == "." { String::new() } else { path },
            },
            reason: inner.to_string(),
        }
    })
}

pub(crate) struct FileCtx {
    name: String,
    lines: LineIndex,
}

impl FileCtx {
    fn err(&self, path: &str, reason: impl Into<String>) -> Error {
        Error::RuleInvalid {
            location: Location {
                file: self.name.clone(),
                line: self.lines.line_of(path),
                path: path.to_string(),
            },
            reason: reason.into(),
        }
    }
}

fn parse_date(ctx: &FileCtx, path: &str, s: &str) -> Result<Date, Error> {
    s.parse::<Date>()
        .map_err(|e| ctx.err(path, format!("not a date YYYY-MM-DD: {s:?} ({e})")))
}

fn compile_calendar(ctx: &FileCtx, raw: RawCalendar) -> Result<HolidayCalendar, Error> {
    if raw.schema_version != SCHEMA_VERSION {
        return Err(ctx.err(
            "schema_version",
            format!("schema_version {} is not supported", raw.schema_version),
        ));
    }
    let mut weekend = [false; 7];
    for (i, d) in raw.weekend.iter().enumerate() {
        let day = parse_weekday(d)
            .ok_or_else(|| ctx.err(&push_index("weekend", i), format!("not a weekday: {d:?}")))?;
        weekend[usize::try_from(day.to_monday_zero_offset()).unwrap_or(0)] = true;
    }
    let covers_from = parse_date(ctx, "covers_from", &raw.covers_from)?;
    let covers_until = parse_date(ctx, "covers_until", &raw.covers_until)?;
    if covers_until < covers_from {
        return Err(ctx.err("covers_until", "covers_until is before covers_from"));
    }
    let mut holidays = BTreeSet::new();
    for (i, h) in raw.holidays.iter().enumerate() {
        let path = format!("{}.date", push_index("holidays", i));
        let date = parse_date(ctx, &path, &h.date)?;
        if date < covers_from || date > covers_until {
            return Err(ctx.err(
                &path,
                format!(
                    "holiday {date} ({}) is outside covers_from..covers_until",
                    h.name
                ),
            ));
        }
        if !holidays.insert(date) {
            return Err(ctx.err(&path, format!("holiday {date} is listed twice")));
        }
    }
    Ok(HolidayCalendar {
        id: raw.id,
        title: raw.title,
        weekend,
        holidays,
        covers_from,
        covers_until,
    })
}

/// Parses an ISO 8601 duration into its parts; rejects negative and sub-second durations.
fn parse_duration(ctx: &FileCtx, path: &str, s: &str) -> Result<Span, Error> {
    let span: Span = s
        .parse()
        .map_err(|e| ctx.err(path, format!("not an ISO 8601 duration: {s:?} ({e})")))?;
    if span.is_negative() || span.is_zero() {
        return Err(ctx.err(path, format!("duration {s} must be positive")));
    }
    if span.get_milliseconds() != 0 || span.get_microseconds() != 0 || span.get_nanoseconds() != 0 {
        return Err(ctx.err(
            path,
            format!("duration {s}: fractions of a second are not supported"),
        ));
    }
    Ok(span)
}

/// An exact duration from a span whose days are 24 h each; `None` if it has months or years.
pub(crate) fn exact_duration(span: &Span) -> Option<SignedDuration> {
    if span.get_years() != 0 || span.get_months() != 0 {
        return None;
    }
    let secs = i64::from(span.get_weeks()) * 7 * 86_400
        + i64::from(span.get_days()) * 86_400
        + i64::from(span.get_hours()) * 3_600
        + span.get_minutes() * 60
        + span.get_seconds();
    Some(SignedDuration::from_secs(secs))
}

fn human_duration(span: &Span) -> String {
    let mut parts = Vec::new();
    let mut push = |n: i64, one: &str, many: &str| {
        if n != 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    };
    push(i64::from(span.get_years()), "year", "years");
    push(i64::from(span.get_months()), "month", "months");
    push(i64::from(span.get_weeks()), "week", "weeks");
    push(i64::from(span.get_days()), "day", "days");
    push(i64::from(span.get_hours()), "h", "h");
    push(span.get_minutes(), "min", "min");
    push(span.get_seconds(), "s", "s");
    parts.join(" ")
}

struct NamedPredicate {
    file: usize,
    raw: RawPredicate,
}

/// Per-regime compilation context: the clocks and stage ids in scope.
struct RegimeScope<'a> {
    clocks: &'a [(String, FactIdx)],
    stage_ids: &'a [String],
}

struct Compiler {
    files: Vec<FileCtx>,
    raws: Vec<RawFile>,
    facts: Vec<FactDef>,
    fact_index: HashMap<String, FactIdx>,
    fact_identifies: HashMap<FactIdx, bool>,
    content_fields: BTreeMap<String, ContentFieldDef>,
    recipients: BTreeMap<String, RecipientDef>,
    groups: BTreeMap<String, BTreeSet<String>>,
    named: BTreeMap<String, NamedPredicate>,
    calendars: BTreeMap<String, HolidayCalendar>,
}

impl Compiler {
    fn new(
        parsed: Vec<(FileCtx, RawFile)>,
        calendars: BTreeMap<String, HolidayCalendar>,
    ) -> Result<Compiler, Error> {
        let (files, raws): (Vec<_>, Vec<_>) = parsed.into_iter().unzip();
        let mut c = Compiler {
            files,
            raws,
            facts: Vec::new(),
            fact_index: HashMap::new(),
            fact_identifies: HashMap::new(),
            content_fields: BTreeMap::new(),
            recipients: BTreeMap::new(),
            groups: BTreeMap::new(),
            named: BTreeMap::new(),
            calendars,
        };
        c.collect_catalogue()?;
        Ok(c)
    }

    fn collect_catalogue(&mut self) -> Result<(), Error> {
        // Country groups first: facts name the group their codes come from.
        for fi in 0..self.raws.len() {
            let ctx = &self.files[fi];
            for (name, g) in &self.raws[fi].country_groups {
                let path = push_key("country_groups", name);
                let mut members = BTreeSet::new();
                for (i, m) in g.members.iter().enumerate() {
                    let ok = (m.len() == 2 || m.len() == 3)
                        && m.chars().all(|c| c.is_ascii_uppercase() || c == '-');
                    if !ok {
                        return Err(ctx.err(
                            &push_index(&format!("{path}.members"), i),
                            format!("not an upper-case code: {m:?}"),
                        ));
                    }
                    if !members.insert(m.clone()) {
                        return Err(ctx.err(
                            &push_index(&format!("{path}.members"), i),
                            format!("{m} is listed twice"),
                        ));
                    }
                }
                if self.groups.insert(name.clone(), members).is_some() {
                    return Err(ctx.err(&path, format!("country group {name} is defined twice")));
                }
            }
        }
        for fi in 0..self.raws.len() {
            let ctx = &self.files[fi];
            for (id, f) in &self.raws[fi].facts {
                let path = push_key("facts", id);
                if self.fact_index.contains_key(id) {
                    return Err(ctx.err(&path, format!("fact {id} is defined twice")));
                }
                let needs_values = matches!(f.fact_type, FactType::Enum | FactType::Set);
                if needs_values && f.values.is_empty() {
                    return Err(ctx.err(
                        &format!("{path}.type"),
                        format!("fact {id} of type {:?} needs `values`", f.fact_type),
                    ));
                }
                if !needs_values && !f.values.is_empty() {
                    return Err(ctx.err(
                        &format!("{path}.values"),
                        format!("fact {id}: `values` only fit enum and set facts"),
                    ));
                }
                let needs_codes =
                    matches!(f.fact_type, FactType::Countries | FactType::StateCounts);
                match (&f.codes_from, needs_codes) {
                    (None, true) => {
                        return Err(ctx.err(
                            &path,
                            format!("fact {id} needs `codes_from` (a country group)"),
                        ))
                    }
                    (Some(_), false) => {
                        return Err(ctx.err(
                            &format!("{path}.codes_from"),
                            "`codes_from` only fits countries and state_counts facts",
                        ))
                    }
                    (Some(g), true) if !self.groups.contains_key(g) => {
                        return Err(ctx.err(
                            &format!("{path}.codes_from"),
                            format!("unknown country group {g}"),
                        ))
                    }
                    _ => {}
                }
                if !id.contains('.') {
                    return Err(ctx.err(
                        &path,
                        format!("fact id {id} must be dotted (e.g. incident.{id})"),
                    ));
                }
                let idx = FactIdx(self.facts.len());
                self.facts.push(FactDef {
                    id: id.clone(),
                    fact_type: f.fact_type,
                    values: f.values.clone(),
                    short: f.short.clone().unwrap_or_else(|| id.clone()),
                    labels: f.labels.clone(),
                    codes_from: f.codes_from.clone(),
                });
                self.fact_index.insert(id.clone(), idx);
                self.fact_identifies.insert(idx, f.identifies_patients);
            }
        }
        for fi in 0..self.raws.len() {
            let ctx = &self.files[fi];
            for (id, r) in &self.raws[fi].recipients {
                let path = push_key("recipients", id);
                check_labels(ctx, &path, &r.labels)?;
                if !is_language(&r.language) {
                    return Err(ctx.err(
                        &format!("{path}.language"),
                        format!("not a language code: {:?}", r.language),
                    ));
                }
                let def = RecipientDef {
                    labels: r.labels.clone(),
                    language: r.language.clone(),
                    contact: r.contact.clone(),
                };
                if self.recipients.insert(id.clone(), def).is_some() {
                    return Err(ctx.err(&path, format!("recipient {id} is defined twice")));
                }
            }
            for (id, cf) in &self.raws[fi].content_fields {
                let path = push_key("content_fields", id);
                check_labels(ctx, &path, &cf.labels)?;
                let mut from_facts = Vec::new();
                for (i, f) in cf.from_facts.iter().enumerate() {
                    let idx = self.fact_index.get(f).copied().ok_or_else(|| {
                        ctx.err(
                            &push_index(&format!("{path}.from_facts"), i),
                            format!("unknown fact {f}"),
                        )
                    })?;
                    if self.fact_identifies.get(&idx).copied().unwrap_or(false)
                        && !cf.identifies_patients
                    {
                        return Err(ctx.err(&push_index(&format!("{path}.from_facts"), i), format!("fact {f} identifies patients: mark the content field identifies_patients")));
                    }
                    from_facts.push(idx);
                }
                let def = ContentFieldDef {
                    labels: cf.labels.clone(),
                    from_facts,
                    identifies_patients: cf.identifies_patients,
                };
                if self.content_fields.insert(id.clone(), def).is_some() {
                    return Err(ctx.err(&path, format!("content field {id} is defined twice")));
                }
            }
            for (name, p) in &self.raws[fi].predicates {
                if self.named.contains_key(name) {
                    return Err(ctx.err(
                        &push_key("predicates", name),
                        format!("predicate {name} is defined twice"),
                    ));
                }
                self.named.insert(
                    name.clone(),
                    NamedPredicate {
                        file: fi,
                        raw: p.clone(),
                    },
                );
            }
        }
        Ok(())
    }

    fn compile(self, sources: Vec<RuleSource>) -> Result<RuleSet, Error> {
        let mut checks = Vec::new();
        for fi in 0..self.raws.len() {
            for (i, ch) in self.raws[fi].checks.iter().enumerate() {
                checks.push(self.compile_check(fi, &push_index("checks", i), ch)?);
            }
        }
        // Named predicates: compile each once to report errors at their definition.
        let names: Vec<String> = self.named.keys().cloned().collect();
        for name in names {
            let mut visiting = Vec::new();
            self.compile_named(&name, &mut visiting, 0)?;
        }
        // Templates and standalone regimes first, then those that implement a template.
        let mut order: Vec<(usize, usize)> = Vec::new();
        for (fi, raw) in self.raws.iter().enumerate() {
            for ri in 0..raw.regimes.len() {
                order.push((fi, ri));
            }
        }
        let mut compiled: Vec<((usize, usize), Regime)> = Vec::new();
        for pass in 0..2 {
            for &(fi, ri) in &order {
                let implements = self.raws[fi].regimes[ri].implements.is_some();
                if (pass == 0) == implements {
                    continue;
                }
                let templates: Vec<&Regime> = compiled.iter().map(|(_, r)| r).collect();
                let regime = self.compile_regime(fi, ri, &templates)?;
                compiled.push(((fi, ri), regime));
            }
        }
        compiled.sort_by_key(|(pos, _)| *pos);
        let regimes: Vec<Regime> = compiled.into_iter().map(|(_, r)| r).collect();
        self.check_versions(&regimes)?;
        Ok(RuleSet {
            facts: self.facts,
            fact_index: self.fact_index,
            checks,
            content_fields: self.content_fields,
            recipients: self.recipients,
            groups: self.groups,
            calendars: self.calendars,
            regimes,
            sources,
        })
    }

    fn fact_ref(&self, ctx: &FileCtx, path: &str, id: &str) -> Result<FactIdx, Error> {
        self.fact_index.get(id).copied().ok_or_else(|| {
            ctx.err(
                path,
                format!("unknown fact {id} (not in the fact catalogue)"),
            )
        })
    }

    fn compile_check(&self, fi: usize, path: &str, ch: &RawCheck) -> Result<Check, Error> {
        let ctx = &self.files[fi];
        let fact = self.fact_ref(ctx, &format!("{path}.fact"), &ch.fact)?;
        let reference = self.fact_ref(ctx, &format!("{path}.reference"), &ch.reference)?;
        let (ft, rt) = (
            self.facts[fact.0].fact_type,
            self.facts[reference.0].fact_type,
        );
        let ok = match ch.kind {
            CheckKind::SumAtMost => ft == FactType::StateCounts && rt == FactType::Count,
            CheckKind::NotBefore | CheckKind::MaxGap => {
                ft == FactType::Instant && rt == FactType::Instant
            }
        };
        if !ok {
            return Err(ctx.err(
                path,
                format!(
                    "check {:?} cannot compare {} ({ft:?}) with {} ({rt:?})",
                    ch.kind, ch.fact, ch.reference
                ),
            ));
        }
        let limit_fact = match &ch.limit_fact {
            Some(f) => {
                let idx = self.fact_ref(ctx, &format!("{path}.limit_fact"), f)?;
                if self.facts[idx.0].fact_type != FactType::Duration {
                    return Err(ctx.err(
                        &format!("{path}.limit_fact"),
                        format!("{f} is not a duration fact"),
                    ));
                }
                Some(idx)
            }
            None => None,
        };
        let default_limit = match &ch.default_limit {
            Some(s) => {
                let span = parse_duration(ctx, &format!("{path}.default_limit"), s)?;
                Some(exact_duration(&span).ok_or_else(|| {
                    ctx.err(
                        &format!("{path}.default_limit"),
                        "needs an exact duration (no months)",
                    )
                })?)
            }
            None => None,
        };
        if ch.kind == CheckKind::MaxGap && default_limit.is_none() {
            return Err(ctx.err(path, "max_gap needs default_limit"));
        }
        Ok(Check {
            kind: ch.kind,
            fact,
            reference,
            limit_fact,
            default_limit,
            severity: ch.severity,
            message: ch.message.clone(),
        })
    }

    fn compile_named(
        &self,
        name: &str,
        visiting: &mut Vec<String>,
        depth: usize,
    ) -> Result<Predicate, Error> {
        let named = self.named.get(name).ok_or_else(|| Error::RuleInvalid {
            location: Location {
                file: String::new(),
                line: None,
                path: String::new(),
            },
            reason: format!("unknown predicate {name}"),
        })?;
        let ctx = &self.files[named.file];
        if visiting.iter().any(|v| v == name) {
            return Err(ctx.err(
                &push_key("predicates", name),
                format!(
                    "predicate {name} refers to itself: {} → {name}",
                    visiting.join(" → ")
                ),
            ));
        }
        visiting.push(name.to_string());
        let p = self.compile_predicate(
            named.file,
            &push_key("predicates", name),
            &named.raw,
            None,
            visiting,
            depth,
        )?;
        visiting.pop();
        Ok(p)
    }

    fn compile_predicate(
        &self,
        fi: usize,
        path: &str,
        raw: &RawPredicate,
        stages: Option<&[String]>,
        visiting: &mut Vec<String>,
        depth: usize,
    ) -> Result<Predicate, Error> {
        let ctx = &self.files[fi];
        if depth > MAX_PREDICATE_DEPTH {
            return Err(ctx.err(
                path,
                format!("predicate nested deeper than {MAX_PREDICATE_DEPTH}"),
            ));
        }
        let forms = [
            raw.all.is_some(),
            raw.any.is_some(),
            raw.not.is_some(),
            raw.predicate.is_some(),
            raw.submitted.is_some(),
            raw.fact.is_some(),
        ];
        if forms.iter().filter(|b| **b).count() != 1 {
            return Err(ctx.err(
                path,
                "a predicate needs exactly one of all, any, not, predicate, submitted, fact",
            ));
        }
        if raw.fact.is_none() && raw.if_unknown.is_some() {
            return Err(ctx.err(path, "if_unknown only fits a fact leaf"));
        }
        let list = |items: &Vec<RawPredicate>,
                    key: &str,
                    visiting: &mut Vec<String>|
         -> Result<Vec<Predicate>, Error> {
            if items.is_empty() {
                return Err(ctx.err(
                    &format!("{path}.{key}"),
                    format!("`{key}` needs at least one predicate"),
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    self.compile_predicate(
                        fi,
                        &push_index(&format!("{path}.{key}"), i),
                        p,
                        stages,
                        visiting,
                        depth + 1,
                    )
                })
                .collect()
        };
        if let Some(items) = &raw.all {
            return Ok(Predicate::All(list(items, "all", visiting)?));
        }
        if let Some(items) = &raw.any {
            return Ok(Predicate::Any(list(items, "any", visiting)?));
        }
        if let Some(inner) = &raw.not {
            return Ok(Predicate::Not(Box::new(self.compile_predicate(
                fi,
                &format!("{path}.not"),
                inner,
                stages,
                visiting,
                depth + 1,
            )?)));
        }
        if let Some(name) = &raw.predicate {
            if !self.named.contains_key(name) {
                return Err(ctx.err(
                    &format!("{path}.predicate"),
                    format!("unknown predicate {name}"),
                ));
            }
            return self.compile_named(name, visiting, depth + 1);
        }
        if let Some(stage) = &raw.submitted {
            let Some(stages) = stages else {
                return Err(ctx.err(
                    &format!("{path}.submitted"),
                    "`submitted` only fits predicates inside a regime",
                ));
            };
            let idx = stages.iter().position(|s| s == stage).ok_or_else(|| {
                ctx.err(
                    &format!("{path}.submitted"),
                    format!("unknown stage {stage}"),
                )
            })?;
            return Ok(Predicate::Submitted(idx));
        }
        let fact_id = raw.fact.as_deref().unwrap_or_default();
        let fact = self.fact_ref(ctx, &format!("{path}.fact"), fact_id)?;
        let def = &self.facts[fact.0];
        let ft = def.fact_type;
        let ops = [
            raw.is.is_some(),
            raw.eq.is_some(),
            raw.in_.is_some(),
            raw.contains.is_some(),
            raw.contains_any.is_some(),
            raw.contains_any_of_group.is_some(),
            raw.lt.is_some(),
            raw.lte.is_some(),
            raw.gt.is_some(),
            raw.gte.is_some(),
            raw.any_value_gt.is_some(),
        ];
        if ops.iter().filter(|b| **b).count() != 1 {
            return Err(ctx.err(path, format!("a fact leaf on {fact_id} needs exactly one of is, eq, in, contains, contains_any, contains_any_of_group, lt, lte, gt, gte, any_value_gt")));
        }
        let impossible = |op: &str, why: String| {
            ctx.err(
                &format!("{path}.{op}"),
                format!("impossible predicate on {fact_id} ({ft:?}): {why}"),
            )
        };
        let check_values = |op: &str, values: &[String]| -> Result<BTreeSet<String>, Error> {
            let mut set = BTreeSet::new();
            for v in values {
                let valid = match ft {
                    FactType::Enum | FactType::Set => def.values.contains(v),
                    FactType::Countries => def
                        .codes_from
                        .as_ref()
                        .and_then(|g| self.groups.get(g))
                        .is_some_and(|g| g.contains(v)),
                    _ => false,
                };
                if !valid {
                    let allowed = match ft {
                        FactType::Enum | FactType::Set => {
                            format!("one of [{}]", def.values.join(", "))
                        }
                        FactType::Countries => {
                            format!("a code of {}", def.codes_from.clone().unwrap_or_default())
                        }
                        _ => "a fact of type enum, set or countries".into(),
                    };
                    return Err(impossible(
                        op,
                        format!("{v:?} can never match: expected {allowed}"),
                    ));
                }
                set.insert(v.clone());
            }
            Ok(set)
        };
        let numeric = matches!(ft, FactType::Count | FactType::Decimal);
        let test = if let Some(v) = &raw.is {
            if ft != FactType::Tri {
                return Err(impossible(
                    "is",
                    "`is` needs a tri-state fact (yes/no/unknown); use eq or in".into(),
                ));
            }
            match v.as_str() {
                "yes" => LeafTest::Is(Tri::Yes),
                "no" => LeafTest::Is(Tri::No),
                other => {
                    return Err(impossible(
                        "is",
                        format!("`is` takes yes or no, not {other:?}"),
                    ))
                }
            }
        } else if let Some(v) = &raw.eq {
            match (ft, v) {
                (FactType::Bool, serde_yaml_ng::Value::Bool(b)) => LeafTest::EqBool(*b),
                (FactType::Enum, serde_yaml_ng::Value::String(s)) => {
                    check_values("eq", std::slice::from_ref(s))?;
                    LeafTest::EqText(s.clone())
                }
                _ => {
                    return Err(impossible(
                        "eq",
                        format!("{v:?} cannot be compared with this fact"),
                    ))
                }
            }
        } else if let Some(values) = &raw.in_ {
            if ft != FactType::Enum {
                return Err(impossible("in", "`in` needs an enum fact".into()));
            }
            if values.is_empty() {
                return Err(impossible("in", "an empty list never matches".into()));
            }
            LeafTest::In(check_values("in", values)?)
        } else if let Some(v) = &raw.contains {
            if !matches!(ft, FactType::Set | FactType::Countries) {
                return Err(impossible(
                    "contains",
                    "`contains` needs a set or countries fact".into(),
                ));
            }
            check_values("contains", std::slice::from_ref(v))?;
            LeafTest::Contains(v.clone())
        } else if let Some(values) = &raw.contains_any {
            if !matches!(ft, FactType::Set | FactType::Countries) || values.is_empty() {
                return Err(impossible(
                    "contains_any",
                    "needs a set or countries fact and a non-empty list".into(),
                ));
            }
            LeafTest::ContainsAny(check_values("contains_any", values)?)
        } else if let Some(group) = &raw.contains_any_of_group {
            if ft != FactType::Countries {
                return Err(impossible(
                    "contains_any_of_group",
                    "needs a countries fact".into(),
                ));
            }
            let members = self.groups.get(group).ok_or_else(|| {
                ctx.err(
                    &format!("{path}.contains_any_of_group"),
                    format!("unknown country group {group}"),
                )
            })?;
            LeafTest::ContainsAny(members.clone())
        } else if let Some(n) = raw.any_value_gt {
            if ft != FactType::StateCounts {
                return Err(impossible(
                    "any_value_gt",
                    "needs a state_counts fact".into(),
                ));
            }
            LeafTest::AnyValueGt(n)
        } else {
            if !numeric {
                return Err(impossible(
                    "lt",
                    "numeric comparison needs a count or decimal fact".into(),
                ));
            }
            let (op, n) = [
                ("lt", raw.lt),
                ("lte", raw.lte),
                ("gt", raw.gt),
                ("gte", raw.gte),
            ]
            .into_iter()
            .find_map(|(op, n)| n.map(|n| (op, n)))
            .unwrap_or(("lt", 0.0));
            if ft == FactType::Count && (op == "lt" && n <= 0.0 || op == "lte" && n < 0.0) {
                return Err(impossible(op, format!("a count is never {op} {n}")));
            }
            match op {
                "lt" => LeafTest::Lt(n),
                "lte" => LeafTest::Lte(n),
                "gt" => LeafTest::Gt(n),
                _ => LeafTest::Gte(n),
            }
        };
        let if_unknown = match raw.if_unknown.as_deref() {
            None => Tri::Unknown,
            Some("yes") => Tri::Yes,
            Some("no") => Tri::No,
            Some(other) => {
                return Err(ctx.err(
                    &format!("{path}.if_unknown"),
                    format!("if_unknown takes yes or no, not {other:?}"),
                ))
            }
        };
        Ok(Predicate::Leaf {
            fact,
            test,
            if_unknown,
        })
    }

    fn compile_regime(&self, fi: usize, ri: usize, compiled: &[&Regime]) -> Result<Regime, Error> {
        let ctx = &self.files[fi];
        let raw = &self.raws[fi].regimes[ri];
        let base = push_index("regimes", ri);
        let p = |s: &str| format!("{base}.{s}");
        if raw.id.is_empty()
            || !raw
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(ctx.err(
                &p("id"),
                format!(
                    "regime id {:?} must be ASCII letters, digits, '.', '_' or '-'",
                    raw.id
                ),
            ));
        }
        check_labels(ctx, &p("labels"), &raw.labels)?;
        let template: Option<&Regime> = match &raw.implements {
            None => None,
            Some(t) => {
                let candidates: Vec<&&Regime> = compiled.iter().filter(|r| &r.id == t).collect();
                let Some(found) = candidates.last() else {
                    return Err(ctx.err(&p("implements"), format!("unknown regime {t}")));
                };
                if found.kind != Kind::Template {
                    return Err(ctx.err(&p("implements"), format!("{t} is not a template")));
                }
                Some(**found)
            }
        };
        let applies_from = raw
            .applies_from
            .as_deref()
            .map(|s| parse_date(ctx, &p("applies_from"), s))
            .transpose()?;
        let applies_until = raw
            .applies_until
            .as_deref()
            .map(|s| parse_date(ctx, &p("applies_until"), s))
            .transpose()?;
        if let (Some(f), Some(u)) = (applies_from, applies_until) {
            if u <= f {
                return Err(ctx.err(
                    &p("applies_until"),
                    "applies_until must be after applies_from",
                ));
            }
        }
        let legal_time_zone = match &raw.legal_time_zone {
            Some(name) => Some(jiff::tz::db().get(name).map_err(|e| {
                ctx.err(
                    &p("legal_time_zone"),
                    format!("unknown time zone {name}: {e}"),
                )
            })?),
            None => None,
        };
        match (raw.kind, raw.status) {
            (Kind::Template, RegimeStatus::Template) => {}
            (Kind::Template, _) | (_, RegimeStatus::Template) => {
                return Err(ctx.err(
                    &p("status"),
                    "kind template and status template go together",
                ))
            }
            _ => {}
        }
        if raw.advisory_instances.is_some() && raw.kind != Kind::Template {
            return Err(ctx.err(
                &p("advisory_instances"),
                "only a template has advisory instances",
            ));
        }
        let advisory_instances = match &raw.advisory_instances {
            Some(a) => {
                if !self.groups.contains_key(&a.for_countries_in) {
                    return Err(ctx.err(
                        &p("advisory_instances.for_countries_in"),
                        format!("unknown country group {}", a.for_countries_in),
                    ));
                }
                Some(AdvisoryInstances {
                    group: a.for_countries_in.clone(),
                    note: a.note.clone(),
                })
            }
            None => None,
        };
        // Clocks.
        let mut clocks = Vec::new();
        for (name, c) in &raw.clocks {
            let path = format!("{}.fact", push_key(&p("clocks"), name));
            let fact = self.fact_ref(ctx, &path, &c.fact)?;
            if !matches!(
                self.facts[fact.0].fact_type,
                FactType::Instant | FactType::Date
            ) {
                return Err(ctx.err(
                    &path,
                    format!(
                        "clock {name}: fact {} is neither an instant nor a date",
                        c.fact
                    ),
                ));
            }
            clocks.push((name.clone(), fact));
        }
        if clocks.is_empty() {
            if let Some(t) = template {
                clocks = t.clocks.clone();
            }
        }
        let version_clock = match &raw.version_clock {
            Some(name) => Some(
                clocks
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, f)| *f)
                    .ok_or_else(|| ctx.err(&p("version_clock"), format!("unknown clock {name}")))?,
            ),
            None if clocks.len() == 1 => Some(clocks[0].1),
            None if clocks.len() > 1 => {
                return Err(ctx.err(
                    &p("clocks"),
                    "several clocks: name the one that selects the rule version in version_clock",
                ))
            }
            None => template.and_then(|t| t.version_clock),
        };
        // Stage ids (for references between stages).
        let stage_ids: Vec<String> = raw.stages.iter().map(|s| s.id.clone()).collect();
        for (i, id) in stage_ids.iter().enumerate() {
            if stage_ids[..i].contains(id) {
                return Err(ctx.err(
                    &format!("{}.id", push_index(&p("stages"), i)),
                    format!("stage {id} is defined twice"),
                ));
            }
        }
        let scope = RegimeScope {
            clocks: &clocks,
            stage_ids: &stage_ids,
        };
        let mut visiting = Vec::new();
        let applies_when = match (&raw.applies_when, template) {
            (Some(pred), _) => self.compile_predicate(
                fi,
                &p("applies_when"),
                pred,
                Some(&stage_ids),
                &mut visiting,
                0,
            )?,
            (None, Some(t)) => t.applies_when.clone(),
            (None, None) => {
                return Err(ctx.err(&base, "applies_when is required (the entity scope)"))
            }
        };
        // Map template stage index → this regime's stage index (for inherited stages).
        let mut remap: HashMap<usize, usize> = HashMap::new();
        if let Some(t) = template {
            for (i, s) in raw.stages.iter().enumerate() {
                if let Some(parent) = &s.inherit {
                    let ti = t
                        .stages
                        .iter()
                        .position(|ts| &ts.id == parent)
                        .ok_or_else(|| {
                            ctx.err(
                                &format!("{}.inherit", push_index(&p("stages"), i)),
                                format!("template {} has no stage {parent}", t.id),
                            )
                        })?;
                    remap.insert(ti, i);
                }
            }
        }
        let trigger = match (&raw.trigger, template) {
            (Some(pred), _) => {
                self.compile_predicate(fi, &p("trigger"), pred, Some(&stage_ids), &mut visiting, 0)?
            }
            (None, Some(t)) => remap_predicate(&t.trigger, &remap).ok_or_else(|| {
                ctx.err(
                    &p("trigger"),
                    "the inherited trigger refers to a stage that is not inherited",
                )
            })?,
            (None, None) => {
                return Err(ctx.err(&base, "trigger is required (the incident predicate)"))
            }
        };
        let tolling = match &raw.tolling {
            Some(t) => {
                let fact = self.fact_ref(ctx, &p("tolling.fact"), &t.fact)?;
                if self.facts[fact.0].fact_type != FactType::LawEnforcementDelay {
                    return Err(ctx.err(
                        &p("tolling.fact"),
                        format!("{} is not a law_enforcement_delay fact", t.fact),
                    ));
                }
                if t.oral_max_days <= 0 {
                    return Err(ctx.err(&p("tolling.oral_max_days"), "must be positive"));
                }
                Some(Tolling {
                    fact,
                    mode: t.mode,
                    oral_max_days: t.oral_max_days,
                    citation: t.citation.clone(),
                })
            }
            None => template.and_then(|t| t.tolling.clone()),
        };
        let mut stages = Vec::new();
        for (i, s) in raw.stages.iter().enumerate() {
            let sp = push_index(&p("stages"), i);
            let parent = match (&s.inherit, template) {
                (Some(id), Some(t)) => t.stages.iter().find(|ts| &ts.id == id).cloned(),
                (Some(_), None) => {
                    return Err(ctx.err(
                        &format!("{sp}.inherit"),
                        "inherit needs the regime to implement a template",
                    ))
                }
                _ => None,
            };
            let parent = match parent {
                Some(ps) => Some(remap_stage(ps, &remap).ok_or_else(|| {
                    ctx.err(&format!("{sp}.inherit"), "the inherited stage refers to a template stage that this regime does not inherit")
                })?),
                None => None,
            };
            stages.push(self.compile_stage(fi, &sp, s, parent, &scope, raw.verification)?);
        }
        if raw.kind != Kind::Template && stages.is_empty() {
            return Err(ctx.err(&base, "a regime needs at least one stage"));
        }
        check_stage_cycles(ctx, &p("stages"), &stages)?;
        let instrument = {
            let mut s = raw.instrument.name.clone();
            if !raw.instrument.provisions.is_empty() {
                s.push_str(", ");
                s.push_str(&raw.instrument.provisions.join(", "));
            }
            s
        };
        Ok(Regime {
            id: raw.id.clone(),
            version: raw.version.clone(),
            kind: raw.kind,
            title: raw.title.clone(),
            labels: raw.labels.clone(),
            jurisdiction: raw.jurisdiction.clone(),
            instrument,
            status: raw.status,
            applies_from,
            applies_until,
            legal_time_zone,
            verification: raw.verification,
            implements: raw.implements.clone(),
            advisory_instances,
            applies_when,
            trigger,
            clocks,
            version_clock,
            tolling,
            stages,
            notes: raw.notes.clone(),
            file: ctx.name.clone(),
        })
    }

    fn compile_stage(
        &self,
        fi: usize,
        sp: &str,
        s: &RawStage,
        parent: Option<Stage>,
        scope: &RegimeScope<'_>,
        regime_verification: Verification,
    ) -> Result<Stage, Error> {
        let ctx = &self.files[fi];
        let p = |k: &str| format!("{sp}.{k}");
        check_labels(ctx, &p("labels"), &s.labels)?;
        let mut visiting = Vec::new();
        let stage_idx = |path: &str, id: &str| -> Result<usize, Error> {
            scope
                .stage_ids
                .iter()
                .position(|x| x == id)
                .ok_or_else(|| ctx.err(path, format!("unknown stage {id}")))
        };
        let recipient = match &s.recipient {
            Some(r) => Some(self.compile_recipient(ctx, &p("recipient"), r)?),
            None => parent.as_ref().map(|ps| ps.recipient.clone()),
        };
        let recipient =
            recipient.ok_or_else(|| ctx.err(sp, format!("stage {} needs a recipient", s.id)))?;
        let citation = s
            .citation
            .clone()
            .or_else(|| parent.as_ref().map(|ps| ps.citation.clone()));
        let citation =
            citation.ok_or_else(|| ctx.err(sp, format!("stage {} needs a citation", s.id)))?;
        let when = match &s.when {
            Some(w) => Some(self.compile_predicate(
                fi,
                &p("when"),
                w,
                Some(scope.stage_ids),
                &mut visiting,
                0,
            )?),
            None => parent.as_ref().and_then(|ps| ps.when.clone()),
        };
        let deadline = match &s.deadline {
            Some(d) => self.compile_deadline(fi, &p("deadline"), d, scope)?,
            None => match &parent {
                Some(ps) => ps.deadline.clone(),
                None => return Err(ctx.err(sp, format!("stage {} needs a deadline", s.id))),
            },
        };
        let mut overrides = Vec::new();
        for (i, o) in s.override_when.iter().enumerate() {
            let op = push_index(&p("override_when"), i);
            overrides.push(Override {
                when: self.compile_predicate(
                    fi,
                    &format!("{op}.when"),
                    &o.when,
                    Some(scope.stage_ids),
                    &mut visiting,
                    0,
                )?,
                limit: self.compile_limit(fi, &format!("{op}.limit"), &o.limit, scope, 0)?,
                citation: o.citation.clone(),
            });
        }
        if overrides.is_empty() {
            if let Some(ps) = &parent {
                overrides = ps.overrides.clone();
            }
        }
        let mut satisfied_by = Vec::new();
        for (i, id) in s.satisfied_by.iter().enumerate() {
            satisfied_by.push(stage_idx(&push_index(&p("satisfied_by"), i), id)?);
        }
        if satisfied_by.is_empty() {
            if let Some(ps) = &parent {
                satisfied_by = ps.satisfied_by.clone();
            }
        }
        for (i, f) in s.late_submission_requires.iter().enumerate() {
            if !self.content_fields.contains_key(f) {
                return Err(ctx.err(
                    &push_index(&p("late_submission_requires"), i),
                    format!("unknown content field {f}"),
                ));
            }
        }
        let late_submission_requires = if s.late_submission_requires.is_empty() {
            parent
                .as_ref()
                .map(|ps| ps.late_submission_requires.clone())
                .unwrap_or_default()
        } else {
            s.late_submission_requires.clone()
        };
        let identities_required_by = s.identities_required_by.clone().or_else(|| {
            parent
                .as_ref()
                .and_then(|ps| ps.identities_required_by.clone())
        });
        let content = match &s.content {
            Some(c) => {
                let mut lists = Vec::new();
                for (key, list) in [
                    ("required", &c.required),
                    ("where_applicable", &c.where_applicable),
                    ("where_available", &c.where_available),
                    ("as_available", &c.as_available),
                ] {
                    for (i, f) in list.iter().enumerate() {
                        let fp = push_index(&format!("{}.{key}", p("content")), i);
                        let def = self
                            .content_fields
                            .get(f)
                            .ok_or_else(|| ctx.err(&fp, format!("unknown content field {f}")))?;
                        if def.identifies_patients && identities_required_by.is_none() {
                            return Err(ctx.err(&fp, format!("data minimisation: {f} identifies patients, and stage {} gives no identities_required_by citation", s.id)));
                        }
                    }
                    lists.push(list.clone());
                }
                Content {
                    as_available: lists.pop().unwrap_or_default(),
                    where_available: lists.pop().unwrap_or_default(),
                    where_applicable: lists.pop().unwrap_or_default(),
                    required: lists.pop().unwrap_or_default(),
                }
            }
            None => parent
                .as_ref()
                .map(|ps| ps.content.clone())
                .unwrap_or_default(),
        };
        let for_each = match &s.for_each {
            Some(fe) => {
                let fact = self.fact_ref(ctx, &p("for_each.fact"), &fe.fact)?;
                let ft = self.facts[fact.0].fact_type;
                match (ft, fe.value_gt, &fe.in_group) {
                    (FactType::StateCounts, Some(_), None) => {}
                    (FactType::Countries, None, Some(g)) if self.groups.contains_key(g) => {}
                    (FactType::Countries, None, Some(g)) => return Err(ctx.err(&p("for_each.in_group"), format!("unknown country group {g}"))),
                    _ => return Err(ctx.err(&p("for_each"), "for_each takes a state_counts fact with value_gt, or a countries fact with in_group")),
                }
                Some(ForEach {
                    fact,
                    value_gt: fe.value_gt,
                    in_group: fe.in_group.clone(),
                })
            }
            None => parent.as_ref().and_then(|ps| ps.for_each.clone()),
        };
        let occurs = s
            .occurs
            .or(parent.as_ref().map(|ps| ps.occurs))
            .unwrap_or(Occurs::Always);
        let set_by_request = matches!(deadline.limit, Some(Limit::SetByRequest));
        if (occurs == Occurs::OnRequest) != set_by_request {
            return Err(ctx.err(
                sp,
                "a stage that occurs on_request has a limit set_by_request, and only such a stage",
            ));
        }
        Ok(Stage {
            id: s.id.clone(),
            title: s
                .title
                .clone()
                .or_else(|| parent.as_ref().map(|ps| ps.title.clone()))
                .unwrap_or_else(|| s.id.clone()),
            labels: if s.labels.is_empty() {
                parent
                    .as_ref()
                    .map(|ps| ps.labels.clone())
                    .unwrap_or_default()
            } else {
                s.labels.clone()
            },
            citation,
            // The implementing text's verification counts, not the template's.
            verification: s.verification.unwrap_or(regime_verification),
            recipient,
            occurs,
            when,
            when_unknown: s
                .when_unknown
                .or(parent.as_ref().map(|ps| ps.when_unknown))
                .unwrap_or(WhenUnknown::Provisional),
            for_each,
            deadline,
            overrides,
            satisfied_by,
            late_submission_requires,
            content,
            identities_required_by,
            note: s
                .note
                .clone()
                .or_else(|| parent.as_ref().and_then(|ps| ps.note.clone())),
        })
    }

    fn compile_recipient(
        &self,
        ctx: &FileCtx,
        path: &str,
        r: &RawRecipientChoice,
    ) -> Result<RecipientChoice, Error> {
        let known = |path: &str, id: &str| -> Result<(), Error> {
            if self.recipients.contains_key(id) {
                Ok(())
            } else {
                Err(ctx.err(path, format!("unknown recipient {id}")))
            }
        };
        match r {
            RawRecipientChoice::Fixed(id) => {
                known(path, id)?;
                Ok(RecipientChoice::Fixed(id.clone()))
            }
            RawRecipientChoice::ByFact(b) => {
                let fact = self.fact_ref(ctx, &format!("{path}.by_fact"), &b.by_fact)?;
                let def = &self.facts[fact.0];
                if def.fact_type != FactType::Enum {
                    return Err(ctx.err(
                        &format!("{path}.by_fact"),
                        format!("{} is not an enum fact", b.by_fact),
                    ));
                }
                for (value, id) in &b.cases {
                    let cp = push_key(&format!("{path}.cases"), value);
                    if !def.values.contains(value) {
                        return Err(
                            ctx.err(&cp, format!("{value:?} is not a value of {}", b.by_fact))
                        );
                    }
                    known(&cp, id)?;
                }
                known(&format!("{path}.default"), &b.default)?;
                Ok(RecipientChoice::ByFact {
                    fact,
                    cases: b.cases.clone(),
                    default: b.default.clone(),
                })
            }
        }
    }

    fn compile_deadline(
        &self,
        fi: usize,
        path: &str,
        d: &RawDeadline,
        scope: &RegimeScope<'_>,
    ) -> Result<Deadline, Error> {
        let ctx = &self.files[fi];
        let limit = d
            .limit
            .as_ref()
            .map(|l| self.compile_limit(fi, &format!("{path}.limit"), l, scope, 0))
            .transpose()?;
        if limit.is_none() && d.promptness == Promptness::None {
            return Err(ctx.err(path, "a deadline without a limit needs a promptness (immediately, without_undue_delay, promptly)"));
        }
        let policy_from = d
            .policy_from
            .as_ref()
            .map(|a| self.compile_anchor(fi, &format!("{path}.policy_from"), a, scope))
            .transpose()?;
        if policy_from.is_some() && limit.is_some() {
            return Err(ctx.err(
                &format!("{path}.policy_from"),
                "policy_from is for deadlines where the law sets no number",
            ));
        }
        Ok(Deadline {
            promptness: d.promptness,
            limit,
            label: d.label.clone(),
            qualifier: d.qualifier.clone(),
            policy_from,
        })
    }

    fn compile_anchor(
        &self,
        fi: usize,
        path: &str,
        a: &RawAnchor,
        scope: &RegimeScope<'_>,
    ) -> Result<Anchor, Error> {
        let ctx = &self.files[fi];
        let forms = [
            a.clock.is_some(),
            a.fact.is_some(),
            a.submission_of.is_some(),
            a.end_of_calendar_year_of.is_some(),
        ];
        if forms.iter().filter(|b| **b).count() != 1 {
            return Err(ctx.err(path, "an anchor needs exactly one of clock, fact, submission_of, end_of_calendar_year_of"));
        }
        if a.else_due_of.is_some() && a.submission_of.is_none() {
            return Err(ctx.err(
                &format!("{path}.else_due_of"),
                "else_due_of goes with submission_of",
            ));
        }
        let time_fact = |key: &str, id: &str| -> Result<FactIdx, Error> {
            let fp = format!("{path}.{key}");
            let f = self.fact_ref(ctx, &fp, id)?;
            if !matches!(
                self.facts[f.0].fact_type,
                FactType::Instant | FactType::Date
            ) {
                return Err(ctx.err(&fp, format!("fact {id} is neither an instant nor a date")));
            }
            Ok(f)
        };
        let stage = |key: &str, id: &str| -> Result<usize, Error> {
            scope
                .stage_ids
                .iter()
                .position(|x| x == id)
                .ok_or_else(|| ctx.err(&format!("{path}.{key}"), format!("unknown stage {id}")))
        };
        if let Some(name) = &a.clock {
            let fact = scope
                .clocks
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    ctx.err(&format!("{path}.clock"), format!("unknown clock {name}"))
                })?;
            return Ok(Anchor::Clock {
                name: name.clone(),
                fact,
            });
        }
        if let Some(id) = &a.fact {
            return Ok(Anchor::Fact(time_fact("fact", id)?));
        }
        if let Some(id) = &a.end_of_calendar_year_of {
            return Ok(Anchor::EndOfCalendarYearOf(time_fact(
                "end_of_calendar_year_of",
                id,
            )?));
        }
        let of = stage(
            "submission_of",
            a.submission_of.as_deref().unwrap_or_default(),
        )?;
        let else_due_of = a
            .else_due_of
            .as_deref()
            .map(|id| stage("else_due_of", id))
            .transpose()?;
        Ok(Anchor::SubmissionOf {
            stage: of,
            else_due_of,
        })
    }

    fn compile_limit(
        &self,
        fi: usize,
        path: &str,
        l: &RawLimit,
        scope: &RegimeScope<'_>,
        depth: usize,
    ) -> Result<Limit, Error> {
        let ctx = &self.files[fi];
        if depth > MAX_PREDICATE_DEPTH {
            return Err(ctx.err(path, "limit nested too deeply"));
        }
        let forms = [
            l.from.is_some(),
            l.earliest_of.is_some(),
            l.contemporaneous_with.is_some(),
            l.same_as.is_some(),
            l.set_by_request.is_some(),
        ];
        if forms.iter().filter(|b| **b).count() != 1 {
            return Err(ctx.err(path, "a limit needs exactly one of from, earliest_of, contemporaneous_with, same_as, set_by_request"));
        }
        let stage = |key: &str, id: &str| -> Result<usize, Error> {
            scope
                .stage_ids
                .iter()
                .position(|x| x == id)
                .ok_or_else(|| ctx.err(&format!("{path}.{key}"), format!("unknown stage {id}")))
        };
        if let Some(items) = &l.earliest_of {
            if items.len() < 2 {
                return Err(ctx.err(
                    &format!("{path}.earliest_of"),
                    "earliest_of needs at least two limits",
                ));
            }
            let limits = items
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    self.compile_limit(
                        fi,
                        &push_index(&format!("{path}.earliest_of"), i),
                        x,
                        scope,
                        depth + 1,
                    )
                })
                .collect::<Result<_, _>>()?;
            return Ok(Limit::EarliestOf(limits));
        }
        if let Some(id) = &l.contemporaneous_with {
            let with = stage("contemporaneous_with", id)?;
            let cap = l.cap.as_ref().ok_or_else(|| {
                ctx.err(path, "contemporaneous_with needs a cap (the outer limit)")
            })?;
            let cap = self.compile_limit(fi, &format!("{path}.cap"), cap, scope, depth + 1)?;
            return Ok(Limit::Contemporaneous {
                with,
                cap: Box::new(cap),
            });
        }
        if let Some(id) = &l.same_as {
            return Ok(Limit::SameAs(stage("same_as", id)?));
        }
        if let Some(b) = l.set_by_request {
            if !b {
                return Err(ctx.err(
                    &format!("{path}.set_by_request"),
                    "set_by_request: false says nothing; remove it",
                ));
            }
            return Ok(Limit::SetByRequest);
        }
        let from = self.compile_anchor(
            fi,
            &format!("{path}.from"),
            l.from
                .as_ref()
                .ok_or_else(|| ctx.err(path, "missing from"))?,
            scope,
        )?;
        if let Some(n) = l.business_days {
            if l.add.is_some() || l.arithmetic.is_some() {
                return Err(ctx.err(
                    path,
                    "business_days is its own arithmetic: drop add and arithmetic",
                ));
            }
            if !(1..=MAX_BUSINESS_DAYS).contains(&n) {
                return Err(ctx.err(
                    &format!("{path}.business_days"),
                    format!("business_days must be 1..={MAX_BUSINESS_DAYS}"),
                ));
            }
            let cal = l.holiday_calendar.as_deref().ok_or_else(|| {
                ctx.err(
                    path,
                    "business_days needs a holiday_calendar (an id, or `entity`)",
                )
            })?;
            let choice = if cal == "entity" {
                CalendarChoice::Entity
            } else if self.calendars.contains_key(cal) {
                CalendarChoice::Fixed(cal.to_string())
            } else {
                return Err(ctx.err(
                    &format!("{path}.holiday_calendar"),
                    format!("unknown holiday calendar {cal}"),
                ));
            };
            return Ok(Limit::Add {
                from,
                amount: Amount::BusinessDays(n, choice),
                text: format!("{n} business days"),
            });
        }
        if l.holiday_calendar.is_some() {
            return Err(ctx.err(
                &format!("{path}.holiday_calendar"),
                "holiday_calendar only fits business_days",
            ));
        }
        let add = l.add.as_deref().ok_or_else(|| {
            ctx.err(
                path,
                "a limit from an anchor needs add (ISO 8601) or business_days",
            )
        })?;
        let arithmetic = l.arithmetic.ok_or_else(|| {
            ctx.err(
                path,
                "add needs an arithmetic (elapsed, calendar_days, calendar_months)",
            )
        })?;
        let apath = format!("{path}.add");
        let span = parse_duration(ctx, &apath, add)?;
        let text = human_duration(&span);
        let amount = match arithmetic {
            Arithmetic::Elapsed => Amount::Elapsed(exact_duration(&span).ok_or_else(|| {
                ctx.err(&apath, format!("impossible: elapsed arithmetic needs an exact duration, but {add} has calendar months or years (use calendar_months)"))
            })?),
            Arithmetic::CalendarDays => {
                let has_other = span.get_years() != 0 || span.get_months() != 0 || span.get_hours() != 0 || span.get_minutes() != 0 || span.get_seconds() != 0;
                if has_other {
                    return Err(ctx.err(&apath, format!("calendar_days needs whole days, not {add}")));
                }
                Amount::CalendarDays(i64::from(span.get_weeks()) * 7 + i64::from(span.get_days()))
            }
            Arithmetic::CalendarMonths => {
                let has_other = span.get_weeks() != 0 || span.get_days() != 0 || span.get_hours() != 0 || span.get_minutes() != 0 || span.get_seconds() != 0;
                if has_other {
                    return Err(ctx.err(&apath, format!("calendar_months needs whole months or years, not {add}")));
                }
                Amount::CalendarMonths(i64::from(span.get_years()) * 12 + i64::from(span.get_months()))
            }
        };
        let text = match arithmetic {
            Arithmetic::Elapsed => text,
            Arithmetic::CalendarDays => {
                format!("{} calendar days", span.get_days() + span.get_weeks() * 7)
            }
            Arithmetic::CalendarMonths => text,
        };
        Ok(Limit::Add { from, amount, text })
    }

    fn check_versions(&self, regimes: &[Regime]) -> Result<(), Error> {
        let mut by_id: BTreeMap<&str, Vec<&Regime>> = BTreeMap::new();
        for r in regimes {
            by_id.entry(&r.id).or_default().push(r);
        }
        for (id, versions) in by_id {
            for (i, a) in versions.iter().enumerate() {
                for b in &versions[..i] {
                    let err = |reason: String| Error::RuleInvalid {
                        location: Location {
                            file: a.file.clone(),
                            line: None,
                            path: format!("regime {id} version {}", a.version),
                        },
                        reason,
                    };
                    if a.version == b.version {
                        return Err(err(format!(
                            "version {} of {id} is defined twice",
                            a.version
                        )));
                    }
                    if a.kind != b.kind {
                        return Err(err(format!("versions of {id} disagree on kind")));
                    }
                    let a_from = a.applies_from.unwrap_or(Date::MIN);
                    let b_from = b.applies_from.unwrap_or(Date::MIN);
                    let a_until = a.applies_until.unwrap_or(Date::MAX);
                    let b_until = b.applies_until.unwrap_or(Date::MAX);
                    if a_from < b_until && b_from < a_until {
                        return Err(err(format!("versions {} and {} of {id} overlap in time (applies_from/applies_until)", b.version, a.version)));
                    }
                }
            }
        }
        Ok(())
    }
}

fn is_language(s: &str) -> bool {
    s.len() == 2 && s.chars().all(|c| c.is_ascii_lowercase())
}

fn check_labels(ctx: &FileCtx, path: &str, labels: &BTreeMap<String, String>) -> Result<(), Error> {
    for lang in labels.keys() {
        if !is_language(lang) {
            return Err(ctx.err(
                &push_key(path, lang),
                format!("not a two-letter language code: {lang:?}"),
            ));
        }
    }
    Ok(())
}

/// Stage references in deadlines must not form a cycle (a due time that depends on itself).
fn check_stage_cycles(ctx: &FileCtx, path: &str, stages: &[Stage]) -> Result<(), Error> {
    fn deps_of_limit(l: &Limit, out: &mut Vec<usize>) {
        match l {
            Limit::Add {
                from:
                    Anchor::SubmissionOf {
                        else_due_of: Some(s),
                        ..
                    },
                ..
            } => out.push(*s),
            Limit::Add { .. } | Limit::SetByRequest => {}
            Limit::EarliestOf(ls) => ls.iter().for_each(|l| deps_of_limit(l, out)),
            Limit::Contemporaneous { with, cap } => {
                out.push(*with);
                deps_of_limit(cap, out);
            }
            Limit::SameAs(s) => out.push(*s),
        }
    }
    let deps: Vec<Vec<usize>> = stages
        .iter()
        .map(|s| {
            let mut out = Vec::new();
            if let Some(l) = &s.deadline.limit {
                deps_of_limit(l, &mut out);
            }
            s.overrides
                .iter()
                .for_each(|o| deps_of_limit(&o.limit, &mut out));
            out
        })
        .collect();
    // 0 = unvisited, 1 = on the stack, 2 = done
    fn visit(i: usize, deps: &[Vec<usize>], state: &mut [u8]) -> Option<usize> {
        match state[i] {
            1 => return Some(i),
            2 => return None,
            _ => {}
        }
        state[i] = 1;
        for &d in &deps[i] {
            if let Some(c) = visit(d, deps, state) {
                return Some(c);
            }
        }
        state[i] = 2;
        None
    }
    let mut state = vec![0u8; stages.len()];
    for i in 0..stages.len() {
        if let Some(c) = visit(i, &deps, &mut state) {
            return Err(ctx.err(
                &push_index(path, c),
                format!("the deadline of stage {} depends on itself", stages[c].id),
            ));
        }
    }
    Ok(())
}

fn remap_idx(i: usize, remap: &HashMap<usize, usize>) -> Option<usize> {
    remap.get(&i).copied()
}

fn remap_predicate(p: &Predicate, remap: &HashMap<usize, usize>) -> Option<Predicate> {
    Some(match p {
        Predicate::Const(t) => Predicate::Const(*t),
        Predicate::All(ps) => Predicate::All(
            ps.iter()
                .map(|p| remap_predicate(p, remap))
                .collect::<Option<_>>()?,
        ),
        Predicate::Any(ps) => Predicate::Any(
            ps.iter()
                .map(|p| remap_predicate(p, remap))
                .collect::<Option<_>>()?,
        ),
        Predicate::Not(p) => Predicate::Not(Box::new(remap_predicate(p, remap)?)),
        Predicate::Submitted(i) => Predicate::Submitted(remap_idx(*i, remap)?),
        Predicate::Leaf { .. } => p.clone(),
    })
}

fn remap_anchor(a: &Anchor, remap: &HashMap<usize, usize>) -> Option<Anchor> {
    Some(match a {
        Anchor::SubmissionOf { stage, else_due_of } => Anchor::SubmissionOf {
            stage: remap_idx(*stage, remap)?,
            else_due_of: match else_due_of {
                Some(s) => Some(remap_idx(*s, remap)?),
                None => None,
            },
        },
        other => other.clone(),
    })
}

fn remap_limit(l: &Limit, remap: &HashMap<usize, usize>) -> Option<Limit> {
    Some(match l {
        Limit::Add { from, amount, text } => Limit::Add {
            from: remap_anchor(from, remap)?,
            amount: amount.clone(),
            text: text.clone(),
        },
        Limit::EarliestOf(ls) => Limit::EarliestOf(
            ls.iter()
                .map(|l| remap_limit(l, remap))
                .collect::<Option<_>>()?,
        ),
        Limit::Contemporaneous { with, cap } => Limit::Contemporaneous {
            with: remap_idx(*with, remap)?,
            cap: Box::new(remap_limit(cap, remap)?),
        },
        Limit::SameAs(s) => Limit::SameAs(remap_idx(*s, remap)?),
        Limit::SetByRequest => Limit::SetByRequest,
    })
}

fn remap_stage(mut s: Stage, remap: &HashMap<usize, usize>) -> Option<Stage> {
    if let Some(w) = &s.when {
        s.when = Some(remap_predicate(w, remap)?);
    }
    if let Some(l) = &s.deadline.limit {
        s.deadline.limit = Some(remap_limit(l, remap)?);
    }
    if let Some(a) = &s.deadline.policy_from {
        s.deadline.policy_from = Some(remap_anchor(a, remap)?);
    }
    for o in &mut s.overrides {
        o.when = remap_predicate(&o.when, remap)?;
        o.limit = remap_limit(&o.limit, remap)?;
    }
    s.satisfied_by = s
        .satisfied_by
        .iter()
        .map(|i| remap_idx(*i, remap))
        .collect::<Option<_>>()?;
    Some(s)
}
