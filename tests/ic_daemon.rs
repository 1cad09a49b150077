//! The daemon side of the ovn-ic drop-in: `ovn-dd ic` (and a link named `ovn-ic` to
//! ovn-dd) and the real ovn-ic 23.03.1 are started the same way in a temp dir, driven with
//! the real `ovn-appctl`, and their output, answers, files and exits compared. No database
//! is needed: where the databases matter, the test listens on their sockets itself.

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::symlink;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::process::Command;

use common::daemons::{
    Daemons, alive, appctl, eventually, output, pid_in, start, vlog_list_covers,
};
use common::{TempDir, ovn_dd};

const C_IC: &str = "/usr/bin/ovn-ic";

/// ovn-ic's command line for a daemon whose files are `<dir>/<tag>.{ctl,pid,log}`, on
/// databases nobody serves.
fn args(dir: &Path, tag: &str) -> Vec<String> {
    let f = |ext: &str| dir.join(format!("{tag}.{ext}")).display().to_string();
    let db = |name: &str| format!("unix:{}", dir.join(name).display());
    vec![
        format!("--unixctl={}", f("ctl")),
        format!("--pidfile={}", f("pid")),
        "--detach".into(),
        "--no-chdir".into(),
        format!("--log-file={}", f("log")),
        format!("--ovnnb-db={}", db("nb.sock")),
        format!("--ovnsb-db={}", db("sb.sock")),
        format!("--ic-nb-db={}", db("ic-nb.sock")),
        format!("--ic-sb-db={}", db("ic-sb.sock")),
    ]
}

/// An OVS console log line's timestamp replaced by `TS`.
fn mask_times(s: &str) -> String {
    s.lines()
        .map(|l| {
            let b = l.as_bytes();
            match l.find('|') {
                Some(i) if b.len() > 20 && b[4] == b'-' && b[10] == b'T' => {
                    format!("TS{}\n", &l[i..])
                }
                _ => format!("{l}\n"),
            }
        })
        .collect()
}

/// Runs `exe ARGS` (at most 10 s), argv[0] as typed masked as `ovn-ic`: (status, stdout,
/// stderr).
fn run_cli(exe: &Path, env: &[(&str, &str)], args: &[&str]) -> (Option<i32>, Vec<u8>, String) {
    let out = output(
        Command::new("timeout")
            .arg("10")
            .arg(exe)
            .envs(env.iter().copied())
            .args(args),
    );
    let err =
        String::from_utf8_lossy(&out.stderr).replace(&format!("{}:", exe.display()), "ovn-ic:");
    (out.status.code(), out.stdout, mask_times(&err))
}

