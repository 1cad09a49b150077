//! Interned strings: every distinct string is stored once and shared by reference.
//!
//! Flows repeat the same texts on thousands of datapaths (`next;`, `1`, port names);
//! interning keeps one copy of each. Equality, ordering and hashing are by content, so
//! results never depend on interning order.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Eq)]
pub struct Istr(Arc<str>);

fn table() -> &'static Mutex<HashSet<Arc<str>>> {
    static TABLE: OnceLock<Mutex<HashSet<Arc<str>>>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

impl Istr {
    pub fn new(s: &str) -> Istr {
        let mut t = table().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = t.get(s) {
            return Istr(a.clone());
        }
        let a: Arc<str> = Arc::from(s);
        t.insert(a.clone());
        Istr(a)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Drops table entries that nothing else refers to any more; returns how many
    /// strings remain. Call it between transactions.
    pub fn purge() -> usize {
        let mut t = table().lock().unwrap_or_else(|e| e.into_inner());
        t.retain(|a| Arc::strong_count(a) > 1);
        t.len()
    }
}

impl Default for Istr {
    fn default() -> Istr {
        Istr::new("")
    }
}

impl PartialEq for Istr {
    fn eq(&self, other: &Istr) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl PartialOrd for Istr {
    fn partial_cmp(&self, other: &Istr) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Istr {
    fn cmp(&self, other: &Istr) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl std::hash::Hash for Istr {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.hash(h)
    }
}

impl std::ops::Deref for Istr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Istr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Istr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for Istr {
    fn from(s: &str) -> Istr {
        Istr::new(s)
    }
}

impl From<String> for Istr {
    fn from(s: String) -> Istr {
        Istr::new(&s)
    }
}

impl Serialize for Istr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Istr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Istr, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Istr::new(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::Istr;

    #[test]
    fn equal_strings_share_storage() {
        let a = Istr::new("next;");
        let b = Istr::from(String::from("next;"));
        assert_eq!(a, b);
        assert!(std::sync::Arc::ptr_eq(&a.0, &b.0));
        assert!(Istr::new("a") < Istr::new("b"));
    }
}

impl AsRef<str> for Istr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
