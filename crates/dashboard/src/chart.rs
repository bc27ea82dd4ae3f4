//! Bar charts as inline SVG, drawn on the server: no script, no external image, readable by
//! screen readers (a `<title>` for the chart and one per bar). Colours come from the
//! stylesheet by class (the strict CSP allows no inline `style`). Pure.

use std::fmt::Write;

/// One bar: its label on the axis, its value, and an overlay (e.g. the failures among the
/// requests) drawn over it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) value: f64,
    pub(crate) overlay: f64,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
const AXIS: f64 = 28.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG bar chart; `show` formats a value for the bar titles and the top of the scale.
pub(crate) fn bars(
    title: &str,
    bars: &[Bar],
    overlay_name: &str,
    show: fn(f64) -> String,
) -> String {
    let max = bars.iter().map(|bar| bar.value).fold(0.0_f64, f64::max);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" viewBox="0 0 {WIDTH} {total}" width="100%" aria-label="{title}"><title>{title}</title>"#,
        total = HEIGHT + AXIS,
        title = escape(title),
    );
    if bars.is_empty() || max <= 0.0 {
        let _ = write!(
            svg,
            r#"<text x="8" y="24" fill="currentColor">No data in this window.</text></svg>"#
        );
        return svg;
    }
    let slot = WIDTH / bars.len() as f64;
    let width = (slot * 0.8).clamp(1.0, 48.0);
    let label_every = (bars.len() / 12).max(1);
    for (index, bar) in bars.iter().enumerate() {
        let x = index as f64 * slot + (slot - width) / 2.0;
        let height = bar.value / max * (HEIGHT - 16.0);
        let over = bar.overlay.min(bar.value) / max * (HEIGHT - 16.0);
        let label = escape(&bar.label);
        let _ = write!(
            svg,
            r#"<g><title>{label}: {value}{overlay}</title><rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}" class="bar"/>"#,
            value = show(bar.value),
            overlay = if bar.overlay > 0.0 {
                format!(", {} {overlay_name}", show(bar.overlay))
            } else {
                String::new()
            },
            y = HEIGHT - height,
        );
        if over > 0.0 {
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{over:.1}" class="over"/>"#,
                y = HEIGHT - over
            );
        }
        svg.push_str("</g>");
        // Labelled from the last bar back (today is always named), kept inside the frame.
        if (bars.len() - 1 - index).is_multiple_of(label_every) {
            let _ = write!(
                svg,
                r#"<text x="{cx:.1}" y="{ty}" font-size="11" text-anchor="middle" fill="currentColor">{label}</text>"#,
                cx = (x + width / 2.0).clamp(18.0, WIDTH - 18.0),
                ty = HEIGHT + 18.0,
            );
        }
    }
    let _ = write!(
        svg,
        r#"<text x="{WIDTH}" y="12" font-size="11" text-anchor="end" fill="currentColor">max {}</text></svg>"#,
        escape(&show(max))
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_carry_titles() {
        let data = [
            Bar {
                label: "2026-12-01".into(),
                value: 10.0,
                overlay: 2.0,
            },
            Bar {
                label: "2026-12-02".into(),
                value: 5.0,
                overlay: 0.0,
            },
        ];
        insta::assert_snapshot!(bars("Requests <per day>", &data, "failed", |v| format!(
            "{v}"
        )));
    }

    #[test]
    fn an_empty_window_says_so() {
        let svg = bars("Cost", &[], "", |v| format!("{v}"));
        assert!(svg.contains("No data in this window."), "{svg}");
    }
}
