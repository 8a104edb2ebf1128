//! What a staff member reports: the category (a closed set), where, roughly when, an optional
//! description and an optional attachment (an e-mail file or a screenshot). Every limit is a
//! named constant; every problem names its field.

use crate::{clean_text, FieldProblem};

/// Longest department or ward name, in characters.
pub const MAX_DEPARTMENT_CHARS: usize = 120;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// Largest attachment, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 2 * 1024 * 1024;
/// Longest attachment file name, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    SuspiciousEmail,
    StrangeCall,
    DeviceBehaviour,
    LostDevice,
    MisdirectedData,
    Other,
}

impl Category {
    pub const ALL: [Category; 6] =
        [Category::SuspiciousEmail, Category::StrangeCall, Category::DeviceBehaviour, Category::LostDevice, Category::MisdirectedData, Category::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::SuspiciousEmail => "suspicious_email",
            Category::StrangeCall => "strange_call",
            Category::DeviceBehaviour => "device_behaviour",
            Category::LostDevice => "lost_device",
            Category::MisdirectedData => "misdirected_data",
            Category::Other => "other",
        }
    }

    /// The incident attack type a report of this category suggests when it becomes an incident.
    pub fn attack_type(self) -> &'static str {
        match self {
            Category::SuspiciousEmail | Category::StrangeCall => "phishing",
            Category::LostDevice => "lost_or_stolen_device",
            Category::MisdirectedData => "error",
            Category::DeviceBehaviour | Category::Other => "other",
        }
    }
}

impl std::str::FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a category; use one of {}", Category::ALL.map(Category::as_str).join(", ")))
    }
}

/// Roughly when it happened: choices a person picks in a second, not a timestamp to type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OccurredHint {
    JustNow,
    LastHour,
    EarlierToday,
    Yesterday,
    BeforeYesterday,
}

impl OccurredHint {
    pub const ALL: [OccurredHint; 5] = [OccurredHint::JustNow, OccurredHint::LastHour, OccurredHint::EarlierToday, OccurredHint::Yesterday, OccurredHint::BeforeYesterday];
    pub fn as_str(self) -> &'static str {
        match self {
            OccurredHint::JustNow => "just_now",
            OccurredHint::LastHour => "last_hour",
            OccurredHint::EarlierToday => "earlier_today",
            OccurredHint::Yesterday => "yesterday",
            OccurredHint::BeforeYesterday => "before_yesterday",
        }
    }
}

impl std::str::FromStr for OccurredHint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        OccurredHint::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| format!("{s:?} is not one of the offered choices"))
    }
}

/// Where a report is in triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    New,
    Acknowledged,
    Dismissed,
    Merged,
    Incident,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::New => "new",
            ReportStatus::Acknowledged => "acknowledged",
            ReportStatus::Dismissed => "dismissed",
            ReportStatus::Merged => "merged",
            ReportStatus::Incident => "incident",
        }
    }
    /// Decided: no timer runs any more.
    pub fn is_decided(self) -> bool {
        matches!(self, ReportStatus::Dismissed | ReportStatus::Merged | ReportStatus::Incident)
    }
}

impl std::str::FromStr for ReportStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [ReportStatus::New, ReportStatus::Acknowledged, ReportStatus::Dismissed, ReportStatus::Merged, ReportStatus::Incident]
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown report status {s:?}"))
    }
}

/// An attachment as received (before it is checked).
#[derive(Debug, Clone)]
pub struct RawAttachment {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// What kind of file an accepted attachment is, decided from its content, never from the name
/// or the browser's claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentKind {
    Eml,
    OutlookMsg,
    Png,
    Jpeg,
}

impl AttachmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Eml => "eml",
            AttachmentKind::OutlookMsg => "msg",
            AttachmentKind::Png => "png",
            AttachmentKind::Jpeg => "jpeg",
        }
    }
    /// The media type it is served with (always as a download).
    pub fn media_type(self) -> &'static str {
        match self {
            AttachmentKind::Eml => "message/rfc822",
            AttachmentKind::OutlookMsg => "application/vnd.ms-outlook",
            AttachmentKind::Png => "image/png",
            AttachmentKind::Jpeg => "image/jpeg",
        }
    }
}

impl std::str::FromStr for AttachmentKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [AttachmentKind::Eml, AttachmentKind::OutlookMsg, AttachmentKind::Png, AttachmentKind::Jpeg]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown attachment kind {s:?}"))
    }
}

/// An attachment that passed the checks.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub file_name: String,
    pub kind: AttachmentKind,
    pub bytes: Vec<u8>,
}

/// A report as typed, checked.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub category: Category,
    pub department: String,
    pub occurred: OccurredHint,
    pub description: String,
    pub attachment: Option<Attachment>,
}

/// The raw fields of the report form.
#[derive(Debug, Clone, Default)]
pub struct ReportFields<'a> {
    pub category: &'a str,
    pub department: &'a str,
    pub occurred: &'a str,
    pub description: &'a str,
    pub attachment: Option<RawAttachment>,
}

