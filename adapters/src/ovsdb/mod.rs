//! The OVSDB data model of RFC 7047: UUIDs, atoms, datums, rows, schemas, and their JSON
//! forms.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Value, json};

/// A row UUID.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uuid(pub u128);

impl Uuid {
    pub fn parse(s: &str) -> Option<Uuid> {
        let b = s.as_bytes();
        if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
            return None;
        }
        let hex: String = s.chars().filter(|c| *c != '-').collect();
        if hex.len() != 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u128::from_str_radix(&hex, 16).ok().map(Uuid)
    }

    /// A version-4 style UUID derived from `seed` by a fixed mixing function: stable across
    /// runs, so that content-derived rows keep their UUIDs.
    pub fn from_hash(seed: u128) -> Uuid {
        let mut x = seed;
        // splitmix-style finalizer on both halves, then set version/variant bits.
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
            z ^ (z >> 31)
        };
        let hi = mix((x >> 64) as u64 ^ 0x9e3779b97f4a7c15);
        let lo = mix(x as u64 ^ hi);
        x = ((hi as u128) << 64) | lo as u128;
        x &= !(0xf000u128 << 64);
        x |= 0x4000u128 << 64;
        x &= !(0xc000u128 << 48);
        x |= 0x8000u128 << 48;
        Uuid(x)
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = format!("{:032x}", self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The type of an atom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomType {
    Integer,
    Real,
    Boolean,
    String,
    Uuid,
}

/// One value.
#[derive(Clone, Debug, PartialEq, PartialOrd)]
pub enum Atom {
    Integer(i64),
    Real(f64),
    Boolean(bool),
    String(String),
    Uuid(Uuid),
}

impl Atom {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Atom::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Atom::Uuid(u) => Some(*u),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Atom::Integer(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Atom::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    fn default_of(t: AtomType) -> Atom {
        match t {
            AtomType::Integer => Atom::Integer(0),
            AtomType::Real => Atom::Real(0.0),
            AtomType::Boolean => Atom::Boolean(false),
            AtomType::String => Atom::String(String::new()),
            AtomType::Uuid => Atom::Uuid(Uuid(0)),
        }
    }

    fn from_json(v: &Value, t: AtomType) -> Result<Atom, String> {
        let bad = || format!("{v} is not a valid {t:?}");
        Ok(match t {
            AtomType::Integer => Atom::Integer(v.as_i64().ok_or_else(bad)?),
            AtomType::Real => Atom::Real(v.as_f64().ok_or_else(bad)?),
            AtomType::Boolean => Atom::Boolean(v.as_bool().ok_or_else(bad)?),
            AtomType::String => Atom::String(v.as_str().ok_or_else(bad)?.to_string()),
            AtomType::Uuid => match v.as_array().map(|a| a.as_slice()) {
                Some([Value::String(tag), Value::String(u)]) if tag == "uuid" => {
                    Atom::Uuid(Uuid::parse(u).ok_or_else(bad)?)
                }
                _ => return Err(bad()),
            },
        })
    }

    pub fn to_json(&self) -> Value {
        match self {
            Atom::Integer(i) => json!(i),
            Atom::Real(r) => json!(r),
            Atom::Boolean(b) => json!(b),
            Atom::String(s) => json!(s),
            Atom::Uuid(u) => json!(["uuid", u.to_string()]),
        }
    }

    fn cmp_total(&self, other: &Atom) -> std::cmp::Ordering {
        self.partial_cmp(other).unwrap_or(std::cmp::Ordering::Equal)
    }
}

/// A column value: a set of atoms, or a map from atoms to atoms. Sorted by key.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Datum {
    pub keys: Vec<Atom>,
    pub values: Option<Vec<Atom>>,
}

impl Datum {
    pub fn scalar(a: Atom) -> Datum {
        Datum {
            keys: vec![a],
            values: None,
        }
    }
    pub fn set(mut keys: Vec<Atom>) -> Datum {
        keys.sort_by(Atom::cmp_total);
        keys.dedup();
        Datum { keys, values: None }
    }
    pub fn map(mut pairs: Vec<(Atom, Atom)>) -> Datum {
        pairs.sort_by(|a, b| a.0.cmp_total(&b.0));
        pairs.dedup_by(|a, b| a.0 == b.0);
        let (keys, values) = pairs.into_iter().unzip();
        Datum {
            keys,
            values: Some(values),
        }
    }
    pub fn str(s: &str) -> Datum {
        Datum::scalar(Atom::String(s.to_string()))
    }
    pub fn int(i: i64) -> Datum {
        Datum::scalar(Atom::Integer(i))
    }
    pub fn string_map<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Datum {
        Datum::map(
            pairs
                .into_iter()
                .map(|(k, v)| (Atom::String(k.into()), Atom::String(v.into())))
                .collect(),
        )
    }

    pub fn first(&self) -> Option<&Atom> {
        self.keys.first()
    }
    pub fn as_str(&self) -> Option<&str> {
        self.first().and_then(Atom::as_str)
    }
    pub fn as_uuid(&self) -> Option<Uuid> {
        self.first().and_then(Atom::as_uuid)
    }
    pub fn as_int(&self) -> Option<i64> {
        self.first().and_then(Atom::as_int)
    }
    pub fn as_bool(&self) -> Option<bool> {
        self.first().and_then(Atom::as_bool)
    }
    pub fn pairs(&self) -> impl Iterator<Item = (&Atom, &Atom)> {
        let vals = self.values.as_deref().unwrap_or(&[]);
        self.keys.iter().zip(vals.iter())
    }
    /// A string-to-string map as pairs.
    pub fn string_pairs(&self) -> Vec<(String, String)> {
        self.pairs()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
            .collect()
    }
    pub fn strings(&self) -> Vec<String> {
        self.keys
            .iter()
            .filter_map(|a| a.as_str().map(String::from))
            .collect()
    }
    pub fn uuids(&self) -> Vec<Uuid> {
        self.keys.iter().filter_map(Atom::as_uuid).collect()
    }

    /// Decodes the JSON form of a datum of type `t`.
    pub fn from_json(v: &Value, t: &ColumnType) -> Result<Datum, String> {
        let arr = v.as_array().map(|a| a.as_slice());
        match (&t.value, arr) {
            (Some(vt), Some([Value::String(tag), Value::Array(pairs)])) if tag == "map" => {
                let mut out = Vec::new();
                for p in pairs {
                    match p.as_array().map(|a| a.as_slice()) {
                        Some([k, v]) => {
                            out.push((Atom::from_json(k, t.key)?, Atom::from_json(v, *vt)?))
                        }
                        _ => return Err(format!("bad map pair {p}")),
                    }
                }
                Ok(Datum::map(out))
            }
            (Some(_), _) => Err(format!("{v} is not a map")),
            (None, Some([Value::String(tag), Value::Array(items)])) if tag == "set" => {
                let keys = items
                    .iter()
                    .map(|i| Atom::from_json(i, t.key))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Datum::set(keys))
            }
            (None, _) => Ok(Datum::scalar(Atom::from_json(v, t.key)?)),
        }
    }

    pub fn to_json(&self) -> Value {
        match &self.values {
            Some(vals) => json!([
                "map",
                self.keys
                    .iter()
                    .zip(vals)
                    .map(|(k, v)| json!([k.to_json(), v.to_json()]))
                    .collect::<Vec<_>>()
            ]),
            None if self.keys.len() == 1 => self.keys[0].to_json(),
            None => json!([
                "set",
                self.keys.iter().map(Atom::to_json).collect::<Vec<_>>()
            ]),
        }
    }

    /// The value a column of type `t` has when a row does not mention it.
    pub fn default_of(t: &ColumnType) -> Datum {
        if t.min == 0 {
            Datum {
                keys: vec![],
                values: t.value.map(|_| vec![]),
            }
        } else {
            Datum::scalar(Atom::default_of(t.key))
        }
    }

    /// Applies an OVSDB "diff" datum (update2 / `_is_diff` file records): composite
    /// columns take the symmetric difference (maps: changed values replace), others
    /// are replaced.
    pub fn apply_diff(&mut self, diff: Datum, t: &ColumnType) {
        if t.max <= 1 {
            *self = diff;
            return;
        }
        let mut map: Vec<(Atom, Option<Atom>)> = self
            .keys
            .drain(..)
            .zip(
                self.values
                    .take()
                    .map(|v| v.into_iter().map(Some).collect::<Vec<_>>())
                    .unwrap_or_default()
                    .into_iter()
                    .chain(std::iter::repeat(None)),
            )
            .collect();
        let dvals: Vec<Option<Atom>> = match diff.values {
            Some(v) => v.into_iter().map(Some).collect(),
            None => vec![None; diff.keys.len()],
        };
        for (k, v) in diff.keys.into_iter().zip(dvals) {
            match map.iter().position(|(k2, _)| *k2 == k) {
                Some(i) if v.is_some() && map[i].1 != v => map[i].1 = v,
                Some(i) => {
                    map.remove(i);
                }
                None => map.push((k, v)),
            }
        }
        if t.value.is_some() {
            *self = Datum::map(map.into_iter().map(|(k, v)| (k, v.unwrap())).collect());
        } else {
            *self = Datum::set(map.into_iter().map(|(k, _)| k).collect());
        }
    }
}

