//! SVG plots for the report, written as text: the latency distribution of each operation
//! (a box with whiskers and every sample, one per northd side by side) and metrics against
//! scale (one line per northd). Axes switch to a log scale when values span two decades.

use std::fmt::Write;

use super::report::quantile;

/// Colours of the runs A and B.
pub const COLORS: [&str; 2] = ["#1f77b4", "#d95f02"];

const FONT: &str = "font-family=\"sans-serif\" font-size=\"11\"";

/// Escapes text for XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

/// A number as a tick or tooltip label: no trailing zeros, at most 3 decimals.
pub fn label(v: f64) -> String {
    if v.is_nan() {
        return "–".into();
    }
    if v.abs() >= 1000.0 || v.fract() == 0.0 {
        return format!("{v:.0}");
    }
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A value axis mapped onto pixels `px0` (at `lo`) .. `px1` (at `hi`).
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    px0: f64,
    px1: f64,
}

fn nice_step(range: f64) -> f64 {
    let raw = range / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    mag * if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    }
}

impl Axis {
    /// Fits `values` (NaNs ignored). Linear axes start at 0; a log axis is used when
    /// `allow_log` and the positive values span more than a factor of 50.
    pub fn fit(values: &[f64], px0: f64, px1: f64, allow_log: bool) -> Axis {
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let max = v.iter().copied().fold(0.0, f64::max);
        let pmin = v
            .iter()
            .copied()
            .filter(|&x| x > 0.0)
            .fold(f64::INFINITY, f64::min);
        if allow_log && pmin.is_finite() && max / pmin > 50.0 {
            return Axis {
                lo: 10f64.powf(pmin.log10().floor()),
                hi: 10f64.powf(max.log10().ceil()),
                log: true,
                px0,
                px1,
            };
        }
        let hi = if max > 0.0 {
            let step = nice_step(max);
            (max / step).ceil() * step
        } else {
            1.0
        };
        Axis {
            lo: 0.0,
            hi,
            log: false,
            px0,
            px1,
        }
    }

    /// Pixel of `v` (values below a log axis sit on its bottom).
    pub fn map(&self, v: f64) -> f64 {
        let f = if self.log {
            let v = v.max(self.lo);
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        self.px0 + f * (self.px1 - self.px0)
    }

    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let (a, b) = (
                self.lo.log10().round() as i32,
                self.hi.log10().round() as i32,
            );
            let mut t = Vec::new();
            for e in a..=b {
                let p = 10f64.powi(e);
                t.push(p);
                if b - a <= 2 && e < b {
                    t.push(2.0 * p);
                    t.push(5.0 * p);
                }
            }
            t
        } else {
            let step = nice_step(self.hi - self.lo);
            let n = ((self.hi - self.lo) / step).round() as usize;
            (0..=n).map(|i| self.lo + i as f64 * step).collect()
        }
    }
}

fn header(s: &mut String, w: f64, h: f64, title: &str) {
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" \
         viewBox=\"0 0 {w:.0} {h:.0}\" {FONT}>"
    );
    let _ = writeln!(s, "<title>{}</title>", esc(title));
    let _ = writeln!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{w:.0}\" height=\"{h:.0}\" fill=\"white\"/>"
    );
}

/// The legend: a coloured square and the run's name per run, from (`x`, `y`).
fn legend(s: &mut String, x: f64, y: f64, names: &[String]) {
    for (i, n) in names.iter().enumerate() {
        let yy = y + i as f64 * 15.0;
        let _ = writeln!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            yy - 9.0,
            COLORS[i % COLORS.len()],
            x + 14.0,
            yy,
            esc(n)
        );
    }
}

/// The value axis on the left of a plot area: ticks, grid lines and the axis title.
fn y_axis(s: &mut String, ax: &Axis, x0: f64, x1: f64, name: &str) {
    for t in ax.ticks() {
        let y = ax.map(t);
        let _ = writeln!(
            s,
            "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 4.0,
            y + 4.0,
            label(t)
        );
    }
    let (ya, yb) = (ax.map(ax.lo), ax.map(ax.hi));
    let _ = writeln!(
        s,
        "<line x1=\"{x0:.1}\" y1=\"{ya:.1}\" x2=\"{x0:.1}\" y2=\"{yb:.1}\" stroke=\"#333\"/>"
    );
    let mid = (ya + yb) / 2.0;
    let _ = writeln!(
        s,
        "<text transform=\"translate({:.1},{mid:.1}) rotate(-90)\" text-anchor=\"middle\">{}{}</text>",
        x0 - 44.0,
        esc(name),
        if ax.log { " (log scale)" } else { "" }
    );
}

/// One operation's samples per run.
pub struct Group {
    pub label: String,
    pub runs: Vec<Vec<f64>>,
}

