//! The local replica (the "IDL"): the monitored rows by UUID per table, kept up to date
//! from `update` / `update2` / `update3` table-updates, with one [`Delta`] per batch.
//!
//! Rows are kept normalised: a column holding its default value is left out of the
//! [`Row`], so rows compare equal whichever way the server chose to encode them.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::ovsdb::{Database, Datum, Row, Schema, Uuid};

/// How one row changed.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Inserted(Arc<Row>),
    Deleted(Arc<Row>),
    Modified { old: Arc<Row>, new: Arc<Row> },
}

/// The row changes of one update batch (one server transaction, or a monitor reply),
/// ordered by table, then UUID.
pub type Delta = Vec<(String, Uuid, Change)>;

/// The monitored part of a database: a [`Database`] (tables not monitored stay empty),
/// which it dereferences to.
#[derive(Clone, Debug)]
pub struct Replica {
    pub db: Database,
}

impl std::ops::Deref for Replica {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.db
    }
}

impl Replica {
    pub fn new(schema: Schema) -> Replica {
        Replica {
            db: Database::new(schema),
        }
    }

    /// Applies table-updates of protocol `version` (1 = `update`, 2 or 3 = `update2`
    /// form). With `clear` (a full resend) rows the batch does not mention are deleted.
    /// Returns the changes, or an error (leaving the replica unchanged) on a malformed
    /// batch. Costs O(rows in the batch), or O(replica) with `clear`.
    pub fn apply(&mut self, version: u8, updates: &Value, clear: bool) -> Result<Delta, String> {
        let actions = self.parse(version, updates, clear)?;
        let mut old = if clear {
            std::mem::take(&mut self.db.tables)
        } else {
            BTreeMap::new()
        };
        let mut delta = Delta::new();
        for (tname, uuid, action) in actions {
            let table = self.db.tables.entry(tname.clone()).or_default();
            let before = match old.get_mut(&tname) {
                Some(t) => t.remove(&uuid),
                None => table.remove(&uuid),
            };
            let after = match action {
                Action::Delete => None,
                Action::Set(row) => Some(row),
                Action::Merge(cols) => {
                    let mut row = before.as_deref().cloned().unwrap_or_default();
                    row.extend(cols);
                    Some(row)
                }
                Action::Modify(diffs) => {
                    let mut row = before.as_deref().cloned().unwrap_or_default();
                    for (c, d) in diffs {
                        let t = &self.db.schema.tables[&tname][&c];
                        row.entry(c)
                            .or_insert_with(|| Datum::default_of(t))
                            .apply_diff(d, t);
                    }
                    Some(row)
                }
            };
            // One allocation for the replica's row and the change reporting it.
            let after = after.map(|r| Arc::new(normalise(&self.db.schema, &tname, r)));
            if let Some(r) = &after {
                table.insert(uuid, r.clone());
            }
            let change = match (before, after) {
                (None, Some(r)) => Change::Inserted(r),
                (Some(r), None) => Change::Deleted(r),
                (Some(a), Some(b)) if a != b => Change::Modified { old: a, new: b },
                _ => continue,
            };
            delta.push((tname, uuid, change));
        }
        for (tname, rows) in old {
            for (uuid, r) in rows {
                delta.push((tname.clone(), uuid, Change::Deleted(r)));
            }
        }
        delta.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        Ok(delta)
    }

