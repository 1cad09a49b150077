//! What the northd writes to the SB, from the SB's standalone database file: ovsdb-server
//! appends one record per committed transaction (`OVSDB JSON <length> <sha1>\n<json>\n`, the
//! JSON a `{table: {uuid: row-or-null}}` diff), so the records appended between two marks are
//! the transactions committed in between. Only the northd writes this SB.

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

/// A position in the file; a compaction (new inode or a shorter file) invalidates it.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    ino: u64,
    len: u64,
}

/// SB transactions committed between two marks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Writes {
    pub txns: u64,
    /// Rows inserted, updated or deleted, summed over the transactions.
    pub rows: u64,
    /// Bytes of the records (header and JSON).
    pub bytes: u64,
}

pub struct SbLog {
    path: PathBuf,
}

impl SbLog {
    pub fn new(path: PathBuf) -> SbLog {
        SbLog { path }
    }

    pub fn mark(&self) -> Option<Mark> {
        let m = std::fs::metadata(&self.path).ok()?;
        Some(Mark {
            ino: m.ino(),
            len: m.len(),
        })
    }

    /// The transactions appended since `m`; `None` if the file was compacted meanwhile.
    pub fn since(&self, m: Mark) -> Option<Writes> {
        let mut f = std::fs::File::open(&self.path).ok()?;
        let meta = f.metadata().ok()?;
        if meta.ino() != m.ino || meta.len() < m.len {
            return None;
        }
        f.seek(SeekFrom::Start(m.len)).ok()?;
        let mut buf = Vec::with_capacity((meta.len() - m.len) as usize);
        f.read_to_end(&mut buf).ok()?;
        Some(parse_records(&buf))
    }
}

/// Counts the complete records in `buf` (a trailing partial record is ignored).
pub fn parse_records(mut buf: &[u8]) -> Writes {
    let mut w = Writes::default();
    while let Some(nl) = buf.iter().position(|&b| b == b'\n') {
        let header = String::from_utf8_lossy(&buf[..nl]);
        let mut f = header.split(' ');
        let len = match (f.next(), f.next(), f.next()) {
            (Some("OVSDB"), Some("JSON"), Some(n)) => n.parse::<usize>().ok(),
            _ => None,
        };
        let Some(len) = len else { break };
        let body = nl + 1;
        if buf.len() < body + len {
            break;
        }
        let json = &buf[body..body + len];
        let end = (body + len + 1).min(buf.len());
        w.txns += 1;
        w.bytes += end as u64;
        w.rows += serde_json::from_slice::<serde_json::Value>(json)
            .ok()
            .and_then(|v| {
                v.as_object().map(|o| {
                    o.iter()
                        .filter(|(k, _)| !k.starts_with('_'))
                        .filter_map(|(_, t)| t.as_object().map(|t| t.len() as u64))
                        .sum::<u64>()
                })
            })
            .unwrap_or(0);
        buf = &buf[end..];
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> String {
        format!("OVSDB JSON {} 0000\n{json}\n", json.len())
    }

    #[test]
    fn counts_records_rows_and_bytes() {
        let a = record(
            r#"{"_date":1,"Logical_Flow":{"u1":{"priority":1},"u2":null},"SB_Global":{"g":{"nb_cfg":2}},"_is_diff":true}"#,
        );
        let b = record(r#"{"_date":2,"SB_Global":{"g":{"nb_cfg":3}}}"#);
        let text = format!("{a}{b}OVSDB JSON 99 partial\n{{\"x\"");
        let w = parse_records(text.as_bytes());
        assert_eq!(
            w,
            Writes {
                txns: 2,
                rows: 4,
                bytes: (a.len() + b.len()) as u64
            }
        );
        assert_eq!(parse_records(b"garbage\n"), Writes::default());
    }

    #[test]
    fn a_compacted_file_invalidates_the_mark() {
        let dir = std::env::temp_dir().join(format!("ovn-dd-sblog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("sb.db");
        std::fs::write(&p, record("{}")).unwrap();
        let log = SbLog::new(p.clone());
        let m = log.mark().unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        std::io::Write::write_all(&mut f, record(r#"{"T":{"u":{}}}"#).as_bytes()).unwrap();
        assert_eq!(log.since(m).unwrap().rows, 1);
        std::fs::write(&p, "").unwrap();
        assert!(log.since(m).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
