use ward_risk::framework::{Basis, Catalogue};

fn read_dir(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn every_framework_and_crosswalk_loads_and_validates() {
    let embedded = Catalogue::embedded().unwrap_or_else(|e| panic!("{}", e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")));
    let dir = crate::repo_dir().join("frameworks");
    let from_disk = Catalogue::from_files(&read_dir(&dir), &read_dir(&dir.join("crosswalks"))).unwrap();
    assert_eq!(embedded.frameworks(), from_disk.frameworks(), "the binary embeds what is in frameworks/");
    assert_eq!(embedded.crosswalks(), from_disk.crosswalks());
    let ids: Vec<&str> = embedded.frameworks().iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["cisa-cpg-2", "hicp-2023", "hph-cpg", "nis2-art21"]);
    for f in embedded.frameworks() {
        assert!(!f.licence.is_empty() && !f.version.is_empty() && f.source.url.starts_with("https://"), "{}", f.id);
    }
    let nis2 = embedded.framework("nis2-art21").unwrap();
    let nis2_ids: Vec<&str> = nis2.requirements.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(nis2_ids, ["21.2.a", "21.2.b", "21.2.c", "21.2.d", "21.2.e", "21.2.f", "21.2.g", "21.2.h", "21.2.i", "21.2.j"]);
    let hph = embedded.framework("hph-cpg").unwrap();
    assert_eq!(hph.requirements.iter().filter(|r| r.tier.as_deref() == Some("essential")).count(), 10);
    assert_eq!(hph.requirements.iter().filter(|r| r.tier.as_deref() == Some("enhanced")).count(), 10);
    let hicp = embedded.framework("hicp-2023").unwrap();
    assert_eq!((hicp.requirements.len(), hicp.threats.len(), hicp.sizes.len()), (10, 5, 3));
    assert_eq!(embedded.framework("cisa-cpg-2").unwrap().requirements.len(), 34);
    assert_eq!(embedded.crosswalks().len(), 3);
    assert!(embedded.crosswalks().iter().all(|c| c.basis == Basis::WardProposal), "no authoritative mapping was found; every crosswalk says so");
    // Every HPH goal reaches NIS2 Art. 21(2) through the crosswalk.
    let to_nis2 = embedded.crosswalks().iter().find(|c| c.to == "nis2-art21").unwrap();
    for r in &hph.requirements {
        assert!(to_nis2.mappings.iter().any(|m| m.from == r.id), "{} is not mapped to NIS2", r.id);
    }
    // Known-exploited-vulnerability requirements exist in every framework.
    for (fw, reqs) in embedded.kev_requirements() {
        assert!(!reqs.is_empty(), "{fw} has no requirement linked to KEV findings");
    }
}

const GOOD_FRAMEWORK: &str = r#"
framework:
  id: demo
  title: Demo
  short_title: Demo
  version: "1"
  retrieved: 2026-01-01
  source: {publisher: P, url: "https://example.org"}
  licence: public domain
  reuse_note: test
  requirements:
    - {id: R1, title: One}
    - {id: R2, title: Two}
"#;

fn check_framework(yaml: &str, path: &str, reason: &str) {
    let errors = Catalogue::from_files::<&str, &str>(&[("bad.yaml", yaml)], &[]).unwrap_err();
    assert!(errors.iter().any(|e| e.file == "bad.yaml" && e.path == path && e.reason.contains(reason)), "expected {path}: {reason}, got {errors:#?}");
}

#[test]
fn malformed_frameworks_name_the_field() {
    assert!(Catalogue::from_files::<&str, &str>(&[("good.yaml", GOOD_FRAMEWORK)], &[]).is_ok());
    check_framework(&GOOD_FRAMEWORK.replace("id: R2", "id: R1"), "framework.requirements[1].id", "appears twice");
    check_framework(&GOOD_FRAMEWORK.replace("https://example.org", "ftp://x"), "framework.source.url", "https://");
    check_framework(&GOOD_FRAMEWORK.replace("  licence: public domain\n", ""), "framework", "missing field `licence`");
    check_framework(&GOOD_FRAMEWORK.replace("title: Two", "title: Two, colour: red"), "framework.requirements[1].colour", "unknown field `colour`");
    check_framework(&GOOD_FRAMEWORK.replace("retrieved: 2026-01-01", "retrieved: 2026-02-30"), "framework.retrieved", "");
    check_framework(&GOOD_FRAMEWORK.replace("  reuse_note: test\n", "  reuse_note: test\n  published: \"2024-13\"\n"), "framework.published", "YYYY");
    check_framework(&GOOD_FRAMEWORK.replace("{id: R1, title: One}", "{id: R1, title: One, tier: gold}"), "framework.requirements[0].tier", "not one of");
    check_framework(&GOOD_FRAMEWORK.replace("{id: R1, title: One}", "{id: R1, title: One, threats: [T9]}"), "framework.requirements[0].threats[0]", "not declared");
    check_framework(&GOOD_FRAMEWORK.replace("{id: R1, title: One}", "{id: \"R 1\", title: One}"), "framework.requirements[0].id", "letters");
    check_framework("framework: [", "framework", "invalid type: sequence");
    let syntax = Catalogue::from_files::<&str, &str>(&[("bad.yaml", "framework: {id: \"x")], &[]).unwrap_err();
    assert!(syntax[0].reason.contains("line 1"), "{syntax:?}");
}

#[test]
fn malformed_crosswalks_name_the_field() {
    let crosswalk = |mapping: &str| format!("crosswalk:\n  id: cw\n  from: demo\n  to: other\n  basis: ward-proposal\n  note: n\n  retrieved: 2026-01-01\n  mappings:\n    - {mapping}\n");
    let other = GOOD_FRAMEWORK.replace("id: demo", "id: other");
    let frameworks = [("demo.yaml", GOOD_FRAMEWORK), ("other.yaml", other.as_str())];
    let ok = crosswalk("{from: R1, to: R2, relationship: subset, strength: 5, rationale: because}");
    assert!(Catalogue::from_files(&frameworks, &[("cw.yaml", ok.as_str())]).is_ok());
    let table = [
        ("{from: R9, to: R2, relationship: subset, strength: 5, rationale: r}", "crosswalk.mappings[0].from", "has no requirement"),
        ("{from: R1, to: R2, relationship: overlaps, strength: 5, rationale: r}", "crosswalk.mappings[0].relationship", "unknown variant `overlaps`"),
        ("{from: R1, to: R2, relationship: equal, strength: 11, rationale: r}", "crosswalk.mappings[0].strength", "1 (weak) to 10"),
        ("{from: R1, to: R2, relationship: equal, strength: 3, rationale: \" \"}", "crosswalk.mappings[0].rationale", "must not be empty"),
        ("{from: R1, to: R2, relationship: equal, strength: -1, rationale: r}", "crosswalk.mappings[0].strength", ""),
    ];
    for (mapping, path, reason) in table {
        let text = crosswalk(mapping);
        let errors = Catalogue::from_files(&frameworks, &[("cw.yaml", text.as_str())]).unwrap_err();
        assert!(errors.iter().any(|e| e.path == path && e.reason.contains(reason)), "{mapping}: expected {path}: {reason}, got {errors:#?}");
    }
    let authoritative = ok.replace("basis: ward-proposal", "basis: authoritative");
    let errors = Catalogue::from_files(&frameworks, &[("cw.yaml", authoritative.as_str())]).unwrap_err();
    assert!(errors.iter().any(|e| e.path == "crosswalk.source"), "{errors:?}");
    let unknown = ok.replace("to: other", "to: nowhere");
    let errors = Catalogue::from_files(&frameworks, &[("cw.yaml", unknown.as_str())]).unwrap_err();
    assert!(errors.iter().any(|e| e.path == "crosswalk.to" && e.reason.contains("no framework")), "{errors:?}");
}
