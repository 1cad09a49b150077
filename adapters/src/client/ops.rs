//! Builders for `transact` operations (RFC 7047 §5.2, plus the OVS `uuid` member of
//! insert) and the typed reading of a transaction's reply.

use serde_json::{Value, json};

use super::jsonrpc::{Error, rpc_error};
use crate::ovsdb::Uuid;

/// Operations written straight to JSON text as they are made, for transactions too big
/// to hold as values.
#[derive(Clone, Debug, Default)]
pub struct OpsText {
    text: String,
    n: usize,
    /// Where each operation's text ends.
    ends: Vec<usize>,
    /// Operations that must go in the same transaction as the next one (a row of a
    /// non-root table, collected at commit unless something refers to it).
    glued: Vec<bool>,
}

impl OpsText {
    pub fn push(&mut self, op: &Value) {
        self.push_glued(op, false);
    }

    /// Pushes `op`; with `glue`, [`OpsText::split`] keeps it with the next operation.
    pub fn push_glued(&mut self, op: &Value, glue: bool) {
        if self.n > 0 {
            self.text.push(',');
        }
        self.text.push_str(&op.to_string());
        self.n += 1;
        self.ends.push(self.text.len());
        self.glued.push(glue);
    }

    /// Appends `other`'s operations after these.
    pub fn append(&mut self, other: OpsText) {
        if other.n == 0 {
            return;
        }
        if self.n > 0 {
            self.text.push(',');
        }
        let base = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        self.glued.extend(other.glued);
        self.n += other.n;
    }

    /// Cuts these operations into pieces of about `max` operations, in order, never
    /// between a glued operation and the next.
    /// The text is cut from its end, piece by piece, so that a large transaction is never
    /// held twice (whole and in pieces).
    pub fn split(self, max: usize) -> Vec<OpsText> {
        let max = max.max(1);
        if self.n <= max {
            return vec![self];
        }
        // (first op, last op, text start) of each piece.
        let mut cuts = Vec::new();
        let (mut first_op, mut start) = (0, 0);
        for i in 0..self.n {
            let last = i + 1 == self.n;
            if !(last || (i + 1 - first_op >= max && !self.glued[i])) {
                continue;
            }
            cuts.push((first_op, i, start));
            first_op = i + 1;
            start = self.ends[i];
        }
        let mut text = self.text;
        let mut out = Vec::with_capacity(cuts.len());
        for (first, last, start) in cuts.into_iter().rev() {
            let mut piece = text.split_off(start);
            text.shrink_to_fit();
            let base = if piece.starts_with(',') {
                piece.remove(0);
                start + 1
            } else {
                start
            };
            out.push(OpsText {
                ends: self.ends[first..=last].iter().map(|e| e - base).collect(),
                glued: self.glued[first..=last].to_vec(),
                n: last + 1 - first,
                text: piece,
            });
        }
        out.reverse();
        out
    }
    pub fn len(&self) -> usize {
        self.n
    }
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// The operations, comma-separated.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// Bytes of text.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }
    /// The `transact` params `[db, first?, ops...]`, made from the text in place.
    pub fn into_params(self, db: &str, first: Option<&Value>) -> String {
        let mut head = format!("[{}", Value::from(db));
        if let Some(f) = first {
            head.push(',');
            head.push_str(&f.to_string());
        }
        if self.n > 0 {
            head.push(',');
        }
        let mut text = self.text;
        text.insert_str(0, &head);
        text.push(']');
        text
    }
}

/// A condition `[column, function, value]` for `where` clauses.
pub fn cond(column: &str, function: &str, value: Value) -> Value {
    json!([column, function, value])
}

/// `["uuid", U]`, a UUID as a JSON atom.
pub fn uuid(u: Uuid) -> Value {
    json!(["uuid", u.to_string()])
}

/// `["named-uuid", NAME]`, a reference to a row inserted earlier in the transaction.
pub fn named_uuid(name: &str) -> Value {
    json!(["named-uuid", name])
}

/// Inserts `row`; `uuid` asks for that row UUID (OVS ≥ 2.13), `uuid_name` names the row
/// for later operations of the same transaction.
pub fn insert(table: &str, row: Value, uuid: Option<Uuid>, uuid_name: Option<&str>) -> Value {
    let mut op = json!({"op": "insert", "table": table, "row": row});
    if let Some(u) = uuid {
        op["uuid"] = json!(u.to_string());
    }
    if let Some(n) = uuid_name {
        op["uuid-name"] = json!(n);
    }
    op
}

/// Sets the columns of `row` in every row matching `conds`.
pub fn update(table: &str, conds: Vec<Value>, row: Value) -> Value {
    json!({"op": "update", "table": table, "where": conds, "row": row})
}

/// Applies `mutations` (`[column, mutator, value]`) to every row matching `conds`.
pub fn mutate(table: &str, conds: Vec<Value>, mutations: Vec<Value>) -> Value {
    json!({"op": "mutate", "table": table, "where": conds, "mutations": mutations})
}

/// Deletes every row matching `conds`.
pub fn delete(table: &str, conds: Vec<Value>) -> Value {
    json!({"op": "delete", "table": table, "where": conds})
}

