//! Route prefixes and next hops as ovn-ic parses and prints them: IPv4 tried first, then
//! IPv6 (`ip46_parse_cidr`), host bits kept, IPv6 printed as glibc's `inet_ntop` does.

use std::net::IpAddr;

use rules::model::addr::{Ipv4Net, Ipv6Net};
use rules::util::ip6;
use serde::{Deserialize, Serialize};

/// An address with a prefix length (32 / 128 for a host).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Prefix {
    V4(Ipv4Net),
    V6(Ipv6Net),
}

impl Prefix {
    /// `ADDR`, `ADDR/LEN` or `ADDR/MASK`, IPv4 first; host bits are kept.
    pub fn parse(s: &str) -> Option<Prefix> {
        if let Some(n) = Ipv4Net::parse(s) {
            return Some(Prefix::V4(n));
        }
        Ipv6Net::parse(s.trim_start()).map(Prefix::V6)
    }

    pub fn plen(&self) -> u8 {
        match self {
            Prefix::V4(n) => n.plen,
            Prefix::V6(n) => n.plen,
        }
    }

    pub fn addr(&self) -> IpAddr {
        match self {
            Prefix::V4(n) => IpAddr::V4(n.addr),
            Prefix::V6(n) => IpAddr::V6(n.addr),
        }
    }

    pub fn is_v4(&self) -> bool {
        matches!(self, Prefix::V4(_))
    }

    /// "a.b.c.d/len" or "v6/len", host bits kept, as IC-SB `Route.ip_prefix` holds it.
    pub fn to_prefix_string(&self) -> String {
        match self {
            Prefix::V4(n) => format!("{}/{}", n.addr, n.plen),
            Prefix::V6(n) => format!("{}/{}", ip6(&n.addr), n.plen),
        }
    }

    /// A link-local prefix: inside 169.254.0.0/16 or fe80::/10.
    pub fn is_link_local(&self) -> bool {
        match self {
            Prefix::V4(n) => n.plen >= 16 && u32::from(n.addr) & 0xffff_0000 == 0xa9fe_0000,
            Prefix::V6(n) => n.plen >= 10 && n.is_lla(),
        }
    }

    /// Whether `self` lies inside `net` (same family, at least as long, same leading
    /// bits).
    pub fn within(&self, net: &Prefix) -> bool {
        match (self, net) {
            (Prefix::V4(p), Prefix::V4(b)) => p.plen >= b.plen && b.contains(p.addr),
            (Prefix::V6(p), Prefix::V6(b)) => p.plen >= b.plen && b.contains(p.addr),
            _ => false,
        }
    }
}

/// A next hop as printed in IC-SB `Route.nexthop`: the address alone.
pub fn addr_string(a: &IpAddr) -> String {
    match a {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => ip6(a),
    }
}

/// A link-local next hop (fe80::/64), which ovn-ic neither advertises nor learns.
pub fn is_lla_nexthop(p: &Prefix) -> bool {
    match p {
        Prefix::V4(_) => false,
        Prefix::V6(n) => u128::from(n.addr) >> 64 == 0xfe80_0000_0000_0000,
    }
}

/// A route's prefix and next hop, both parsed; `None` when either does not parse or the
/// next hop is link-local (`parse_route`).
pub fn parse_route(prefix: &str, nexthop: &str) -> Option<(Prefix, Prefix)> {
    let p = Prefix::parse(prefix)?;
    let nh = Prefix::parse(nexthop)?;
    (!is_lla_nexthop(&nh)).then_some((p, nh))
}

/// `options:ic-route-blacklist`: comma-separated CIDRs. As ovn-ic reads it, the list ends
/// at the first empty entry; entries that do not parse are reported and skipped.
pub fn parse_blacklist(s: &str) -> (Vec<Prefix>, Vec<String>) {
    let mut nets = Vec::new();
    let mut bad = Vec::new();
    for tok in s.split(',') {
        if tok.is_empty() {
            break;
        }
        match Prefix::parse(tok) {
            Some(p) => nets.push(p),
            None => bad.push(tok.to_string()),
        }
    }
    (nets, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_keep_their_host_bits() {
        let p = Prefix::parse("192.168.1.1/24").unwrap();
        assert_eq!(p.to_prefix_string(), "192.168.1.1/24");
        assert_eq!(
            Prefix::parse("1.1.1.1").unwrap().to_prefix_string(),
            "1.1.1.1/32"
        );
        assert_eq!(
            Prefix::parse("2002:DB8:1::1/64")
                .unwrap()
                .to_prefix_string(),
            "2002:db8:1::1/64"
        );
        assert_eq!(
            Prefix::parse("10.0.0.0/255.255.0.0").unwrap().plen(),
            16,
            "a dotted mask"
        );
        assert!(Prefix::parse("discard").is_none());
        assert!(Prefix::parse("").is_none());
    }

    #[test]
    fn link_local_prefixes_and_next_hops() {
        let ll = |s: &str| Prefix::parse(s).unwrap().is_link_local();
        assert!(ll("169.254.100.0/24"));
        assert!(!ll("169.0.0.0/8"));
        assert!(!ll("169.254.0.0/15"));
        assert!(ll("fe80::/64"));
        assert!(ll("fe80::1/10"));
        assert!(!ll("2001:db8::/64"));
        // Next hops: only fe80::/64 counts; IPv4 never.
        assert!(parse_route("10.0.0.0/8", "169.254.0.1").is_some());
        assert!(parse_route("2001:db8::/64", "fe80::a8aa:aaff:feaa:aa01").is_none());
        assert!(parse_route("2001:db8::/64", "fe80:1::1").is_some());
        assert!(parse_route("10.0.0.0/8", "discard").is_none());
    }

    #[test]
    fn blacklists_stop_at_an_empty_entry_and_match_by_prefix() {
        let (nets, bad) = parse_blacklist("10.11.0.0/16,bogus,192.168.0.0/16,,172.16.0.0/12");
        assert_eq!(nets.len(), 2);
        assert_eq!(bad, vec!["bogus".to_string()]);
        let p = |s: &str| Prefix::parse(s).unwrap();
        assert!(p("10.11.2.0/24").within(&nets[0]));
        assert!(!p("10.12.2.0/24").within(&nets[0]));
        assert!(!p("10.0.0.0/8").within(&nets[0]), "shorter than the entry");
        // IPv6 entries match by their prefix too (23.03.1 matched every IPv6 prefix).
        let (v6, _) = parse_blacklist("fd00::/8");
        assert!(p("fd12::/64").within(&v6[0]));
        assert!(!p("2002:db8:2::/64").within(&v6[0]));
        assert!(!p("10.0.0.0/24").within(&v6[0]));
    }
}