#[test]
fn help_version_and_options_are_ovn_ics() {
    let tmp = TempDir::new("ic-cli");
    let d = tmp.path();
    let link = d.join("ovn-ic");
    symlink(ovn_dd(), &link).unwrap();
    let (run, ovs_run, log) = (d.join("run"), d.join("ovs-run"), d.join("log"));
    let dirs = [
        ("OVN_RUNDIR", run.to_str().unwrap()),
        ("OVS_RUNDIR", ovs_run.to_str().unwrap()),
        ("OVS_LOGDIR", log.to_str().unwrap()),
    ];
    // The databases' defaults: the rundir, else the environment (an empty variable is an
    // empty default, an unset one is the rundir's socket).
    let mut with_dbs = dirs.to_vec();
    with_dbs.extend([
        ("OVN_NB_DB", "tcp:192.0.2.1:6641"),
        ("OVN_SB_DB", "unix:/x/sb.sock"),
        ("OVN_IC_NB_DB", "ssl:192.0.2.2:6645"),
        ("OVN_IC_SB_DB", ""),
    ]);
    for env in [&dirs[..], &with_dbs] {
        for args in [
            &["--help"][..],
            &["-h"],
            &["--he"],
            &["-V"],
            &["--version", "-vfoo"],
            &["-o"],
            &["--options"],
            &["--bogus", "-V"],
        ] {
            let ours = run_cli(&link, env, args);
            let theirs = run_cli(Path::new(C_IC), env, args);
            assert_eq!(
                (ours.0, String::from_utf8_lossy(&ours.1), &ours.2),
                (theirs.0, String::from_utf8_lossy(&theirs.1), &theirs.2),
                "{args:?} with {env:?}"
            );
            assert_eq!(ours.1, theirs.1, "{args:?}: byte for byte");
            assert_eq!(ours.0, Some(0), "{args:?}");
        }
    }
    let help = |env: &[(&str, &str)]| String::from_utf8(run_cli(&link, env, &["-h"]).1).unwrap();
    let h = help(&dirs);
    for line in [
        "ovn-ic: OVN interconnection management daemon\nusage: ovn-ic [OPTIONS]\n",
        &format!("(default: unix:{}/ovn_ic_nb_db.sock)\n", run.display()),
        &format!("(default: unix:{}/ovn_ic_sb_db.sock)\n", run.display()),
        &format!(
            "create pidfile (default: {}/ovn-ic.pid)\n",
            ovs_run.display()
        ),
        &format!("(default: {}/ovn-ic.log)\n", log.display()),
    ] {
        assert!(h.contains(line), "{line:?} in\n{h}");
    }
    let h = help(&with_dbs);
    assert!(h.contains("(default: tcp:192.0.2.1:6641)\n") && h.contains("(default: )\n"));
    assert_eq!(
        String::from_utf8(run_cli(&link, &dirs, &["-V"]).1).unwrap(),
        "ovn-ic 23.03.1\nOpen vSwitch Library 3.1.0\n"
    );
    // ovn-ic's -o quirk: control characters as short options (here ^A and a newline).
    let o = String::from_utf8(run_cli(&link, &dirs, &["-o"]).1).unwrap();
    assert!(o.contains("--no-self-confinement\n-\u{1} \n") && o.contains("-\n ARG\n"));

    // `ovn-dd ic` is the same program under the name ovn-dd-ic.
    for args in [&["--help"][..], &["-V"], &["-o"]] {
        let out = output(Command::new(ovn_dd()).arg("ic").args(args).envs(dirs));
        assert!(out.status.success());
        let c = run_cli(Path::new(C_IC), &dirs, args);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&c.1)
                .replace("ovn-ic:", "ovn-dd-ic:")
                .replace("ovn-ic ", "ovn-dd-ic ")
                .replace("ovn-ic.", "ovn-dd-ic."),
            "ovn-dd ic {args:?}"
        );
    }
}

#[test]
fn bad_command_lines_fail_as_ovn_ic_fails() {
    let tmp = TempDir::new("ic-bad");
    let d = tmp.path();
    let link = d.join("ovn-ic");
    symlink(ovn_dd(), &link).unwrap();
    let env = [
        ("OVN_RUNDIR", d.to_str().unwrap()),
        ("OVS_LOGDIR", d.to_str().unwrap()),
    ];
    for args in [
        &["-vfoo"][..],
        &[
            "--bogus",
            "-x",
            "--ic",
            "--ovn",
            "--detach=1",
            "-vconsole:info:dbg",
        ],
        // ovn-northd's options and modules are not ovn-ic's.
        &[
            "--dry-run",
            "--n-threads=3",
            "--bootstrap-ca-cert=x",
            "-vnorthd",
        ],
        &["-vovn_northd:dbg"],
        &["--verbose=PATTERN:nowhere:%m"],
        &["-vfoo", "-V"],
        &["--log-file=/nonexistent/dir/x.log", "-vconsole:off", "-I"],
        &["--unixctl=/nonexistent/dir/x.ctl", "-vconsole:off"],
    ] {
        let ours = run_cli(&link, &env, args);
        let theirs = run_cli(Path::new(C_IC), &env, args);
        assert_eq!(ours, theirs, "{args:?}");
        assert_eq!(ours.0, Some(1), "{args:?}: {}", ours.2);
        assert!(!ours.2.is_empty(), "{args:?}: says why");
    }
    // The log file opens when --log-file is met: what comes after it is not looked at when
    // it cannot be opened, and its opening is logged between the complaints.
    let log = format!("--log-file={}", d.join("ok.log").display());
    for (args, status) in [
        (&["--log-file=/nonexistent/x.log", "-vfoo"][..], 1),
        (&["--bogus", &log, "--nope", "-vfoo"], 1),
        (&[&log, "-V"], 0),
    ] {
        let ours = run_cli(&link, &env, args);
        let _ = std::fs::remove_file(d.join("ok.log"));
        let theirs = run_cli(Path::new(C_IC), &env, args);
        assert_eq!(ours, theirs, "{args:?}");
        assert_eq!(ours.0, Some(status), "{args:?}");
    }
    let (_, _, err) = run_cli(&link, &env, &["--bogus", &log, "--nope", "-vfoo"]);
    assert_eq!(
        err,
        format!(
            "ovn-ic: unrecognized option '--bogus'\n\
             TS|00001|vlog|INFO|opened log file {}\n\
             ovn-ic: unrecognized option '--nope'\n\
             ovn-ic: processing \"foo\": no destination, level, or module \"foo\"\n",
            d.join("ok.log").display()
        )
    );
}

