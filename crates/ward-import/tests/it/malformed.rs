//! Malformed and unusual input, as small fixtures written here: every bad record is reported
//! with its file, line and reason, and the rest imports.

use std::io::Write;

use serde_json::json;
use ward_core::incident::AttackType;

use super::*;

const HEADER: &str = "\"Name of Covered Entity\",\"State\",\"Covered Entity Type\",\"Individuals Affected\",\"Breach Submission Date\",\"Type of Breach\",\"Location of Breached Information\",\"Business Associate Present\",\"Web Description\"\r\n";

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn veris(id: &str) -> serde_json::Value {
    json!({
        "incident_id": id,
        "schema_version": "1.3.4",
        "security_incident": "Confirmed",
        "summary": "Ransomware encrypted the hospital's servers.",
        "reference": "https://news.example.org/a; https://news.example.org/b",
        "victim": {"victim_id": "Example Hospital", "industry": "622110", "country": ["US"], "state": "OH", "employee_count": "Unknown", "region": ["019021"]},
        "actor": {"external": {"variety": ["Organized crime"], "motive": ["Financial"]}},
        "action": {"malware": {"variety": ["Ransomware"], "vector": ["Email attachment"]}},
        "asset": {"assets": [{"variety": "S - File"}]},
        "attribute": {"availability": {"variety": ["Obscuration"]}, "confidentiality": {"data_disclosure": "Potentially", "data_total": 1200, "data": [{"variety": "Medical"}]}},
        "timeline": {"incident": {"year": 2019, "month": 3, "day": 7}},
        "discovery_method": {"internal": {"variety": ["Unknown"]}},
        "plus": {"created": "2019-04-01T10:00:00Z", "sub_source": "priority"}
    })
}

#[test]
fn hhs_bad_rows_are_rejected_with_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from(HEADER);
    csv.push_str("\"Good Clinic\",\"TX\",\"Healthcare Provider\",\"1,500\",\"01/15/2023\",\"Hacking/IT Incident, Theft\",\"Email, Laptop\",\"Yes\",\"Line one\nline two of a ransomware attack\"\r\n");
    csv.push_str("\"Bad Date Clinic\",\"TX\",\"Healthcare Provider\",\"700\",\"2023/13/45\",\"Loss\",\"Paper/Films\",\"No\",\"\"\r\n");
    csv.push_str("\"Short Row\",\"TX\",\"Health Plan\"\r\n");
    csv.push_str("\"Bad Count Plan\",\"ZZ\",\"Health Plan\",\"many\",\"02/01/2023\",\"Loss\",\"Paper/Films\",\"No\",\"\"\r\n");
    csv.push_str("\"Last Plan\",\"\",\"Health Plan\",\"900\",\"2/3/2023\",\"Improper Disposal\",\"Paper/Films\",\"No\",\"\"\r\n");
    let path = write(&dir, "hhs.csv", csv.as_bytes());
    let got = read(Kind::Hhs, &path, &Options { retrieved_on: Some(jiff::civil::date(2024, 7, 1)), ..Options::default() });
    assert_eq!(got.summary.records_read, 5);
    assert_eq!(got.incidents.len(), 2);
    let rejected: Vec<(Option<u64>, u64, &str)> = got.rejected.iter().map(|r| (r.origin.line, r.origin.record, r.reason.as_str())).collect();
    assert_eq!(
        rejected,
        [
            (Some(4), 2, "Breach Submission Date \"2023/13/45\" is not a date (MM/DD/YYYY)"),
            (Some(5), 3, "row has 3 fields; the header has 9"),
            (Some(6), 4, "Individuals Affected \"many\" is not a whole number"),
        ]
    );
    assert!(got.rejected[0].to_string().starts_with(&format!("{}:4 (record 2): Breach Submission Date", path.display())));
    assert_eq!(got.rejected[2].record_id.as_deref(), Some("bad count plan|ZZ|2023-02-01"));

    let good = &got.incidents[0];
    assert_eq!(good.origin.line, Some(2));
    assert_eq!(good.draft.summary.as_ref().unwrap().as_str(), "Line one\nline two of a ransomware attack");
    assert_eq!(good.draft.attack_types, [AttackType::Ransomware, AttackType::UnauthorizedAccess, AttackType::LostOrStolenDevice]);
    assert_eq!(good.draft.victim.via_third_party, Some(true));
    let fact = good.draft.harm.individuals_affected.as_ref().unwrap();
    assert_eq!((fact.value, fact.as_of), (1500, jiff::civil::date(2024, 7, 1)));
    let last = &got.incidents[1];
    assert_eq!(last.origin.line, Some(7));
    assert_eq!(last.draft.victim.region, None);
    assert_eq!(last.draft.timeline.disclosed_on, Some(jiff::civil::date(2023, 2, 3)));
}

