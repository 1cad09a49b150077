//! What the northd writes to the SB, from the SB's standalone database file: ovsdb-server
//! appends one record per committed transaction (`OVSDB JSON <length> <sha1>\n<json>\n`, the
//! length counting the JSON and its newline; the JSON a `{table: {uuid: row-or-null}}` diff).
//! Only the northd writes this SB.
//!
//! ovsdb-server may answer a commit before the record reaches the file (it is buffered), so
//! a reader that stops when `sb_cfg` catches up can see half a record. [`SbLog`] therefore
//! keeps its position on a record boundary and, after an operation, waits for the record that
//! carries the operation's `nb_cfg` into SB_Global (the northd's last write for it).

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// SB transactions committed over some span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Writes {
    pub txns: u64,
    /// Rows inserted, updated or deleted, summed over the transactions.
    pub rows: u64,
    /// Bytes of the records (header and JSON).
    pub bytes: u64,
}

impl Writes {
    fn add(&mut self, o: &Writes) {
        self.txns += o.txns;
        self.rows += o.rows;
        self.bytes += o.bytes;
    }
}

/// What a scan of complete records found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    pub writes: Writes,
    /// Bytes of the complete records (where the next record starts).
    pub consumed: usize,
    /// The highest `nb_cfg` any record wrote.
    pub nb_cfg: Option<i64>,
}

pub struct SbLog {
    path: PathBuf,
    ino: u64,
    /// The end of the last complete record read.
    pos: u64,
}

impl SbLog {
    /// Opens the log positioned after its complete records.
    pub fn open(path: PathBuf) -> SbLog {
        let mut l = SbLog {
            path,
            ino: 0,
            pos: 0,
        };
        l.skip();
        l
    }

    /// Reads the complete records after the position and moves past them; `None` when the
    /// file was compacted (it is then followed from its new end).
    fn advance(&mut self) -> Option<Scan> {
        let mut f = std::fs::File::open(&self.path).ok()?;
        let meta = f.metadata().ok()?;
        if meta.ino() != self.ino || meta.len() < self.pos {
            let first = self.ino == 0;
            self.ino = meta.ino();
            self.pos = 0;
            if !first {
                let s = self.read(&mut f, meta.len())?;
                self.pos = s.consumed as u64;
                return None;
            }
        }
        let s = self.read(&mut f, meta.len())?;
        self.pos += s.consumed as u64;
        Some(s)
    }

    fn read(&self, f: &mut std::fs::File, len: u64) -> Option<Scan> {
        f.seek(SeekFrom::Start(self.pos)).ok()?;
        let mut buf = Vec::with_capacity(len.saturating_sub(self.pos) as usize);
        f.read_to_end(&mut buf).ok()?;
        Some(scan(&buf))
    }

    /// Passes over whatever was committed since the last call (it belongs to no operation
    /// about to be measured).
    pub fn skip(&mut self) {
        let _ = self.advance();
    }