#[test]
fn unknown_options_are_reported_and_ignored() {
    let tmp = TempDir::new("ic-unknown");
    let d = tmp.path();
    let mut daemons = Daemons::default();
    let extra = ["--bogus", "--dry-run", "-x", "--ovnnb", "-vconsole:off"];
    let (ours, err) = start(
        Command::new(ovn_dd())
            .arg("ic")
            .args(args(d, "x"))
            .args(extra),
        &d.join("x.pid"),
        &mut daemons,
    );
    let (theirs, c_err) = start(
        Command::new(C_IC).args(args(d, "c")).args(extra),
        &d.join("c.pid"),
        &mut daemons,
    );
    // The log file opens (and says so on the console) when --log-file is met, before the
    // options after it are looked at.
    let err = mask_times(&err).replace("/x.log", "/TAG.log");
    let c_err = mask_times(&c_err)
        .replace(&format!("{C_IC}:"), "ovn-dd-ic:")
        .replace("/c.log", "/TAG.log");
    assert_eq!(err, c_err);
    assert_eq!(
        err,
        format!(
            "TS|00001|vlog|INFO|opened log file {}/TAG.log\n\
             ovn-dd-ic: unrecognized option '--bogus'\n\
             ovn-dd-ic: unrecognized option '--dry-run'\n\
             ovn-dd-ic: invalid option -- 'x'\n",
            d.display()
        )
    );
    // `--ovnnb` took `-vconsole:off` as its argument: the daemons run all the same.
    for (ctl, pid) in [(d.join("x.ctl"), ours), (d.join("c.ctl"), theirs)] {
        assert_eq!(
            appctl(&ctl, &["is-paused"]),
            ("false\n".into(), String::new(), 0)
        );
        assert_eq!(appctl(&ctl, &["exit"]), (String::new(), String::new(), 0));
        eventually("exit ends the daemon", || !alive(pid));
    }
}

/// Listens on `path` as a database would, without ever answering.
struct Db(UnixListener, Vec<UnixStream>);

impl Db {
    fn new(path: &Path) -> Db {
        let l = UnixListener::bind(path).unwrap();
        l.set_nonblocking(true).unwrap();
        Db(l, Vec::new())
    }
    /// Whether a client has connected (keeps the connection open).
    fn connected(&mut self) -> bool {
        if let Ok((s, _)) = self.0.accept() {
            self.1.push(s);
        }
        !self.1.is_empty()
    }
}

