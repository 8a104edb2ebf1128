//! E-mail reports: an `.eml` file parsed into the headers a responder looks at first, the
//! sender, every link, a SHA-256 of every attachment, and the indicators these yield (offered
//! to `ward match` and to sharing, never published automatically). Parsing uses
//! `mail-parser`, a MIME parser written for hostile input; every list has a limit.

use mail_parser::MimeHeaders as _;
use sha2::{Digest, Sha256};

/// Most links kept from one e-mail.
pub const MAX_LINKS: usize = 200;
/// Most attachments listed from one e-mail.
pub const MAX_ATTACHMENTS: usize = 50;
/// Longest header value kept, in characters.
pub const MAX_HEADER_CHARS: usize = 500;
/// Longest link kept, in characters.
pub const MAX_LINK_CHARS: usize = 2000;

/// What a responder sees of a reported e-mail.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmailSummary {
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub reply_to: Option<String>,
    pub subject: Option<String>,
    pub date: Option<String>,
    pub message_id: Option<String>,
    /// How many `Received:` hops the message went through.
    pub received_hops: usize,
    pub authentication_results: Option<String>,
    pub links: Vec<String>,
    pub attachments: Vec<EmailAttachment>,
    pub indicators: Vec<Indicator>,
    /// Lists that hit their limit ("links", "attachments").
    pub truncated: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmailAttachment {
    pub name: String,
    pub size_bytes: usize,
    pub sha256: String,
}

/// An indicator extracted from a reported e-mail, in the kinds `ward match` reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Indicator {
    /// `email`, `domain`, `url` or `sha256`.
    pub kind: String,
    pub value: String,
}

/// Whether bytes start like an RFC 5322 message: a block of `Name: value` header lines
/// (with continuations) that includes a From, Subject, Received, Date or Message-ID header.
pub fn looks_like_email(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(16 * 1024)];
    let Ok(text) = std::str::from_utf8(head).or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()])) else { return false };
    let mut known = false;
    let mut lines = 0;
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        lines += 1;
        if line.starts_with([' ', '\t']) {
            if lines == 1 {
                return false;
            }
            continue;
        }
        let Some((name, _)) = line.split_once(':') else { return false };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
        known |= ["from", "subject", "received", "date", "message-id", "return-path"].contains(&name.to_ascii_lowercase().as_str());
    }
    known
}

