//! The published studies every parameter of the model comes from, with full citations.
//!
//! The ids (`H1` … `H9`) are those of `shared/research/risk-and-exercises.md` §7.1, so a figure
//! can be traced from an estimate back to the research notes and the paper. `A1` anchors the one
//! planning assumption that is not an effect size (the default bed occupancy).

use serde::Serialize;

/// One published source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Stable id: `H1`, `H1-wp`, `H2` … `H9`, `A1`.
    pub id: &'static str,
    /// Authors as the journal lists them (Vancouver style), or who published a survey.
    pub authors: &'static str,
    pub title: &'static str,
    /// Journal (or where a working paper or survey was reported).
    pub journal: &'static str,
    /// Year of publication; `None` when only an abstract without a date was seen.
    pub year: Option<u16>,
    /// Volume(issue):pages or article number, where known.
    pub locator: Option<&'static str>,
    pub doi: Option<&'static str>,
    /// Where to read it: the DOI resolver when there is a DOI, else the page the figures came from.
    pub url: &'static str,
    /// Data and design in one line: what kind of evidence this is.
    pub design: &'static str,
    /// What ward takes from it.
    pub used_for: &'static str,
}

impl Source {
    /// The full citation: authors, title, venue, year, DOI, URL.
    pub fn citation(&self) -> String {
        let mut text = String::new();
        for part in [self.authors, self.title, self.journal] {
            text.push_str(part);
            // Vancouver style ends each part with a full stop, unless it ends in one already ("et al.", "?").
            if !part.ends_with(['.', '?']) {
                text.push('.');
            }
            text.push(' ');
        }
        let mut text = text.trim_end().to_owned();
        match (self.year, self.locator) {
            (Some(year), Some(locator)) => text.push_str(&format!(" {year};{locator}.")),
            (Some(year), None) => text.push_str(&format!(" {year}.")),
            (None, Some(locator)) => text.push_str(&format!(" {locator}.")),
            (None, None) => {}
        }
        if let Some(doi) = self.doi {
            text.push_str(&format!(" doi:{doi}."));
        }
        text.push(' ');
        text.push_str(self.url);
        text
    }

    /// First author, year and DOI (or the first URL): the citation next to a parameter in text.
    pub fn short_citation(&self) -> String {
        let first = self.authors.split(',').next().unwrap_or(self.authors).trim_end_matches('.');
        let mut text = if first.len() < self.authors.trim_end_matches('.').len() { format!("{first} et al.") } else { first.to_owned() };
        if let Some(year) = self.year {
            text.push_str(&format!(" {year}"));
        }
        match self.doi {
            Some(doi) => text.push_str(&format!(", doi:{doi}")),
            None => text.push_str(&format!(", {}", self.url.split(" ; ").next().unwrap_or(self.url))),
        }
        text
    }
}

pub const H1: Source = Source {
    id: "H1",
    authors: "Neprash H, McGlave C, Nikpay S, et al.",
    title: "Hacked to Pieces? The Effects of Ransomware Attacks on Hospitals and Patients",
    journal: "American Economic Journal: Economic Policy",
    year: Some(2026),
    locator: None,
    doi: Some("10.1257/pol.20240594"),
    url: "https://doi.org/10.1257/pol.20240594",
    design: "THREAT ransomware-attack database linked to US Medicare fee-for-service claims; event study",
    used_for: "week-1 volume drop 17-24 % with recovery within 3 weeks; in-hospital mortality +34 to +38 % among patients already admitted at onset",
};

pub const H1_WP: Source = Source {
    id: "H1-wp",
    authors: "Neprash H, McGlave C, Nikpay S",
    title: "Hacked to Pieces? The Effects of Ransomware Attacks on Hospitals and Patients (working paper)",
    journal: "Working paper, figures as reported by ThreatDown, Cybernews and TradeOffs",
    year: Some(2023),
    locator: None,
    doi: None,
    url: "https://www.threatdown.com/blog/ransomware-increases-hospital-deaths-significantly/ ; https://cybernews.com/news/ransomware-attacks-mortality-rates-hospitals/ ; https://tradeoffs.org/2023/10/05/ransomware-attacks-patient-deaths/",
    design: "same data and design as H1, earlier version; the abstract was not seen, figures come from press coverage",
    used_for: "in-hospital mortality +36 to +55 % for the most severe attacks; Medicare in-hospital mortality of about 3 in 100 as the default baseline",
};

