use std::collections::HashSet;

use ward_risk::assets::{parse_csv, AssetKind, Criticality};
use ward_risk::matching::{match_assets, MatchRule};

pub const SAMPLE_ASSETS: &str = "\
name,kind,manufacturer,product,version,cpe,network_segment,clinical_function,criticality,internet_facing,owner,rto_hours,rpo_hours
fw-edge-01,network_device,Fortinet,FortiGate 100F,7.2.4,cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*,dmz,,high,yes,IT networks,4,0
intranet,application,Microsoft,SharePoint Server 2019,16.0,,corp,,medium,no,IT apps,24,24
web-portal,server,Apache,HTTP Server,2.4.49,,dmz,Patient portal,high,yes,IT web,8,4
infusion-pumps,medical_device,Baxter,Sigma Spectrum,8.0,,clinical-vlan-12,Infusion therapy,life_critical,no,Biomedical engineering,1,0
";

#[test]
fn a_sample_inventory_parses_and_matches_the_real_catalogue() {
    let assets = parse_csv(SAMPLE_ASSETS.as_bytes()).unwrap();
    assert_eq!(assets.len(), 4);
    assert_eq!((assets[3].kind, assets[3].criticality, assets[3].rto_hours), (AssetKind::MedicalDevice, Criticality::LifeCritical, Some(1)));
    assert!(assets[0].internet_facing && !assets[1].internet_facing);
    let kev = ward_risk::kev::parse(&std::fs::read(crate::kev_dir().join(crate::kev::CSV)).unwrap()).unwrap();
    let exposures = match_assets(&assets, &kev.entries);
    let for_asset = |i: usize| -> Vec<(&str, MatchRule)> { exposures.iter().filter(|x| x.asset == i).map(|x| (kev.entries[x.entry].cve_id.as_str(), x.rule)).collect() };
    // fw-edge-01: its CPE names FortiOS, so every FortiOS entry matches with high confidence.
    let fortios: HashSet<&str> = kev.entries.iter().filter(|e| e.vendor_project == "Fortinet" && e.product == "FortiOS").map(|e| e.cve_id.as_str()).collect();
    assert_eq!(fortios.len(), 8);
    let got: HashSet<&str> = for_asset(0).iter().map(|(c, _)| *c).collect();
    assert_eq!(got, fortios);
    assert!(for_asset(0).iter().all(|(_, r)| *r == MatchRule::Cpe));
    // intranet: no CPE; "SharePoint Server 2019" contains the words of "SharePoint Server" and "SharePoint".
    let sharepoint: HashSet<&str> = kev.entries.iter().filter(|e| e.vendor_project == "Microsoft" && (e.product == "SharePoint Server" || e.product == "SharePoint")).map(|e| e.cve_id.as_str()).collect();
    assert!(!sharepoint.is_empty());
    let got: HashSet<&str> = for_asset(1).iter().map(|(c, _)| *c).collect();
    assert_eq!(got, sharepoint);
    assert!(for_asset(1).iter().all(|(_, r)| *r == MatchRule::VendorProductWords));
    // web-portal: manufacturer and product equal the entry's → medium.
    let httpd: HashSet<&str> = kev.entries.iter().filter(|e| e.vendor_project == "Apache" && e.product == "HTTP Server").map(|e| e.cve_id.as_str()).collect();
    assert!(!httpd.is_empty());
    assert_eq!(for_asset(2).iter().map(|(c, _)| *c).collect::<HashSet<_>>(), httpd);
    assert!(for_asset(2).iter().all(|(_, r)| *r == MatchRule::VendorProduct));
    // The infusion pumps' manufacturer is not on the catalogue.
    assert!(for_asset(3).is_empty());
}

#[test]
fn malformed_asset_rows_are_reported_per_row_and_nothing_is_kept() {
    let csv = "\
name,kind,manufacturer,product,criticality,internet_facing,rto_hours,cpe
pacs,server,Acme,PACS,high,no,4,
,server,Acme,PACS,high,no,4,
mri-1,scanner,Siemens,MAGNETOM,urgent,maybe,soon,cpe:/h:siemens:magnetom
pacs,server,Acme,PACS,high,no,4,
";
    let errors = parse_csv(csv.as_bytes()).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    for expected in [
        "line 3: name: required",
        "line 4: kind: must be one of server, workstation, network_device, application, medical_device, iot, cloud, other",
        "line 4: criticality: must be one of life_critical, high, medium, low",
        "line 4: internet_facing: \"maybe\" is not yes or no",
        "line 4: rto_hours: \"soon\" is not a whole number of hours",
        "line 5: name: \"pacs\" appears on an earlier line",
    ] {
        assert!(shown.iter().any(|s| s == expected), "missing {expected:?} in {shown:#?}");
    }
    assert!(shown.iter().any(|s| s.starts_with("line 4: cpe: must be a CPE 2.3")), "{shown:#?}");
    let errors = parse_csv(b"name,colour,kind\nx,red,server\n").unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(shown.iter().any(|s| s.starts_with("line 1: colour: unknown column")), "{shown:?}");
    assert!(shown.iter().any(|s| s == "line 1: criticality: required column missing"), "{shown:?}");
    assert!(parse_csv(b"name,kind,criticality\n").unwrap_err()[0].reason.contains("no assets"));
}

#[test]
fn the_indexed_matcher_agrees_with_the_all_pairs_oracle() {
    use ward_risk::assets::{AssetDraft, Cpe};
    use ward_risk::matching::match_rule;
    let kev = ward_risk::kev::parse(&std::fs::read(crate::kev_dir().join(crate::kev::CSV)).unwrap()).unwrap();
    let entries = &kev.entries;
    let slug = |s: &str| s.to_lowercase().replace(|c: char| !c.is_alphanumeric(), "_");
    let assets: Vec<AssetDraft> = (0..400)
        .map(|i| {
            let e = &entries[(i * 7919) % entries.len()];
            let other = &entries[(i * 31) % entries.len()];
            let cpe = Cpe::parse(&format!("cpe:2.3:a:{}:{}:1.0:*:*:*:*:*:*:*", slug(&e.vendor_project), slug(&e.product))).ok();
            let (manufacturer, product, cpe) = match i % 4 {
                0 => (None, None, cpe),
                1 => (Some(e.vendor_project.clone()), Some(format!("{} 2024", e.product)), None),
                2 => (Some(other.vendor_project.to_uppercase()), Some(other.product.clone()), cpe),
                _ => (Some(format!("Vendor{i}")), Some("Infusion pump".to_owned()), None),
            };
            AssetDraft { name: format!("a{i}"), kind: AssetKind::Other, manufacturer, product, version: None, cpe, network_segment: None, clinical_function: None, criticality: Criticality::Low, internet_facing: false, owner: None, rto_hours: None, rpo_hours: None }
        })
        .collect();
    let got: Vec<(usize, usize, MatchRule)> = match_assets(&assets, entries).into_iter().map(|x| (x.asset, x.entry, x.rule)).collect();
    let mut oracle = Vec::new();
    for (a, asset) in assets.iter().enumerate() {
        for (e, entry) in entries.iter().enumerate() {
            if let Some(rule) = match_rule(asset, entry) {
                oracle.push((a, e, rule));
            }
        }
    }
    assert!(oracle.len() > 400, "the inventory is exposed: {}", oracle.len());
    assert!(oracle.iter().any(|x| x.2 == MatchRule::Cpe) && oracle.iter().any(|x| x.2 == MatchRule::VendorProduct) && oracle.iter().any(|x| x.2 == MatchRule::VendorProductWords));
    assert_eq!(got, oracle);
}
