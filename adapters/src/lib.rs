//! OVSDB at the edges: the data model (UUIDs, atoms, datums, rows), schemas, the JSON
//! codec, standalone database files and a live client (`client`); nothing here
//! knows what an OVN table means.

pub mod client;
pub mod dbfile;
pub mod ovsdb;
mod sha1;

pub use ovsdb::{Atom, Database, Datum, Row, Schema, Table, Uuid};