pub const H2: Source = Source {
    id: "H2",
    authors: "Neprash HT, McGlave CC, Rydberg K, Henning-Smith C",
    title: "What happens to rural hospitals during a ransomware attack?",
    journal: "The Journal of Rural Health",
    year: Some(2024),
    locator: None,
    doi: Some("10.1111/jrh.12834"),
    url: "https://doi.org/10.1111/jrh.12834",
    design: "US Medicare fee-for-service claims 2016-2021; stacked event study, rural and urban attacked hospitals",
    used_for: "week-1 drop in inpatient admissions (rural 14.7 %, urban 16.9 %) and ED visits (rural 10.0 %, urban 19.3 %), recovered in 2-3 weeks; travel time to the nearest non-attacked hospital 4-7 times greater for rural hospitals",
};

pub const H3: Source = Source {
    id: "H3",
    authors: "Neprash H, McGlave C, Cross D, et al.",
    title: "Trends in Ransomware Attacks on US Hospitals, Clinics, and Other Health Care Delivery Organizations, 2016-2021",
    journal: "JAMA Health Forum",
    year: Some(2022),
    locator: Some("3(12):e224873"),
    doi: Some("10.1001/jamahealthforum.2022.4873"),
    url: "https://doi.org/10.1001/jamahealthforum.2022.4873",
    design: "cohort of 374 ransomware attacks on US health care delivery organisations in the THREAT database, 2016-2021",
    used_for: "share of attacks that disrupted care (44.4 %), caused electronic system downtime (41.7 %), cancelled scheduled care (10.2 %), diverted ambulances (4.3 %)",
};

pub const H4: Source = Source {
    id: "H4",
    authors: "Dameff C, Tully J, Chan TC, Castillo EM, Savage S, Maysent P, Hemmen TM, Clay BJ, Longhurst CA",
    title: "Ransomware Attack Associated With Disruptions at Adjacent Emergency Departments in the US",
    journal: "JAMA Network Open",
    year: Some(2023),
    locator: Some("6(5):e2312270"),
    doi: Some("10.1001/jamanetworkopen.2023.12270"),
    url: "https://doi.org/10.1001/jamanetworkopen.2023.12270",
    design: "before-and-after cohort: 2 urban academic EDs (19,857 visits) next to a month-long attack on 4 hospitals (about 25 % of regional discharges), 4-week windows",
    used_for: "at the neighbouring EDs during the attack: daily census +15.1 %, EMS arrivals +35.2 %, left without being seen +127.8 %, median waiting-room time +47.6 %",
};

pub const H5: Source = Source {
    id: "H5",
    authors: "Abouk R, Powell D",
    title: "Ransomware Attacks, ED Visits and Inpatient Admissions in Targeted and Nearby Hospitals",
    journal: "JAMA",
    year: Some(2024),
    locator: Some("331(24):2129-2131"),
    doi: Some("10.1001/jama.2024.7752"),
    url: "https://doi.org/10.1001/jama.2024.7752",
    design: "California weekly hospital data 2014-2020; 8 attacks on 15 hospitals against 355 unattacked; 17 nearby hospitals against 20 in the same service area; difference in differences",
    used_for: "attacked hospitals: ED visits and admissions -8 % in week 1, -16 to -17 % in week 2, back to baseline within about 8 weeks; nearby hospitals: ED visits up, peaking at about +7 % in week 3",
};

pub const H6: Source = Source {
    id: "H6",
    authors: "Ghafur S, Kristensen S, Honeyford K, Martin G, Darzi A, Aylin P",
    title: "A retrospective impact analysis of the WannaCry cyberattack on the NHS",
    journal: "npj Digital Medicine",
    year: Some(2019),
    locator: Some("2:98"),
    doi: Some("10.1038/s41746-019-0161-6"),
    url: "https://doi.org/10.1038/s41746-019-0161-6",
    design: "English Hospital Episode Statistics; 34 infected and 46 affected NHS trusts against baseline weeks",
    used_for: "no difference in mortality (deaths in A&E, which the authors call a crude measure): the null arm of the mortality estimate",
};

pub const H7: Source = Source {
    id: "H7",
    authors: "Choi SJ, Johnson ME, Lehmann CU",
    title: "Data breach remediation efforts and their implications for hospital quality",
    journal: "Health Services Research",
    year: Some(2019),
    locator: Some("54(5):971-980"),
    doi: Some("10.1111/1475-6773.13203"),
    url: "https://doi.org/10.1111/1475-6773.13203",
    design: "3,025 US hospitals, 14,297 hospital-years 2012-2016, HHS breach database and Medicare Compare; difference in differences",
    used_for: "30-day AMI mortality +0.23 to +0.36 percentage points in the 3 years after a data breach",
};