/// Latency distribution per operation: for each group a box (quartiles by nearest rank),
/// a median bar, whiskers to min and max and every sample as a dot, one per run side by side.
pub fn distribution(title: &str, unit: &str, names: &[String], groups: &[Group]) -> String {
    let nruns = names.len().max(1);
    let gw = 30.0 * nruns as f64 + 22.0;
    let (left, top, ph) = (70.0, 30.0 + 15.0 * nruns as f64, 260.0);
    let w = left + gw * groups.len() as f64 + 20.0;
    let h = top + ph + 85.0;
    let all: Vec<f64> = groups
        .iter()
        .flat_map(|g| g.runs.iter().flatten().copied())
        .collect();
    let ax = Axis::fit(&all, top + ph, top, true);
    let mut s = String::new();
    header(&mut s, w, h, title);
    let _ = writeln!(
        s,
        "<text x=\"{left:.0}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        esc(title)
    );
    legend(&mut s, left + 10.0, 34.0, names);
    y_axis(&mut s, &ax, left, w - 20.0, unit);
    let base = ax.map(ax.lo);
    let _ = writeln!(
        s,
        "<line x1=\"{left:.1}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\" stroke=\"#333\"/>",
        w - 20.0
    );
    for (gi, g) in groups.iter().enumerate() {
        let gx = left + gi as f64 * gw + 11.0;
        for (ri, samples) in g.runs.iter().enumerate() {
            let cx = gx + 15.0 + ri as f64 * 30.0;
            box_and_dots(
                &mut s,
                &ax,
                cx,
                samples,
                ri,
                &g.label,
                &names[ri.min(names.len() - 1)],
                unit,
            );
        }
        let lx = gx + gw / 2.0 - 11.0;
        let _ = writeln!(
            s,
            "<text transform=\"translate({lx:.1},{:.1}) rotate(-35)\" text-anchor=\"end\">{}</text>",
            base + 14.0,
            esc(&g.label)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[allow(clippy::too_many_arguments)]
fn box_and_dots(
    s: &mut String,
    ax: &Axis,
    cx: f64,
    samples: &[f64],
    run: usize,
    op: &str,
    name: &str,
    unit: &str,
) {
    let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return;
    }
    v.sort_by(f64::total_cmp);
    let color = COLORS[run % COLORS.len()];
    let (q1, med, q3) = (quantile(&v, 0.25), quantile(&v, 0.5), quantile(&v, 0.75));
    let (lo, hi) = (v[0], v[v.len() - 1]);
    let bw = 20.0;
    let _ = writeln!(
        s,
        "<g><title>{} {}: n={} min {} p25 {} p50 {} p75 {} max {} {}</title>",
        esc(name),
        esc(op),
        v.len(),
        label(lo),
        label(q1),
        label(med),
        label(q3),
        label(hi),
        esc(unit)
    );
    let _ = writeln!(
        s,
        "<line x1=\"{cx:.1}\" y1=\"{:.1}\" x2=\"{cx:.1}\" y2=\"{:.1}\" stroke=\"{color}\"/>",
        ax.map(lo),
        ax.map(hi)
    );
    let (yq3, yq1) = (ax.map(q3), ax.map(q1));
    let _ = writeln!(
        s,
        "<rect x=\"{:.1}\" y=\"{yq3:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{color}\" \
         fill-opacity=\"0.2\" stroke=\"{color}\"/>",
        cx - bw / 2.0,
        (yq1 - yq3).max(0.5)
    );
    let ym = ax.map(med);
    let _ = writeln!(
        s,
        "<line x1=\"{:.1}\" y1=\"{ym:.1}\" x2=\"{:.1}\" y2=\"{ym:.1}\" stroke=\"{color}\" \
         stroke-width=\"2.5\"/>",
        cx - bw / 2.0,
        cx + bw / 2.0
    );
    for (i, x) in samples.iter().enumerate().filter(|(_, x)| x.is_finite()) {
        let jitter = ((i * 7) % 11) as f64 - 5.0;
        let _ = writeln!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\" fill=\"{color}\" fill-opacity=\"0.6\"/>",
            cx + jitter * 1.4,
            ax.map(*x)
        );
    }
    s.push_str("</g>\n");
}

/// One run's line on a scaling panel: (x, y) points.
pub struct Line {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A panel of `lines` against a shared x axis.
pub struct Panel {
    pub title: String,
    pub y_name: String,
    pub lines: Vec<Line>,
}

/// Metrics against scale: panels side by side, one line (with markers) per run.
pub fn scaling(title: &str, x_name: &str, panels: &[Panel]) -> String {
    let names: Vec<String> = panels
        .first()
        .map(|p| p.lines.iter().map(|l| l.name.clone()).collect())
        .unwrap_or_default();
    let (pw, ph, left, gap) = (360.0, 240.0, 70.0, 80.0);
    let top = 60.0 + 15.0 * names.len() as f64;
    let w = left + panels.len() as f64 * (pw + gap);
    let h = top + ph + 60.0;
    let mut s = String::new();
    header(&mut s, w, h, title);
    let _ = writeln!(
        s,
        "<text x=\"{left:.0}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        esc(title)
    );
    legend(&mut s, left + 10.0, 34.0, &names);
    for (pi, p) in panels.iter().enumerate() {
        let x0 = left + pi as f64 * (pw + gap);
        let x1 = x0 + pw;
        let xs: Vec<f64> = p
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|q| q.0))
            .collect();
        let ys: Vec<f64> = p
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|q| q.1))
            .collect();
        let ax = Axis::fit(&xs, x0, x1, true);
        let ay = Axis::fit(&ys, top + ph, top, true);
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
            (x0 + x1) / 2.0,
            top - 6.0,
            esc(&p.title)
        );
        y_axis(&mut s, &ay, x0, x1, &p.y_name);
        let yb = top + ph;
        let _ = writeln!(
            s,
            "<line x1=\"{x0:.1}\" y1=\"{yb:.1}\" x2=\"{x1:.1}\" y2=\"{yb:.1}\" stroke=\"#333\"/>"
        );
        for t in ax.ticks() {
            let x = ax.map(t);
            let _ = writeln!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{yb:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#333\"/>\
                 <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                yb + 4.0,
                yb + 16.0,
                label(t)
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}{}</text>",
            (x0 + x1) / 2.0,
            yb + 34.0,
            esc(x_name),
            if ax.log { " (log scale)" } else { "" }
        );
        for (li, l) in p.lines.iter().enumerate() {
            let color = COLORS[li % COLORS.len()];
            let pts: Vec<(f64, f64)> = l
                .points
                .iter()
                .filter(|q| q.0.is_finite() && q.1.is_finite())
                .map(|&(x, y)| (ax.map(x), ay.map(y)))
                .collect();
            if pts.len() > 1 {
                let d: Vec<String> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let _ = writeln!(
                    s,
                    "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>",
                    d.join(" ")
                );
            }
            for (&(x, y), &(px, py)) in l
                .points
                .iter()
                .filter(|q| q.0.is_finite() && q.1.is_finite())
                .zip(&pts)
            {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3.5\" fill=\"{color}\">\
                     <title>{}: {} at {}</title></circle>",
                    esc(&l.name),
                    label(y),
                    label(x)
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Start and end tags balance (self-closing tags aside) and the root is <svg>.
    fn balanced(svg: &str) -> bool {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(i) = rest.find('<') {
            let j = rest[i..].find('>').unwrap() + i;
            let tag = &rest[i + 1..j];
            if let Some(name) = tag.strip_prefix('/') {
                if stack.pop().as_deref() != Some(name) {
                    return false;
                }
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap().to_string());
            }
            rest = &rest[j + 1..];
        }
        stack.is_empty() && svg.starts_with("<svg ")
    }

    #[test]
    fn axes() {
        let a = Axis::fit(&[0.0, 3.0, 17.0], 100.0, 0.0, true);
        assert_eq!((a.lo, a.hi, a.log), (0.0, 20.0, false));
        assert_eq!(a.ticks(), [0.0, 5.0, 10.0, 15.0, 20.0]);
        assert_eq!(a.map(10.0), 50.0);
        let l = Axis::fit(&[2.0, 900.0], 0.0, 300.0, true);
        assert_eq!((l.lo, l.hi, l.log), (1.0, 1000.0, true));
        assert_eq!(l.ticks(), [1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(l.map(10.0), 100.0);
        assert_eq!(label(0.25), "0.25");
        assert_eq!(label(12.0), "12");
    }

    #[test]
    fn plots_are_well_formed() {
        let names = vec!["a <x> & 'y'".to_string(), "b".to_string()];
        let g = vec![
            Group {
                label: "lsp-add".into(),
                runs: vec![vec![1.0, 2.0, 3.0], vec![10.0, f64::NAN]],
            },
            Group {
                label: "sync".into(),
                runs: vec![vec![], vec![0.0]],
            },
        ];
        let d = distribution("latency", "ms", &names, &g);
        assert!(balanced(&d), "{d}");
        assert!(d.contains("a &lt;x&gt; &amp; &apos;y&apos;"));
        let p = scaling(
            "scale",
            "VIF ports",
            &[Panel {
                title: "lsp-add p50".into(),
                y_name: "ms".into(),
                lines: vec![
                    Line {
                        name: "a".into(),
                        points: vec![(100.0, 3.0), (5000.0, 500.0)],
                    },
                    Line {
                        name: "b".into(),
                        points: vec![(100.0, 4.0), (5000.0, f64::NAN)],
                    },
                ],
            }],
        );
        assert!(balanced(&p), "{p}");
        assert!(p.contains("<polyline"));
    }
}
