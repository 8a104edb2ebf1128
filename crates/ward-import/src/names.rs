//! Organisation-name normalisation: the key for linking one organisation across datasets.

/// Legal-form words removed from the end of a name (after punctuation is gone, so `L.L.C.`
/// has become `llc`).
const LEGAL_SUFFIXES: &[&str] = &[
    "inc", "incorporated", "llc", "llp", "lllp", "lp", "pllc", "ltd", "limited", "corp", "corporation",
    "co", "plc", "gmbh", "ag", "sa", "sas", "bv", "nv", "pc", "pa", "psc", "sc", "pty",
];

/// Normalises an organisation name so that spellings of the same name compare equal:
///
/// 1. Unicode lower-case;
/// 2. text in parentheses or brackets is dropped (`Anthem, Inc. (“Anthem”)` → `anthem`);
///    apostrophes and full stops are deleted (`Children's` → `childrens`, `L.L.C.` → `llc`);
///    `&` becomes `and`; every other character that is not a letter or digit becomes a space;
/// 3. the word `the` is dropped wherever it stands;
/// 4. legal-form words at the end are dropped, repeatedly (`inc`, `llc`, `ltd`, `corp`, `plc`,
///    `gmbh`, `pc`, `pa`… see the crate README for the list), but never the only word left;
/// 5. runs of spaces become one space, and the ends are trimmed.
///
/// `"The Kroger Co."` → `"kroger"`, `"St. Mary's Medical Center, Inc."` →
/// `"st marys medical center"`, `"Smith & Jones, P.C."` → `"smith and jones"`.
///
/// It does not resolve trade names (`d/b/a`), abbreviations (`Ctr`) or accents: equal output
/// means "very likely the same name", unequal output means nothing.
pub fn normalise_org_name(name: &str) -> String {
    let mut flat = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            '(' | '[' => {
                depth += 1;
                flat.push(' ');
            }
            ')' | ']' => {
                depth = depth.saturating_sub(1);
                flat.push(' ');
            }
            _ if depth > 0 => {}
            '\'' | '’' | '‘' | '`' | '´' | '.' => {}
            '&' => flat.push_str(" and "),
            c if c.is_alphanumeric() => flat.push(c),
            _ => flat.push(' '),
        }
    }
    let mut words: Vec<&str> = flat.split_whitespace().filter(|w| *w != "the").collect();
    while words.len() > 1 && words.last().is_some_and(|w| LEGAL_SUFFIXES.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

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
