//! The 66 logical pipeline stages of ovn-northd 23.03: pipeline, table number and name.

use serde::{Deserialize, Serialize};

macro_rules! stages {
    ($($variant:ident = ($dp:ident, $pipe:ident, $table:expr, $name:expr)),* $(,)?) => {
        /// A logical pipeline stage (`Logical_Flow.table_id` + `external_ids:stage-name`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum Stage { $($variant),* }

        impl Stage {
            pub const ALL: &'static [Stage] = &[$(Stage::$variant),*];
            /// `true` for logical switch stages, `false` for logical router stages.
            pub fn is_switch(self) -> bool {
                match self { $(Stage::$variant => DpKind::$dp == DpKind::Switch),* }
            }
            pub fn pipeline(self) -> Pipeline {
                match self { $(Stage::$variant => Pipeline::$pipe),* }
            }
            pub fn table(self) -> u8 {
                match self { $(Stage::$variant => $table),* }
            }
            pub fn name(self) -> &'static str {
                match self { $(Stage::$variant => $name),* }
            }
        }
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DpKind {
    Switch,
    Router,
}

/// `Logical_Flow.pipeline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Pipeline {
    Ingress,
    Egress,
}

impl Pipeline {
    pub fn name(self) -> &'static str {
        match self {
            Pipeline::Ingress => "ingress",
            Pipeline::Egress => "egress",
        }
    }
}

