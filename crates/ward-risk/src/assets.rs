//! The asset inventory: systems and medical devices with what matching and recovery planning
//! need. One validation ([`AssetDraft::from_fields`]) serves the CSV import and the web form, so
//! both report the same field names and reasons; a CSV is accepted whole or not at all.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::RecordError;

/// Largest asset CSV read.
pub const MAX_ASSET_CSV_BYTES: usize = 16 * 1024 * 1024;
/// Most assets one CSV may hold.
pub const MAX_ASSET_ROWS: usize = 50_000;
/// Longest text field, in characters.
pub const MAX_ASSET_FIELD_CHARS: usize = 500;
/// Largest recovery objective, in hours (a year).
pub const MAX_RECOVERY_HOURS: u32 = 24 * 366;

macro_rules! closed_set {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal : $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let s = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    format!("must be one of {}", $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "))
                })
            }
        }
    };
}

closed_set!(
    /// What kind of asset it is.
    AssetKind {
        Server = "server": "Server",
        Workstation = "workstation": "Workstation",
        NetworkDevice = "network_device": "Network device",
        Application = "application": "Application",
        MedicalDevice = "medical_device": "Medical device",
        Iot = "iot": "IoT / building system",
        Cloud = "cloud": "Cloud service",
        Other = "other": "Other",
    }
);

closed_set!(
    /// How much patient safety and care depend on the asset (ward's scale, after HICP practice 9).
    Criticality {
        LifeCritical = "life_critical": "Life-critical",
        High = "high": "High",
        Medium = "medium": "Medium",
        Low = "low": "Low",
    }
);

impl Criticality {
    /// Sort rank, most critical first.
    pub fn rank(self) -> u8 {
        match self {
            Criticality::LifeCritical => 0,
            Criticality::High => 1,
            Criticality::Medium => 2,
            Criticality::Low => 3,
        }
    }
}

/// A CPE 2.3 formatted string, split into the parts matching uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cpe {
    text: String,
    vendor: String,
    product: String,
    version: String,
}

impl Cpe {
    pub fn parse(s: &str) -> Result<Cpe, String> {
        let s = s.trim();
        let parts = split_cpe(s);
        if parts.len() != 13 || parts[0] != "cpe" || parts[1] != "2.3" {
            return Err("must be a CPE 2.3 formatted string with 13 parts (cpe:2.3:part:vendor:product:version:…)".into());
        }
        if !matches!(parts[2].as_str(), "a" | "o" | "h") {
            return Err(format!("part {:?} must be a (application), o (operating system) or h (hardware)", parts[2]));
        }
        if parts[3].is_empty() || parts[3] == "*" || parts[4].is_empty() || parts[4] == "*" {
            return Err("vendor and product must be given".into());
        }
        Ok(Cpe { text: s.to_owned(), vendor: unescape(&parts[3]), product: unescape(&parts[4]), version: unescape(&parts[5]) })
    }
    pub fn as_str(&self) -> &str {
        &self.text
    }
    pub fn vendor(&self) -> &str {
        &self.vendor
    }
    pub fn product(&self) -> &str {
        &self.product
    }
    pub fn version(&self) -> &str {
        &self.version
    }
}

/// Splits on ':' not preceded by a backslash.
fn split_cpe(s: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in s.chars() {
        if c == ':' && !escaped {
            parts.push(String::new());
            continue;
        }
        escaped = !escaped && c == '\\';
        if let Some(p) = parts.last_mut() {
            p.push(c);
        }
    }
    parts
}

fn unescape(s: &str) -> String {
    s.replace('\\', "")
}

impl TryFrom<String> for Cpe {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Cpe::parse(&s)
    }
}

impl From<Cpe> for String {
    fn from(c: Cpe) -> String {
        c.text
    }
}

/// One asset, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetDraft {
    pub name: String,
    pub kind: AssetKind,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub version: Option<String>,
    pub cpe: Option<Cpe>,
    pub network_segment: Option<String>,
    pub clinical_function: Option<String>,
    pub criticality: Criticality,
    pub internet_facing: bool,
    pub owner: Option<String>,
    pub rto_hours: Option<u32>,
    pub rpo_hours: Option<u32>,
}