/// Selects `columns` (all when `None`) of the rows matching `conds`.
pub fn select(table: &str, conds: Vec<Value>, columns: Option<&[&str]>) -> Value {
    let mut op = json!({"op": "select", "table": table, "where": conds});
    if let Some(c) = columns {
        op["columns"] = json!(c);
    }
    op
}

/// Waits (up to `timeout_ms`; 0 = fail at once) until the rows matching `conds`,
/// restricted to `columns`, are (`equal`) or are not (`!equal`) exactly `rows`.
pub fn wait(
    table: &str,
    conds: Vec<Value>,
    columns: &[&str],
    equal: bool,
    rows: Vec<Value>,
    timeout_ms: Option<u64>,
) -> Value {
    let until = if equal { "==" } else { "!=" };
    let mut op = json!({"op": "wait", "table": table, "where": conds,
        "columns": columns, "until": until, "rows": rows});
    if let Some(t) = timeout_ms {
        op["timeout"] = json!(t);
    }
    op
}

/// Adds `text` to the transaction's log entry.
pub fn comment(text: &str) -> Value {
    json!({"op": "comment", "comment": text})
}

/// Fails the transaction unless this session holds lock `name`.
pub fn assert_lock(name: &str) -> Value {
    json!({"op": "assert", "lock": name})
}

/// The result of one successful operation.
#[derive(Clone, Debug, PartialEq)]
pub enum OpResult {
    /// insert: the new row's UUID.
    Inserted(Uuid),
    /// update, mutate, delete: how many rows matched.
    Count(u64),
    /// select: the rows.
    Rows(Vec<Value>),
    /// wait, comment, assert.
    Empty,
}

/// Why a transaction failed: the operation at `index` failed (or, when `index` is past
/// the last operation, the commit itself did), or the request itself failed.
#[derive(Clone, Debug, PartialEq)]
pub enum TxnError {
    Op {
        index: usize,
        error: String,
        details: Option<String>,
    },
    Rpc(Error),
}

impl std::fmt::Display for TxnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TxnError::Op {
                index,
                error,
                details,
            } => write!(
                f,
                "operation {index} failed: {error}{}",
                details
                    .as_ref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
            TxnError::Rpc(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TxnError {}

/// Reads a `transact` reply for `n_ops` operations.
pub fn parse_reply(reply: &Value, n_ops: usize) -> Result<Vec<OpResult>, TxnError> {
    let bad = |m: &str| TxnError::Rpc(Error::Protocol(format!("{m}: {reply}")));
    let arr = reply
        .as_array()
        .ok_or_else(|| bad("transact reply is not an array"))?;
    if let Some((index, e)) = arr
        .iter()
        .enumerate()
        .find(|(_, r)| r.get("error").is_some_and(|e| !e.is_null()))
    {
        let Error::Rpc { error, details } = rpc_error(e) else {
            unreachable!("rpc_error always yields Error::Rpc")
        };
        return Err(TxnError::Op {
            index,
            error,
            details,
        });
    }
    if arr.len() < n_ops {
        return Err(bad("transact reply has too few results"));
    }
    arr[..n_ops]
        .iter()
        .map(|r| {
            if let Some(u) = r.get("uuid") {
                match u.as_array().map(|a| a.as_slice()) {
                    Some([_, Value::String(s)]) => Uuid::parse(s)
                        .map(OpResult::Inserted)
                        .ok_or_else(|| bad("bad uuid")),
                    _ => Err(bad("bad uuid")),
                }
            } else if let Some(c) = r.get("count") {
                c.as_u64()
                    .map(OpResult::Count)
                    .ok_or_else(|| bad("bad count"))
            } else if let Some(rows) = r.get("rows") {
                Ok(OpResult::Rows(rows.as_array().cloned().unwrap_or_default()))
            } else {
                Ok(OpResult::Empty)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_text_appends_and_splits_at_operation_boundaries() {
        let mut a = OpsText::default();
        for i in 0..5 {
            a.push(&json!({"op": "comment", "comment": format!("a{i}")}));
        }
        let mut b = OpsText::default();
        b.push(&json!({"op": "comment", "comment": "b,]"}));
        a.append(b);
        assert_eq!(a.len(), 6);
        let parts = a.clone().split(4);
        assert_eq!(parts.iter().map(OpsText::len).collect::<Vec<_>>(), [4, 2]);
        let rejoined: Vec<Value> = parts
            .iter()
            .flat_map(|p| {
                let v: Value = serde_json::from_str(&format!("[{}]", p.text())).unwrap();
                v.as_array().unwrap().clone()
            })
            .collect();
        let whole: Value = serde_json::from_str(&format!("[{}]", a.text())).unwrap();
        assert_eq!(Value::Array(rejoined), whole);
        assert_eq!(a.clone().split(10).len(), 1);
        // A glued operation stays with the next one.
        let mut g = OpsText::default();
        for i in 0..6 {
            g.push_glued(&json!({"op": "comment", "comment": i}), i == 1);
        }
        let parts = g.split(2);
        assert_eq!(
            parts.iter().map(OpsText::len).collect::<Vec<_>>(),
            [3, 2, 1]
        );
    }
}
