//! An ovsdb-server for tests and benchmarks: one NB database in a temp dir, on a unix
//! socket and 127.0.0.1, stopped by pid on drop.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

pub const NB_SCHEMA: &str = "/usr/share/ovn/ovn-nb.ovsschema";
pub const NB: &str = "OVN_Northbound";

/// An ovsdb-server serving one NB database on `<dir>/nb.sock`, stopped (by pid) on drop.
pub struct Server {
    pub dir: PathBuf,
    /// Also listening on `tcp:127.0.0.1:<tcp>`.
    pub tcp: u16,
}

impl Server {
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    pub fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ovn-dd-client-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A standalone database.
    pub fn standalone(tag: &str) -> Server {
        let dir = Server::dir(tag);
        run(Command::new("ovsdb-tool")
            .arg("create")
            .arg(dir.join("nb.db"))
            .arg(NB_SCHEMA));
        let s = Server {
            dir,
            tcp: Server::free_port(),
        };
        s.start();
        s
    }

    /// A one-member RAFT cluster (transaction history, hence `monitor_cond_since`
    /// resync, exists only for clustered databases).
    pub fn clustered(tag: &str) -> Server {
        let dir = Server::dir(tag);
        let port = Server::free_port();
        run(Command::new("ovsdb-tool")
            .arg("create-cluster")
            .arg(dir.join("nb.db"))
            .arg(NB_SCHEMA)
            .arg(format!("tcp:127.0.0.1:{port}")));
        let s = Server {
            dir,
            tcp: Server::free_port(),
        };
        s.start();
        s
    }

    pub fn start(&self) {
        let d = &self.dir;
        run(Command::new("ovsdb-server")
            .arg(d.join("nb.db"))
            .args(["--detach", "--no-chdir"])
            .arg(format!("--pidfile={}", d.join("nb.pid").display()))
            .arg(format!("--log-file={}", d.join("nb.log").display()))
            .arg(format!("--unixctl={}", d.join("nb.ctl").display()))
            .arg(format!("--remote=punix:{}", d.join("nb.sock").display()))
            .arg(format!("--remote=ptcp:{}:127.0.0.1", self.tcp))
            .env("OVS_RUNDIR", d)
            .env("OVS_LOGDIR", d)
            .env("OVS_DBDIR", d));
    }

    pub fn remote(&self) -> String {
        format!("unix:{}", self.dir.join("nb.sock").display())
    }

    pub fn nbctl(&self, args: &[&str]) -> String {
        let out = run(Command::new("ovn-nbctl")
            .arg(format!("--db={}", self.remote()))
            .args(args));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pidfile = self.dir.join("nb.pid");
        if let Ok(pid) = std::fs::read_to_string(&pidfile) {
            let _ = Command::new("kill").arg(pid.trim()).output();
        }
        for _ in 0..100 {
            if !pidfile.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A RAFT cluster of `n` ovsdb-servers for one NB database, each on `<dir>/sN.sock`,
/// talking RAFT over 127.0.0.1; every member is stopped (by pid) on drop.
pub struct Cluster {
    pub dir: PathBuf,
    pub n: usize,
}

impl Cluster {
    pub fn new(tag: &str, n: usize) -> Cluster {
        let dir = Server::dir(tag);
        let ports: Vec<u16> = (0..n).map(|_| Server::free_port()).collect();
        let c = Cluster { dir, n };
        let raft = |i: usize| format!("tcp:127.0.0.1:{}", ports[i]);
        run(Command::new("ovsdb-tool")
            .arg("create-cluster")
            .arg(c.db(0))
            .arg(NB_SCHEMA)
            .arg(raft(0)));
        for i in 1..n {
            run(Command::new("ovsdb-tool")
                .arg("join-cluster")
                .arg(c.db(i))
                .arg(NB)
                .arg(raft(i))
                .args((0..i).map(raft)));
        }
        for i in 0..n {
            c.start(i);
        }
        // Ready once a leader accepts writes.
        run(Command::new("ovn-nbctl")
            .arg(format!("--db={}", c.remotes()))
            .args(["--timeout=30", "sync"]));
        c
    }

    fn db(&self, i: usize) -> PathBuf {
        self.dir.join(format!("s{i}.db"))
    }

    pub fn sock(&self, i: usize) -> String {
        format!("unix:{}", self.dir.join(format!("s{i}.sock")).display())
    }

    /// Every member, comma-separated.
    pub fn remotes(&self) -> String {
        (0..self.n)
            .map(|i| self.sock(i))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn start(&self, i: usize) {
        let d = &self.dir;
        run(Command::new("ovsdb-server")
            .arg(self.db(i))
            .args(["--detach", "--no-chdir"])
            .arg(format!(
                "--pidfile={}",
                d.join(format!("s{i}.pid")).display()
            ))
            .arg(format!(
                "--log-file={}",
                d.join(format!("s{i}.log")).display()
            ))
            .arg(format!(
                "--unixctl={}",
                d.join(format!("s{i}.ctl")).display()
            ))
            .arg(format!("--remote=p{}", self.sock(i)))
            .env("OVS_RUNDIR", d)
            .env("OVS_LOGDIR", d)
            .env("OVS_DBDIR", d));
    }

    pub fn pid(&self, i: usize) -> Option<String> {
        std::fs::read_to_string(self.dir.join(format!("s{i}.pid")))
            .ok()
            .map(|s| s.trim().to_string())
    }

    /// Which member `remote` names.
    pub fn member(&self, remote: &str) -> usize {
        (0..self.n).find(|&i| self.sock(i) == remote).unwrap()
    }

    /// kill -9 member `i`.
    pub fn kill9(&self, i: usize) {
        let pid = self.pid(i).unwrap();
        run(Command::new("kill").args(["-9", &pid]));
        let _ = std::fs::remove_file(self.dir.join(format!("s{i}.pid")));
    }

    /// ovn-nbctl on the live members, retried while there is no leader (ovn-nbctl gives
    /// up at once on a refused remote or a follower).
    pub fn nbctl(&self, args: &[&str]) -> String {
        let live: Vec<String> = (0..self.n)
            .filter(|&i| self.pid(i).is_some())
            .map(|i| self.sock(i))
            .collect();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let out = Command::new("ovn-nbctl")
                .arg(format!("--db={}", live.join(",")))
                .arg("--timeout=30")
                .args(args)
                .output()
                .unwrap();
            if out.status.success() {
                return String::from_utf8_lossy(&out.stdout).trim().to_string();
            }
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("database connection failed") && std::time::Instant::now() < deadline,
                "ovn-nbctl {args:?}: {err}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.n {
            if let Some(pid) = self.pid(i) {
                let _ = Command::new("kill").arg(&pid).output();
            }
        }
        std::thread::sleep(Duration::from_millis(100));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
