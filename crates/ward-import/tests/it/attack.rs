//! MITRE ATT&CK bundles, against `shared/data/README.md` §4: Enterprise v18.1 (STIX 2.0) and
//! ICS v18.1 (STIX 2.1).

use ward_core::ActorKind;
use ward_import::attack::read_attack_file;

use super::*;

#[test]
fn enterprise_stix20_counts_ids_techniques_and_healthcare_evidence() {
    let b = read_attack_file(&data("attack/mitre_cti_enterprise-attack_v18.1_stix20_assembled.json.gz")).unwrap();
    assert_eq!((b.domain.as_str(), b.spec_version.as_str()), ("enterprise-attack", "2.0"));
    let c = b.counts();
    assert_eq!(c["intrusion_set"].0, 187);
    assert_eq!(c["campaign"].0, 52);
    assert_eq!((c["malware"].0, c["tool"].0), (696, 91));
    assert!(b.terms_of_use.contains("The MITRE Corporation"));
    let by_id = |id: &str| b.actors.iter().find(|a| a.attack_id.as_deref() == Some(id)).unwrap_or_else(|| panic!("{id}"));
    let orangeworm = by_id("G0071");
    assert_eq!((orangeworm.name.as_str(), orangeworm.kind), ("Orangeworm", ActorKind::IntrusionSet));
    assert!(orangeworm.healthcare_evidence.iter().any(|e| e.sentence.contains("healthcare sector") && e.source == "MITRE ATT&CK enterprise-attack: G0071"));
    let wizard = by_id("G0102");
    assert!(wizard.aliases.iter().any(|a| a == "UNC1878"));
    assert!(wizard.techniques.iter().any(|t| t.attack_id == "T1003.001" && t.domain == "enterprise-attack"), "LSASS memory dumping");
    assert!(wizard.techniques.len() >= 50, "{}", wizard.techniques.len());
    assert!(wizard.healthcare_evidence.iter().any(|e| e.term == "hospital"));
    assert!(by_id("G0116").deprecated, "Operation Wocao (intrusion set) is deprecated");
    let healthcare: Vec<&str> = b
        .actors
        .iter()
        .filter(|a| a.targets_healthcare() && matches!(a.kind, ActorKind::IntrusionSet | ActorKind::Campaign))
        .filter_map(|a| a.attack_id.as_deref())
        .collect();
    for id in ["G0009", "G0045", "G0065", "G0071", "G0096", "G0102", "G1032", "G1040", "C0010", "C0014", "C0058"] {
        assert!(healthcare.contains(&id), "{id} documented as targeting healthcare: {healthcare:?}");
    }
    assert_eq!(healthcare.len(), 24, "{healthcare:?}");
}

#[test]
fn ics_stix21_reads_with_its_collection_domain() {
    let b = read_attack_file(&data("attack/ics-attack-18.1_stix21.json.gz")).unwrap();
    assert_eq!((b.domain.as_str(), b.spec_version.as_str()), ("ics-attack", "2.1"));
    let c = b.counts();
    assert_eq!((c["intrusion_set"].0, c["campaign"].0, c["malware"].0), (16, 8, 30));
    assert!(b.actors.iter().all(|a| a.domains == ["ics-attack"]));
    assert!(b.actors.iter().any(|a| a.name == "Wizard Spider" && a.targets_healthcare()));
}
