//! SB_Global options and the `svc_monitor_mac` Address_Set.
//!
//! northd rewrites NB_Global options (normalised `mac_prefix`, `svc_monitor_mac`,
//! `max_tunid`, `northd_internal_version`) and copies the result to SB_Global, adding
//! `lb_hairpin_use_ct_mark=false` when some chassis lacks `ct-no-masked-label` (and
//! removing the key otherwise). When NB has no usable `mac_prefix` or
//! `svc_monitor_mac`, northd picks random ones and writes them back to NB; the rules
//! must be deterministic, so ours derive from a fixed hash instead (the live driver is
//! expected to write them back to NB so that they persist).

use std::collections::BTreeMap;

use engine::Coll;

use crate::input::Smap;
use crate::intern::Istr;
use crate::model::Model;
use crate::model::keys::{DP_KEY_MAX, DP_KEY_MAX_VXLAN};
use crate::output::{AddressSetRow, Output};

/// `<package version>-<SB schema version>-<N_OVNACTS>.<OVN_INTERNAL_MINOR_VER>` of
/// ovn-northd 23.03.1.
pub const NORTHD_INTERNAL_VERSION: &str = "23.03.1-20.27.0-70.6";

/// OVS `ovs_scan(s, "%hhx:%hhx:...")` with `n` conversions: each byte may have
/// leading white space, a sign, a `0x` prefix and any number of hex digits (the value
/// truncates to 8 bits); the separators are literal colons; trailing text is ignored.
pub fn scan_hex_bytes(s: &str, n: usize) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        if k > 0 {
            if b.get(i) != Some(&b':') {
                return None;
            }
            i += 1;
        }
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_whitespace() || *c == 0x0b)
        {
            i += 1;
        }
        let neg = b.get(i) == Some(&b'-');
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if b.get(i) == Some(&b'0') && matches!(b.get(i + 1), Some(b'x' | b'X')) {
            i += 2;
        }
        let mut v: u64 = 0;
        let mut digits = 0;
        while let Some(d) = b.get(i).and_then(|c| (*c as char).to_digit(16)) {
            v = v.wrapping_mul(16).wrapping_add(d as u64);
            digits += 1;
            i += 1;
        }
        if digits == 0 {
            return None;
        }
        out.push(if neg { v.wrapping_neg() } else { v } as u8);
    }
    Some(out)
}

/// A MAC as `eth_addr_random` makes one (unicast, locally administered), but derived
/// from `tag` so that it is the same on every run.
pub fn fixed_random_mac(tag: &str) -> [u8; 6] {
    let mut h: u64 = 0xcbf29ce484222325;
    for byte in tag.bytes() {
        h = (h ^ byte as u64).wrapping_mul(0x100000001b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d049bb133111eb);
    h ^= h >> 31;
    let b = h.to_be_bytes();
    let mut m = [b[0], b[1], b[2], b[3], b[4], b[5]];
    m[0] &= !0x01;
    m[0] |= 0x02;
    m
}

fn fmt_mac(m: &[u8]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The SB_Global options for NB_Global `options` (sorted by key), and the normalised
/// svc_monitor_mac.
pub fn options(
    nb: &Smap,
    ct_no_masked_label: bool,
    vxlan: bool,
) -> (BTreeMap<String, String>, String) {
    let mut o: BTreeMap<String, String> = nb
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // mac_prefix: "%x:%x:%x" (3 bytes); missing, unparsable or zero: random.
    let prefix = o
        .get("mac_prefix")
        .and_then(|p| scan_hex_bytes(p, 3))
        .filter(|p| p.iter().any(|b| *b != 0))
        .unwrap_or_else(|| fixed_random_mac("ovn-dd mac_prefix")[..3].to_vec());
    o.insert("mac_prefix".into(), fmt_mac(&prefix));
    // svc_monitor_mac: a valid NB value stays verbatim; otherwise random.
    let svc = match o.get("svc_monitor_mac").and_then(|m| scan_hex_bytes(m, 6)) {
        Some(m) => fmt_mac(&m),
        None => {
            let m = fmt_mac(&fixed_random_mac("ovn-dd svc_monitor_mac"));
            o.insert("svc_monitor_mac".into(), m.clone());
            m
        }
    };
    let max = if vxlan { DP_KEY_MAX_VXLAN } else { DP_KEY_MAX };
    o.insert("max_tunid".into(), max.to_string());
    o.insert(
        "northd_internal_version".into(),
        NORTHD_INTERNAL_VERSION.into(),
    );
    if ct_no_masked_label {
        o.remove("lb_hairpin_use_ct_mark");
    } else {
        o.insert("lb_hairpin_use_ct_mark".into(), "false".into());
    }
    (o, svc)
}

pub(crate) fn rows<'s>(m: &Model<'s>) -> Coll<'s, Output> {
    m.cfg.clone().flat_map(|c| {
        let (opts, svc) = options(&c.options, c.features.ct_no_masked_label, c.vxlan);
        let mut v: Vec<Output> = opts
            .into_iter()
            .map(|(k, v)| Output::SbOption(Istr::from(k), Istr::from(v)))
            .collect();
        v.push(Output::AddressSet(std::sync::Arc::new(AddressSetRow {
            name: "svc_monitor_mac".into(),
            addresses: vec![svc.into()],
        })));
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nb(kv: &[(&str, &str)]) -> Smap {
        kv.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    #[test]
    fn scanning_is_lenient_like_ovs() {
        assert_eq!(scan_hex_bytes("A:b:C:dd", 3), Some(vec![0x0a, 0x0b, 0x0c]));
        assert_eq!(
            scan_hex_bytes(" 0x1ff: -1:+2", 3),
            Some(vec![0xff, 0xff, 2])
        );
        assert_eq!(scan_hex_bytes("0a:0b", 3), None);
        assert_eq!(scan_hex_bytes("0a::0b:0c", 3), None);
        assert_eq!(scan_hex_bytes("zz", 3), None);
    }

    #[test]
    fn normalised_and_kept_values() {
        let (o, svc) = options(
            &nb(&[
                ("mac_prefix", "A:b:C:dd"),
                ("svc_monitor_mac", "AA:BB:CC:DD:EE:FF"),
                ("foo", "bar"),
                ("northd_internal_version", "old"),
                ("lb_hairpin_use_ct_mark", "true"),
            ]),
            true,
            false,
        );
        assert_eq!(o["mac_prefix"], "0a:0b:0c");
        assert_eq!(o["svc_monitor_mac"], "AA:BB:CC:DD:EE:FF");
        assert_eq!(svc, "aa:bb:cc:dd:ee:ff");
        assert_eq!(o["foo"], "bar");
        assert_eq!(o["max_tunid"], "16711680");
        assert_eq!(o["northd_internal_version"], NORTHD_INTERNAL_VERSION);
        assert!(!o.contains_key("lb_hairpin_use_ct_mark"));
    }

    #[test]
    fn generated_values_are_unicast_local_and_stable() {
        let (o, svc) = options(&nb(&[("mac_prefix", "00:00:00")]), false, true);
        let p = scan_hex_bytes(&o["mac_prefix"], 3).unwrap();
        assert_eq!(p[0] & 3, 2);
        assert_eq!(o["svc_monitor_mac"], svc);
        assert_eq!(scan_hex_bytes(&svc, 6).unwrap()[0] & 3, 2);
        assert_eq!(o["max_tunid"], "4095");
        assert_eq!(o["lb_hairpin_use_ct_mark"], "false");
        assert_eq!(options(&Smap::new(), false, true).0, o);
    }
}
