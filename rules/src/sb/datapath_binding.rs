//! Datapath_Binding: one row per logical switch and per enabled logical router, keyed by
//! `external_ids:logical-switch` / `logical-router`.

use engine::Coll;

use crate::input::{Smap, smap_bool, smap_get};
use crate::intern::Istr;
use crate::model::Model;
use crate::output::{DatapathRow, Output};

pub(crate) fn rows<'s>(m: &Model<'s>) -> Coll<'s, Output> {
    let switch_ids = m.switches.clone().map(|s| {
        let mut ids: Smap = vec![
            ("logical-switch".into(), s.nb.uuid.to_string().into()),
            ("name".into(), s.nb.name.clone()),
        ];
        if let Some(n) =
            smap_get(&s.nb.external_ids, "neutron:network_name").filter(|n| !n.is_empty())
        {
            ids.push(("name2".into(), n.clone()));
        }
        if let Some(ts) = smap_get(&s.nb.other_config, "interconn-ts") {
            ids.push(("interconn-ts".into(), ts.clone()));
        }
        (s.nb.uuid, ids)
    });
    let router_ids = m.routers.clone().map(|r| {
        let mut ids: Smap = vec![
            ("logical-router".into(), r.nb.uuid.to_string().into()),
            ("name".into(), r.nb.name.clone()),
        ];
        if let Some(n) =
            smap_get(&r.nb.external_ids, "neutron:router_name").filter(|n| !n.is_empty())
        {
            ids.push(("name2".into(), n.clone()));
        }
        if let Some(z) = smap_get(&r.nb.options, "snat-ct-zone")
            .and_then(|z| z.parse::<i64>().ok())
            .filter(|z| *z >= 0)
        {
            ids.push(("snat-ct-zone".into(), Istr::from(z.to_string())));
        }
        if !smap_bool(&r.nb.options, "always_learn_from_arp_request", true) {
            ids.push(("always_learn_from_arp_request".into(), "false".into()));
        }
        (r.nb.uuid, ids)
    });
    switch_ids
        .concat(router_ids)
        .join(m.keys.dps.clone())
        .map(|(nb, (mut ids, key))| {
            ids.sort();
            Output::Datapath(std::sync::Arc::new(DatapathRow {
                nb,
                tunnel_key: key,
                external_ids: ids,
            }))
        })
}