#[test]
fn hhs_encodings() {
    let dir = tempfile::tempdir().unwrap();
    // Windows-1252 (0x92 is a right single quote), no BOM.
    let mut cp1252 = HEADER.as_bytes().to_vec();
    cp1252.extend_from_slice(b"\"St. Mary\x92s Hospital\",\"NY\",\"Healthcare Provider\",\"600\",\"03/04/2022\",\"Theft\",\"Laptop\",\"No\",\"\"\r\n");
    // UTF-8 with a BOM.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(HEADER.as_bytes());
    bom.extend_from_slice("\"St. Mary’s Hospital\",\"NY\",\"Healthcare Provider\",\"600\",\"03/04/2022\",\"Theft\",\"Laptop\",\"No\",\"\"\r\n".as_bytes());
    // UTF-16LE with a BOM.
    let text = format!("{HEADER}\"St. Mary’s Hospital\",\"NY\",\"Healthcare Provider\",\"600\",\"03/04/2022\",\"Theft\",\"Laptop\",\"No\",\"\"\r\n");
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    for (name, bytes) in [("cp1252.csv", cp1252), ("bom.csv", bom), ("utf16.csv", utf16)] {
        let got = read(Kind::Hhs, &write(&dir, name, &bytes), &Options::default());
        assert_eq!(got.incidents.len(), 1, "{name}: {:#?}", got.rejected);
        let i = &got.incidents[0];
        assert_eq!(i.draft.victim.name.as_ref().unwrap().as_str(), "St. Mary’s Hospital", "{name}");
        assert_eq!(i.external_id.value.as_str(), "st marys hospital|NY|2022-03-04", "{name}");
        assert_eq!(i.notes.iter().any(|n| n.contains("Windows-1252")), name == "cp1252.csv", "{name}: {:?}", i.notes);
    }
}

#[test]
fn hhs_unknown_header_is_a_file_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "other.csv", b"a,b,c\n1,2,3\n");
    let err = ward_import::read_path(Kind::Hhs, &path, &Options::default(), &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), "import.header");
    assert!(err.to_string().contains("3 columns"), "{err}");
}

#[test]
fn hhs_runaway_quote_is_reported_and_ends_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from(HEADER);
    csv.push_str("\"Fine\",\"TX\",\"Health Plan\",\"900\",\"02/03/2023\",\"Loss\",\"Paper/Films\",\"No\",\"\"\n");
    csv.push_str("\"Broken\",\"TX\",\"Health Plan\",\"900\",\"02/03/2023\",\"Loss\",\"Paper/Films\",\"No\",\"never closed\n");
    let filler = "x".repeat(1000) + "\n";
    for _ in 0..(ward_import::limits::MAX_CSV_RECORD_BYTES / 1000 + 200) {
        csv.push_str(&filler);
    }
    let got = read(Kind::Hhs, &write(&dir, "runaway.csv", csv.as_bytes()), &Options::default());
    assert_eq!(got.incidents.len(), 1);
    assert_eq!(got.rejected.len(), 1);
    assert_eq!(got.rejected[0].origin.record, 2);
    assert!(got.rejected[0].reason.contains("larger than the limit"), "{}", got.rejected[0]);
}

