//! Standalone OVSDB database files, as `ovsdb-tool create` and `ovsdb-server` write them:
//! a log of records `OVSDB JSON <length> <sha1>\n<json>\n`, the first holding the schema
//! and each later one a committed transaction.

use std::fmt;
use std::path::Path;

use serde_json::{Value, json};

use crate::ovsdb::{Database, Datum, Schema, Uuid};
use crate::sha1;

const MAGIC: &str = "OVSDB JSON";
const CLUSTER_MAGIC: &str = "OVSDB CLUSTER";

/// Why a database file could not be read.
#[derive(Debug)]
pub enum FileError {
    Io(String, std::io::Error),
    NotOvsdb(String),
    Clustered(String),
    Corrupt(String, String),
    WrongSchema {
        path: String,
        expected: String,
        found: String,
    },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io(p, e) => write!(f, "{p}: {e}"),
            FileError::NotOvsdb(p) => write!(f, "{p}: not an OVSDB database file"),
            FileError::Clustered(p) => write!(
                f,
                "{p}: clustered database files are not supported here; \
                 convert it with 'ovsdb-tool cluster-to-standalone' first"
            ),
            FileError::Corrupt(p, why) => write!(f, "{p}: corrupt database file: {why}"),
            FileError::WrongSchema {
                path,
                expected,
                found,
            } => {
                write!(f, "{path}: holds database {found}, expected {expected}")
            }
        }
    }
}

impl std::error::Error for FileError {}

/// Splits the file into its JSON records, checking each checksum.
fn records(path: &str, bytes: &[u8]) -> Result<Vec<Value>, FileError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(nl) = bytes[pos..].iter().position(|&b| b == b'\n') else {
            break; // a torn header at the end: ovsdb-server ignores it too
        };
        let header = std::str::from_utf8(&bytes[pos..pos + nl])
            .map_err(|_| FileError::NotOvsdb(path.into()))?;
        let mut parts = header.rsplitn(3, ' ');
        let (sha, len, magic) = (parts.next(), parts.next(), parts.next());
        let magic = magic.unwrap_or(header);
        if magic == CLUSTER_MAGIC || header.starts_with(CLUSTER_MAGIC) {
            return Err(FileError::Clustered(path.into()));
        }
        if magic != MAGIC {
            return Err(if out.is_empty() {
                FileError::NotOvsdb(path.into())
            } else {
                FileError::Corrupt(path.into(), format!("bad record header at offset {pos}"))
            });
        }
        let len: usize = len
            .and_then(|l| l.parse().ok())
            .ok_or_else(|| FileError::Corrupt(path.into(), "bad record length".into()))?;
        let start = pos + nl + 1;
        if start + len > bytes.len() {
            break; // a torn record at the end of the log
        }
        let body = &bytes[start..start + len];
        if Some(sha1::hex(body).as_str()) != sha {
            return Err(FileError::Corrupt(
                path.into(),
                format!("checksum mismatch at offset {pos}"),
            ));
        }
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| FileError::Corrupt(path.into(), e.to_string()))?;
        out.push(v);
        pos = start + len;
    }
    if out.is_empty() {
        return Err(FileError::NotOvsdb(path.into()));
    }
    Ok(out)
}

/// Reads a standalone database file and replays its transactions.
pub fn read(path: &Path) -> Result<Database, FileError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| FileError::Io(p.clone(), e))?;
    from_bytes(&bytes, &p)
}

/// Parses the contents of a database file (`name` is used in errors) and checks that it
/// holds the database named `expected`.
pub fn parse(bytes: &[u8], name: &str, expected: &str) -> Result<Database, FileError> {
    let db = from_bytes(bytes, name)?;
    if db.schema.name != expected {
        return Err(FileError::WrongSchema {
            path: name.into(),
            expected: expected.into(),
            found: db.schema.name.clone(),
        });
    }
    Ok(db)
}

fn from_bytes(bytes: &[u8], p: &str) -> Result<Database, FileError> {
    let p = p.to_string();
    let recs = records(&p, bytes)?;
    let schema = Schema::from_json(&recs[0]).map_err(|e| FileError::Corrupt(p.clone(), e))?;
    let mut db = Database::new(schema);
    for txn in &recs[1..] {
        apply_txn(&mut db, txn).map_err(|e| FileError::Corrupt(p.clone(), e))?;
    }
    Ok(db)
}

/// Reads a database file and checks that it holds the database named `expected`.
pub fn read_expecting(path: &Path, expected: &str) -> Result<Database, FileError> {
    let db = read(path)?;
    if db.schema.name != expected {
        return Err(FileError::WrongSchema {
            path: path.display().to_string(),
            expected: expected.into(),
            found: db.schema.name.clone(),
        });
    }
    Ok(db)
}

