//! Benchmark of the obligation engine: one incident against every encoded regime (budget 1 ms),
//! and re-evaluating 10,000 stored incidents (budget 1 s). The named peer measured in the same
//! run is serde_json serialising the resulting obligations, which any API answer has to do
//! anyway. Run: `cargo bench -p ward-rules --bench evaluate` (release profile).

use std::hint::black_box;
use std::time::{Duration, Instant};

use ward_rules::{evaluate, parse_document, Document, RuleSet};

const N_INCIDENTS: usize = 10_000;
const BUDGET_ONE: Duration = Duration::from_millis(1);
const BUDGET_MANY: Duration = Duration::from_secs(1);

/// Incident documents of different shapes (DE hospital, US covered entity, UK trust, FR/AT
/// group, manufacturer), with the awareness time shifted per incident.
fn document(i: usize) -> String {
    let hours = i as i64 * 7 % 20_000;
    let awareness = jiff::Timestamp::from_second(1_780_000_000 + hours * 3600).expect("in range");
    let date = awareness.to_zoned(jiff::tz::TimeZone::UTC).date();
    let entity = match i % 5 {
        0 => "{entity.time_zone: Europe/Berlin, entity.country_of_establishment: [DE], entity.types: [hospital, healthcare_provider, gdpr_controller], entity.de.bsig_class: besonders_wichtig, entity.de.kritis_operator: true, policy.internal_sla: PT24H}",
        1 => "{entity.time_zone: America/New_York, entity.country_of_establishment: [US], entity.types: [hospital, hipaa_covered_entity], entity.us.hospital_beds: 250, entity.us.ca_licensed_facility: true}",
        2 => "{entity.time_zone: Europe/London, entity.country_of_establishment: [GB], entity.types: [hospital, nhs_body], entity.uk.oes_health_designated: true, entity.uk.nation: england}",
        3 => "{entity.time_zone: Europe/Paris, entity.country_of_establishment: [FR, AT], entity.types: [hospital, healthcare_provider], entity.nis2_class: essential, entity.fr.l1111_8_2_category: etablissement_de_sante}",
        _ => "{entity.time_zone: Europe/Berlin, entity.country_of_establishment: [DE], entity.types: [medical_device_manufacturer, hipaa_business_associate]}",
    };
    format!(
        r#"
entity: {entity}
incident:
  incident.awareness_at: "{awareness}"
  incident.is_security_incident: "yes"
  impact.severe_operational_disruption: "yes"
  impact.uk_continuity_significant: "yes"
  impact.normal_functioning_of_establishment: "yes"
  impact.circia_substantial: "yes"
  circia.reasonable_belief_at: "{awareness}"
  pd.breach: "yes"
  pd.awareness_at: "{awareness}"
  phi.involved: "yes"
  phi.unsecured: "yes"
  phi.discovered_on: "{date}"
  phi.ba_discovered_on: "{date}"
  phi.individuals_affected: 1200
  phi.residents_by_state: {{NY: 700, NJ: 500}}
  device.involved: "yes"
  device.serious_incident: unknown
  device.manufacturer_aware_at: "{awareness}"
  ca.unauthorized_access: "yes"
  ca.unauthorized_access_detected_on: "{date}"
submissions:
  - {{regime: de.bsig, stage: meldung, submitted_at: "{awareness}"}}
"#
    )
}

fn main() {
    let t = Instant::now();
    let rules = RuleSet::embedded().expect("embedded rules load");
    let load = t.elapsed();
    let n_regimes = rules.regime_versions().len();

    let docs: Vec<Document> = (0..N_INCIDENTS)
        .map(|i| parse_document(rules, &document(i)).expect("document parses"))
        .collect();
    let now = jiff::Timestamp::from_second(1_790_000_000).expect("in range");

    // One incident, all regimes: repeat and take the median of batches.
    let first = &docs[0];
    let mut samples = Vec::new();
    let mut n_obligations = 0;
    for _ in 0..200 {
        let t = Instant::now();
        for _ in 0..25 {
            let out = evaluate(
                rules,
                black_box(&first.facts),
                &first.submissions,
                &first.decisions,
                black_box(now),
            );
            n_obligations = out.len();
            black_box(out);
        }
        samples.push(t.elapsed() / 25);
    }
    samples.sort();
    let one = samples[samples.len() / 2];
    let one_p99 = samples[samples.len() * 99 / 100];

    // Peer: serialising that one incident's obligations to JSON.
    let obligations = evaluate(
        rules,
        &first.facts,
        &first.submissions,
        &first.decisions,
        now,
    );
    let t = Instant::now();
    for _ in 0..5_000 {
        black_box(serde_json::to_string(black_box(&obligations)).expect("serialises"));
    }
    let peer = t.elapsed() / 5_000;

    // Parse + evaluate one document (the CLI path).
    let text = document(0);
    let t = Instant::now();
    for _ in 0..1_000 {
        black_box(ward_rules::evaluate_document(black_box(&text), now).expect("evaluates"));
    }
    let parse_and_eval = t.elapsed() / 1_000;

    // 10,000 stored incidents re-evaluated (e.g. a new `now` for the overdue sweep).
    let t = Instant::now();
    let mut total = 0usize;
    for d in &docs {
        total += black_box(evaluate(rules, &d.facts, &d.submissions, &d.decisions, now)).len();
    }
    let many = t.elapsed();

    println!("ward-rules benchmark ({n_regimes} regime versions embedded; rule load {load:.2?})");
    println!("  evaluate one incident, all regimes ({n_obligations} obligations): median {one:.2?}, p99 {one_p99:.2?}  (budget {BUDGET_ONE:?}: {})", verdict(one_p99, BUDGET_ONE));
    println!("  peer: serde_json::to_string of those obligations: {peer:.2?}  (evaluate / serialise = {:.2}x)", one.as_secs_f64() / peer.as_secs_f64());
    println!("  parse + check + evaluate one YAML fact document: {parse_and_eval:.2?}");
    println!("  re-evaluate {N_INCIDENTS} incidents ({total} obligations): {many:.2?}  (budget {BUDGET_MANY:?}: {})", verdict(many, BUDGET_MANY));
}

fn verdict(took: Duration, budget: Duration) -> String {
    if took <= budget {
        format!(
            "ok, {:.0}x headroom",
            budget.as_secs_f64() / took.as_secs_f64()
        )
    } else {
        "OVER BUDGET".to_string()
    }
}