    /// The transactions committed since the last call. With `nb_cfg`, waits up to `timeout`
    /// for the record writing it (or a later one). `None` if the file was compacted.
    pub fn take(&mut self, nb_cfg: Option<i64>, timeout: Duration) -> Option<Writes> {
        let t = Instant::now();
        let mut total = Writes::default();
        loop {
            let s = self.advance()?;
            total.add(&s.writes);
            let reached = match (nb_cfg, s.nb_cfg) {
                (None, _) => true,
                (Some(want), Some(got)) => got >= want,
                (Some(_), None) => false,
            };
            if reached || t.elapsed() > timeout {
                return Some(total);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Scans the complete records in `buf` (a trailing partial record is left).
pub fn scan(buf: &[u8]) -> Scan {
    let mut s = Scan::default();
    let mut rest = buf;
    while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
        let header = String::from_utf8_lossy(&rest[..nl]);
        let mut f = header.split(' ');
        let len = match (f.next(), f.next(), f.next()) {
            (Some("OVSDB"), Some("JSON"), Some(n)) => n.parse::<usize>().ok(),
            _ => None,
        };
        let Some(len) = len else { break };
        // The length counts the JSON and the newline that ends the record.
        let body = nl + 1;
        let end = body + len;
        if rest.len() < end {
            break;
        }
        let json = &rest[body..end];
        s.writes.txns += 1;
        s.writes.bytes += end as u64;
        s.writes.rows += count_rows(json);
        if let Some(c) = max_nb_cfg(json) {
            s.nb_cfg = Some(s.nb_cfg.map_or(c, |o| o.max(c)));
        }
        s.consumed += end;
        rest = &rest[end..];
    }
    s
}

/// The highest `"nb_cfg":N` in a record (only SB_Global's is written in a northd's SB).
fn max_nb_cfg(json: &[u8]) -> Option<i64> {
    const KEY: &[u8] = b"\"nb_cfg\":";
    let mut best = None;
    let mut i = 0;
    while let Some(p) = json[i..].windows(KEY.len()).position(|w| w == KEY) {
        let start = i + p + KEY.len();
        let digits: String = json[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .map(|&b| b as char)
            .collect();
        if let Ok(v) = digits.parse::<i64>() {
            best = Some(best.map_or(v, |b: i64| b.max(v)));
        }
        i = start;
    }
    best
}

/// Rows in one record's JSON, `{"Table": {"uuid": row-or-null, ...}, "_date": ..., ...}`:
/// the keys of the objects under the top-level keys that do not start with `_`. A scan, not
/// a parse, since a cold-convergence record can be a hundred megabytes.
pub fn count_rows(json: &[u8]) -> u64 {
    let mut rows = 0;
    // Per open container: is it an object?
    let mut stack: Vec<bool> = Vec::new();
    let (mut in_str, mut escape, mut expect_key, mut skip_table) = (false, false, false, false);
    for (i, &b) in json.iter().enumerate() {
        if in_str {
            if escape {
                escape = false;
            } else if b == b'\\' {
                escape = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                if expect_key {
                    match stack.len() {
                        1 => skip_table = json.get(i + 1) == Some(&b'_'),
                        2 if !skip_table => rows += 1,
                        _ => {}
                    }
                    expect_key = false;
                }
            }
            b'{' => {
                stack.push(true);
                expect_key = true;
            }
            b'[' => {
                stack.push(false);
                expect_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b',' => expect_key = stack.last() == Some(&true),
            _ => {}
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> String {
        format!("OVSDB JSON {} 0000\n{json}\n", json.len() + 1)
    }

    #[test]
    fn counts_records_rows_and_bytes() {
        let a = record(
            r#"{"_date":1,"Logical_Flow":{"u1":{"priority":1},"u2":null},"SB_Global":{"g":{"nb_cfg":2}},"_is_diff":true}"#,
        );
        let b = record(r#"{"_date":2,"SB_Global":{"g":{"nb_cfg":3}}}"#);
        let text = format!("{a}{b}OVSDB JSON 99 partial\n{{\"x\"");
        let s = scan(text.as_bytes());
        assert_eq!(
            s.writes,
            Writes {
                txns: 2,
                rows: 4,
                bytes: (a.len() + b.len()) as u64
            }
        );
        assert_eq!(s.consumed, a.len() + b.len());
        assert_eq!(s.nb_cfg, Some(3));
        assert_eq!(scan(b"garbage\n"), Scan::default());
        // A record whose last byte is not written yet is not complete.
        assert_eq!(scan(&a.as_bytes()[..a.len() - 1]).writes.txns, 0);
        // Keys inside rows, strings with braces and escapes, and `_` keys do not count.
        let tricky = r#"{"_comment":"a {\"b\": 1}","T":{"u1":{"m":["map",[["k","v}"]]],"x":{"y":1}},"u2":null},"_is_diff":true,"U":{"u3":{}}}"#;
        assert_eq!(count_rows(tricky.as_bytes()), 3);
    }

    #[test]
    fn follows_records_across_partial_writes_and_compaction() {
        let dir = std::env::temp_dir().join(format!("ovn-dd-sblog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("sb.db");
        std::fs::write(&p, record("{}")).unwrap();
        let mut log = SbLog::open(p.clone());
        let append = |s: &str| {
            let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
            std::io::Write::write_all(&mut f, s.as_bytes()).unwrap();
        };
        // Half a record: nothing yet, and the position stays on the boundary.
        let r = record(r#"{"T":{"u":{}},"SB_Global":{"g":{"nb_cfg":7}}}"#);
        append(&r[..10]);
        assert_eq!(log.take(None, Duration::ZERO).unwrap().txns, 0);
        // Waiting for nb_cfg 7 gives up after the timeout with what there is...
        assert_eq!(log.take(Some(7), Duration::from_millis(5)).unwrap().txns, 0);
        // ... and finds the record once it is whole.
        append(&r[10..]);
        let w = log.take(Some(7), Duration::from_secs(5)).unwrap();
        assert_eq!((w.txns, w.rows), (1, 2));
        // A rewritten (compacted) file: no count, then followed from its end.
        std::fs::remove_file(&p).unwrap();
        std::fs::write(&p, record(r#"{"T":{"a":{},"b":{}}}"#)).unwrap();
        assert!(log.take(None, Duration::ZERO).is_none());
        append(&record(r#"{"T":{"c":{}}}"#));
        assert_eq!(log.take(None, Duration::ZERO).unwrap().rows, 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
