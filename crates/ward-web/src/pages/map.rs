//! World map by country (a choropleth), rendered on the server as inline SVG: no tiles, no
//! CDN, no JavaScript, nothing that the CSP (`default-src 'self'; style-src 'self'`) forbids.
//!
//! The geometry is Natural Earth 1:110m, projected (Equal Earth) and simplified at build time
//! by `data/geo/build-world-paths.py`; `data/geo/README.md` says where it comes from and what
//! was left out. Countries too small for that scale have no shape: when they have a count they
//! are listed in a note under the map, so nothing counted goes unreported.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use maud::{html, Markup};
use ward_core::CountryCode;

const WORLD_JSON: &str = include_str!("../../../../data/geo/world-110m.json");

/// Sequential, colour-blind-safe classes, light to dark: ColorBrewer PuBu (7-class) without
/// its two palest steps, so the lightest class still stands out from white and from the grey
/// of countries without incidents; the darkest is close to the site's brand colour.
const PALETTE: [&str; 5] = ["#a6bddb", "#74a9cf", "#3690c0", "#0570b0", "#034e7b"];
/// Fill for countries with no incidents (neutral, so it is not read as the lightest class).
const NO_DATA: &str = "#e3e3e3";
/// Border between countries.
const BORDER: &str = "#ffffff";

struct World {
    width: u32,
    height: u32,
    paths: BTreeMap<CountryCode, String>,
}

#[derive(serde::Deserialize)]
struct RawWorld {
    width: u32,
    height: u32,
    countries: BTreeMap<String, String>,
}

fn parse(json: &str) -> Result<World, String> {
    let raw: RawWorld = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut paths = BTreeMap::new();
    for (code, d) in raw.countries {
        let cc: CountryCode = code.parse()?;
        paths.insert(cc, d);
    }
    Ok(World { width: raw.width, height: raw.height, paths })
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        // The file is compiled in and a unit test parses it, so this cannot fail in a build
        // that passed its tests; should it, the map is empty and every count is listed as text.
        parse(WORLD_JSON).unwrap_or_else(|e| {
            tracing::error!("data/geo/world-110m.json is unusable: {e}");
            World { width: 960, height: 426, paths: BTreeMap::new() }
        })
    })
}

/// Whether the shipped map has a shape for this country (small states often have none at
/// the 1:110m scale, nor has Antarctica).
pub fn has_geometry(c: CountryCode) -> bool {
    world().paths.contains_key(&c)
}

/// One colour class: counts from `lo` to `hi` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Class {
    lo: u64,
    hi: u64,
    fill: &'static str,
}

impl Class {
    fn label(&self) -> String {
        if self.lo == self.hi {
            group_thousands(self.lo)
        } else {
            format!("{}–{}", group_thousands(self.lo), group_thousands(self.hi))
        }
    }
}

/// Class breaks for positive counts (one value per country): quantile-like classes, that is
/// the sorted distinct values cut into at most five contiguous groups holding as nearly equal
/// numbers of countries as possible. Fewer distinct values than five give one class each.
/// Labels are contiguous integer ranges from the smallest to the largest count.
fn classes(values: &[u64]) -> Vec<Class> {
    let mut distinct: Vec<(u64, usize)> = Vec::new(); // (value, how many countries)
    let mut sorted: Vec<u64> = values.iter().copied().filter(|&v| v > 0).collect();
    sorted.sort_unstable();
    for v in sorted {
        match distinct.last_mut() {
            Some((last, n)) if *last == v => *n += 1,
            _ => distinct.push((v, 1)),
        }
    }
    let d = distinct.len();
    if d == 0 {
        return Vec::new();
    }
    let k = d.min(PALETTE.len());
    let total: usize = distinct.iter().map(|(_, n)| n).sum();
    let target = total as f64 / k as f64;
    // prefix[i] = countries with the first i distinct values.
    let mut prefix = vec![0usize; d + 1];
    for (i, (_, n)) in distinct.iter().enumerate() {
        prefix[i + 1] = prefix[i] + n;
    }
    let cost = |i: usize, j: usize| {
        let w = (prefix[j] - prefix[i]) as f64 - target;
        w * w
    };
    // best[g][j]: least cost of cutting the first j distinct values into g groups; cut[g][j]
    // where the last of those groups starts.
    let mut best = vec![vec![f64::INFINITY; d + 1]; k + 1];
    let mut cut = vec![vec![0usize; d + 1]; k + 1];
    best[0][0] = 0.0;
    for g in 1..=k {
        for j in g..=d {
            for i in (g - 1)..j {
                let c = best[g - 1][i] + cost(i, j);
                if c < best[g][j] {
                    best[g][j] = c;
                    cut[g][j] = i;
                }
            }
        }
    }
    let mut bounds = Vec::with_capacity(k); // (first index, end index) of each group
    let mut j = d;
    for g in (1..=k).rev() {
        let i = cut[g][j];
        bounds.push((i, j));
        j = i;
    }
    bounds.reverse();
    let fills = palette_for(k);
    let mut out = Vec::with_capacity(k);
    let mut lo = distinct[0].0;
    for ((_, end), fill) in bounds.into_iter().zip(fills) {
        let hi = distinct[end - 1].0;
        out.push(Class { lo, hi, fill });
        lo = hi + 1;
    }
    out
}

