//! ovn-ic 23.03 as differential-dataflow rules (work in progress).
