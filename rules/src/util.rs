//! Text helpers shared by the stages: quoting port names, printing addresses the way
//! ovn-northd (glibc `inet_ntop`) does.

use std::net::Ipv6Addr;

/// A port name as a JSON string, as northd writes `inport == "name"`.
pub fn json_key(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 2);
    s.push('"');
    for c in name.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            '\u{8}' => s.push_str("\\b"),
            '\u{c}' => s.push_str("\\f"),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// IPv6 text as glibc's inet_ntop prints it.
pub fn ip6(a: &Ipv6Addr) -> String {
    let w = a.segments();
    if w[..6] == [0; 6] && w[6] != 0 {
        let [_, _, _, _, _, _, _, _, _, _, _, _, b0, b1, b2, b3] = a.octets();
        return format!("::{b0}.{b1}.{b2}.{b3}");
    }
    a.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_ipv6_forms() {
        let p = |s: &str| s.parse::<Ipv6Addr>().unwrap();
        assert_eq!(ip6(&p("2001:db8:0:0:1::")), "2001:db8:0:0:1::");
        assert_eq!(ip6(&p("fd00:0:0:1::1")), "fd00:0:0:1::1");
        assert_eq!(ip6(&p("::1.2.3.4")), "::1.2.3.4");
        assert_eq!(ip6(&p("::ffff:1.2.3.4")), "::ffff:1.2.3.4");
        assert_eq!(ip6(&p("::1")), "::1");
        assert_eq!(ip6(&p("::")), "::");
    }

    #[test]
    fn quoting() {
        assert_eq!(json_key("vm1"), "\"vm1\"");
        assert_eq!(json_key("a\"b"), "\"a\\\"b\"");
    }
}
