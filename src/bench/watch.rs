//! An independent clock on NB commit → `sb_cfg`: `ovsdb-client monitor --timestamp` on the
//! NB's `NB_Global` records when each `nb_cfg` value was committed and when `sb_cfg` caught
//! up, so the `--print-wait-time` figures can be cross-checked.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Events {
    /// (ms of day, nb_cfg) and (ms of day, sb_cfg), in arrival order.
    nb: Vec<(f64, i64)>,
    sb: Vec<(f64, i64)>,
}

pub struct Watch {
    child: Child,
    events: Arc<Mutex<Events>>,
}

/// "2026-11-25 14:52:36.906" → milliseconds since midnight.
pub fn ms_of_day(line: &str) -> Option<f64> {
    let t = line.split_whitespace().nth(1)?;
    let mut f = t.split(':');
    let h: f64 = f.next()?.parse().ok()?;
    let m: f64 = f.next()?.parse().ok()?;
    let s: f64 = f.next()?.parse().ok()?;
    Some(((h * 60.0 + m) * 60.0 + s) * 1e3)
}

/// Parses `ovsdb-client monitor --timestamp --format=csv` output into `ev`.
fn parse(lines: impl Iterator<Item = String>, ev: &Mutex<Events>) {
    let mut now = 0.0;
    let (mut nb_col, mut sb_col) = (None, None);
    for line in lines {
        if let Some(t) = ms_of_day(&line).filter(|_| {
            line.as_bytes().first().is_some_and(u8::is_ascii_digit) && !line.contains(',')
        }) {
            now = t;
        } else if line.starts_with("row,") {
            let cols: Vec<&str> = line.split(',').collect();
            nb_col = cols.iter().position(|c| *c == "nb_cfg");
            sb_col = cols.iter().position(|c| *c == "sb_cfg");
        } else {
            let f: Vec<&str> = line.split(',').collect();
            if f.get(1).is_some_and(|a| *a == "new" || *a == "initial") {
                let mut e = ev.lock().unwrap();
                if let Some(v) = nb_col.and_then(|i| f.get(i)?.parse().ok()) {
                    e.nb.push((now, v));
                }
                if let Some(v) = sb_col.and_then(|i| f.get(i)?.parse().ok()) {
                    e.sb.push((now, v));
                }
            }
        }
    }
}

fn first_reaching(v: &[(f64, i64)], cfg: i64) -> Option<f64> {
    v.iter().find(|(_, c)| *c >= cfg).map(|(t, _)| *t)
}

impl Watch {
    pub fn start(nb_sock: &str) -> Result<Watch, String> {
        let mut child = Command::new("ovsdb-client")
            .args([
                "monitor",
                "--timestamp",
                "--format=csv",
                nb_sock,
                "OVN_Northbound",
                "NB_Global",
                "nb_cfg",
                "sb_cfg",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start ovsdb-client monitor: {e}"))?;
        let out = child.stdout.take().unwrap();
        let events = Arc::new(Mutex::new(Events::default()));
        let ev = events.clone();
        std::thread::spawn(move || {
            parse(BufReader::new(out).lines().map_while(Result::ok), &ev);
        });
        Ok(Watch { child, events })
    }

    /// Milliseconds from the commit of `nb_cfg` = `cfg` to `sb_cfg` reaching it, waiting up
    /// to a second for the monitor to report both.
    pub fn latency_ms(&self, cfg: i64) -> Option<f64> {
        let t = Instant::now();
        loop {
            {
                let e = self.events.lock().unwrap();
                if let (Some(a), Some(b)) = (first_reaching(&e.nb, cfg), first_reaching(&e.sb, cfg))
                {
                    let d = b - a;
                    return Some(if d < 0.0 { d + 86_400_000.0 } else { d });
                }
            }
            if t.elapsed() > Duration::from_secs(1) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_monitor_output() {
        let text = "2026-11-25 14:52:36.396\nrow,action,nb_cfg,sb_cfg\nab,initial,0,0\n\n\
                    2026-11-25 14:52:36.906\nrow,action,nb_cfg,sb_cfg\nab,old,1,\n,new,2,1\n\n\
                    2026-11-25 14:52:36.911\nrow,action,nb_cfg,sb_cfg\nab,old,,1\n,new,2,2\n";
        let ev = Mutex::new(Events::default());
        parse(text.lines().map(String::from), &ev);
        let e = ev.lock().unwrap();
        let (a, b) = (
            first_reaching(&e.nb, 2).unwrap(),
            first_reaching(&e.sb, 2).unwrap(),
        );
        assert!((b - a - 5.0).abs() < 1e-6, "{a} {b}");
    }
}