#[test]
fn vcdb_bad_lines_are_rejected_and_the_rest_imports() {
    let dir = tempfile::tempdir().unwrap();
    let mut no_victim = veris("22222222-2222-4222-8222-222222222222");
    no_victim.as_object_mut().unwrap().remove("victim");
    let mut unknown_country = veris("33333333-3333-4333-8333-333333333333");
    unknown_country["victim"]["country"] = json!(["Unknown"]);
    unknown_country["victim"].as_object_mut().unwrap().remove("state");
    let lines = [
        "{\"incident_id\": \"cut-short".to_owned(),
        veris("11111111-1111-4111-8111-111111111111").to_string(),
        "{this is not json".to_owned(),
        String::new(),
        no_victim.to_string(),
        unknown_country.to_string(),
        "[1, 2]".to_owned(),
        veris("44444444-4444-4444-8444-444444444444").to_string(),
    ];
    let path = write(&dir, "incidents.jsonl", lines.join("\n").as_bytes());
    let mut got = read(Kind::Vcdb, &path, &Options::default());
    assert_eq!(got.summary.records_read, 7, "the blank line is not a record");
    let lines: Vec<Option<u64>> = got.incidents.iter().map(|i| i.origin.line).collect();
    assert_eq!(lines, [Some(2), Some(6), Some(8)]);
    let first = got.rejected.remove(0);
    assert_eq!((first.origin.line, first.origin.record), (Some(1), 1), "a cut-short first line is a bad line, not a document");
    let rejected: Vec<(Option<u64>, u64)> = got.rejected.iter().map(|r| (r.origin.line, r.origin.record)).collect();
    assert_eq!(rejected, [(Some(3), 3), (Some(5), 4), (Some(7), 6)]);
    assert!(got.rejected[0].reason.starts_with("not valid JSON"), "{}", got.rejected[0]);
    assert!(got.rejected[1].reason.starts_with("victim is missing"), "{}", got.rejected[1]);
    assert_eq!(got.rejected[1].record_id.as_deref(), Some("22222222-2222-4222-8222-222222222222"));
    assert!(got.rejected[2].reason.contains("not a JSON object"), "{}", got.rejected[2]);
    // No country to be had: ZZ (unknown), with the reason in the notes.
    let unknown = &got.incidents[1];
    assert_eq!(unknown.draft.victim.country.as_str(), "ZZ");
    assert_eq!(unknown.draft.victim.region, None);
    assert!(unknown.notes.iter().any(|n| n.contains("victim.country is \"Unknown\"")), "{:?}", unknown.notes);

    let d = &got.incidents[0].draft;
    assert_eq!(d.title.as_str(), "Ransomware at Example Hospital");
    assert_eq!(d.victim.region.as_ref().unwrap().as_str(), "US-OH");
    assert_eq!(d.timeline.incident_on, Some(jiff::civil::date(2019, 3, 7)));
    let fact = d.harm.individuals_affected.as_ref().unwrap();
    assert_eq!((fact.value, fact.source.as_str(), fact.as_of), (1200, "https://news.example.org/a", jiff::civil::date(2019, 4, 1)));
    assert_eq!(got.incidents[0].sub_source.as_deref(), Some("priority"));
}