pub const H8: Source = Source {
    id: "H8",
    authors: "Authors not recorded (only the abstract was seen)",
    title: "Florida State Inpatient Databases 2013-2017 study of data breaches and hospital care quality",
    journal: "abstract as indexed by R Discovery",
    year: None,
    locator: None,
    doi: None,
    url: "https://discovery.researcher.life/topic/health-care-quality-improvements/3333411",
    design: "1.3 million ED-admitted inpatients at 12 Florida hospitals; propensity-score matching with difference in differences",
    used_for: "contrary arm: AMI in-hospital mortality -1 percentage point after breaches (attributed to later IT upgrades)",
};

pub const H9: Source = Source {
    id: "H9",
    authors: "Ponemon Institute; Censinet",
    title: "Survey of US health care providers on the impact of ransomware (2021)",
    journal: "self-reported provider survey, as reported by bioethics.com",
    year: Some(2021),
    locator: None,
    doi: None,
    url: "https://bioethics.com/archives/58806",
    design: "self-reported survey of provider organisations",
    used_for: "not used for any figure: self-reported (about 1 in 4 ransomware-hit organisations reported higher mortality); listed so readers see it was weighed and left out",
};

pub const A1: Source = Source {
    id: "A1",
    authors: "Bagust A, Place M, Posnett JW",
    title: "Dynamics of bed use in accommodating emergency admissions: stochastic simulation model",
    journal: "BMJ",
    year: Some(1999),
    locator: Some("319(7203):155-158"),
    doi: Some("10.1136/bmj.319.7203.155"),
    url: "https://doi.org/10.1136/bmj.319.7203.155",
    design: "discrete-event stochastic simulation of a hypothetical acute hospital in England",
    used_for: "anchor for ward's default occupancy of 0.85 (an assumption, not a measurement): the level above which the authors found bed shortages become discernible",
};

static SOURCES: [Source; 11] = [H1, H1_WP, H2, H3, H4, H5, H6, H7, H8, H9, A1];

/// Every source the model knows, in id order (H1, H1-wp, H2 … H9, A1).
pub fn sources() -> &'static [Source] {
    &SOURCES
}

/// The source with this id.
pub fn source(id: &str) -> Option<&'static Source> {
    SOURCES.iter().find(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_source_is_citable() {
        let mut ids: Vec<&str> = sources().iter().map(|s| s.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), sources().len());
        for s in sources() {
            assert!(!s.authors.is_empty() && !s.title.is_empty() && s.url.starts_with("https://"), "{}", s.id);
            if let Some(doi) = s.doi {
                assert!(doi.starts_with("10.") && s.citation().contains(doi), "{}", s.id);
                assert_eq!(s.url, format!("https://doi.org/{doi}"), "{}", s.id);
            }
        }
    }

    #[test]
    fn short_citation_names_the_first_author_year_and_doi() {
        assert_eq!(H1.short_citation(), "Neprash H et al. 2026, doi:10.1257/pol.20240594");
        assert_eq!(H2.citation(), "Neprash HT, McGlave CC, Rydberg K, Henning-Smith C. What happens to rural hospitals during a ransomware attack? \
             The Journal of Rural Health. 2024. doi:10.1111/jrh.12834. https://doi.org/10.1111/jrh.12834");
        assert_eq!(H1.citation(), "Neprash H, McGlave C, Nikpay S, et al. Hacked to Pieces? The Effects of Ransomware Attacks on Hospitals and Patients. \
             American Economic Journal: Economic Policy. 2026. doi:10.1257/pol.20240594. https://doi.org/10.1257/pol.20240594");
        assert_eq!(H1_WP.short_citation(), "Neprash H et al. 2023, https://www.threatdown.com/blog/ransomware-increases-hospital-deaths-significantly/");
    }

    #[test]
    fn citation_has_authors_title_venue_year_and_doi() {
        assert_eq!(
            H5.citation(),
            "Abouk R, Powell D. Ransomware Attacks, ED Visits and Inpatient Admissions in Targeted and Nearby Hospitals. \
             JAMA. 2024;331(24):2129-2131. doi:10.1001/jama.2024.7752. https://doi.org/10.1001/jama.2024.7752"
        );
    }
}
