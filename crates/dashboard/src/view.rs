//! The page shell and the small formatting helpers every page shares. Pure.

use gateway_store::browse::{human_duration, timestamp};
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// Scripts and styles only from this server (the two embedded assets); no inline code.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The stylesheet and script, embedded in the binary.
pub(crate) const CSS: &str = include_str!("../assets/app.css");
pub(crate) const JS: &str = include_str!("../assets/app.js");

const NAV: [(&str, &str); 5] = [
    ("/jobs", "Jobs"),
    ("/validations", "Validations"),
    ("/usage", "Usage"),
    ("/tool-calls", "Tool calls"),
    ("/health", "Health"),
];

/// The document around `body`: head (stylesheet, and the script when `live`), `main`.
fn document(title: &str, live: bool, nav: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · llm-cli-gateway" }
                link rel="stylesheet" href="/assets/app.css";
                @if live { script src="/assets/app.js" defer {} }
            }
            body { (nav) main #main { h1 { (title) } (body) } }
        }
    }
}

/// A whole page: skip link, navigation (the current section marked), `main`.
pub(crate) fn page(title: &str, current: &str, body: Markup) -> Markup {
    let nav = html! {
        a.skip href="#main" { "Skip to content" }
        header {
            nav aria-label="Sections" {
                span.brand { "llm-cli-gateway" }
                ul {
                    @for (href, label) in NAV {
                        li {
                            @if href == current {
                                a href=(href) aria-current="page" { (label) }
                            } @else {
                                a href=(href) { (label) }
                            }
                        }
                    }
                }
            }
        }
    };
    document(title, true, nav, body)
}

/// A page without data: refusals and errors.
pub(crate) fn notice(title: &str, text: &str) -> Markup {
    document(title, false, html! {}, html! { p { (text) } })
}

/// A UTC time with a relative hint: `2026-12-02 14:03:11 UTC (5m ago)`.
pub(crate) fn utc(ms: i64, now_ms: i64) -> Markup {
    let iso = format!("{}Z", timestamp(ms).replace(' ', "T"));
    html! {
        time datetime=(iso) { (timestamp(ms)) " UTC" }
        " " small.rel { "(" (ago(now_ms - ms)) ")" }
    }
}

/// `12s ago`, `in 3m` (clock skew between processes), `just now`.
pub(crate) fn ago(delta_ms: i64) -> String {
    match delta_ms {
        -999..1_000 => "just now".to_owned(),
        ..=-1_000 => format!("in {}", coarse(-delta_ms)),
        _ => format!("{} ago", coarse(delta_ms)),
    }
}

fn coarse(ms: i64) -> String {
    match ms {
        ..60_000 => format!("{}s", ms / 1_000),
        60_000..3_600_000 => format!("{}m", ms / 60_000),
        3_600_000..86_400_000 => format!("{}h", ms / 3_600_000),
        _ => format!("{}d", ms / 86_400_000),
    }
}

/// An optional duration, `–` when absent.
pub(crate) fn duration(ms: Option<i64>) -> String {
    ms.map_or_else(|| "–".to_owned(), human_duration)
}

/// An integer with thin thousands separators: `1 234 567`.
pub(crate) fn count(value: impl Into<i64>) -> String {
    let value: i64 = value.into();
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(digit);
    }
    if value < 0 { format!("-{out}") } else { out }
}

/// An optional count, `–` when absent.
pub(crate) fn maybe(value: Option<u64>) -> String {
    value
        .and_then(|value| i64::try_from(value).ok())
        .map_or_else(|| "–".to_owned(), count)
}

/// Money: `$0.0123`, `–` when absent.
pub(crate) fn usd(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("${value:.4}"))
}

/// A job or seat status as a labelled badge (colour is never the only cue: the word is there).
pub(crate) fn status(text: &str) -> Markup {
    html! { span class={ "status s-" (text) } { (text) } }
}

/// The last 8 characters of an id, its whole value in the link's title.
pub(crate) fn short(id: &str) -> &str {
    gateway_store::query::short_id(id)
}

/// Text that is already markup (an SVG chart built by `chart`).
pub(crate) fn raw(svg: String) -> Markup {
    PreEscaped(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_well() {
        for (value, text) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1\u{202f}000"),
            (1_234_567, "1\u{202f}234\u{202f}567"),
            (-12_345, "-12\u{202f}345"),
        ] {
            assert_eq!(count(value), text);
        }
        for (delta, text) in [
            (0, "just now"),
            (5_000, "5s ago"),
            (125_000, "2m ago"),
            (7_200_000, "2h ago"),
            (90_000_000, "1d ago"),
            (-120_000, "in 2m"),
        ] {
            assert_eq!(ago(delta), text);
        }
        assert_eq!(usd(Some(0.01234)), "$0.0123");
        assert_eq!(maybe(None), "–");
    }

    #[test]
    fn times_are_utc_with_a_hint() {
        let markup = utc(1_764_684_000_000, 1_764_684_300_000).into_string();
        assert_eq!(
            markup,
            r#"<time datetime="2025-12-02T14:00:00Z">2025-12-02 14:00:00 UTC</time> <small class="rel">(5m ago)</small>"#
        );
    }
}
