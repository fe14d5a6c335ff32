//! A progress bar on the terminal, for work large enough to wait for.

use std::io::IsTerminal as _;
use std::sync::OnceLock;

use indicatif::{ProgressBar, ProgressStyle};

/// Work below this many items finishes before a bar would be worth drawing.
const WORTH_A_BAR: usize = 5_000;

/// A bar drawn on stderr once the total is known to be large, and only when stderr
/// is a terminal (never in pipes, logs or `--json` consumers).
pub struct Progress {
    label: &'static str,
    bar: OnceLock<Option<ProgressBar>>,
}

impl Progress {
    pub fn new(label: &'static str) -> Self {
        Progress {
            label,
            bar: OnceLock::new(),
        }
    }

    /// `done` of `total` items are finished.
    pub fn update(&self, done: usize, total: usize) {
        let bar = self.bar.get_or_init(|| {
            (total >= WORTH_A_BAR && std::io::stderr().is_terminal()).then(|| {
                let bar = ProgressBar::new(total as u64);
                let style = ProgressStyle::with_template(
                    "{msg:>10} [{bar:40}] {pos}/{len} events ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_message(self.label);
                bar
            })
        });
        if let Some(bar) = bar {
            bar.set_position(done as u64);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(Some(bar)) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}
