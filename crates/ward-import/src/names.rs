//! Organisation-name normalisation: the key for linking one organisation across datasets.

/// The normalisation lives in ward-core (the store links records with it too); this name is
/// kept for the importers.
pub use ward_core::org::normalise_name as normalise_org_name;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        for (input, want) in [
            ("The Kroger Co.", "kroger"),
            ("St. Mary's Medical Center, Inc.", "st marys medical center"),
            ("Smith & Jones, P.C.", "smith and jones"),
            ("Smith and Jones PC", "smith and jones"),
            ("Alvaria, Inc.", "alvaria"),
            ("MHNU Corporation d/b/a Medical Home Network", "mhnu corporation d b a medical home network"),
            ("Blue Cross Blue Shield of North Carolina", "blue cross blue shield of north carolina"),
            ("  CVS Caremark Part D Services, L.L.C. (“CVS”)  ", "cvs caremark part d services"),
            ("Anthem, Inc. (“Anthem”)", "anthem"),
            ("Universitätsklinikum Düsseldorf GmbH", "universitätsklinikum düsseldorf"),
            ("Health Service Executive", "health service executive"),
            ("Inc.", "inc"),
            ("", ""),
            ("Regional Women’s Health Group, LLC", "regional womens health group"),
            ("ACME Holdings Pty Ltd", "acme holdings"),
        ] {
            assert_eq!(normalise_org_name(input), want, "{input:?}");
        }
    }
}
