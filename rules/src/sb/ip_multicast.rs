//! IP_Multicast: one row per logical switch (routers get none), from the switch's
//! `other_config:mcast_*` keys with northd's defaults and clamps.

use engine::Coll;

use crate::input::{Smap, smap_bool, smap_get};
use crate::model::Model;
use crate::output::{IpMulticastRow, Output};

pub const DEFAULT_TABLE_SIZE: u64 = 2048;
pub const DEFAULT_IDLE_TIMEOUT: u64 = 300;
pub const MIN_IDLE_TIMEOUT: u32 = 15;
pub const MAX_IDLE_TIMEOUT: u32 = 3600;
pub const MIN_QUERY_INTERVAL: u32 = 1;
pub const MAX_QUERY_INTERVAL: u32 = MAX_IDLE_TIMEOUT;
pub const DEFAULT_QUERY_MAX_RESPONSE: u64 = 1;

/// C `strtoull(s, &tail, 10)` that must consume the whole string (`str_to_ullong`):
/// leading white space and a sign are accepted, a negative value wraps, overflow fails.
pub fn str_to_ullong(s: &str) -> Option<u64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: u64 = digits.parse().ok()?;
    Some(if neg { v.wrapping_neg() } else { v })
}

/// `smap_get_ullong`.
fn get_ullong(m: &Smap, key: &str, default: u64) -> u64 {
    smap_get(m, key)
        .and_then(|v| str_to_ullong(v))
        .unwrap_or(default)
}

/// The row for a switch with `other_config` (init_mcast_info_for_switch_datapath).
pub fn row(dp: crate::input::Uuid, oc: &Smap) -> IpMulticastRow {
    // northd keeps the timeouts in uint32_t locals: values truncate before clamping.
    let idle = (get_ullong(oc, "mcast_idle_timeout", DEFAULT_IDLE_TIMEOUT) as u32)
        .clamp(MIN_IDLE_TIMEOUT, MAX_IDLE_TIMEOUT);
    let query = (get_ullong(oc, "mcast_query_interval", (idle / 2) as u64) as u32)
        .clamp(MIN_QUERY_INTERVAL, MAX_QUERY_INTERVAL);
    IpMulticastRow {
        dp,
        enabled: smap_bool(oc, "mcast_snoop", false),
        querier: smap_bool(oc, "mcast_querier", true),
        table_size: get_ullong(oc, "mcast_table_size", DEFAULT_TABLE_SIZE) as i64,
        idle_timeout: idle as i64,
        query_interval: query as i64,
        query_max_resp: get_ullong(oc, "mcast_query_max_response", DEFAULT_QUERY_MAX_RESPONSE)
            as i64,
        eth_src: smap_get(oc, "mcast_eth_src").cloned(),
        ip4_src: smap_get(oc, "mcast_ip4_src").cloned(),
        ip6_src: smap_get(oc, "mcast_ip6_src").cloned(),
    }
}

pub(crate) fn rows<'s>(m: &Model<'s>) -> Coll<'s, Output> {
    m.switches
        .clone()
        .map(|s| Output::IpMulticast(std::sync::Arc::new(row(s.nb.uuid, &s.nb.other_config))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Uuid;

    fn oc(kv: &[(&str, &str)]) -> Smap {
        kv.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    #[test]
    fn defaults() {
        let r = row(Uuid(1), &Smap::new());
        assert_eq!(
            (r.enabled, r.querier, r.table_size, r.idle_timeout),
            (false, true, 2048, 300)
        );
        assert_eq!((r.query_interval, r.query_max_resp), (150, 1));
        assert_eq!((r.eth_src, r.ip4_src, r.ip6_src), (None, None, None));
    }

    #[test]
    fn clamps_and_parsing() {
        // Observed: 10 -> 15 with query interval 7; 4000 -> 3600.
        let r = row(Uuid(1), &oc(&[("mcast_idle_timeout", "10")]));
        assert_eq!((r.idle_timeout, r.query_interval), (15, 7));
        let r = row(Uuid(1), &oc(&[("mcast_idle_timeout", "4000")]));
        assert_eq!((r.idle_timeout, r.query_interval), (3600, 1800));
        let r = row(
            Uuid(1),
            &oc(&[
                ("mcast_query_interval", "0"),
                ("mcast_table_size", " +10"),
                ("mcast_snoop", "TRUE"),
                ("mcast_querier", "no"),
            ]),
        );
        assert_eq!((r.query_interval, r.table_size), (1, 10));
        assert!(r.enabled && r.querier);
        let r = row(Uuid(1), &oc(&[("mcast_table_size", "12x")]));
        assert_eq!(r.table_size, 2048);
        assert_eq!(str_to_ullong("-1"), Some(u64::MAX));
        assert_eq!(str_to_ullong("99999999999999999999"), None);
    }
}
