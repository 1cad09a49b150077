//! OVSDB at the edges: the data model (UUIDs, atoms, datums, rows), schemas, the JSON
//! codec and standalone database files. The live client comes later; nothing here
//! knows what an OVN table means.

pub mod dbfile;
pub mod ovsdb;
mod sha1;

pub use ovsdb::{Atom, Database, Datum, Row, Schema, Table, Uuid};
