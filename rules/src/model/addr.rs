//! Addresses as ovn-northd parses and prints them (ovn-util.c): MACs, IPv4/IPv6 networks,
//! `Logical_Switch_Port.addresses` entries and router port networks with their IPv6
//! link-local address.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

/// An Ethernet address, printed as `xx:xx:xx:xx:xx:xx`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// Parses `h:h:h:h:h:h` with one or two hex digits per byte; returns the rest of the
    /// string after the address.
    pub fn parse_prefix(s: &str) -> Option<(Mac, &str)> {
        let mut out = [0u8; 6];
        let mut rest = s;
        for (i, b) in out.iter_mut().enumerate() {
            let n = rest
                .bytes()
                .take(2)
                .take_while(u8::is_ascii_hexdigit)
                .count();
            if n == 0 {
                return None;
            }
            *b = u8::from_str_radix(&rest[..n], 16).ok()?;
            rest = &rest[n..];
            if i < 5 {
                rest = rest.strip_prefix(':')?;
            }
        }
        Some((Mac(out), rest))
    }

    pub fn parse(s: &str) -> Option<Mac> {
        match Mac::parse_prefix(s.trim()) {
            Some((m, "")) => Some(m),
            _ => None,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0 == [0; 6]
    }

    /// The EUI-64 IPv6 link-local address (`in6_generate_lla`).
    pub fn lla(&self) -> Ipv6Addr {
        let m = self.0;
        Ipv6Addr::from([
            0xfe,
            0x80,
            0,
            0,
            0,
            0,
            0,
            0,
            m[0] ^ 0x02,
            m[1],
            m[2],
            0xff,
            0xfe,
            m[3],
            m[4],
            m[5],
        ])
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// An IPv4 address with a prefix length (32 for a host address).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ipv4Net {
    pub addr: Ipv4Addr,
    pub plen: u8,
}

impl Ipv4Net {
    pub fn mask(&self) -> u32 {
        if self.plen == 0 {
            0
        } else {
            u32::MAX << (32 - self.plen as u32)
        }
    }
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }
    pub fn bcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        (u32::from(ip) & self.mask()) == u32::from(self.network())
    }

    /// Parses `a.b.c.d`, `a.b.c.d/plen` or `a.b.c.d/m.m.m.m` (contiguous masks only) as
    /// OVS's `ip_parse_cidr` does: octets are scanned like `%hhu` (leading zeros and
    /// truncation to 8 bits included).
    pub fn parse(s: &str) -> Option<Ipv4Net> {
        let (addr, rest) = scan_ipv4(s)?;
        let plen = if rest.is_empty() {
            32
        } else {
            let p = rest.strip_prefix('/')?;
            if let Some((m, "")) = scan_ipv4(p) {
                let m = u32::from(m);
                let plen = m.leading_ones();
                if m.checked_shl(plen).unwrap_or(0) != 0 {
                    return None;
                }
                plen as u8
            } else {
                let (n, rest) = scan_uint(p)?;
                if !rest.is_empty() || n > 32 {
                    return None;
                }
                n as u8
            }
        };
        Some(Ipv4Net { addr, plen })
    }
}

/// `%u`-style: optional leading whitespace, optional '+', one or more decimal digits.
fn scan_uint(s: &str) -> Option<(u64, &str)> {
    let t = s.trim_start();
    let t = t.strip_prefix('+').unwrap_or(t);
    let n = t.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let v = t[..n].bytes().fold(0u64, |a, d| {
        a.saturating_mul(10).saturating_add((d - b'0') as u64)
    });
    Some((v, &t[n..]))
}

/// `%hhu.%hhu.%hhu.%hhu`.
fn scan_ipv4(s: &str) -> Option<(Ipv4Addr, &str)> {
    let mut o = [0u8; 4];
    let mut rest = s;
    for (i, b) in o.iter_mut().enumerate() {
        let (v, r) = scan_uint(rest)?;
        *b = v as u8;
        rest = r;
        if i < 3 {
            rest = rest.strip_prefix('.')?;
        }
    }
    Some((Ipv4Addr::from(o), rest))
}

/// An IPv6 address with a prefix length (128 for a host address).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ipv6Net {
    pub addr: Ipv6Addr,
    pub plen: u8,
}

