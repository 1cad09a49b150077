//! The daemon side of the drop-in: `ovn-dd northd` and the real ovn-northd 23.03.1 are
//! started the same way in a temp dir, driven with the real `ovn-appctl`, and their answers,
//! files and exits compared. No database needs to be up.

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use common::daemons::{
    Daemons, alive, appctl, eventually, output, pid_in, start, vlog_list_covers,
};
use common::{TempDir, ovn_dd};

fn args(dir: &Path, tag: &str) -> Vec<String> {
    let f = |ext: &str| dir.join(format!("{tag}.{ext}")).display().to_string();
    vec![
        format!("--unixctl={}", f("ctl")),
        format!("--pidfile={}", f("pid")),
        "--detach".into(),
        format!("--log-file={}", f("log")),
        format!("--ovnnb-db=unix:{}", dir.join("nb.sock").display()),
        format!("--ovnsb-db=unix:{}", dir.join("sb.sock").display()),
    ]
}

/// A log line in OVS's file format: `YYYY-MM-DDTHH:MM:SS.mmmZ|NNNNN|module|LEVEL|text`.
fn is_ovs_log_line(line: &str) -> bool {
    let f: Vec<&str> = line.splitn(5, '|').collect();
    let ts = f[0].as_bytes();
    f.len() == 5
        && ts.len() == 24
        && ts.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            19 => *b == b'.',
            23 => *b == b'Z',
            _ => b.is_ascii_digit(),
        })
        && f[1].len() >= 5
        && f[1].bytes().all(|b| b.is_ascii_digit())
        && !f[2].is_empty()
        && ["EMER", "ERR", "WARN", "INFO", "DBG"].contains(&f[3])
}

#[test]
fn ovn_appctl_gets_the_answers_ovn_northd_gives() {
    let tmp = TempDir::new("daemon");
    let d = tmp.path();
    let mut daemons = Daemons::default();
    let dd = start(
        Command::new(ovn_dd()).arg("northd").args(args(d, "x")),
        &d.join("x.pid"),
        &mut daemons,
    )
    .0;
    start(
        Command::new("ovn-northd").args(args(d, "c")),
        &d.join("c.pid"),
        &mut daemons,
    );
    let (ours, theirs) = (d.join("x.ctl"), d.join("c.ctl"));

    // version: ovn-northd's shape, with the program name first.
    let (v, _, rc) = appctl(&ours, &["version"]);
    let (cv, _, _) = appctl(&theirs, &["version"]);
    assert_eq!(rc, 0);
    assert_eq!(v.lines().next(), Some("ovn-dd-northd 23.03.1"));
    assert_eq!(
        cv.lines()
            .next()
            .map(|l| l.replace("ovn-northd", "ovn-dd-northd")),
        v.lines().next().map(str::to_string)
    );
    assert_eq!(v.lines().count(), cv.lines().count());
    assert!(v.contains("ovn-dd"), "{v}");

    // list-commands: same layout; the framework's commands listed identically.
    let (l, _, _) = appctl(&ours, &["list-commands"]);
    let (cl, _, _) = appctl(&theirs, &["list-commands"]);
    assert_eq!(l.lines().next(), cl.lines().next());
    for cmd in [
        "exit",
        "list-commands",
        "version",
        "vlog/close",
        "vlog/disable-rate-limit",
        "vlog/enable-rate-limit",
        "vlog/list",
        "vlog/list-pattern",
        "vlog/reopen",
        "vlog/set",
    ] {
        let line = |s: &str| {
            s.lines()
                .find(|l| l.split_whitespace().next() == Some(cmd))
                .map(str::to_string)
        };
        assert!(line(&cl).is_some(), "ovn-northd lists {cmd}");
        assert_eq!(line(&l), line(&cl), "list-commands line of {cmd}");
    }

    // vlog/list: every line ovn-northd prints, ours prints too; also after vlog/set.
    let same_levels = |what: &str| vlog_list_covers(&ours, &theirs, what);
    same_levels("at start");
    for set in [
        &["vlog/set", "file:dbg"][..],
        &["vlog/set", "jsonrpc:console:off", "northd:syslog:warn"],
        &["vlog/disable-rate-limit", "reconnect"],
    ] {
        assert_eq!(appctl(&ours, set), appctl(&theirs, set), "{set:?}");
    }
    let ll = same_levels("after vlog/set");
    assert!(
        ll.contains("\nvlog               OFF       INFO        DBG\n"),
        "{ll}"
    );
    assert_eq!(
        appctl(&ours, &["vlog/list-pattern"]),
        appctl(&theirs, &["vlog/list-pattern"])
    );

    // Errors: the same texts, on stderr, with ovn-appctl's exit status.
    for cmd in [
        &["bogus"][..],
        &["exit", "1"],
        &["version", "x"],
        &["vlog/list", "x"],
        &["vlog/set", "foo"],
        &["vlog/set", "pattern"],
        &["vlog/set", "PATTERN:bogus:x"],
        &["vlog/set", "console:info:dbg"],
        &["vlog/set", "console:file"],
        &["vlog/set", "vlog:jsonrpc"],
        &["vlog/set", "FACILITY:nope"],
        &["vlog/enable-rate-limit", "nope"],
        &["parallel-build/set-n-threads"],
    ] {
        let reply = appctl(&ours, cmd);
        assert_eq!(reply, appctl(&theirs, cmd), "{cmd:?}");
        assert_eq!(reply.2, 2, "{cmd:?}: {}", reply.1);
    }

    // The log: OVS's file format; vlog/reopen follows a rotation.
    let log = d.join("x.log");
    std::fs::rename(&log, d.join("x.log.1")).unwrap();
    assert_eq!(
        appctl(&ours, &["vlog/reopen"]),
        (String::new(), String::new(), 0)
    );
    let old = std::fs::read_to_string(d.join("x.log.1")).unwrap();
    let new = std::fs::read_to_string(&log).unwrap();
    assert!(
        old.lines()
            .next()
            .unwrap()
            .ends_with(&format!("|vlog|INFO|opened log file {}", log.display()))
    );
    assert!(
        old.trim_end().ends_with("|vlog|INFO|closing log file"),
        "{old}"
    );
    assert!(
        new.contains(&format!("|vlog|INFO|opened log file {}", log.display())),
        "{new}"
    );
    // file:dbg is on: the unixctl module logs each request.
    assert!(
        old.contains("|unixctl|DBG|received request vlog/list[], id="),
        "{old}"
    );
    for line in old
        .lines()
        .chain(new.lines())
        .filter(|l| l.starts_with("20"))
    {
        assert!(is_ovs_log_line(line), "not an OVS log line: {line:?}");
    }

    // exit: answered, then the process is gone with its pidfile and socket.
    assert_eq!(appctl(&ours, &["exit"]), (String::new(), String::new(), 0));
    eventually("ovn-dd northd exits", || !alive(dd));
    assert!(!d.join("x.pid").exists() && !ours.exists());
    assert_eq!(appctl(&theirs, &["exit"]).2, 0);
}

