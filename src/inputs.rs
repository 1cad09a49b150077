//! The engine inputs a daemon's database rows stand for, and the changes to them not yet
//! committed: shared by the northd and ic loops.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use adapters::{Database, Row, Uuid};

/// Each tracked row's current input, keyed by (database, table, row UUID), and the
/// input changes since the last commit.
pub struct Inputs<D, I> {
    rows: HashMap<(D, String, Uuid), I>,
    /// Input changes (+1 / -1) for the next engine transaction.
    pub pending: Vec<(I, isize)>,
}

impl<D, I> Default for Inputs<D, I> {
    fn default() -> Self {
        Inputs {
            rows: HashMap::new(),
            pending: Vec::new(),
        }
    }
}

impl<D: Copy + Eq + Hash, I: Clone + PartialEq> Inputs<D, I> {
    /// The row `key` now stands for `new` (none: the row is gone or means nothing);
    /// queues the difference. Whether anything changed.
    pub fn track(&mut self, key: (D, String, Uuid), new: Option<I>) -> bool {
        let old = match &new {
            Some(n) => self.rows.insert(key, n.clone()),
            None => self.rows.remove(&key),
        };
        if old == new {
            return false;
        }
        self.pending.extend(old.map(|o| (o, -1)));
        self.pending.extend(new.map(|n| (n, 1)));
        true
    }

    /// Re-derives every row of `table` in `db` (whose inputs fold in child rows), and
    /// drops the tracked rows of that table `db` no longer has. Whether anything changed.
    pub fn retrack_table(
        &mut self,
        d: D,
        db: &Database,
        table: &str,
        f: impl Fn(&Database, Uuid, &Row) -> I,
    ) -> bool {
        let mut changed = false;
        let mut seen = HashSet::new();
        for (u, row) in db.table(table) {
            changed |= self.track((d, table.to_string(), *u), Some(f(db, *u, row)));
            seen.insert(*u);
        }
        let gone: Vec<_> = self
            .rows
            .keys()
            .filter(|(dd, t, u)| *dd == d && t == table && !seen.contains(u))
            .cloned()
            .collect();
        for k in gone {
            changed |= self.track(k, None);
        }
        changed
    }

    /// Rows tracked.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}