/// The field names, in CSV column order.
pub const ASSET_FIELDS: [&str; 13] =
    ["name", "kind", "manufacturer", "product", "version", "cpe", "network_segment", "clinical_function", "criticality", "internet_facing", "owner", "rto_hours", "rpo_hours"];
const REQUIRED_FIELDS: [&str; 3] = ["name", "kind", "criticality"];

/// A field-level problem (the web form shows it next to the input of that name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl AssetDraft {
    /// Builds an asset from named text fields (blank means absent), reporting every bad field.
    pub fn from_fields<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<AssetDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, reason: String| errors.push(FieldError { field: field.to_owned(), reason });
        let mut text = |field: &str| -> Option<String> {
            let v = get(field).map(str::trim).filter(|v| !v.is_empty())?;
            if v.chars().count() > MAX_ASSET_FIELD_CHARS {
                bad(field, format!("longer than {MAX_ASSET_FIELD_CHARS} characters"));
                return None;
            }
            if v.chars().any(char::is_control) {
                bad(field, "contains control characters".into());
                return None;
            }
            Some(v.to_owned())
        };
        let name = text("name");
        let manufacturer = text("manufacturer");
        let product = text("product");
        let version = text("version");
        let network_segment = text("network_segment");
        let clinical_function = text("clinical_function");
        let owner = text("owner");
        let kind_raw = text("kind");
        let criticality_raw = text("criticality");
        let cpe_raw = text("cpe");
        let internet_raw = text("internet_facing");
        let rto_raw = text("rto_hours");
        let rpo_raw = text("rpo_hours");
        let mut bad = |field: &str, reason: String| errors.push(FieldError { field: field.to_owned(), reason });
        if name.is_none() {
            bad("name", "required".into());
        }
        let kind = match kind_raw.as_deref().map(AssetKind::from_str) {
            Some(Ok(k)) => Some(k),
            Some(Err(e)) => {
                bad("kind", e);
                None
            }
            None => {
                bad("kind", "required".into());
                None
            }
        };
        let criticality = match criticality_raw.as_deref().map(Criticality::from_str) {
            Some(Ok(c)) => Some(c),
            Some(Err(e)) => {
                bad("criticality", e);
                None
            }
            None => {
                bad("criticality", "required".into());
                None
            }
        };
        let cpe = match cpe_raw.as_deref().map(Cpe::parse) {
            Some(Ok(c)) => Some(c),
            Some(Err(e)) => {
                bad("cpe", e);
                None
            }
            None => None,
        };
        let internet_facing = match internet_raw.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("no" | "false" | "0" | "n") => false,
            Some("yes" | "true" | "1" | "y") => true,
            Some(other) => {
                bad("internet_facing", format!("{other:?} is not yes or no"));
                false
            }
        };
        let mut hours = |field: &str, raw: Option<String>| -> Option<u32> {
            let raw = raw?;
            match raw.parse::<u32>() {
                Ok(h) if h <= MAX_RECOVERY_HOURS => Some(h),
                Ok(_) => {
                    bad(field, format!("more than {MAX_RECOVERY_HOURS} hours"));
                    None
                }
                Err(_) => {
                    bad(field, format!("{raw:?} is not a whole number of hours"));
                    None
                }
            }
        };
        let rto_hours = hours("rto_hours", rto_raw);
        let rpo_hours = hours("rpo_hours", rpo_raw);
        if !errors.is_empty() {
            return Err(errors);
        }
        let (Some(name), Some(kind), Some(criticality)) = (name, kind, criticality) else {
            return Err(vec![FieldError { field: "name".into(), reason: "required".into() }]);
        };
        Ok(AssetDraft { name, kind, manufacturer, product, version, cpe, network_segment, clinical_function, criticality, internet_facing, owner, rto_hours, rpo_hours })
    }

    /// The asset as named text fields (what [`AssetDraft::from_fields`] reads back).
    pub fn to_fields(&self) -> Vec<(&'static str, String)> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let h = |v: Option<u32>| v.map(|h| h.to_string()).unwrap_or_default();
        vec![
            ("name", self.name.clone()),
            ("kind", self.kind.as_str().to_owned()),
            ("manufacturer", o(&self.manufacturer)),
            ("product", o(&self.product)),
            ("version", o(&self.version)),
            ("cpe", self.cpe.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default()),
            ("network_segment", o(&self.network_segment)),
            ("clinical_function", o(&self.clinical_function)),
            ("criticality", self.criticality.as_str().to_owned()),
            ("internet_facing", if self.internet_facing { "yes" } else { "no" }.to_owned()),
            ("owner", o(&self.owner)),
            ("rto_hours", h(self.rto_hours)),
            ("rpo_hours", h(self.rpo_hours)),
        ]
    }
}

