//! Terminal progress for long phases: a bar redrawn in place on stderr when stderr is a
//! terminal, plain log lines otherwise (so logs and CI output stay readable).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

const SPINNER: [char; 4] = ['|', '/', '-', '\\'];

pub struct Bar {
    tty: bool,
    label: String,
    /// 0: unknown (a spinner with the elapsed time).
    total: usize,
    done: usize,
    note: String,
    start: Instant,
    last_draw: Option<Instant>,
    spins: usize,
}

/// Terminal width from TIOCGWINSZ on stderr, 100 when unknown.
fn width() -> usize {
    // SAFETY: TIOCGWINSZ fills a winsize; we pass a valid pointer to one.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(2, libc::TIOCGWINSZ, &mut ws) } == 0;
    if ok && ws.ws_col > 20 {
        ws.ws_col as usize
    } else {
        100
    }
}

/// One bar line: label, bar or spinner, count, elapsed, note; cut to `cols` characters.
pub fn render(
    label: &str,
    done: usize,
    total: usize,
    elapsed: Duration,
    spin: usize,
    note: &str,
    cols: usize,
) -> String {
    let secs = elapsed.as_secs_f64();
    const W: usize = 24;
    let mut s = match (done.min(total) * W).checked_div(total) {
        None => format!("{label} {} {secs:.1}s", SPINNER[spin % SPINNER.len()]),
        Some(filled) => format!(
            "{label} [{}{}] {done}/{total} {secs:.1}s",
            "#".repeat(filled),
            "-".repeat(W - filled)
        ),
    };
    if !note.is_empty() {
        s.push(' ');
        s.push_str(note);
    }
    s.chars().take(cols.saturating_sub(1)).collect()
}

impl Bar {
    /// A bar of `total` steps (0 for a wait of unknown length).
    pub fn new(label: impl Into<String>, total: usize) -> Bar {
        Bar::with_tty(label, total, std::io::stderr().is_terminal())
    }

    pub fn with_tty(label: impl Into<String>, total: usize, tty: bool) -> Bar {
        let mut b = Bar {
            tty,
            label: label.into(),
            total,
            done: 0,
            note: String::new(),
            start: Instant::now(),
            last_draw: None,
            spins: 0,
        };
        b.draw(true);
        b
    }

    fn draw(&mut self, force: bool) {
        if !self.tty {
            return;
        }
        let now = Instant::now();
        if !force
            && self
                .last_draw
                .is_some_and(|t| now - t < Duration::from_millis(80))
        {
            return;
        }
        self.last_draw = Some(now);
        self.spins += 1;
        let line = render(
            &self.label,
            self.done,
            self.total,
            self.start.elapsed(),
            self.spins,
            &self.note,
            width(),
        );
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[2K{line}");
        let _ = e.flush();
    }

    fn clear(&self) {
        if self.tty {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[2K");
            let _ = e.flush();
        }
    }

    /// One step done; `note` says what is next or what just finished.
    pub fn inc(&mut self, note: &str) {
        self.done += 1;
        self.note = note.to_string();
        self.draw(false);
    }

    /// Redraws (for waits: the spinner and elapsed time move).
    pub fn tick(&mut self) {
        self.draw(false);
    }

    pub fn set_note(&mut self, note: &str) {
        self.note = note.to_string();
        self.draw(false);
    }

    /// A line that is always printed (above the bar on a terminal).
    pub fn log(&mut self, line: &str) {
        self.clear();
        eprintln!("{line}");
        self.draw(true);
    }

    /// A line printed only without a terminal, where it stands in for the bar.
    pub fn detail(&mut self, line: &str) {
        if !self.tty {
            eprintln!("{line}");
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_bar_and_spinner() {
        let d = Duration::from_millis(1500);
        assert_eq!(
            render("[A] load", 1, 4, d, 0, "txn 2", 200),
            "[A] load [######------------------] 1/4 1.5s txn 2"
        );
        assert_eq!(render("cold", 0, 0, d, 1, "", 200), "cold / 1.5s");
        assert_eq!(render("cold", 0, 0, d, 1, "", 5).chars().count(), 4);
    }
}
