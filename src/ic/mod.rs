//! `ovn-dd ic`: a drop-in ovn-ic (provisional module root; the command line comes next).

pub mod rows;
pub mod run;
pub mod write;

/// How to run: the four databases.
pub struct Config {
    pub nb: adapters::client::Options,
    pub sb: adapters::client::Options,
    pub ic_nb: adapters::client::Options,
    pub ic_sb: adapters::client::Options,
}