/// Reads an asset CSV (header line with [`ASSET_FIELDS`] names, any order; `name`, `kind` and
/// `criticality` required). Every bad row is reported with its line, column and reason, and
/// then no asset is returned.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<AssetDraft>, Vec<RecordError>> {
    if bytes.len() > MAX_ASSET_CSV_BYTES {
        return Err(vec![RecordError::file(format!("the file is larger than {MAX_ASSET_CSV_BYTES} bytes"))]);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let columns = crate::csv_table::Columns {
        known: &ASSET_FIELDS,
        required: &REQUIRED_FIELDS,
        case_insensitive: true,
        unknown_reason: format!("unknown column (known: {})", ASSET_FIELDS.join(", ")),
    };
    let index = crate::csv_table::header(&mut reader, &columns)?;
    let mut errors = Vec::new();
    let mut assets = Vec::new();
    let mut names = HashSet::new();
    crate::csv_table::records(&mut reader, MAX_ASSET_ROWS, "assets", &mut errors, |line, record, errors| {
        if record.iter().all(|f| f.trim().is_empty()) {
            return;
        }
        match AssetDraft::from_fields(|f| index.get(f).and_then(|&i| record.get(i))) {
            Ok(a) => {
                if !names.insert(a.name.to_lowercase()) {
                    errors.push(RecordError::line(line, "name", format!("{:?} appears on an earlier line", a.name)));
                }
                assets.push(a);
            }
            Err(field_errors) => errors.extend(field_errors.into_iter().map(|e| RecordError::line(line, &e.field, e.reason))),
        }
    });
    if errors.is_empty() && assets.is_empty() {
        errors.push(RecordError::file("the file has no assets"));
    }
    if errors.is_empty() {
        Ok(assets)
    } else {
        errors.truncate(crate::kev::MAX_REPORTED_ERRORS);
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpe_parsing() {
        let c = Cpe::parse("cpe:2.3:a:microsoft:sharepoint_server:2019:*:*:*:*:*:*:*").unwrap();
        assert_eq!((c.vendor(), c.product(), c.version()), ("microsoft", "sharepoint_server", "2019"));
        let c = Cpe::parse(r"cpe:2.3:o:ge\:health:ct\:os:1.0:*:*:*:*:*:*:*").unwrap();
        assert_eq!((c.vendor(), c.product()), ("ge:health", "ct:os"));
        for bad in ["cpe:/a:microsoft:office", "cpe:2.3:x:v:p:1:*:*:*:*:*:*:*", "cpe:2.3:a:*:p:1:*:*:*:*:*:*:*", "cpe:2.3:a:v:p"] {
            assert!(Cpe::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn closed_sets_accept_spacing_variants() {
        assert_eq!("Medical device".parse::<AssetKind>(), Ok(AssetKind::MedicalDevice));
        assert_eq!("life-critical".parse::<Criticality>(), Ok(Criticality::LifeCritical));
        assert!("urgent".parse::<Criticality>().unwrap_err().contains("life_critical"));
    }
}