#[test]
fn vcdb_layouts_arrays_documents_directories_and_schema_14() {
    let dir = tempfile::tempdir().unwrap();
    // A JSON array whose second element has no victim.
    let mut no_victim = veris("22222222-2222-4222-8222-222222222222");
    no_victim.as_object_mut().unwrap().remove("victim");
    let array = json!([veris("11111111-1111-4111-8111-111111111111"), no_victim, veris("33333333-3333-4333-8333-333333333333")]);
    let got = read(Kind::Vcdb, &write(&dir, "array.json", array.to_string().as_bytes()), &Options::default());
    assert_eq!(got.incidents.len(), 2);
    assert_eq!((got.rejected[0].origin.record, got.rejected[0].origin.line), (2, None));

    // A truncated array: what came before imports, the break is reported, nothing is invented.
    let text = array.to_string();
    let got = read(Kind::Vcdb, &write(&dir, "cut.json", &text.as_bytes()[..text.len() - 300]), &Options::default());
    assert_eq!(got.incidents.len(), 1);
    assert_eq!(got.rejected.len(), 2);
    assert!(got.rejected[1].reason.contains("the rest of the file cannot be read"), "{}", got.rejected[1]);

    // One pretty-printed incident per file, in a directory (sorted by name), VERIS 1.4 victim
    // array and a country written as a string.
    let sub = dir.path().join("validated");
    std::fs::create_dir(&sub).unwrap();
    let mut v14 = veris("55555555-5555-4555-8555-555555555555");
    v14["schema_version"] = json!("1.4.1");
    v14["victim"] = json!([{"victim_id": "Clinique Exemple", "industry": "621", "country": "FR", "employee_count": "1 to 10"}]);
    std::fs::write(sub.join("b.json"), serde_json::to_string_pretty(&v14).unwrap()).unwrap();
    std::fs::write(sub.join("a.json"), serde_json::to_string_pretty(&veris("66666666-6666-4666-8666-666666666666")).unwrap()).unwrap();
    std::fs::write(sub.join("notes.txt"), "not read").unwrap();
    let got = read(Kind::Vcdb, &sub, &Options::default());
    assert_eq!(got.summary.files, 2);
    assert_eq!(got.incidents.len(), 2, "{:#?}", got.rejected);
    assert_eq!(got.incidents[0].external_id.value.as_str(), "66666666-6666-4666-8666-666666666666");
    let fr = &got.incidents[1];
    assert_eq!(fr.draft.victim.country.as_str(), "FR");
    assert_eq!(fr.draft.victim.org_type, ward_core::OrgType::OutpatientClinic);
    assert_eq!(fr.origin.line, Some(1));

    // A zip holding JSON lines, filtered by NAICS prefix.
    let mut other = veris("77777777-7777-4777-8777-777777777777");
    other["victim"]["industry"] = json!("445110");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.path().join("x.zip")).unwrap());
    zip.start_file("data/incidents.jsonl", zip::write::SimpleFileOptions::default()).unwrap();
    writeln!(zip, "{}\n{}", veris("88888888-8888-4888-8888-888888888888"), other).unwrap();
    zip.finish().unwrap();
    let options = Options { naics_prefixes: vec!["62".into()], ..Options::default() };
    let got = read(Kind::Vcdb, &dir.path().join("x.zip"), &options);
    assert_eq!((got.summary.records_read, got.summary.incidents, got.summary.filtered_out), (2, 1, 1));
    assert!(got.incidents[0].origin.file.ends_with("x.zip!data/incidents.jsonl"));
    // A zip handed over as a stream is refused as a whole, not read as thousands of bad lines.
    let mut stream = std::fs::File::open(dir.path().join("x.zip")).unwrap();
    let err = ward_import::read_reader(Kind::Vcdb, "x.zip", &mut stream, &options, &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), "import.format");
}

#[test]
fn vcdb_oversized_line_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = veris("11111111-1111-4111-8111-111111111111");
    big["summary"] = json!("x".repeat(ward_import::limits::MAX_JSON_RECORD_BYTES as usize));
    let text = format!("{}\n{}\n", big, veris("22222222-2222-4222-8222-222222222222"));
    let got = read(Kind::Vcdb, &write(&dir, "big.jsonl", text.as_bytes()), &Options::default());
    assert_eq!(got.incidents.len(), 1);
    assert_eq!(got.incidents[0].origin.line, Some(2));
    assert!(got.rejected[0].reason.contains("longer than the limit"), "{}", got.rejected[0]);
}

#[test]
fn cipher_bad_score_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let header = "Reference Title,Reference Link,Short Title,Description of Patient Harm,Direct Quote,Time Point,Speciality,Technical Domain,Clinical Impact Score\n";
    let rows = "\"Paper\",https://example.org/p,Delays,\"Delayed results\",\"\",First Day,Oncology;General Surgery,Imaging,7\n\
                \"Paper\",https://example.org/p,Worse,\"Worse outcomes\",\"\",First Day,Oncology,Imaging,eleven\n";
    let got = read(Kind::Cipher, &write(&dir, "c.csv", format!("{header}{rows}").as_bytes()), &Options::default());
    assert_eq!(got.harms.len(), 1);
    assert_eq!(got.harms[0].fact.value.specialty.as_str(), "Oncology; General Surgery");
    assert_eq!((got.rejected[0].origin.line, got.rejected[0].reason.as_str()), (Some(3), "Clinical Impact Score \"eleven\" is not a whole number from 0 to 10"));
}
