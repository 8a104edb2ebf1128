//! Which assets are exposed to which known exploited vulnerabilities.
//!
//! The KEV catalogue names a vendor and a product, never affected versions, so ward matches at
//! the product level and says how sure the name match is:
//!
//! | rule | when | confidence |
//! |---|---|---|
//! | `cpe` | the asset's CPE vendor and product equal the entry's vendorProject and product | high |
//! | `vendor_product` | the asset's manufacturer and product equal them | medium |
//! | `vendor_product_words` | the manufacturer equals the vendor and every word of the entry's product appears in the asset's product | low |
//!
//! Names are compared normalised: lower case, letters and digits only ("SharePoint Server",
//! `sharepoint_server` and "Sharepoint-Server" are equal). The first rule that matches wins.
//! A match says the product is on the catalogue; whether the asset's version is affected is
//! for the owner to confirm against the advisory in the entry's notes (the finding shows the
//! asset's version next to it).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::assets::AssetDraft;
use crate::kev::KevEntry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl std::str::FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            other => Err(format!("{other:?} is not low, medium or high")),
        }
    }
}

/// The rule that produced a match (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    Cpe,
    VendorProduct,
    VendorProductWords,
}

impl MatchRule {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchRule::Cpe => "cpe",
            MatchRule::VendorProduct => "vendor_product",
            MatchRule::VendorProductWords => "vendor_product_words",
        }
    }
    pub fn confidence(self) -> Confidence {
        match self {
            MatchRule::Cpe => Confidence::High,
            MatchRule::VendorProduct => Confidence::Medium,
            MatchRule::VendorProductWords => Confidence::Low,
        }
    }
}

impl std::str::FromStr for MatchRule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cpe" => Ok(MatchRule::Cpe),
            "vendor_product" => Ok(MatchRule::VendorProduct),
            "vendor_product_words" => Ok(MatchRule::VendorProductWords),
            other => Err(format!("{other:?} is not a matching rule")),
        }
    }
}

/// One exposure: asset `asset` (index into the assets given) to KEV entry `entry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub asset: usize,
    pub entry: usize,
    pub rule: MatchRule,
}

/// Lower case, letters and digits only.
pub fn normalise(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// The rule by which `asset` matches `entry`, if any.
pub fn match_rule(asset: &AssetDraft, entry: &KevEntry) -> Option<MatchRule> {
    let vendor = normalise(&entry.vendor_project);
    let product = normalise(&entry.product);
    if vendor.is_empty() || product.is_empty() {
        return None;
    }
    if let Some(cpe) = &asset.cpe {
        if normalise(cpe.vendor()) == vendor && normalise(cpe.product()) == product {
            return Some(MatchRule::Cpe);
        }
    }
    let (Some(manufacturer), Some(asset_product)) = (&asset.manufacturer, &asset.product) else { return None };
    if normalise(manufacturer) != vendor {
        return None;
    }
    if normalise(asset_product) == product {
        return Some(MatchRule::VendorProduct);
    }
    let asset_words = words(asset_product);
    let entry_words = words(&entry.product);
    (!entry_words.is_empty() && entry_words.iter().all(|w| asset_words.contains(w))).then_some(MatchRule::VendorProductWords)
}

/// An entry's names, normalised once.
struct EntryKey {
    product: String,
    words: Vec<String>,
}

/// An asset's names, normalised once.
struct AssetKey {
    cpe: Option<(String, String)>,
    manufacturer: Option<String>,
    product: Option<(String, Vec<String>)>,
}

impl AssetKey {
    fn of(asset: &AssetDraft) -> AssetKey {
        AssetKey {
            cpe: asset.cpe.as_ref().map(|c| (normalise(c.vendor()), normalise(c.product()))),
            manufacturer: asset.manufacturer.as_deref().map(normalise),
            product: asset.product.as_deref().map(|p| (normalise(p), words(p))),
        }
    }

    /// [`match_rule`] over normalised names (`vendor` is the entry's, equal by construction
    /// to the CPE vendor or the manufacturer it was looked up by).
    fn rule(&self, vendor: &str, entry: &EntryKey) -> Option<MatchRule> {
        if entry.product.is_empty() {
            return None;
        }
        if let Some((v, p)) = &self.cpe {
            if v == vendor && *p == entry.product {
                return Some(MatchRule::Cpe);
            }
        }
        let (Some(m), Some((product, asset_words))) = (&self.manufacturer, &self.product) else { return None };
        if m != vendor {
            return None;
        }
        if *product == entry.product {
            return Some(MatchRule::VendorProduct);
        }
        (!entry.words.is_empty() && entry.words.iter().all(|w| asset_words.contains(w))).then_some(MatchRule::VendorProductWords)
    }
}

/// Every exposure of `assets` to `entries`, by asset then catalogue order. Entries are indexed
/// by normalised vendor and every name is normalised once, so the work is proportional to
/// assets × entries of the same vendor; `examples/match_bench.rs` checks the result against
/// [`match_rule`] over all pairs.
pub fn match_assets(assets: &[AssetDraft], entries: &[KevEntry]) -> Vec<Exposure> {
    let mut by_vendor: HashMap<String, Vec<(usize, EntryKey)>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let vendor = normalise(&e.vendor_project);
        if vendor.is_empty() {
            continue;
        }
        by_vendor.entry(vendor).or_default().push((i, EntryKey { product: normalise(&e.product), words: words(&e.product) }));
    }
    let mut out = Vec::new();
    for (a, asset) in assets.iter().enumerate() {
        let key = AssetKey::of(asset);
        let mut vendors: Vec<&str> = Vec::with_capacity(2);
        if let Some((v, _)) = &key.cpe {
            vendors.push(v);
        }
        if let Some(m) = &key.manufacturer {
            if !vendors.contains(&m.as_str()) {
                vendors.push(m);
            }
        }
        let mut found: Vec<Exposure> = Vec::new();
        for vendor in vendors {
            for (e, entry) in by_vendor.get(vendor).map(Vec::as_slice).unwrap_or_default() {
                if found.iter().any(|x| x.entry == *e) {
                    continue;
                }
                if let Some(rule) = key.rule(vendor, entry) {
                    found.push(Exposure { asset: a, entry: *e, rule });
                }
            }
        }
        found.sort_by_key(|x| x.entry);
        out.extend(found);
    }
    out
}