impl ReportInput {
    /// Checks every field and reports every problem at once.
    pub fn parse(fields: ReportFields<'_>) -> Result<ReportInput, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let category = match fields.category.trim() {
            "" => {
                problems.push(FieldProblem::new("category", "choose what happened"));
                None
            }
            c => c.parse::<Category>().map_err(|e| problems.push(FieldProblem::new("category", e))).ok(),
        };
        let department = match clean_text("department", fields.department, MAX_DEPARTMENT_CHARS) {
            Ok(d) if d.is_empty() => {
                problems.push(FieldProblem::new("department", "say where it happened (department or ward)"));
                None
            }
            Ok(d) if d.contains('\n') => {
                problems.push(FieldProblem::new("department", "must be one line"));
                None
            }
            Ok(d) => Some(d),
            Err(p) => {
                problems.push(p);
                None
            }
        };
        let occurred = match fields.occurred.trim() {
            "" => Some(OccurredHint::JustNow),
            o => o.parse::<OccurredHint>().map_err(|e| problems.push(FieldProblem::new("occurred", e))).ok(),
        };
        let description = clean_text("description", fields.description, MAX_DESCRIPTION_CHARS).map_err(|p| problems.push(p)).ok();
        let attachment = match fields.attachment {
            None => None,
            Some(raw) if raw.bytes.is_empty() && raw.file_name.is_empty() => None,
            Some(raw) => check_attachment(raw).map_err(|p| problems.push(p)).ok(),
        };
        match (category, department, occurred, description) {
            (Some(category), Some(department), Some(occurred), Some(description)) if problems.is_empty() => {
                Ok(ReportInput { category, department, occurred, description, attachment })
            }
            _ => Err(problems),
        }
    }
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = b"\xff\xd8\xff";
const CFB_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

/// Accepts an e-mail file (`.eml`: RFC 5322 headers; `.msg`: an Outlook compound file) or a
/// PNG/JPEG screenshot, by content. Anything else (HTML, SVG, scripts, executables, archives)
/// is refused with the reason.
pub fn check_attachment(raw: RawAttachment) -> Result<Attachment, FieldProblem> {
    let field = "attachment";
    let name = clean_text(field, &raw.file_name, MAX_FILE_NAME_CHARS)?;
    let name: String = name.rsplit(['/', '\\']).next().unwrap_or("").to_owned();
    if raw.bytes.is_empty() {
        return Err(FieldProblem::new(field, "the file is empty"));
    }
    if raw.bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(FieldProblem::new(field, format!("the file is larger than {} MiB", MAX_ATTACHMENT_BYTES / (1024 * 1024))));
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let b = &raw.bytes;
    let kind = if b.starts_with(PNG_MAGIC) {
        AttachmentKind::Png
    } else if b.starts_with(JPEG_MAGIC) {
        AttachmentKind::Jpeg
    } else if b.starts_with(CFB_MAGIC) {
        if ext != "msg" {
            return Err(FieldProblem::new(field, "an Outlook compound file must be named .msg; other Office files are not accepted"));
        }
        AttachmentKind::OutlookMsg
    } else if b.starts_with(b"MZ") || b.starts_with(b"\x7fELF") || b.starts_with(b"PK\x03\x04") || b.starts_with(b"%PDF") {
        return Err(FieldProblem::new(field, "programs, archives and documents are not accepted: send the e-mail file (.eml/.msg) or a screenshot (PNG/JPEG)"));
    } else if crate::eml::looks_like_email(b) {
        AttachmentKind::Eml
    } else {
        return Err(FieldProblem::new(
            field,
            "the file is neither an e-mail (.eml with headers such as From: and Subject:, or .msg) nor a PNG/JPEG screenshot",
        ));
    };
    let name = if name.is_empty() { format!("attachment.{}", kind.as_str()) } else { name };
    Ok(Attachment { file_name: name, kind, bytes: raw.bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(category: &'a str, department: &'a str, description: &'a str) -> ReportFields<'a> {
        ReportFields { category, department, occurred: "", description, attachment: None }
    }

    #[test]
    fn every_problem_is_named() {
        let e = ReportInput::parse(fields("", "", "")).unwrap_err();
        let named: Vec<&str> = e.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(named, ["category", "department"]);
        let e = ReportInput::parse(fields("ransom", "Ward 3", "x\u{0}y")).unwrap_err();
        assert!(e.iter().any(|p| p.field == "category" && p.reason.contains("suspicious_email")));
        assert!(e.iter().any(|p| p.field == "description" && p.reason.contains("U+0000")));
        let long = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        let e = ReportInput::parse(fields("other", "Ward 3", &long)).unwrap_err();
        assert!(e[0].reason.contains("at most 4000"));
        let ok = ReportInput::parse(fields("suspicious_email", " Ward 3 ", "<script>alert(1)</script>")).unwrap();
        assert_eq!(ok.department, "Ward 3");
        assert_eq!(ok.description, "<script>alert(1)</script>", "kept as text: pages escape it");
    }

    #[test]
    fn attachments_are_judged_by_content() {
        let check = |name: &str, bytes: &[u8]| check_attachment(RawAttachment { file_name: name.into(), bytes: bytes.to_vec() });
        assert_eq!(check("a.png", b"\x89PNG\r\n\x1a\nrest").unwrap().kind, AttachmentKind::Png);
        assert_eq!(check("mail.eml", b"From: a@b.example\r\nSubject: hi\r\n\r\nbody").unwrap().kind, AttachmentKind::Eml);
        assert!(check("x.eml", b"<html><script>alert(1)</script></html>").unwrap_err().reason.contains("neither"));
        assert!(check("x.png", b"<svg onload=alert(1)>").is_err(), "a name does not make a PNG");
        assert!(check("invoice.eml", b"MZ\x90\x00").unwrap_err().reason.contains("programs"));
        assert!(check("x.doc", CFB_MAGIC).unwrap_err().reason.contains(".msg"));
        assert!(check("big.png", &[PNG_MAGIC, &vec![0u8; MAX_ATTACHMENT_BYTES]].concat()).unwrap_err().reason.contains("larger"));
        assert_eq!(check("C:\\Users\\n\\phish.eml", b"From: a@b.example\nSubject: x\n\nhi").unwrap().file_name, "phish.eml");
    }
}
