//! The time axis: the window of time shown, and the ticks along it. Shared by the
//! console's timeline and the report's picture, so both label time alike.

use super::Timeline;

/// The time window shown, in ms since the epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    /// Left edge.
    pub from: f64,
    /// Right edge.
    pub to: f64,
}

impl Viewport {
    /// The whole timeline with a margin.
    pub fn fit(timeline: &Timeline) -> Viewport {
        let (a, b) = timeline.span().unwrap_or((0, 1000));
        let (a, b) = (a as f64, b as f64);
        let pad = ((b - a) * 0.04).max(1000.0);
        Viewport {
            from: a - pad,
            to: b + pad,
        }
    }

    /// Its width in ms (at least 1).
    pub fn span(self) -> f64 {
        (self.to - self.from).max(1.0)
    }

    /// Zoomed by `factor` (< 1 zooms in) around `at` (ms), no narrower than 50 ms.
    pub fn zoom(self, factor: f64, at: f64) -> Viewport {
        let span = (self.span() * factor).clamp(50.0, 1e13);
        let left = (at - self.from) / self.span();
        Viewport {
            from: at - span * left,
            to: at - span * left + span,
        }
    }

    /// Moved by `fraction` of its width.
    pub fn pan(self, fraction: f64) -> Viewport {
        let d = self.span() * fraction;
        Viewport {
            from: self.from + d,
            to: self.to + d,
        }
    }
}

/// `HH:MM:SS` (UTC) of a time in ms, with ms when `fine`.
pub fn clock(ms: f64, fine: bool) -> String {
    let ms = ms.round() as i64;
    let secs = ms.div_euclid(1000);
    let (h, m, s) = (
        secs.div_euclid(3600) % 24,
        secs.div_euclid(60) % 60,
        secs % 60,
    );
    if fine {
        format!("{h:02}:{m:02}:{s:02}.{:03}", ms.rem_euclid(1000))
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// Tick step for a window of `span` ms across about `px` pixels.
pub fn tick_step(span: f64, px: f64) -> f64 {
    const STEPS: [f64; 25] = [
        10.0, 50.0, 100.0, 250.0, 500.0, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5,
        18e5, 36e5, 108e5, 216e5, 432e5, 864e5, 1728e5, 6048e5, 2592e6,
    ];
    let want = span / (px / 110.0).max(1.0);
    STEPS.iter().copied().find(|s| *s >= want).unwrap_or(2592e6)
}

/// A tick's label: the time of day while the window lies within one UTC day; the
/// date and time when it spans days; the date alone for steps of a day or more.
pub fn tick_label(at: f64, step: f64, v: Viewport) -> String {
    let day = |ms: f64| (ms / 864e5).floor() as i64;
    let date = |ms: f64, format: &str| {
        chrono::DateTime::from_timestamp_millis(ms.round() as i64)
            .map_or_else(|| clock(ms, false), |t| t.format(format).to_string())
    };
    if step >= 864e5 {
        date(at, "%Y-%m-%d")
    } else if day(v.from) != day(v.to) {
        date(at, "%m-%d %H:%M")
    } else {
        clock(at, step < 1000.0)
    }
}
