//! ovn-dd as a library: the glue between the OVSDB adapters, the engine and the rules.
//! The `ovn-dd` binary is a thin command-line front end over it.

pub mod bench;
pub mod compute;
pub mod daemon;
pub mod driver;
pub mod ic;
pub mod inputs;
pub mod nb;
pub mod northd;
pub mod sb;
pub mod synth;
