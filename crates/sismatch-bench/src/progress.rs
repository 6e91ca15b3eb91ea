//! Progress of a long step: a bar on a terminal, a plain line every few seconds otherwise (a
//! log file or CI must not fill with carriage returns).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often a plain progress line is printed when standard error is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(2);

/// Progress of one step, shared by the tasks that advance it.
pub struct Progress {
    label: String,
    total: u64,
    done: AtomicU64,
    bar: Option<ProgressBar>,
    last_line: Mutex<Instant>,
    quiet: bool,
}

impl Progress {
    /// Progress of `label` over `total` items, on standard error.
    pub fn new(label: &str, total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{msg:12} {bar:40} {pos}/{len} ({elapsed}, eta {eta})")
            {
                bar.set_style(style);
            }
            bar.set_message(label.to_string());
            bar
        });
        Progress {
            label: label.to_string(),
            total,
            done: AtomicU64::new(0),
            bar,
            last_line: Mutex::new(Instant::now()),
            quiet: false,
        }
    }

    /// Progress that shows nothing: for tests and library callers without a terminal.
    pub fn hidden() -> Progress {
        Progress {
            label: String::new(),
            total: 0,
            done: AtomicU64::new(0),
            bar: None,
            last_line: Mutex::new(Instant::now()),
            quiet: true,
        }
    }

    /// `n` more items done.
    pub fn inc(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if self.quiet {
            return;
        }
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            return;
        }
        let Ok(mut last) = self.last_line.lock() else {
            return;
        };
        if last.elapsed() >= LINE_EVERY {
            eprintln!("{}: {done}/{}", self.label, self.total);
            *last = Instant::now();
        }
    }

    /// The step is over: the bar is cleared.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
