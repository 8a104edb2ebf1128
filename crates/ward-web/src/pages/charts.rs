//! Server-rendered SVG charts with a table beside each, so every figure is readable without
//! the picture and without JavaScript.

use maud::{html, Markup};

/// One bar: label, value, and where it links (the incidents behind it).
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub href: String,
}

const BAR_HEIGHT: i64 = 22;
const LABEL_WIDTH: i64 = 210;
const CHART_WIDTH: i64 = 640;

/// Horizontal bars (categories), largest first as given.
pub fn hbar(id: &str, title: &str, bars: &[Bar], unit: &str) -> Markup {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(1).max(1);
    let height = BAR_HEIGHT * bars.len() as i64 + 4;
    let plot = CHART_WIDTH - LABEL_WIDTH - 70;
    html! {
        figure class="chart" aria-labelledby={(id) "-title"} {
            figcaption id={(id) "-title"} { (title) }
            @if bars.is_empty() {
                p class="muted" { "No data in this view." }
            } @else {
                svg class="chart-svg" viewBox={"0 0 " (CHART_WIDTH) " " (height)} role="img" aria-labelledby={(id) "-title"} {
                    @for (n, b) in bars.iter().enumerate() {
                        @let y = n as i64 * BAR_HEIGHT + 2;
                        @let w = (b.value * plot / max).max(1);
                        a href=(b.href) {
                            text x=(LABEL_WIDTH - 6) y=(y + 15) text-anchor="end" class="chart-label" { (truncate(&b.label, 30)) }
                            rect x=(LABEL_WIDTH) y=(y + 2) width=(w) height=(BAR_HEIGHT - 6) class="bar" { title { (b.label) ": " (b.value) " " (unit) } }
                            text x=(LABEL_WIDTH + w + 6) y=(y + 15) class="chart-value" { (b.value) }
                        }
                    }
                }
                (table(id, title, bars, unit))
            }
        }
    }
}

/// Vertical columns (time), in the order given.
pub fn columns(id: &str, title: &str, bars: &[Bar], unit: &str) -> Markup {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(1).max(1);
    let n = bars.len().max(1) as i64;
    let plot_h = 180;
    let width = CHART_WIDTH;
    let step = (width - 40) / n;
    let col_w = (step - 4).max(2);
    html! {
        figure class="chart" aria-labelledby={(id) "-title"} {
            figcaption id={(id) "-title"} { (title) }
            @if bars.is_empty() {
                p class="muted" { "No dated incidents in this view." }
            } @else {
                svg class="chart-svg" viewBox={"0 0 " (width) " " (plot_h + 40)} role="img" aria-labelledby={(id) "-title"} {
                    line x1="30" y1=(plot_h + 2) x2=(width) y2=(plot_h + 2) class="axis" {}
                    text x="0" y="12" class="chart-value" { (max) }
                    @for (i, b) in bars.iter().enumerate() {
                        @let h = (b.value * plot_h / max).max(1);
                        @let x = 34 + i as i64 * step;
                        a href=(b.href) {
                            rect x=(x) y=(plot_h + 2 - h) width=(col_w) height=(h) class="bar" { title { (b.label) ": " (b.value) " " (unit) } }
                            @if n <= 24 || i as i64 % (n / 12).max(1) == 0 {
                                text x=(x + col_w / 2) y=(plot_h + 18) text-anchor="middle" class="chart-label" { (b.label) }
                            }
                        }
                    }
                }
                (table(id, title, bars, unit))
            }
        }
    }
}

fn table(id: &str, title: &str, bars: &[Bar], unit: &str) -> Markup {
    html! {
        details class="table-view" {
            summary { "Table view: " (title) }
            div class="table-wrap" {
                table id={(id) "-table"} {
                    thead { tr { th scope="col" { "Group" } th scope="col" { (capitalise(unit)) } } }
                    tbody { @for b in bars { tr { th scope="row" { a href=(b.href) { (b.label) } } td { (b.value) } } } }
                }
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_owned() } else { format!("{}…", s.chars().take(n - 1).collect::<String>()) }
}