fn apply_txn(db: &mut Database, txn: &Value) -> Result<(), String> {
    let obj = txn
        .as_object()
        .ok_or("transaction record is not an object")?;
    let is_diff = obj
        .get("_is_diff")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    for (tname, rows) in obj {
        if tname.starts_with('_') {
            continue;
        }
        let Some(columns) = db.schema.tables.get(tname) else {
            continue;
        };
        let rows = rows.as_object().ok_or("table changes are not an object")?;
        let table = db.tables.entry(tname.clone()).or_default();
        for (u, change) in rows {
            let uuid = Uuid::parse(u).ok_or_else(|| format!("bad row uuid {u}"))?;
            if change.is_null() {
                table.remove(&uuid);
                continue;
            }
            let cols = change.as_object().ok_or("row change is not an object")?;
            let row = std::sync::Arc::make_mut(table.entry(uuid).or_default());
            for (c, v) in cols {
                let Some(t) = columns.get(c) else { continue };
                let d = Datum::from_json(v, t).map_err(|e| format!("{tname}.{c}: {e}"))?;
                match row.get_mut(c) {
                    Some(old) if is_diff && *old != Datum::default_of(t) => old.apply_diff(d, t),
                    _ => {
                        row.insert(c.clone(), d);
                    }
                }
            }
        }
    }
    Ok(())
}

/// One log record: the header, then the JSON text with its newline (both counted in the
/// length and the checksum, as ovsdb_log_compose_record does).
fn record(json: &Value) -> String {
    let mut body = serde_json::to_string(json).expect("JSON values always serialize");
    body.push('\n');
    format!(
        "{MAGIC} {} {}\n{}",
        body.len(),
        sha1::hex(body.as_bytes()),
        body
    )
}

/// Writes `db` as a fresh standalone database file: the schema, then one transaction
/// inserting every row.
pub fn write(path: &Path, db: &Database) -> std::io::Result<()> {
    let mut txn = serde_json::Map::new();
    for (tname, table) in &db.tables {
        if table.is_empty() {
            continue;
        }
        let rows: serde_json::Map<String, Value> = table
            .iter()
            .map(|(u, row)| (u.to_string(), db.schema.row_to_json(tname, row)))
            .collect();
        txn.insert(tname.clone(), Value::Object(rows));
    }
    txn.insert("_comment".into(), json!("ovn-dd"));
    let mut out = record(&db.schema.json);
    out.push_str(&record(&Value::Object(txn)));
    std::fs::write(path, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ovsdb::{Atom, Row};

    fn schema() -> Schema {
        Schema::from_json(&json!({
            "name": "T", "version": "1.0.0",
            "tables": {"A": {"columns": {
                "name": {"type": "string"},
                "tags": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
                "opts": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}}
            }}}
        }))
        .unwrap()
    }

    #[test]
    fn write_then_read_round_trips() {
        let mut db = Database::new(schema());
        let mut row = Row::new();
        row.insert("name".into(), Datum::str("x"));
        row.insert(
            "tags".into(),
            Datum::set(vec![Atom::String("b".into()), Atom::String("a".into())]),
        );
        row.insert("opts".into(), Datum::string_map([("k", "v")]));
        db.tables
            .get_mut("A")
            .unwrap()
            .insert(Uuid(7), row.clone().into());
        let dir = std::env::temp_dir().join(format!("ovn-dd-dbfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t.db");
        write(&p, &db).unwrap();
        let back = read(&p).unwrap();
        assert_eq!(back.table("A").get(&Uuid(7)), Some(&row.clone().into()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn diff_records_are_replayed() {
        let s = schema();
        let mut text = record(&s.json);
        let u = "00000000-0000-0000-0000-000000000001";
        text.push_str(&record(&json!({"A": {u: {"name": "x", "tags": ["set", ["a", "b"]], "opts": ["map", [["k", "v"]]]}}})));
        text.push_str(&record(
            &json!({"_is_diff": true, "A": {u: {"tags": "a", "opts": ["map", [["k", "w"]]]}}}),
        ));
        let db = parse(text.as_bytes(), "t", "T").unwrap();
        let row = db.table("A").values().next().unwrap();
        assert_eq!(row["tags"].strings(), vec!["b"]);
        assert_eq!(
            row["opts"].string_pairs(),
            vec![("k".to_string(), "w".to_string())]
        );
    }

    #[test]
    fn errors_are_reported_not_panicked() {
        assert!(matches!(
            parse(b"hello world\n", "x", "T"),
            Err(FileError::NotOvsdb(_))
        ));
        assert!(matches!(parse(b"", "x", "T"), Err(FileError::NotOvsdb(_))));
        assert!(matches!(
            parse(b"OVSDB CLUSTER 10 abc\n", "x", "T"),
            Err(FileError::Clustered(_))
        ));
        let mut text = record(&schema().json);
        assert!(matches!(
            parse(text.as_bytes(), "x", "Other"),
            Err(FileError::WrongSchema { .. })
        ));
        text.push_str("OVSDB JSON 3 0000000000000000000000000000000000000000\n{}\n");
        assert!(matches!(
            parse(text.as_bytes(), "x", "T"),
            Err(FileError::Corrupt(..))
        ));
    }
}