    /// Decodes and checks a whole batch before anything is applied.
    fn parse(
        &self,
        version: u8,
        updates: &Value,
        clear: bool,
    ) -> Result<Vec<(String, Uuid, Action)>, String> {
        let obj = updates
            .as_object()
            .ok_or("table-updates must be an object")?;
        let mut out = Vec::new();
        for (tname, rows) in obj {
            if !self.db.schema.tables.contains_key(tname) {
                continue;
            }
            let rows = rows.as_object().ok_or("table-update must be an object")?;
            for (u, ru) in rows {
                let uuid = Uuid::parse(u).ok_or_else(|| format!("bad row UUID {u}"))?;
                let action = if version == 1 {
                    match ru.get("new") {
                        None | Some(Value::Null) => Action::Delete,
                        Some(new) => Action::Merge(self.db.schema.row_from_json(tname, new)?),
                    }
                } else {
                    let ru = ru.as_object().ok_or("row-update2 must be an object")?;
                    let (kind, v) = ru.iter().next().ok_or("empty row-update2")?;
                    match kind.as_str() {
                        "initial" | "insert" => {
                            Action::Set(self.db.schema.row_from_json(tname, v)?)
                        }
                        "delete" => Action::Delete,
                        "modify" => {
                            if clear || !self.table(tname).contains_key(&uuid) {
                                return Err(format!("modify of unknown row {u}"));
                            }
                            let diff = v.as_object().ok_or("modify must be an object")?;
                            let mut cols = Vec::new();
                            for (c, d) in diff {
                                if let Some(t) = self.db.schema.column(tname, c) {
                                    cols.push((c.clone(), Datum::from_json(d, t)?));
                                }
                            }
                            Action::Modify(cols)
                        }
                        _ => return Err(format!("unknown row-update2 {kind}")),
                    }
                };
                out.push((tname.clone(), uuid, action));
            }
        }
        Ok(out)
    }
}

/// What a batch does to one row.
enum Action {
    Delete,
    /// Replace the row (update2 `initial` / `insert`).
    Set(Row),
    /// Overwrite these columns (update `new`).
    Merge(Row),
    /// Apply these diffs (update2 `modify`).
    Modify(Vec<(String, Datum)>),
}

/// Drops columns that are unknown or hold their default value.
fn normalise(schema: &Schema, table: &str, mut row: Row) -> Row {
    row.retain(|c, d| {
        schema
            .column(table, c)
            .is_some_and(|t| *d != Datum::default_of(t))
    });
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "00000000-0000-4000-8000-00000000000a";
    const B: &str = "00000000-0000-4000-8000-00000000000b";

    fn replica() -> Replica {
        Replica::new(
            Schema::from_json(&json!({"name": "T", "tables": {"X": {"columns": {
                "n": {"type": "integer"},
                "m": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}}}}}}))
            .unwrap(),
        )
    }

    #[test]
    fn full_resend_deletes_rows_it_does_not_mention() {
        let mut r = replica();
        let d = r
            .apply(
                2,
                &json!({"X": {A: {"initial": {"n": 1}}, B: {"initial": {"n": 2}}}}),
                true,
            )
            .unwrap();
        assert_eq!(d.len(), 2);
        // Explicit defaults are normalised away: B is unchanged.
        let d = r
            .apply(
                2,
                &json!({"X": {B: {"initial": {"n": 2, "m": ["map", []]}}}}),
                true,
            )
            .unwrap();
        assert!(matches!(d.as_slice(), [(_, u, Change::Deleted(_))] if u.to_string() == A));
        assert_eq!(r.table("X").len(), 1);
    }

    #[test]
    fn modify_applies_diffs_and_bad_batches_change_nothing() {
        let mut r = replica();
        r.apply(
            2,
            &json!({"X": {A: {"insert": {"m": ["map", [["k", "v"]]]}}}}),
            false,
        )
        .unwrap();
        let d = r
            .apply(
                2,
                &json!({"X": {A: {"modify": {"n": 5, "m": ["map", [["k", "v"]]]}}}}),
                false,
            )
            .unwrap();
        let [(_, _, Change::Modified { old, new })] = d.as_slice() else {
            panic!("{d:?}")
        };
        assert_eq!(old["m"].string_pairs().len(), 1);
        assert_eq!(new.get("m"), None);
        assert_eq!(new["n"].as_int(), Some(5));
        let before = r.tables.clone();
        // The second row is broken: the first one must not be applied either.
        let bad = json!({"X": {A: {"delete": null}, B: {"modify": {"n": 1}}}});
        assert!(r.apply(2, &bad, false).is_err());
        assert!(
            r.apply(2, &json!({"X": {A: {"insert": {"n": "x"}}}}), false)
                .is_err()
        );
        assert!(r.apply(2, &json!([]), false).is_err());
        assert_eq!(r.tables, before);
    }
}