#[test]
fn a_link_named_ovn_northd_uses_ovn_northds_file_names() {
    let tmp = TempDir::new("daemon-link");
    let d = tmp.path();
    std::fs::create_dir_all(d.join("bin")).unwrap();
    let link = d.join("bin/ovn-northd");
    symlink(ovn_dd(), &link).unwrap();
    let mut daemons = Daemons::default();

    // The same command line and environment for both; only the directories differ.
    let files_of = |exe: &Path, tag: &str, daemons: &mut Daemons| {
        let (run, log) = (d.join(format!("{tag}-run")), d.join(format!("{tag}-log")));
        std::fs::create_dir_all(&run).unwrap();
        std::fs::create_dir_all(&log).unwrap();
        let mut cmd = Command::new(exe);
        cmd.env("OVN_RUNDIR", &run)
            .env("OVS_LOGDIR", &log)
            .env("OVS_RUNDIR", d.join("elsewhere"))
            .env("OVN_LOGDIR", d.join("elsewhere"))
            .env_remove("OVN_NB_DB")
            .env_remove("OVN_SB_DB")
            .args([
                "-vconsole:off",
                "--detach",
                "--no-chdir",
                "--pidfile",
                "--log-file",
            ]);
        let (pid, _) = start(&mut cmd, &run.join("ovn-northd.pid"), daemons);
        let list = |dir: &Path| -> BTreeSet<String> {
            std::fs::read_dir(dir)
                .unwrap()
                .map(|e| {
                    e.unwrap()
                        .file_name()
                        .to_string_lossy()
                        .replace(&pid.to_string(), "PID")
                })
                .collect()
        };
        (pid, run.clone(), list(&run), list(&log))
    };
    let (_, c_run, c_rundir, c_logdir) =
        files_of(Path::new("/usr/bin/ovn-northd"), "c", &mut daemons);
    let (pid, run, rundir, logdir) = files_of(&link, "dd", &mut daemons);
    assert_eq!(rundir, c_rundir);
    assert_eq!(logdir, c_logdir);
    assert_eq!(
        rundir,
        BTreeSet::from([
            "ovn-northd.pid".to_string(),
            "ovn-northd.PID.ctl".to_string()
        ])
    );
    assert_eq!(logdir, BTreeSet::from(["ovn-northd.log".to_string()]));
    assert!(!d.join("elsewhere").exists());

    // `ovn-appctl -t ovn-northd` finds the daemon through its (locked) pidfile.
    let by_name = |rundir: &Path| {
        let out = output(Command::new("ovn-appctl").env("OVN_RUNDIR", rundir).args([
            "-t",
            "ovn-northd",
            "version",
        ]));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(by_name(&run), by_name(&c_run));
    assert_eq!(by_name(&run), "ovn-northd 23.03.1");

    // A second start on the same pidfile is refused, as ovn-northd refuses it.
    let again = |exe: &Path, run: &Path| {
        let out = output(
            Command::new(exe)
                .env("OVN_RUNDIR", run)
                .env("OVS_LOGDIR", d)
                .args(["-vconsole:off", "--detach", "--no-chdir", "--pidfile"]),
        );
        let err = String::from_utf8_lossy(&out.stderr).replace(&run.display().to_string(), "RUN");
        (out.status.code(), err)
    };
    let (rc, err) = again(&link, &run);
    let c_pid = pid_in(&c_run.join("ovn-northd.pid")).unwrap();
    let c = again(Path::new("/usr/bin/ovn-northd"), &c_run);
    assert_eq!(
        (rc, err.replace(&pid.to_string(), "PID")),
        (c.0, c.1.replace(&c_pid.to_string(), "PID"))
    );
    assert_eq!(rc, Some(1));
    assert!(
        err.contains("ovn-northd: RUN/ovn-northd.pid: already running as pid"),
        "{err}"
    );
    assert!(alive(pid));

    // SIGTERM: a clean exit that removes the pidfile and the socket, and says so in the log.
    output(Command::new("kill").arg(pid.to_string()));
    eventually("SIGTERM ends the daemon", || !alive(pid));
    assert!(
        std::fs::read_dir(&run).unwrap().next().is_none(),
        "files left in the rundir"
    );
    let log = std::fs::read_to_string(d.join("dd-log/ovn-northd.log")).unwrap();
    assert!(
        log.trim_end()
            .ends_with("|fatal_signal|WARN|terminating with signal 15 (Terminated)"),
        "{log}"
    );
}

#[test]
fn bad_command_lines_fail_as_ovn_northd_fails() {
    let tmp = TempDir::new("daemon-bad");
    let d = tmp.path();
    let link = d.join("ovn-northd");
    symlink(ovn_dd(), &link).unwrap();
    for args in [
        &["-vfoo"][..],
        &["--bogus", "-x", "--d", "--detach=1", "-vconsole:info:dbg"],
        &["--verbose=PATTERN:nowhere:%m"],
        &["--log-file=/nonexistent/dir/x.log", "-vconsole:off"],
    ] {
        // getopt prefixes its complaints with argv[0] as typed, which differs.
        let run = |exe: &Path| {
            let out = output(Command::new(exe).env("OVN_RUNDIR", d).args(args));
            let err = String::from_utf8_lossy(&out.stderr)
                .replace(&format!("{}:", exe.display()), "ovn-northd:");
            (out.status.code(), err)
        };
        assert_eq!(
            run(&link),
            run(Path::new("/usr/bin/ovn-northd")),
            "{args:?}"
        );
        assert_eq!(run(&link).0, Some(1), "{args:?}");
    }
    // -V stops at once, whatever follows.
    let out = output(Command::new(&link).args(["-V", "-vfoo"]));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ovn-northd 23.03.1\n"));
}

#[test]
fn monitor_restarts_a_crashed_daemon() {
    let tmp = TempDir::new("daemon-monitor");
    let d = tmp.path();
    let mut daemons = Daemons::default();
    let pidfile = d.join("m.pid");
    let mut cmd = Command::new(ovn_dd());
    cmd.arg("northd")
        .args(args(d, "m"))
        .args(["--monitor", "--no-chdir", "-vconsole:off"]);
    let (first, _) = start(&mut cmd, &pidfile, &mut daemons);

    // SIGABRT is a crash: the monitor starts a new daemon, which writes a new pidfile.
    output(Command::new("kill").args(["-ABRT", &first.to_string()]));
    // The crashed daemon's socket stays behind until the new one replaces it.
    eventually("a restarted daemon that answers", || {
        pid_in(&pidfile).is_some_and(|p| p != first && alive(p))
            && appctl(&d.join("m.ctl"), &["version"]).2 == 0
    });
    let second = pid_in(&pidfile).unwrap();
    let (v, _, _) = appctl(&d.join("m.ctl"), &["version"]);
    assert_eq!(v.lines().next(), Some("ovn-dd-northd 23.03.1"));
    let log = std::fs::read_to_string(d.join("m.log")).unwrap();
    assert!(
        log.contains(&format!(
            "|daemon_unix(monitor)|ERR|1 crashes: pid {first} died, killed (Aborted)"
        )),
        "{log}"
    );

    // SIGTERM is not a crash: the daemon exits clean and the monitor exits too.
    let monitor: u32 = std::fs::read_to_string(format!("/proc/{second}/stat"))
        .unwrap()
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    output(Command::new("kill").arg(second.to_string()));
    eventually("daemon and monitor exit", || {
        !alive(second) && !alive(monitor)
    });
    assert!(!pidfile.exists());
    let log = std::fs::read_to_string(d.join("m.log")).unwrap();
    assert!(
        log.contains(&format!(
            "|daemon_unix(monitor)|INFO|pid {second} died, killed (Terminated), exiting"
        )),
        "{log}"
    );
}
