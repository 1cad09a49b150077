//! Transit switches: each IC-NB `Transit_Switch` gets a tunnel key in IC-SB
//! `Datapath_Binding` (16711682 and up, the range above northd's own datapath keys) and a
//! copy in the zone's NB, a `Logical_Switch` named like it with
//! `other_config:interconn-ts` and, once the key is bound, `requested-tnl-key`.

use engine::Coll;
use serde::{Deserialize, Serialize};

use crate::input::Istr;
use crate::model::{Model, lookup};
use crate::op::Op;

/// Transit switch datapath keys: 16711681..=16777215. As ovn-ic hands them out, the first
/// is 16711682 and 16711681 comes last.
pub const TS_KEY_MIN: u32 = 16_711_681;
pub const TS_KEY_MAX: u32 = 16_777_215;

/// The lowest free keys for `wanted` (in order), above the range's first key and
/// wrapping to it.
fn allocate(used: &std::collections::BTreeSet<u32>, wanted: usize) -> Vec<u32> {
    ((TS_KEY_MIN + 1)..=TS_KEY_MAX)
        .chain(std::iter::once(TS_KEY_MIN))
        .filter(|k| !used.contains(k))
        .take(wanted)
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
enum Claim {
    Used(u32),
    Wanted(Istr),
}

pub fn ops<'s>(m: &Model<'s>) -> Coll<'s, Op> {
    // Switches without a binding get the lowest free keys, in name order. (Transit
    // switches are few: one aggregate over all of them.)
    let bound = m.icdp.clone().map(|d| d.ts.clone()).distinct();
    let unbound = m.tss.clone().map(|(n, _)| (n, ())).antijoin(bound);
    let add_keys = m
        .icdp
        .clone()
        .map(|d| ((), Claim::Used(d.key)))
        .concat(unbound.map(|(n, ())| ((), Claim::Wanted(n))))
        .reduce(|_, claims, out| {
            let used = claims
                .iter()
                .filter_map(|(c, _)| match c {
                    Claim::Used(k) => Some(*k),
                    _ => None,
                })
                .collect();
            let wanted: Vec<&Istr> = claims
                .iter()
                .filter_map(|(c, _)| match c {
                    Claim::Wanted(n) => Some(n),
                    _ => None,
                })
                .collect();
            let mut keys = allocate(&used, wanted.len()).into_iter();
            for ts in wanted {
                match keys.next() {
                    Some(key) => out.push((
                        Op::AddTsKey {
                            ts: ts.clone(),
                            key,
                        },
                        1,
                    )),
                    None => out.push((
                        Op::Warn {
                            text: "all transit switch datapath tunnel ids exhausted".into(),
                        },
                        1,
                    )),
                }
            }
        })
        .map(|((), op)| op);

    // Bindings of switches IC-NB no longer has.
    let stale_keys = m
        .icdp
        .clone()
        .map(|d| (d.ts.clone(), d))
        .antijoin(m.tss.clone().map(|(n, _)| n))
        .map(|(ts, d)| Op::DelTsKey { row: d.uuid, ts });

    // NB copies: missing ones are added, their key kept equal to the binding's.
    let add_switches = lookup(
        m.tss
            .clone()
            .map(|(n, _)| (n.clone(), ()))
            .antijoin(m.ts_switch.clone().map(|(n, _)| n))
            .map(|(n, ())| (Some(n.clone()), n)),
        &m.ts_key,
    )
    .map(|(ts, key)| Op::AddTsSwitch { ts, key });
    let set_keys = m
        .ts_switch
        .clone()
        .join(m.ts_key.clone())
        .flat_map(|(_, (s, key))| {
            let cur = s.requested_key.as_ref().and_then(|k| k.parse::<u32>().ok());
            (cur != Some(key)).then_some(Op::SetTsSwitchKey { row: s.uuid, key })
        });
    // Copies of switches that are gone, and second copies.
    let kept = m.ts_switch.clone().map(|(_, s)| s.uuid);
    let del_switches =
        m.ls.clone()
            .map(|s| (s.uuid, ()))
            .antijoin(kept)
            .map(|(row, ())| Op::DelTsSwitch { row });
    add_keys
        .concat(stale_keys)
        .concat(add_switches)
        .concat(set_keys)
        .concat(del_switches)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    #[test]
    fn keys_start_above_the_range_minimum_and_wrap_to_it() {
        let used: std::collections::BTreeSet<u32> = [16_711_682, 16_711_684].into();
        assert_eq!(allocate(&used, 2), vec![16_711_683, 16_711_685]);
        let full: std::collections::BTreeSet<u32> = ((TS_KEY_MIN + 1)..=TS_KEY_MAX).collect();
        assert_eq!(allocate(&full, 2), vec![TS_KEY_MIN]);
    }

    #[test]
    fn a_new_transit_switch_gets_a_key_and_an_nb_copy() {
        let mut t = Zone::new("east");
        t.ts("ts1");
        t.ts("ts2");
        let ops = t.ops();
        assert!(
            has(&ops, "AddTsKey { ts: \"ts1\", key: 16711682 }"),
            "{ops:#?}"
        );
        assert!(
            has(&ops, "AddTsKey { ts: \"ts2\", key: 16711683 }"),
            "{ops:#?}"
        );
        assert!(
            has(&ops, "AddTsSwitch { ts: \"ts1\", key: None }"),
            "{ops:#?}"
        );
        // Once bound, the copy is created with its key.
        t.icdp("ts1", 16_711_682);
        let ops = t.ops();
        assert!(
            has(&ops, "AddTsSwitch { ts: \"ts1\", key: Some(16711682) }"),
            "{ops:#?}"
        );
        assert!(!has(&ops, "AddTsKey { ts: \"ts1\""), "{ops:#?}");
    }

    #[test]
    fn copies_follow_the_binding_and_go_with_their_switch() {
        let mut t = Zone::new("east");
        t.ts("ts1");
        t.icdp("ts1", 16_711_690);
        let ls = t.ts_ls("ts1", Some("7"));
        let ops = t.ops();
        assert!(
            ops.contains(&Op::SetTsSwitchKey {
                row: ls,
                key: 16_711_690
            }),
            "{ops:#?}"
        );
        t.set_ts_ls_key(ls, "16711690");
        assert!(t.ops().is_empty(), "{:#?}", t.ops());
        // A second copy of the same switch goes.
        let second = t.ts_ls_named("other", "ts1", None);
        assert_eq!(t.ops(), vec![Op::DelTsSwitch { row: second }]);
        t.remove(second);
        // Gone from IC-NB: binding and copy go (the binding once IC-NB confirms).
        let binding = t.icdp_row("ts1");
        t.no_ts("ts1");
        let ops = t.ops();
        assert!(ops.contains(&Op::DelTsSwitch { row: ls }), "{ops:#?}");
        assert!(
            ops.contains(&Op::DelTsKey {
                row: binding,
                ts: "ts1".into()
            }),
            "{ops:#?}"
        );
    }

    #[test]
    fn nothing_happens_before_the_zone_is_registered() {
        let mut t = Zone::unregistered("east");
        t.ts("ts1");
        assert_eq!(
            t.ops(),
            vec![Op::AddAz {
                name: "east".into()
            }]
        );
    }
}
