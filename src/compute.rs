//! `ovn-dd compute`: one from-scratch computation over database files.

use std::path::PathBuf;

use adapters::{Database, Schema, dbfile};

use crate::driver::Northd;
use crate::nb::{nb_inputs, sb_inputs};
use crate::sb::dump_flows;

pub struct Args {
    pub nb: Option<PathBuf>,
    pub sb: Option<PathBuf>,
    pub sb_out: Option<PathBuf>,
    pub sb_schema: PathBuf,
    pub quiet: bool,
}

/// The seed topology (network1 - router1 - network2), shipped as database files.
const SEED_NB: &[u8] = include_bytes!("../examples/seed/nb.db");
const SEED_SB: &[u8] = include_bytes!("../examples/seed/sb.db");

fn load(path: &Option<PathBuf>, embedded: &[u8], expected: &str) -> Result<Database, String> {
    match path {
        Some(p) => dbfile::read_expecting(p, expected).map_err(|e| e.to_string()),
        None => dbfile::parse(embedded, "<embedded seed>", expected).map_err(|e| e.to_string()),
    }
}

/// Computes the Southbound for `nb` (and the chassis and keys of `sb`) in one
/// transaction.
pub fn compute(nb: &Database, sb: Option<&Database>) -> Northd {
    let mut northd = Northd::new();
    let mut inputs = nb_inputs(nb);
    if let Some(sb) = sb {
        inputs.extend(sb_inputs(sb));
    }
    northd.apply(inputs.into_iter().map(|i| (i, 1)));
    northd
}

pub fn run(args: Args) -> Result<(), String> {
    let nb = load(&args.nb, SEED_NB, "OVN_Northbound")?;
    let sb = match (&args.sb, &args.nb) {
        (Some(_), _) | (None, None) => Some(load(&args.sb, SEED_SB, "OVN_Southbound")?),
        (None, Some(_)) => None,
    };
    let northd = compute(&nb, sb.as_ref());
    let state = northd.state();
    let schema = match &sb {
        Some(sb) => sb.schema.clone(),
        None => {
            let text = std::fs::read_to_string(&args.sb_schema)
                .map_err(|e| format!("{}: {e}", args.sb_schema.display()))?;
            let v = serde_json::from_str(&text)
                .map_err(|e| format!("{}: {e}", args.sb_schema.display()))?;
            Schema::from_json(&v)?
        }
    };
    let global = nb.table("NB_Global").values().next();
    let nb_cfg = global
        .and_then(|g| g.get("nb_cfg"))
        .and_then(|d| d.as_int())
        .unwrap_or(0);
    let ipsec = global
        .and_then(|g| g.get("ipsec"))
        .and_then(|d| d.as_bool())
        .unwrap_or(false);
    let out_db = state.to_database(schema, sb.as_ref(), nb_cfg, ipsec);
    if let Some(p) = &args.sb_out {
        dbfile::write(p, &out_db).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    if !args.quiet {
        print!("{}", dump_flows(&out_db));
    }
    Ok(())
}