/// A row: column name to value. Columns absent from the map have their default value.
pub type Row = BTreeMap<String, Datum>;

/// A table: rows by UUID. Rows are shared: a replica's row and the change reporting it
/// are one allocation.
pub type Table = BTreeMap<Uuid, std::sync::Arc<Row>>;

/// The type of a column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnType {
    pub key: AtomType,
    pub value: Option<AtomType>,
    pub min: u64,
    pub max: u64,
    /// Tables that UUID keys / values refer to.
    pub key_ref: Option<String>,
    pub value_ref: Option<String>,
}

impl ColumnType {
    fn from_json(v: &Value) -> Result<ColumnType, String> {
        fn atom_type(v: &Value) -> Result<AtomType, String> {
            let name = match v {
                Value::String(s) => s.as_str(),
                Value::Object(o) => o.get("type").and_then(Value::as_str).unwrap_or(""),
                _ => "",
            };
            Ok(match name {
                "integer" => AtomType::Integer,
                "real" => AtomType::Real,
                "boolean" => AtomType::Boolean,
                "string" => AtomType::String,
                "uuid" => AtomType::Uuid,
                _ => return Err(format!("bad atomic type {v}")),
            })
        }
        fn ref_table(v: Option<&Value>) -> Option<String> {
            v?.get("refTable")?.as_str().map(String::from)
        }
        match v {
            Value::String(_) => Ok(ColumnType {
                key: atom_type(v)?,
                value: None,
                min: 1,
                max: 1,
                key_ref: None,
                value_ref: None,
            }),
            Value::Object(o) => {
                let key = atom_type(o.get("key").ok_or("type without key")?)?;
                let value = o.get("value").map(atom_type).transpose()?;
                let min = o.get("min").and_then(Value::as_u64).unwrap_or(1);
                let max = match o.get("max") {
                    Some(Value::String(s)) if s == "unlimited" => u64::MAX,
                    Some(m) => m.as_u64().ok_or("bad max")?,
                    None => 1,
                };
                Ok(ColumnType {
                    key,
                    value,
                    min,
                    max,
                    key_ref: ref_table(o.get("key")),
                    value_ref: ref_table(o.get("value")),
                })
            }
            _ => Err(format!("bad column type {v}")),
        }
    }
}