impl Ipv6Net {
    pub fn mask(&self) -> u128 {
        if self.plen == 0 {
            0
        } else {
            u128::MAX << (128 - self.plen as u32)
        }
    }
    pub fn network(&self) -> Ipv6Addr {
        Ipv6Addr::from(u128::from(self.addr) & self.mask())
    }
    pub fn contains(&self, ip: Ipv6Addr) -> bool {
        (u128::from(ip) & self.mask()) == u128::from(self.network())
    }
    /// The solicited-node multicast address `ff02::1:ffXX:XXXX`.
    pub fn sn_addr(&self) -> Ipv6Addr {
        let low = u128::from(self.addr) & 0xff_ffff;
        Ipv6Addr::from(0xff02_0000_0000_0000_0000_0001_ff00_0000u128 | low)
    }
    pub fn is_lla(&self) -> bool {
        (u128::from(self.addr) >> 118) == 0x3fa // fe80::/10
    }

    pub fn parse(s: &str) -> Option<Ipv6Net> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: Ipv6Addr = a.parse().ok()?;
        let plen = match p {
            None => 128,
            Some(p) => {
                let n: u8 = p.parse().ok()?;
                if n > 128 {
                    return None;
                }
                n
            }
        };
        Some(Ipv6Net { addr, plen })
    }
}

/// One parsed address entry: a MAC and the IPs that follow it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LportAddrs {
    pub mac: Mac,
    pub ipv4: Vec<Ipv4Net>,
    pub ipv6: Vec<Ipv6Net>,
}

impl LportAddrs {
    /// `extract_lsp_addresses`: "MAC [IP ...]". Parsing stops at the first token that is
    /// not an address (C logs and keeps what it has). `None` without a valid MAC.
    pub fn parse_lsp(s: &str) -> Option<LportAddrs> {
        let (mac, rest) = Mac::parse_prefix(s.trim_start())?;
        if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
            return None;
        }
        let mut out = LportAddrs {
            mac,
            ..Default::default()
        };
        out.push_ips(rest.split_whitespace());
        Some(out)
    }

    /// `extract_ip_addresses`: "IP [IP ...]".
    pub fn parse_ips(s: &str) -> LportAddrs {
        let mut out = LportAddrs::default();
        out.push_ips(s.split_whitespace());
        out
    }

    fn push_ips<'a>(&mut self, tokens: impl Iterator<Item = &'a str>) {
        for tok in tokens {
            if let Some(n) = Ipv4Net::parse(tok) {
                self.ipv4.push(n);
            } else if let Some(n) = Ipv6Net::parse(tok) {
                self.ipv6.push(n);
            } else {
                break;
            }
        }
    }

    /// `extract_lrp_networks`: the router port's MAC, its networks (invalid entries
    /// skipped) and, always last, the link-local address fe80::EUI-64/64.
    pub fn parse_lrp(mac: &str, networks: &[impl AsRef<str>]) -> Option<LportAddrs> {
        let mac = Mac::parse(mac)?;
        let mut out = LportAddrs {
            mac,
            ..Default::default()
        };
        for n in networks {
            let n = n.as_ref();
            if let Some(v4) = Ipv4Net::parse(n) {
                if !v4.addr.is_unspecified() {
                    out.ipv4.push(v4);
                }
            } else if let Some(v6) = Ipv6Net::parse(n) {
                out.ipv6.push(v6);
            }
        }
        out.ipv6.push(Ipv6Net {
            addr: mac.lla(),
            plen: 64,
        });
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lla_is_eui64_with_the_local_bit_flipped() {
        let m = Mac::parse("40:44:00:00:00:03").unwrap();
        assert_eq!(m.lla().to_string(), "fe80::4244:ff:fe00:3");
    }

    #[test]
    fn solicited_node_address() {
        let n = Ipv6Net::parse("fe80::4244:ff:fe00:3").unwrap();
        assert_eq!(n.sn_addr().to_string(), "ff02::1:ff00:3");
    }

    #[test]
    fn lsp_addresses() {
        let a = LportAddrs::parse_lsp("40:44:00:00:00:01 192.168.0.11 fd00::11").unwrap();
        assert_eq!(a.mac.to_string(), "40:44:00:00:00:01");
        assert_eq!(a.ipv4[0].addr.to_string(), "192.168.0.11");
        assert_eq!(a.ipv6[0].addr.to_string(), "fd00::11");
        assert!(LportAddrs::parse_lsp("unknown").is_none());
        assert!(LportAddrs::parse_lsp("40:44:00:00:00:0g").is_none());
    }

    #[test]
    fn networks_keep_host_bits() {
        let n = Ipv4Net::parse("192.168.0.1/24").unwrap();
        assert_eq!(n.network().to_string(), "192.168.0.0");
        assert_eq!(n.bcast().to_string(), "192.168.0.255");
        assert!(n.contains("192.168.0.77".parse().unwrap()));
        assert!(Ipv4Net::parse("1.2.3.4/33").is_none());
    }
}
