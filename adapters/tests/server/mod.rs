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