/// A database schema: the tables, their columns and column types.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub name: String,
    pub version: String,
    pub tables: BTreeMap<String, BTreeMap<String, ColumnType>>,
    /// The schema as written, to write it back unchanged.
    pub json: Value,
}

impl Schema {
    pub fn from_json(v: &Value) -> Result<Schema, String> {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or("schema without a name")?;
        let version = v
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut tables = BTreeMap::new();
        let tjson = v
            .get("tables")
            .and_then(Value::as_object)
            .ok_or("schema without tables")?;
        for (tname, t) in tjson {
            let cols = t
                .get("columns")
                .and_then(Value::as_object)
                .ok_or("table without columns")?;
            let mut columns = BTreeMap::new();
            for (cname, c) in cols {
                let ty = c.get("type").ok_or("column without type")?;
                columns.insert(cname.clone(), ColumnType::from_json(ty)?);
            }
            tables.insert(tname.clone(), columns);
        }
        Ok(Schema {
            name: name.to_string(),
            version,
            tables,
            json: v.clone(),
        })
    }

    pub fn column(&self, table: &str, column: &str) -> Option<&ColumnType> {
        self.tables.get(table)?.get(column)
    }

    /// Decodes a row's JSON object (columns not in the schema are skipped).
    pub fn row_from_json(&self, table: &str, v: &Value) -> Result<Row, String> {
        let obj = v.as_object().ok_or("row must be a JSON object")?;
        let mut row = Row::new();
        for (c, val) in obj {
            if let Some(t) = self.column(table, c) {
                row.insert(c.clone(), Datum::from_json(val, t)?);
            }
        }
        Ok(row)
    }