stages! {
    LsInCheckPortSec = (Switch, Ingress, 0, "ls_in_check_port_sec"),
    LsInApplyPortSec = (Switch, Ingress, 1, "ls_in_apply_port_sec"),
    LsInLookupFdb = (Switch, Ingress, 2, "ls_in_lookup_fdb"),
    LsInPutFdb = (Switch, Ingress, 3, "ls_in_put_fdb"),
    LsInPreAcl = (Switch, Ingress, 4, "ls_in_pre_acl"),
    LsInPreLb = (Switch, Ingress, 5, "ls_in_pre_lb"),
    LsInPreStateful = (Switch, Ingress, 6, "ls_in_pre_stateful"),
    LsInAclHint = (Switch, Ingress, 7, "ls_in_acl_hint"),
    LsInAcl = (Switch, Ingress, 8, "ls_in_acl"),
    LsInQosMark = (Switch, Ingress, 9, "ls_in_qos_mark"),
    LsInQosMeter = (Switch, Ingress, 10, "ls_in_qos_meter"),
    LsInLbAffCheck = (Switch, Ingress, 11, "ls_in_lb_aff_check"),
    LsInLb = (Switch, Ingress, 12, "ls_in_lb"),
    LsInLbAffLearn = (Switch, Ingress, 13, "ls_in_lb_aff_learn"),
    LsInPreHairpin = (Switch, Ingress, 14, "ls_in_pre_hairpin"),
    LsInNatHairpin = (Switch, Ingress, 15, "ls_in_nat_hairpin"),
    LsInHairpin = (Switch, Ingress, 16, "ls_in_hairpin"),
    LsInAclAfterLb = (Switch, Ingress, 17, "ls_in_acl_after_lb"),
    LsInStateful = (Switch, Ingress, 18, "ls_in_stateful"),
    LsInArpRsp = (Switch, Ingress, 19, "ls_in_arp_rsp"),
    LsInDhcpOptions = (Switch, Ingress, 20, "ls_in_dhcp_options"),
    LsInDhcpResponse = (Switch, Ingress, 21, "ls_in_dhcp_response"),
    LsInDnsLookup = (Switch, Ingress, 22, "ls_in_dns_lookup"),
    LsInDnsResponse = (Switch, Ingress, 23, "ls_in_dns_response"),
    LsInExternalPort = (Switch, Ingress, 24, "ls_in_external_port"),
    LsInL2Lkup = (Switch, Ingress, 25, "ls_in_l2_lkup"),
    LsInL2Unknown = (Switch, Ingress, 26, "ls_in_l2_unknown"),
    LsOutPreAcl = (Switch, Egress, 0, "ls_out_pre_acl"),
    LsOutPreLb = (Switch, Egress, 1, "ls_out_pre_lb"),
    LsOutPreStateful = (Switch, Egress, 2, "ls_out_pre_stateful"),
    LsOutAclHint = (Switch, Egress, 3, "ls_out_acl_hint"),
    LsOutAcl = (Switch, Egress, 4, "ls_out_acl"),
    LsOutQosMark = (Switch, Egress, 5, "ls_out_qos_mark"),
    LsOutQosMeter = (Switch, Egress, 6, "ls_out_qos_meter"),
    LsOutStateful = (Switch, Egress, 7, "ls_out_stateful"),
    LsOutCheckPortSec = (Switch, Egress, 8, "ls_out_check_port_sec"),
    LsOutApplyPortSec = (Switch, Egress, 9, "ls_out_apply_port_sec"),
    LrInAdmission = (Router, Ingress, 0, "lr_in_admission"),
    LrInLookupNeighbor = (Router, Ingress, 1, "lr_in_lookup_neighbor"),
    LrInLearnNeighbor = (Router, Ingress, 2, "lr_in_learn_neighbor"),
    LrInIpInput = (Router, Ingress, 3, "lr_in_ip_input"),
    LrInUnsnat = (Router, Ingress, 4, "lr_in_unsnat"),
    LrInDefrag = (Router, Ingress, 5, "lr_in_defrag"),
    LrInLbAffCheck = (Router, Ingress, 6, "lr_in_lb_aff_check"),
    LrInDnat = (Router, Ingress, 7, "lr_in_dnat"),
    LrInLbAffLearn = (Router, Ingress, 8, "lr_in_lb_aff_learn"),
    LrInEcmpStateful = (Router, Ingress, 9, "lr_in_ecmp_stateful"),
    LrInNdRaOptions = (Router, Ingress, 10, "lr_in_nd_ra_options"),
    LrInNdRaResponse = (Router, Ingress, 11, "lr_in_nd_ra_response"),
    LrInIpRoutingPre = (Router, Ingress, 12, "lr_in_ip_routing_pre"),
    LrInIpRouting = (Router, Ingress, 13, "lr_in_ip_routing"),
    LrInIpRoutingEcmp = (Router, Ingress, 14, "lr_in_ip_routing_ecmp"),
    LrInPolicy = (Router, Ingress, 15, "lr_in_policy"),
    LrInPolicyEcmp = (Router, Ingress, 16, "lr_in_policy_ecmp"),
    LrInArpResolve = (Router, Ingress, 17, "lr_in_arp_resolve"),
    LrInChkPktLen = (Router, Ingress, 18, "lr_in_chk_pkt_len"),
    LrInLargerPkts = (Router, Ingress, 19, "lr_in_larger_pkts"),
    LrInGwRedirect = (Router, Ingress, 20, "lr_in_gw_redirect"),
    LrInArpRequest = (Router, Ingress, 21, "lr_in_arp_request"),
    LrOutChkDnatLocal = (Router, Egress, 0, "lr_out_chk_dnat_local"),
    LrOutUndnat = (Router, Egress, 1, "lr_out_undnat"),
    LrOutPostUndnat = (Router, Egress, 2, "lr_out_post_undnat"),
    LrOutSnat = (Router, Egress, 3, "lr_out_snat"),
    LrOutPostSnat = (Router, Egress, 4, "lr_out_post_snat"),
    LrOutEgrLoop = (Router, Egress, 5, "lr_out_egr_loop"),
    LrOutDelivery = (Router, Egress, 6, "lr_out_delivery"),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_six_stages_numbered_densely_per_pipeline() {
        assert_eq!(Stage::ALL.len(), 66);
        for (sw, pipe, n) in [
            (true, Pipeline::Ingress, 27),
            (true, Pipeline::Egress, 10),
            (false, Pipeline::Ingress, 22),
            (false, Pipeline::Egress, 7),
        ] {
            let mut tables: Vec<u8> = Stage::ALL
                .iter()
                .filter(|s| s.is_switch() == sw && s.pipeline() == pipe)
                .map(|s| s.table())
                .collect();
            tables.sort();
            assert_eq!(tables, (0..n).collect::<Vec<u8>>());
        }
    }
}