/// `k` colours spread over the palette, light to dark (one class gets the darkest).
fn palette_for(k: usize) -> Vec<&'static str> {
    let last = PALETTE.len() - 1;
    match k {
        0 => Vec::new(),
        1 => vec![PALETTE[last]],
        _ => (0..k).map(|i| PALETTE[(i * last + (k - 1) / 2) / (k - 1)]).collect(),
    }
}

fn fill_for(classes: &[Class], n: u64) -> &'static str {
    classes.iter().find(|c| n >= c.lo && n <= c.hi).or(classes.last()).map_or(NO_DATA, |c| c.fill)
}

fn group_thousands(n: u64) -> String {
    let mut rev = Vec::with_capacity(26);
    let mut in_group = 0;
    for ch in n.to_string().chars().rev() {
        if in_group == 3 {
            rev.push(',');
            in_group = 0;
        }
        rev.push(ch);
        in_group += 1;
    }
    rev.into_iter().rev().collect()
}

fn incidents(n: u64) -> String {
    if n == 1 {
        "1 incident".to_owned()
    } else {
        format!("{} incidents", group_thousands(n))
    }
}

/// An id for `aria-labelledby`, derived from the caption so the output is deterministic and
/// two maps with different captions on one page do not clash.
fn title_id(caption: &str) -> String {
    let mut slug = String::from("map-");
    let mut dash = false;
    for ch in caption.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
            dash = false;
        } else if !dash && slug.len() > 4 {
            slug.push('-');
            dash = true;
        }
        if slug.len() >= 44 {
            break;
        }
    }
    let trimmed = slug.trim_end_matches('-');
    if trimmed.len() > 4 {
        format!("{trimmed}-title")
    } else {
        "map-title".to_owned()
    }
}

/// A world map coloured by the number of incidents per country.
///
/// `counts` may name a country more than once (the counts are added) and may hold zeros
/// (drawn grey, like countries not named). Each country with a count links to `href(country)`
/// and carries a tooltip such as "Germany: 12 incidents". Counts of countries without a shape
/// at this scale are listed under the map ("Not drawn at this scale: Singapore (3)").
/// The `caption` names the map for assistive technology and is shown under it.
pub fn choropleth(counts: &[(CountryCode, u64)], href: &dyn Fn(CountryCode) -> String, caption: &str) -> Markup {
    let world = world();
    let mut totals: BTreeMap<CountryCode, u64> = BTreeMap::new();
    for &(c, n) in counts {
        let t = totals.entry(c).or_insert(0);
        *t = t.saturating_add(n);
    }
    totals.retain(|_, n| *n > 0);

    let drawn_values: Vec<u64> =
        totals.iter().filter(|(c, _)| has_geometry(**c)).map(|(_, &n)| n).collect();
    let classes = classes(&drawn_values);

    let mut not_drawn: Vec<(CountryCode, u64)> =
        totals.iter().filter(|(c, _)| !has_geometry(**c)).map(|(&c, &n)| (c, n)).collect();
    not_drawn.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.name().cmp(b.0.name())));

    let id = title_id(caption);
    let view_box = format!("0 0 {} {}", world.width, world.height);
    html! {
        figure class="map" {
            svg xmlns="http://www.w3.org/2000/svg" viewBox=(view_box) role="img" aria-labelledby=(id) {
                title id=(id) { (caption) }
                g stroke=(BORDER) stroke-width="0.5" stroke-linejoin="round" fill-rule="evenodd" {
                    // Grey countries first, so the outline of a focused link is not covered.
                    @for (c, d) in &world.paths {
                        @if !totals.contains_key(c) {
                            path data-country=(c.as_str()) fill=(NO_DATA) d=(d) {}
                        }
                    }
                    @for (c, d) in &world.paths {
                        @if let Some(&n) = totals.get(c) {
                            @let tip = format!("{}: {}", c.name(), incidents(n));
                            a href=(href(*c)) aria-label=(tip) {
                                path class="c" data-country=(c.as_str()) fill=(fill_for(&classes, n)) d=(d) {
                                    title { (tip) }
                                }
                            }
                        }
                    }
                }
            }
            figcaption {
                (caption)
                @if !classes.is_empty() {
                    ul class="map-legend" aria-label="Incidents per country" {
                        @for class in &classes {
                            li { (swatch(class.fill)) " " (class.label()) }
                        }
                        li { (swatch(NO_DATA)) " none reported" }
                    }
                }
                @if !not_drawn.is_empty() {
                    p class="map-note" {
                        "Not drawn at this scale: "
                        @for (i, (c, n)) in not_drawn.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href=(href(*c)) { (c.name()) } " (" (group_thousands(*n)) ")"
                        }
                        "."
                    }
                }
            }
        }
    }
}