#[test]
fn a_link_named_ovn_ic_uses_ovn_ics_defaults() {
    let tmp = TempDir::new("ic-link");
    let d = tmp.path();
    std::fs::create_dir_all(d.join("bin")).unwrap();
    let link = d.join("bin/ovn-ic");
    symlink(ovn_dd(), &link).unwrap();
    let mut daemons = Daemons::default();
    let sockets = [
        "ovnnb_db.sock",
        "ovnsb_db.sock",
        "ovn_ic_nb_db.sock",
        "ovn_ic_sb_db.sock",
    ];

    // The same command line and environment for both; only the directories differ.
    let files_of = |exe: &Path, tag: &str, daemons: &mut Daemons| {
        let (run, log) = (d.join(format!("{tag}-run")), d.join(format!("{tag}-log")));
        std::fs::create_dir_all(&run).unwrap();
        std::fs::create_dir_all(&log).unwrap();
        let mut dbs: Vec<Db> = sockets.iter().map(|s| Db::new(&run.join(s))).collect();
        let mut cmd = Command::new(exe);
        cmd.env("OVN_RUNDIR", &run)
            .env("OVS_LOGDIR", &log)
            .env("OVS_RUNDIR", d.join("elsewhere"))
            .env("OVN_LOGDIR", d.join("elsewhere"))
            .env_remove("OVN_NB_DB")
            .env_remove("OVN_SB_DB")
            .env_remove("OVN_IC_NB_DB")
            .env_remove("OVN_IC_SB_DB")
            .args([
                "-vconsole:off",
                "--detach",
                "--no-chdir",
                "--pidfile",
                "--log-file",
            ]);
        let (pid, _) = start(&mut cmd, &run.join("ovn-ic.pid"), daemons);
        // It dials the four default databases in the rundir.
        for (db, name) in dbs.iter_mut().zip(sockets) {
            eventually(&format!("{exe:?} connects to {name}"), || db.connected());
        }
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
        (pid, run.clone(), list(&run), list(&log), dbs)
    };
    let (_, c_run, c_rundir, c_logdir, _c_dbs) = files_of(Path::new(C_IC), "c", &mut daemons);
    let (pid, run, rundir, logdir, _dbs) = files_of(&link, "dd", &mut daemons);
    assert_eq!(rundir, c_rundir);
    assert_eq!(logdir, c_logdir);
    let mut expected: BTreeSet<String> = sockets.iter().map(|s| s.to_string()).collect();
    expected.extend(["ovn-ic.pid".to_string(), "ovn-ic.PID.ctl".to_string()]);
    assert_eq!(rundir, expected);
    assert_eq!(logdir, BTreeSet::from(["ovn-ic.log".to_string()]));
    assert!(!d.join("elsewhere").exists());

    // `ovn-appctl -t ovn-ic` finds the daemon through its (locked) pidfile.
    let by_name = |rundir: &Path, args: &[&str]| {
        let out = output(
            Command::new("ovn-appctl")
                .env("OVN_RUNDIR", rundir)
                .args(["-t", "ovn-ic"])
                .args(args),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(by_name(&run, &["version"]), by_name(&c_run, &["version"]));
    assert_eq!(
        by_name(&run, &["version"]),
        "ovn-ic 23.03.1\nOpen vSwitch Library 3.1.0\n"
    );
    assert_eq!(by_name(&run, &["status"]), by_name(&c_run, &["status"]));

    // A second start on the same pidfile is refused, as ovn-ic refuses it.
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
    let c_pid = pid_in(&c_run.join("ovn-ic.pid")).unwrap();
    let c = again(Path::new(C_IC), &c_run);
    assert_eq!(
        (rc, err.replace(&pid.to_string(), "PID")),
        (c.0, c.1.replace(&c_pid.to_string(), "PID"))
    );
    assert_eq!(rc, Some(1));
    assert!(
        err.contains("ovn-ic: RUN/ovn-ic.pid: already running as pid"),
        "{err}"
    );
    assert!(alive(pid));

    // SIGTERM: a clean exit that removes the pidfile and the socket, and says so in the log.
    for (pid, run, log) in [
        (pid, &run, d.join("dd-log/ovn-ic.log")),
        (c_pid, &c_run, d.join("c-log/ovn-ic.log")),
    ] {
        output(Command::new("kill").arg(pid.to_string()));
        eventually("SIGTERM ends the daemon", || !alive(pid));
        let left: BTreeSet<String> = std::fs::read_dir(run)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            sockets.iter().map(|s| s.to_string()).collect(),
            "only the test's sockets are left"
        );
        let log = std::fs::read_to_string(log).unwrap();
        assert!(
            log.trim_end()
                .ends_with("|fatal_signal|WARN|terminating with signal 15 (Terminated)"),
            "{log}"
        );
    }
}

#[test]
fn ovn_appctl_gets_the_answers_ovn_ic_gives() {
    let tmp = TempDir::new("ic-appctl");
    let d = tmp.path();
    let mut daemons = Daemons::default();
    let (dd, _) = start(
        Command::new(ovn_dd()).arg("ic").args(args(d, "x")),
        &d.join("x.pid"),
        &mut daemons,
    );
    let (c_pid, _) = start(
        Command::new(C_IC).args(args(d, "c")),
        &d.join("c.pid"),
        &mut daemons,
    );
    let (ours, theirs) = (d.join("x.ctl"), d.join("c.ctl"));

    // version: ovn-ic's text, with the program name first.
    let (v, _, rc) = appctl(&ours, &["version"]);
    let (cv, _, _) = appctl(&theirs, &["version"]);
    assert_eq!(rc, 0);
    assert_eq!(v, cv.replace("ovn-ic", "ovn-dd-ic"));
    assert_eq!(v, "ovn-dd-ic 23.03.1\nOpen vSwitch Library 3.1.0\n");

    // list-commands: ovn-ic's lines, all but the coverage counters.
    let (l, _, _) = appctl(&ours, &["list-commands"]);
    let (cl, _, _) = appctl(&theirs, &["list-commands"]);
    let lines = |s: &str| s.lines().map(str::to_string).collect::<BTreeSet<_>>();
    let (l, cl) = (lines(&l), lines(&cl));
    assert!(l.is_subset(&cl), "extra lines: {:?}", l.difference(&cl));
    let missing: Vec<_> = cl
        .difference(&l)
        .map(|s| s.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(missing, ["coverage/read-counter", "coverage/show"]);
    for cmd in ["exit", "pause", "resume", "is-paused", "status"] {
        assert!(l.contains(&format!("  {cmd:<23} ")), "{cmd} listed");
    }

    // The commands, in a sequence that goes through every state, byte for byte.
    for cmd in [
        &["is-paused"][..],
        &["status"],
        &["pause"],
        &["is-paused"],
        &["status"],
        &["pause"],
        &["status"],
        &["resume"],
        &["is-paused"],
        &["status"],
        &["resume"],
        &["status"],
        &["memory/show"],
    ] {
        let reply = appctl(&ours, cmd);
        assert_eq!(reply, appctl(&theirs, cmd), "{cmd:?}");
        assert_eq!(reply.2, 0, "{cmd:?}");
    }
    assert_eq!(appctl(&ours, &["is-paused"]).0, "false\n");
    assert_eq!(appctl(&ours, &["status"]).0, "Status: standby\n");
    appctl(&ours, &["pause"]);
    appctl(&theirs, &["pause"]);
    assert_eq!(appctl(&ours, &["status"]).0, "Status: paused\n");
    assert_eq!(appctl(&ours, &["is-paused"]).0, "true\n");

    // Errors: the same texts, on stderr, with ovn-appctl's exit status.
    for cmd in [
        &["bogus"][..],
        &["exit", "1"],
        &["pause", "x"],
        &["is-paused", "x"],
        &["status", "x", "y"],
        &["parallel-build/set-n-threads", "2"],
        &["vlog/set", "northd"],
        &["vlog/set", "ovn_northd:file:dbg"],
    ] {
        let reply = appctl(&ours, cmd);
        assert_eq!(reply, appctl(&theirs, cmd), "{cmd:?}");
        assert_eq!(reply.2, 2, "{cmd:?}: {}", reply.1);
    }

    // vlog/list: every line ovn-ic prints, ours prints too; also after vlog/set.
    let same_levels = |what: &str| vlog_list_covers(&ours, &theirs, what);
    same_levels("at start");
    let set = ["vlog/set", "ovn_ic:file:dbg"];
    assert_eq!(appctl(&ours, &set), appctl(&theirs, &set));
    let ll = same_levels("after vlog/set");
    assert!(
        ll.contains("\novn_ic             OFF       INFO        DBG\n"),
        "{ll}"
    );

    // exit: answered, then the process is gone with its pidfile and socket.
    for (ctl, pid, pidfile) in [
        (&ours, dd, d.join("x.pid")),
        (&theirs, c_pid, d.join("c.pid")),
    ] {
        assert_eq!(appctl(ctl, &["exit"]), (String::new(), String::new(), 0));
        eventually("exit ends the daemon", || !alive(pid));
        assert!(!pidfile.exists() && !ctl.exists());
    }
    for line in std::fs::read_to_string(d.join("x.log")).unwrap().lines() {
        assert!(
            !line.contains("|ERR|") && !line.contains("|EMER|"),
            "{line}"
        );
    }
}
