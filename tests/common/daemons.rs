//! Daemons started by a test with `--detach`: killed by pid when the test ends, driven
//! with the real `ovn-appctl`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Kills the daemons of the registered pidfiles when the test ends, however it ends.
#[derive(Default)]
pub struct Daemons(pub Vec<PathBuf>);

impl Drop for Daemons {
    fn drop(&mut self) {
        for p in &self.0 {
            if let Some(pid) = pid_in(p) {
                let _ = Command::new("kill").arg(pid.to_string()).output();
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn pid_in(pidfile: &Path) -> Option<u32> {
    std::fs::read_to_string(pidfile).ok()?.trim().parse().ok()
}

/// Whether `pid` is a live process (a zombie nobody reaped counts as gone).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|s| !s.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Waits up to 30 s for `f`.
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn output(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// `ovn-appctl -t CTL ARGS`: (stdout, stderr with the target path masked, exit status).
pub fn appctl(ctl: &Path, args: &[&str]) -> (String, String, i32) {
    let out = output(Command::new("ovn-appctl").arg("-t").arg(ctl).args(args));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).replace(&ctl.display().to_string(), "CTL"),
        out.status.code().unwrap_or(-1),
    )
}

/// Starts a daemon (`cmd` detaches) and checks the detach contract: when the command
/// returns, the pidfile names a live process. Returns that pid and the command's stderr.
pub fn start(cmd: &mut Command, pidfile: &Path, daemons: &mut Daemons) -> (u32, String) {
    let out = output(cmd);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{cmd:?} failed:\n{err}");
    daemons.0.push(pidfile.to_path_buf());
    let pid = pid_in(pidfile)
        .unwrap_or_else(|| panic!("{cmd:?} returned before writing {}", pidfile.display()));
    assert!(alive(pid));
    (pid, err)
}

/// `vlog/list` of `ours`, after checking that it has every line the C daemon at `theirs`
/// prints.
pub fn vlog_list_covers(ours: &Path, theirs: &Path, what: &str) -> String {
    let (ll, _, _) = appctl(ours, &["vlog/list"]);
    let (cll, _, _) = appctl(theirs, &["vlog/list"]);
    let ours_lines: BTreeSet<&str> = ll.lines().collect();
    for line in cll.lines() {
        assert!(
            ours_lines.contains(line),
            "{what}: vlog/list lacks {line:?}:\n{ll}"
        );
    }
    ll
}