fn cap(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(MAX_HEADER_CHARS).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The host of an http(s) URL, lower-cased, without user info or port.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') { host.split(']').next()?.trim_start_matches('[') } else { host.split(':').next()? };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Every http(s) link in a text (plain or HTML), in order of first appearance.
pub fn extract_links(text: &str, out: &mut Vec<String>, truncated: &mut bool) {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("http").map(|p| p + from) {
        from = pos + 4;
        let rest = &lower[pos..];
        if !(rest.starts_with("http://") || rest.starts_with("https://")) {
            continue;
        }
        let end = text[pos..].find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\')).map_or(text.len(), |e| pos + e);
        let link = text[pos..end].trim_end_matches(['.', ',', ')', ';']);
        from = end.max(from);
        if link.len() <= "https://".len() || link.chars().count() > MAX_LINK_CHARS || url_host(link).is_none() {
            continue;
        }
        if !out.iter().any(|l| l == link) {
            if out.len() >= MAX_LINKS {
                *truncated = true;
                return;
            }
            out.push(link.to_owned());
        }
    }
}

/// Parses an e-mail file. `None` when it is not a message at all.
pub fn parse(bytes: &[u8]) -> Option<EmailSummary> {
    let message = mail_parser::MessageParser::default().parse(bytes)?;
    let mut s = EmailSummary::default();
    if let Some(addr) = message.from().and_then(|a| a.first()) {
        s.from = addr.address().map(|a| cap(a).to_ascii_lowercase());
        s.from_name = addr.name().map(cap);
    }
    s.reply_to = message.reply_to().and_then(|a| a.first()).and_then(|a| a.address()).map(|a| cap(a).to_ascii_lowercase());
    s.subject = message.subject().map(cap);
    s.date = message.date().map(|d| d.to_rfc3339());
    s.message_id = message.message_id().map(cap);
    s.received_hops = message.header_values("Received").count();
    s.authentication_results = message.header_raw("Authentication-Results").map(|v| cap(v.trim()));
    let mut links_truncated = false;
    for i in 0.. {
        let Some(text) = message.body_text(i) else { break };
        extract_links(&text, &mut s.links, &mut links_truncated);
    }
    for i in 0.. {
        let Some(html) = message.body_html(i) else { break };
        extract_links(&html, &mut s.links, &mut links_truncated);
    }
    if links_truncated {
        s.truncated.push("links".into());
    }
    for part in message.attachments() {
        if s.attachments.len() >= MAX_ATTACHMENTS {
            s.truncated.push("attachments".into());
            break;
        }
        let contents = part.contents();
        s.attachments.push(EmailAttachment { name: cap(part.attachment_name().unwrap_or("(unnamed)")), size_bytes: contents.len(), sha256: sha256_hex(contents) });
    }
    s.indicators = indicators(&s);
    Some(s)
}

/// The indicators of a parsed e-mail: sender and reply-to addresses and their domains, links
/// and their hosts, attachment hashes; sorted and without duplicates.
pub fn indicators(s: &EmailSummary) -> Vec<Indicator> {
    let mut out = Vec::new();
    let mut push = |kind: &str, value: String| out.push(Indicator { kind: kind.into(), value });
    for addr in [&s.from, &s.reply_to].into_iter().flatten() {
        push("email", addr.clone());
        if let Some((_, domain)) = addr.rsplit_once('@') {
            push("domain", domain.to_owned());
        }
    }
    for link in &s.links {
        push("url", link.clone());
        if let Some(h) = url_host(link) {
            push("domain", h);
        }
    }
    for a in &s.attachments {
        push("sha256", a.sha256.clone());
    }
    out.sort();
    out.dedup();
    out
}

/// Indicators as a plain list, one per line, the form `ward match --indicators` reads.
pub fn indicator_list(indicators: &[Indicator]) -> String {
    indicators.iter().map(|i| format!("{}\n", i.value)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const PHISH: &str = "Received: from mail.evil.example (mail.evil.example [203.0.113.9])\r\n\tby mx.hospital.example; Mon, 30 Nov 2026 07:00:00 +0000\r\nFrom: \"IT Service Desk\" <helpdesk@evil.example>\r\nReply-To: harvest@collector.example\r\nTo: nurse@hospital.example\r\nSubject: =?utf-8?q?Ihr_Passwort_l=C3=A4uft_ab?=\r\nDate: Mon, 30 Nov 2026 07:00:00 +0000\r\nMessage-ID: <abc@evil.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Click <a href=\"https://login.evil.example/reset?u=1\">here</a> or http://203.0.113.9/x.</p>\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"invoice.html\"\r\nContent-Transfer-Encoding: base64\r\n\r\nPHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\r\n--b1--\r\n";

    #[test]
    fn a_phishing_mail_yields_headers_links_hashes_and_indicators() {
        assert!(looks_like_email(PHISH.as_bytes()));
        let s = parse(PHISH.as_bytes()).unwrap();
        assert_eq!(s.from.as_deref(), Some("helpdesk@evil.example"));
        assert_eq!(s.from_name.as_deref(), Some("IT Service Desk"));
        assert_eq!(s.reply_to.as_deref(), Some("harvest@collector.example"));
        assert_eq!(s.subject.as_deref(), Some("Ihr Passwort läuft ab"));
        assert_eq!(s.received_hops, 1);
        assert_eq!(s.links, ["http://203.0.113.9/x", "https://login.evil.example/reset?u=1"], "text parts first, then the HTML (where hrefs are)");
        assert_eq!(s.attachments.len(), 1);
        assert_eq!(s.attachments[0].name, "invoice.html");
        assert_eq!(s.attachments[0].sha256, sha256_hex(b"<script>alert(1)</script>"));
        let kinds: Vec<(&str, &str)> = s.indicators.iter().map(|i| (i.kind.as_str(), i.value.as_str())).collect();
        assert!(kinds.contains(&("domain", "evil.example")));
        assert!(kinds.contains(&("domain", "login.evil.example")));
        assert!(kinds.contains(&("domain", "203.0.113.9")));
        assert!(kinds.contains(&("email", "harvest@collector.example")));
        assert!(indicator_list(&s.indicators).lines().count() == s.indicators.len());
    }

    #[test]
    fn not_mail_is_recognised() {
        for bad in ["<html>", "Hello world\n\nbody", " indented: x\n", "X-Foo: bar\n\nonly unknown headers", ""] {
            assert!(!looks_like_email(bad.as_bytes()), "{bad:?}");
        }
        assert_eq!(url_host("https://user:pw@Example.ORG:8443/x"), Some("example.org".into()));
        let mut links = Vec::new();
        let mut t = false;
        extract_links(&"http://a.example/ ".repeat(300), &mut links, &mut t);
        assert_eq!(links.len(), 1, "duplicates once");
        let many: String = (0..300).map(|i| format!("http://h{i}.example/ ")).collect();
        links.clear();
        extract_links(&many, &mut links, &mut t);
        assert_eq!(links.len(), MAX_LINKS);
        assert!(t);
    }
}