    /// Encodes a row, leaving out columns that hold their default value.
    pub fn row_to_json(&self, table: &str, row: &Row) -> Value {
        let mut obj = serde_json::Map::new();
        for (c, d) in row {
            if let Some(t) = self.column(table, c)
                && *d != Datum::default_of(t)
            {
                obj.insert(c.clone(), d.to_json());
            }
        }
        Value::Object(obj)
    }
}

/// A whole database in memory.
#[derive(Clone, Debug)]
pub struct Database {
    pub schema: Schema,
    pub tables: BTreeMap<String, Table>,
}

impl Database {
    pub fn new(schema: Schema) -> Database {
        let tables = schema
            .tables
            .keys()
            .map(|t| (t.clone(), Table::new()))
            .collect();
        Database { schema, tables }
    }

    pub fn table(&self, name: &str) -> &Table {
        static EMPTY: Table = Table::new();
        self.tables.get(name).unwrap_or(&EMPTY)
    }

    /// Removes references to rows that do not exist; rows left with fewer values than a
    /// column allows are deleted (and so on, until nothing dangles).
    pub fn drop_dangling(&mut self) {
        loop {
            let present: std::collections::HashSet<(String, Uuid)> = self
                .tables
                .iter()
                .flat_map(|(t, rows)| rows.keys().map(move |u| (t.clone(), *u)))
                .collect();
            let ok = |tbl: &Option<String>, a: &Atom| match (tbl, a) {
                (Some(t), Atom::Uuid(u)) => present.contains(&(t.clone(), *u)),
                _ => true,
            };
            let mut changed = false;
            for (tname, rows) in self.tables.iter_mut() {
                let Some(cols) = self.schema.tables.get(tname) else {
                    continue;
                };
                let mut doomed = Vec::new();
                for (u, row) in rows.iter_mut() {
                    for (cname, d) in std::sync::Arc::make_mut(row).iter_mut() {
                        let Some(t) = cols.get(cname) else { continue };
                        if t.key_ref.is_none() && t.value_ref.is_none() {
                            continue;
                        }
                        let n = d.keys.len();
                        let vals = d.values.take();
                        let mut keys = Vec::new();
                        let mut kept_vals = Vec::new();
                        for (i, k) in d.keys.drain(..).enumerate() {
                            let v = vals.as_ref().map(|v| v[i].clone());
                            if ok(&t.key_ref, &k) && v.as_ref().is_none_or(|v| ok(&t.value_ref, v))
                            {
                                keys.push(k);
                                kept_vals.extend(v);
                            }
                        }
                        d.keys = keys;
                        d.values = vals.map(|_| kept_vals);
                        if d.keys.len() != n {
                            changed = true;
                            if (d.keys.len() as u64) < t.min {
                                doomed.push(*u);
                            }
                        }
                    }
                }
                for u in doomed {
                    rows.remove(&u);
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The value of `column` in `row`, or the column's default.
    pub fn get(&self, table: &str, row: &Row, column: &str) -> Datum {
        row.get(column).cloned().unwrap_or_else(|| {
            self.schema
                .column(table, column)
                .map(Datum::default_of)
                .unwrap_or_default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of_strings() -> ColumnType {
        ColumnType {
            key: AtomType::String,
            value: None,
            min: 0,
            max: u64::MAX,
            key_ref: None,
            value_ref: None,
        }
    }
    fn string_map() -> ColumnType {
        ColumnType {
            key: AtomType::String,
            value: Some(AtomType::String),
            min: 0,
            max: u64::MAX,
            key_ref: None,
            value_ref: None,
        }
    }

    #[test]
    fn dangling_references_are_dropped_with_their_rows() {
        let schema = Schema::from_json(&json!({"name": "T", "tables": {
            "P": {"columns": {"n": {"type": "string"}}},
            "C": {"columns": {"p": {"type": {"key": {"type": "uuid", "refTable": "P"}}}}},
            "S": {"columns": {"ps": {"type": {"key": {"type": "uuid", "refTable": "P"}, "min": 0, "max": "unlimited"}}}}
        }}))
        .unwrap();
        let mut db = Database::new(schema);
        let refs = |us: &[u128]| Datum::set(us.iter().map(|u| Atom::Uuid(Uuid(*u))).collect());
        db.tables
            .get_mut("P")
            .unwrap()
            .insert(Uuid(1), Row::new().into());
        let mut c = Row::new();
        c.insert("p".into(), refs(&[2]));
        db.tables.get_mut("C").unwrap().insert(Uuid(10), c.into());
        let mut sr = Row::new();
        sr.insert("ps".into(), refs(&[1, 2]));
        db.tables.get_mut("S").unwrap().insert(Uuid(20), sr.into());
        db.drop_dangling();
        assert!(db.table("C").is_empty());
        assert_eq!(db.table("S")[&Uuid(20)]["ps"].uuids(), vec![Uuid(1)]);
    }

    #[test]
    fn uuid_round_trip() {
        let s = "342724ad-8211-4ecd-8210-9bbe275d9375";
        assert_eq!(Uuid::parse(s).unwrap().to_string(), s);
        assert!(Uuid::parse("342724ad").is_none());
        assert!(Uuid::parse("342724ad-8211-4ecd-8210-9bbe275d937g").is_none());
    }

    #[test]
    fn set_diff_is_symmetric_difference() {
        let t = set_of_strings();
        let mut d = Datum::set(vec![Atom::String("a".into()), Atom::String("b".into())]);
        d.apply_diff(
            Datum::set(vec![Atom::String("b".into()), Atom::String("c".into())]),
            &t,
        );
        assert_eq!(d.strings(), vec!["a", "c"]);
    }

    #[test]
    fn map_diff_adds_replaces_and_removes() {
        let t = string_map();
        let mut d = Datum::string_map([("a", "1"), ("b", "2")]);
        d.apply_diff(Datum::string_map([("a", "1"), ("b", "3"), ("c", "4")]), &t);
        assert_eq!(
            d.string_pairs(),
            vec![
                ("b".to_string(), "3".to_string()),
                ("c".to_string(), "4".to_string())
            ]
        );
    }

    #[test]
    fn json_forms() {
        let t = set_of_strings();
        let d = Datum::from_json(&json!("x"), &t).unwrap();
        assert_eq!(d.strings(), vec!["x"]);
        let d = Datum::from_json(&json!(["set", ["y", "x"]]), &t).unwrap();
        assert_eq!(d.to_json(), json!(["set", ["x", "y"]]));
        assert!(Datum::from_json(&json!(["map", []]), &t).is_err());
        assert!(Datum::from_json(&json!(3), &t).is_err());
    }
}
