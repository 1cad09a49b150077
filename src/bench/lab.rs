//! A private OVN control plane for one benchmark run: NB and SB ovsdb-servers on unix sockets
//! in a temp dir, and the northd under test, all child processes stopped by pid on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Seconds `ovn-nbctl --wait=sb` may wait before the harness gives up.
pub const WAIT_TIMEOUT_S: u32 = 600;

pub struct Lab {
    pub dir: PathBuf,
    servers: Vec<Child>,
    northd: Option<Child>,
    keep: bool,
}

fn run_ok(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait_for(path: &Path, what: &str) -> Result<(), String> {
    let t = Instant::now();
    while !path.exists() {
        if t.elapsed() > Duration::from_secs(20) {
            return Err(format!("{what}: {} did not appear", path.display()));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// The program of a `--northd` command line: `ovn-dd` is this very executable (so that
/// `ovn-dd bench` measures itself without ovn-dd on `PATH`); a name with a `/` must exist;
/// any other name is looked up on `PATH`.
pub fn resolve_program(command: &str) -> Result<PathBuf, String> {
    let words = split_command(command);
    let prog = words
        .first()
        .ok_or_else(|| "empty --northd command".to_string())?;
    if prog == "ovn-dd" {
        return std::env::current_exe().map_err(|e| format!("cannot find ovn-dd itself: {e}"));
    }
    let found = if prog.contains('/') {
        Some(PathBuf::from(prog)).filter(|p| p.is_file())
    } else {
        std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join(prog))
                .find(|p| p.is_file())
        })
    };
    found.ok_or_else(|| format!("cannot start `{command}`: {prog} not found"))
}

/// Splits a command line on whitespace; double or single quotes group words.
pub fn split_command(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (c, quote) {
            ('"' | '\'', None) => {
                quote = Some(c);
                any = true;
            }
            (c, Some(q)) if c == q => quote = None,
            (c, None) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (c, _) => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

impl Lab {
    /// Creates the temp dir and starts the two databases.
    pub fn start(tag: usize, keep: bool) -> Result<Lab, String> {
        let dir = std::env::temp_dir().join(format!("ovn-dd-bench-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut lab = Lab {
            dir,
            servers: Vec::new(),
            northd: None,
            keep,
        };
        for (db, schema) in [
            ("nb", "/usr/share/ovn/ovn-nb.ovsschema"),
            ("sb", "/usr/share/ovn/ovn-sb.ovsschema"),
        ] {
            let file = lab.dir.join(format!("{db}.db"));
            run_ok(
                Command::new("ovsdb-tool")
                    .arg("create")
                    .arg(&file)
                    .arg(schema),
            )?;
            let d = &lab.dir;
            let child = lab
                .env(Command::new("ovsdb-server").arg(&file).args([
                    format!("--pidfile={}", d.join(format!("{db}.pid")).display()),
                    format!("--log-file={}", d.join(format!("{db}.log")).display()),
                    format!("--unixctl={}", d.join(format!("{db}.ctl")).display()),
                    format!("--remote=punix:{}", d.join(format!("{db}.sock")).display()),
                ]))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start ovsdb-server: {e}"))?;
            lab.servers.push(child);
            wait_for(&lab.dir.join(format!("{db}.sock")), "ovsdb-server")?;
        }
        Ok(lab)
    }

    fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("OVS_RUNDIR", &self.dir)
            .env("OVN_RUNDIR", &self.dir)
            .env("OVS_LOGDIR", &self.dir)
            .env("OVS_DBDIR", &self.dir)
    }

    pub fn nb_sock(&self) -> String {
        format!("unix:{}", self.dir.join("nb.sock").display())
    }
    pub fn sb_sock(&self) -> String {
        format!("unix:{}", self.dir.join("sb.sock").display())
    }

    /// Starts the northd under test: `command` with the database, pidfile, log and unixctl
    /// options appended. Returns the child's pid.
    pub fn start_northd(&mut self, command: &str) -> Result<u32, String> {
        let prog = resolve_program(command)?;
        let words = split_command(command);
        let args = &words[1..];
        let d = &self.dir;
        let stderr = std::fs::File::create(d.join("northd.stderr"))
            .map_err(|e| format!("northd.stderr: {e}"))?;
        let child = self
            .env(Command::new(prog).args(args).args([
                format!("--ovnnb-db={}", self.nb_sock()),
                format!("--ovnsb-db={}", self.sb_sock()),
                format!("--pidfile={}", d.join("northd.pid").display()),
                format!("--log-file={}", d.join("northd.log").display()),
                format!("--unixctl={}", d.join("northd.ctl").display()),
            ]))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start `{command}`: {e}"))?;
        let pid = child.id();
        self.northd = Some(child);
        Ok(pid)
    }

    /// The northd's own pid: from its pidfile when it wrote one (the command may be a
    /// wrapper), else the child's.
    pub fn northd_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.join("northd.pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .or_else(|| self.northd.as_ref().map(|c| c.id()))
    }

    /// Fails if the northd has exited.
    pub fn check_northd(&mut self) -> Result<(), String> {
        if let Some(c) = self.northd.as_mut()
            && let Ok(Some(st)) = c.try_wait()
        {
            let err = std::fs::read_to_string(self.dir.join("northd.stderr")).unwrap_or_default();
            self.keep = true;
            return Err(format!(
                "northd exited ({st}); logs in {}\n{}",
                self.dir.display(),
                err.lines().take(10).collect::<Vec<_>>().join("\n")
            ));
        }
        Ok(())
    }

    /// Runs ovn-nbctl against the NB; returns stdout.
    pub fn nbctl<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Result<String, String> {
        run_ok(
            Command::new("ovn-nbctl")
                .arg(format!("--db={}", self.nb_sock()))
                .args(args),
        )
    }

    /// The SB's standalone database file.
    pub fn sb_file(&self) -> PathBuf {
        self.dir.join("sb.db")
    }

    /// `ovn-nbctl --wait=sb sync`, failing as soon as the northd exits; `tick` runs every
    /// few milliseconds while it waits.
    pub fn sync_while_northd_runs(&mut self, tick: &mut dyn FnMut()) -> Result<(), String> {
        let mut sync = Command::new("ovn-nbctl")
            .arg(format!("--db={}", self.nb_sock()))
            .args(["--wait=sb", &format!("--timeout={WAIT_TIMEOUT_S}"), "sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run ovn-nbctl: {e}"))?;
        loop {
            match sync.try_wait() {
                Ok(Some(st)) if st.success() => return Ok(()),
                Ok(Some(st)) => return Err(format!("ovn-nbctl --wait=sb sync: {st}")),
                Ok(None) => {}
                Err(e) => return Err(format!("ovn-nbctl --wait=sb sync: {e}")),
            }
            if let Err(e) = self.check_northd() {
                let _ = sync.kill();
                let _ = sync.wait();
                return Err(e);
            }
            tick();
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Runs many ovn-nbctl commands in one transaction (`--` separated).
    pub fn nbctl_batch(&self, cmds: &[Vec<String>]) -> Result<(), String> {
        if cmds.is_empty() {
            return Ok(());
        }
        let mut args: Vec<&str> = Vec::new();
        for (i, c) in cmds.iter().enumerate() {
            if i > 0 {
                args.push("--");
            }
            args.extend(c.iter().map(|s| s.as_str()));
        }
        self.nbctl(&args).map(|_| ())
    }

    pub fn sbctl(&self, args: &[&str]) -> Result<String, String> {
        run_ok(
            Command::new("ovn-sbctl")
                .arg(format!("--db={}", self.sb_sock()))
                .args(args),
        )
    }

    /// Marks the directory to be kept (for logs after a failure).
    pub fn keep(&mut self) {
        self.keep = true;
    }

    fn stop(child: &mut Child) {
        // SIGTERM by pid first, so that daemons exit cleanly; then SIGKILL.
        let _ = Command::new("kill")
            .arg(child.id().to_string())
            .stderr(Stdio::null())
            .status();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Stops the northd (before the databases).
    pub fn stop_northd(&mut self) {
        if let Some(mut c) = self.northd.take() {
            Lab::stop(&mut c);
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.stop_northd();
        for c in self.servers.iter_mut().rev() {
            Lab::stop(c);
        }
        if self.keep {
            eprintln!("bench: kept {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// utime + stime of `pid` in seconds, from /proc/PID/stat.
pub fn cpu_seconds(pid: u32, clk_tck: f64) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name: state is field 3; utime 14, stime 15.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / clk_tck)
}

/// Peak resident set size (VmHWM) of `pid` in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 if unknown).
pub fn clk_tck() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_commands() {
        assert_eq!(
            split_command("ovn-dd  northd --x 'a b' \"c d\""),
            vec!["ovn-dd", "northd", "--x", "a b", "c d"]
        );
        assert!(split_command("  ").is_empty());
    }

    #[test]
    fn reads_own_cpu_and_rss() {
        let pid = std::process::id();
        assert!(cpu_seconds(pid, clk_tck()).is_some());
        assert!(peak_rss_kib(pid).unwrap() > 0);
    }
}
