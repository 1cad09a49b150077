//! Interned strings: every distinct string is stored once and shared by reference.
//!
//! Flows repeat the same texts on thousands of datapaths (`next;`, `1`, port names);
//! interning keeps one copy of each. Equality, ordering and hashing are by content, so
//! results never depend on interning order.

use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Eq)]
pub struct Istr(Arc<str>);

type Table = HashSet<Arc<str>, FastHash>;

fn table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

/// A fast, non-cryptographic hasher (the Fx hash of rustc) for in-process hash tables
/// keyed by our own data.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `BuildHasher` for [`FxHasher`].
pub type FastHash = BuildHasherDefault<FxHasher>;

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

    /// A string that is likely unique (a flow's match, say): short strings are interned,
    /// long ones are stored on their own, sparing the table a lookup and an entry.
    pub fn text(s: &str) -> Istr {
        if s.len() <= 8 {
            Istr::new(s)
        } else {
            Istr(Arc::from(s))
        }
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

impl AsRef<str> for Istr {
    fn as_ref(&self) -> &str {
        &self.0
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