fn swatch(fill: &str) -> Markup {
    html! {
        svg class="swatch" width="16" height="12" viewBox="0 0 16 12" aria-hidden="true" focusable="false" {
            rect width="16" height="12" fill=(fill) stroke="#4a5560" stroke-width="1" {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(s: &str) -> CountryCode {
        s.parse().expect("test country code")
    }

    fn link(c: CountryCode) -> String {
        format!("/incidents?country={}", c.as_str())
    }

    fn render(counts: &[(&str, u64)]) -> String {
        let counts: Vec<(CountryCode, u64)> = counts.iter().map(|&(c, n)| (cc(c), n)).collect();
        choropleth(&counts, &link, "Incidents by country").into_string()
    }

    /// The `<path …>` start tag for a country.
    fn path_tag<'a>(svg: &'a str, code: &str) -> Option<&'a str> {
        let at = svg.find(&format!("data-country=\"{code}\""))?;
        let start = svg[..at].rfind("<path")?;
        let end = at + svg[at..].find('>')?;
        Some(&svg[start..=end])
    }

    #[test]
    fn the_shipped_geometry_parses_and_covers_the_world() {
        let w = parse(WORLD_JSON).expect("world-110m.json parses");
        assert!(w.width > 0 && w.height > 0);
        assert!(w.paths.len() >= 170, "only {} countries have shapes", w.paths.len());
        for d in w.paths.values() {
            assert!(d.starts_with('M') && d.ends_with('Z'), "not a closed path: {d:.40}");
            assert!(!d.contains('"') && !d.contains('<'));
        }
        assert_eq!(world().paths.len(), w.paths.len());
    }

    #[test]
    fn large_countries_have_shapes_and_small_ones_may_not() {
        for c in ["DE", "US", "IE", "GB", "FR", "IN", "BR", "AU", "JP", "ZA", "CR", "CN", "RU", "CA", "NG", "CY", "SO"] {
            assert!(has_geometry(cc(c)), "{c} has no shape");
        }
        // Too small for 1:110m, or left out on purpose (see data/geo/README.md).
        for c in ["SG", "MT", "LI", "MC", "VA", "BH", "AQ"] {
            assert!(!has_geometry(cc(c)), "{c} unexpectedly has a shape");
        }
    }

    #[test]
    fn countries_with_counts_are_linked_coloured_and_titled() {
        let html = render(&[("IE", 7), ("DE", 12), ("US", 40), ("JP", 1), ("CR", 2)]);
        let ie = path_tag(&html, "IE").expect("a path for Ireland");
        assert!(ie.contains("class=\"c\""), "{ie}");
        assert!(!ie.contains(NO_DATA), "{ie}");
        assert!(html.contains("<title>Ireland: 7 incidents</title>"));
        assert!(html.contains("<title>Japan: 1 incident</title>"));
        assert!(html.contains("<a href=\"/incidents?country=DE\" aria-label=\"Germany: 12 incidents\">"));
        // The largest count gets the darkest class, the smallest the lightest.
        assert!(path_tag(&html, "US").expect("US").contains(PALETTE[4]));
        assert!(path_tag(&html, "JP").expect("JP").contains(PALETTE[0]));
        // Countries without a count are plain grey, unlinked.
        let fr = path_tag(&html, "FR").expect("a path for France");
        assert!(fr.contains(NO_DATA) && !fr.contains("class=\"c\""), "{fr}");
        assert!(!html.contains("country=FR"));
    }

    #[test]
    fn zero_counts_are_not_coloured() {
        let html = render(&[("BR", 0), ("AU", 0), ("ZA", 3), ("IN", 0)]);
        for c in ["BR", "AU", "IN"] {
            let tag = path_tag(&html, c).expect("a path");
            assert!(tag.contains(NO_DATA) && !tag.contains("class=\"c\""), "{tag}");
            assert!(!html.contains(&format!("country={c}")));
        }
        assert!(path_tag(&html, "ZA").expect("ZA").contains("class=\"c\""));
        assert!(!html.contains("Not drawn"));
    }

    #[test]
    fn repeated_countries_are_added_up() {
        let html = render(&[("GB", 2), ("GB", 3)]);
        assert!(html.contains("<title>United Kingdom: 5 incidents</title>"));
    }

    #[test]
    fn counts_without_a_shape_are_listed_in_a_note() {
        let html = render(&[("SG", 3), ("MT", 1200), ("DE", 4), ("LI", 0)]);
        assert!(
            html.contains(
                "Not drawn at this scale: <a href=\"/incidents?country=MT\">Malta</a> (1,200), \
                 <a href=\"/incidents?country=SG\">Singapore</a> (3)."
            ),
            "{html}"
        );
        assert!(!html.contains("Liechtenstein"));
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        // The classes describe only what is drawn.
        assert_eq!(classes(&[4]), vec![Class { lo: 4, hi: 4, fill: PALETTE[4] }]);
    }

    #[test]
    fn no_script_and_no_inline_style() {
        let html = render(&[("IE", 1), ("SG", 2), ("FR", 3)]);
        assert!(!html.contains("<script"));
        assert!(!html.contains("style="));
        assert!(html.contains("role=\"img\""));
        assert!(html.contains("aria-labelledby=\"map-incidents-by-country-title\""));
        assert!(html.contains("<title id=\"map-incidents-by-country-title\">Incidents by country</title>"));
    }

    #[test]
    fn text_is_escaped() {
        let counts = [(cc("IE"), 1)];
        let html = choropleth(&counts, &|_| "/x?a=1&b=<2>".to_owned(), "<b>Map</b> & more").into_string();
        assert!(html.contains("href=\"/x?a=1&amp;b=&lt;2&gt;\""));
        assert!(html.contains("&lt;b&gt;Map&lt;/b&gt; &amp; more"));
        assert!(!html.contains("<b>"));
    }

    fn legend_items(html: &str) -> usize {
        // One swatch per class plus the "none reported" one.
        html.matches("class=\"swatch\"").count() - 1
    }

    #[test]
    fn legend_has_five_classes_or_one_per_distinct_count() {
        assert!(!render(&[]).contains("map-legend"));
        assert_eq!(legend_items(&render(&[("IE", 5)])), 1);
        assert_eq!(legend_items(&render(&[("IE", 5), ("FR", 5), ("DE", 9)])), 2);
        let many: Vec<(&str, u64)> = ["DE", "US", "IE", "GB", "FR", "IN", "BR", "AU", "JP", "ZA", "CR", "CN", "CA"]
            .iter()
            .zip([1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233])
            .map(|(&c, n)| (c, n))
            .collect();
        let html = render(&many);
        assert_eq!(legend_items(&html), 5);
        for fill in PALETTE {
            assert!(html.contains(&format!("fill=\"{fill}\"")));
        }
    }

    #[test]
    fn classes_are_contiguous_and_cover_all_counts() {
        let values = [1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 6, 9, 15, 40, 41, 300, 1000];
        let cls = classes(&values);
        assert_eq!(cls.len(), 5);
        assert_eq!(cls[0].lo, 1);
        assert_eq!(cls[4].hi, 1000);
        for w in cls.windows(2) {
            assert_eq!(w[0].hi + 1, w[1].lo);
            assert!(w[0].lo <= w[0].hi);
        }
        assert_eq!(cls.iter().map(|c| c.fill).collect::<Vec<_>>(), PALETTE.to_vec());
        for v in values {
            assert_eq!(cls.iter().filter(|c| v >= c.lo && v <= c.hi).count(), 1, "{v}");
        }
        // The seven 1s make up a class of their own.
        assert_eq!((cls[0].lo, cls[0].hi), (1, 1));
        // Few distinct values: one class each, spread over the palette.
        let two = classes(&[3, 3, 10]);
        assert_eq!(two.iter().map(|c| (c.lo, c.hi)).collect::<Vec<_>>(), vec![(3, 3), (4, 10)]);
        assert_eq!(two.iter().map(|c| c.fill).collect::<Vec<_>>(), vec![PALETTE[0], PALETTE[4]]);
        assert_eq!(palette_for(3), vec![PALETTE[0], PALETTE[2], PALETTE[4]]);
        assert_eq!(palette_for(4).len(), 4);
        assert!(classes(&[0, 0]).is_empty());
    }

    #[test]
    fn legend_labels_read_as_ranges() {
        let html = render(&[("IE", 1), ("FR", 2), ("DE", 3), ("US", 4), ("BR", 5), ("IN", 1500)]);
        assert!(html.contains("</svg> 1</li>"), "{html}");
        assert!(html.contains("</svg> 5–1,500</li>"), "{html}");
        assert!(html.contains("</svg> none reported</li>"));
    }
}
