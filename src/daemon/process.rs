//! Process side of an OVS daemon (`lib/daemon-unix.c`, `lib/fatal-signal.c`): `--detach`,
//! `--monitor`, the pidfile, and files removed at exit or on a fatal signal.
//!
//! - `--detach` forks; the parent waits on a pipe and exits only when the child reports that
//!   it is up ([`Startup::complete`], after the pidfile and the control socket exist), with
//!   the child's exit status if it dies first. The child starts a new session and, once up,
//!   changes to `/` (unless `--no-chdir`) and points stdin/stdout/stderr at `/dev/null`.
//! - `--monitor` is implemented: a monitor process restarts the daemon when it dies of a
//!   crash signal (SIGABRT, SIGALRM, SIGBUS, SIGFPE, SIGILL, SIGPIPE, SIGSEGV, SIGXCPU,
//!   SIGXFSZ), at most once every 10 seconds, and exits when the daemon exits otherwise.
//! - The pidfile is written and `fcntl`-locked as OVS does (`ovn-appctl -t NAME` checks the
//!   lock); a pidfile naming a live process stops the start unless `--overwrite-pidfile`;
//!   a stale one is replaced.
//! - SIGTERM, SIGINT, SIGHUP and SIGALRM log `terminating with signal N (NAME)`, remove the
//!   registered files (pidfile, control socket) and re-raise the signal.
//!
//! Everything that forks runs before any thread exists: before the tokio runtime is built.

use std::ffi::CStr;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::cli::DaemonOptions;
use super::vlog::{self, Level, strerror};

const MODULE: &str = "daemon_unix";

fn log(level: Level, msg: &str) {
    if let Some(v) = vlog::global() {
        v.log(MODULE, level, msg);
    }
}

fn errno() -> io::Error {
    io::Error::last_os_error()
}

/// Files to remove when the process exits or dies of a fatal signal
/// (`fatal_signal_add_file_to_unlink`).
static FILES_TO_UNLINK: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

pub fn add_file_to_unlink(p: &Path) {
    FILES_TO_UNLINK
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(p.to_path_buf());
}

pub fn remove_file_to_unlink(p: &Path) {
    FILES_TO_UNLINK
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|f| f != p);
}

/// Removes every registered file (at exit).
pub fn unlink_files() {
    let files = std::mem::take(&mut *FILES_TO_UNLINK.lock().unwrap_or_else(|e| e.into_inner()));
    for f in files {
        if let Err(e) = std::fs::remove_file(&f)
            && e.kind() != io::ErrorKind::NotFound
            && let Some(v) = vlog::global()
        {
            v.log(
                "fatal_signal",
                Level::Warn,
                &format!("could not unlink \"{}\" ({})", f.display(), strerror(&e)),
            );
        }
    }
}

/// The description glibc gives a signal (`Terminated`, `Segmentation fault`).
pub fn signal_name(sig: i32) -> String {
    // SAFETY: strsignal returns a pointer to a NUL-terminated string (or null); it is copied
    // at once.
    let p = unsafe { libc::strsignal(sig) };
    if p.is_null() {
        format!("signal {sig}")
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// `exit status N` / `killed (NAME)` / `, core dumped` (OVS `process_status_msg`).
pub fn status_message(status: i32) -> String {
    let mut s = if libc::WIFEXITED(status) {
        format!("exit status {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        format!("killed ({})", signal_name(libc::WTERMSIG(status)))
    } else if libc::WIFSTOPPED(status) {
        format!("stopped ({})", signal_name(libc::WSTOPSIG(status)))
    } else {
        format!("terminated abnormally ({status:x})")
    };
    if libc::WCOREDUMP(status) {
        s.push_str(", core dumped");
    }
    s
}

fn waitpid(pid: libc::pid_t) -> io::Result<i32> {
    let mut status = 0;
    loop {
        // SAFETY: waiting for our own child; `status` is a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            return Ok(status);
        }
        let e = errno();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// The write end of the startup pipe, held by the daemon until it is up.
pub struct Startup {
    notify: Option<OwnedFd>,
    detach: bool,
    chdir: bool,
}

/// Forks; the parent returns the child's pid and the read end of a pipe on which it has
/// already read the child's "started" byte. The child returns pid 0 and the write end.
/// `Err` in the parent: the child died without exiting in error.
fn fork_and_wait_for_startup() -> Result<(libc::pid_t, OwnedFd), ()> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe() returns.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        vlog::fatal(MODULE, &format!("pipe failed ({})", strerror(&errno())));
    }
    // SAFETY: both descriptors were just created and are owned here only.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the process is single-threaded here (no runtime yet), so the child may run
    // arbitrary code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        vlog::fatal(MODULE, &format!("fork failed ({})", strerror(&errno())));
    }
    if pid == 0 {
        drop(r);
        return Ok((0, w));
    }
    drop(w);
    let mut file = File::from(r);
    let mut byte = [0u8; 1];
    let got = loop {
        match file.read(&mut byte) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => break r,
        }
    };
    if matches!(got, Ok(1)) {
        return Ok((pid, file.into()));
    }
    match waitpid(pid) {
        Ok(status) => {
            if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) != 0 {
                // The child said why; exit as it did.
                std::process::exit(libc::WEXITSTATUS(status));
            }
            log(
                Level::Err,
                &format!(
                    "fork child died before signaling startup ({})",
                    status_message(status)
                ),
            );
            Err(())
        }
        Err(e) => vlog::fatal(MODULE, &format!("waitpid failed ({})", strerror(&e))),
    }
}

fn should_restart(status: i32) -> bool {
    libc::WIFSIGNALED(status)
        && [
            libc::SIGABRT,
            libc::SIGALRM,
            libc::SIGBUS,
            libc::SIGFPE,
            libc::SIGILL,
            libc::SIGPIPE,
            libc::SIGSEGV,
            libc::SIGXCPU,
            libc::SIGXFSZ,
        ]
        .contains(&libc::WTERMSIG(status))
}

/// Points stdin, stdout and stderr at /dev/null and turns console logging off.
fn close_standard_fds() {
    if let Ok(null) = OpenOptions::new().read(true).write(true).open("/dev/null") {
        for fd in 0..3 {
            // SAFETY: dup2 onto the standard descriptors, which this process owns.
            unsafe { libc::dup2(null.as_raw_fd(), fd) };
        }
    }
    if let Some(v) = vlog::global() {
        v.set_levels(None, Some(vlog::Destination::Console), Level::Off);
    }
}

/// The monitor loop: waits for the daemon; restarts it after a crash. Returns only in a
/// restarted daemon process.
fn monitor_daemon(mut daemon_pid: libc::pid_t) -> OwnedFd {
    if let Some(v) = vlog::global() {
        v.set_subprogram("monitor");
    }
    let mut last_restart: Option<Instant> = None;
    let mut crashes = 0;
    loop {
        // Let the log file rotate while we wait.
        let log_file = vlog::global().and_then(|v| v.log_file_name());
        if let Some(v) = vlog::global() {
            v.close();
        }
        let status = waitpid(daemon_pid);
        if let (Some(v), Some(f)) = (vlog::global(), &log_file) {
            let _ = v.set_log_file(f);
        }
        let status = match status {
            Ok(s) => s,
            Err(e) => vlog::fatal(MODULE, &format!("waitpid failed ({})", strerror(&e))),
        };
        let msg = status_message(status);
        if !should_restart(status) {
            log(
                Level::Info,
                &format!("pid {daemon_pid} died, {msg}, exiting"),
            );
            std::process::exit(0);
        }
        crashes += 1;
        let what = format!("{crashes} crashes: pid {daemon_pid} died, {msg}");
        if let Some(t) = last_restart
            && t.elapsed() < Duration::from_secs(10)
        {
            log(
                Level::Warn,
                &format!("{what}, waiting until 10 seconds since last restart"),
            );
            std::thread::sleep(Duration::from_secs(10) - t.elapsed());
        }
        last_restart = Some(Instant::now());
        log(Level::Err, &format!("{what}, restarting"));
        loop {
            match fork_and_wait_for_startup() {
                Ok((0, fd)) => {
                    if let Some(v) = vlog::global() {
                        v.set_subprogram("");
                    }
                    return fd;
                }
                Ok((pid, _)) => {
                    daemon_pid = pid;
                    break;
                }
                // The new daemon died before starting: try again after the throttle.
                Err(()) => std::thread::sleep(Duration::from_secs(10)),
            }
        }
    }
}

/// `daemonize_start`: detaches and/or starts the monitor as asked. Returns only in the
/// process that becomes the daemon. Call before any thread exists.
pub fn daemonize_start(opts: &DaemonOptions) -> Startup {
    if opts.user.is_some() {
        log(
            Level::Warn,
            "--user is not supported by ovn-dd; running as the current user",
        );
    }
    let mut notify = None;
    if opts.detach {
        match fork_and_wait_for_startup() {
            Ok((0, fd)) => notify = Some(fd),
            Ok(_) => std::process::exit(0),
            Err(()) => vlog::fatal(MODULE, "could not detach from foreground session"),
        }
        // SAFETY: setsid has no memory-safety preconditions.
        unsafe { libc::setsid() };
    }
    if opts.monitor {
        match fork_and_wait_for_startup() {
            Ok((0, fd)) => notify = Some(fd),
            Ok((pid, _)) => {
                // The monitor: the daemon is up, so release whoever waits for us.
                Startup {
                    notify: notify.take(),
                    detach: false,
                    chdir: false,
                }
                .complete();
                if opts.detach {
                    close_standard_fds();
                }
                notify = Some(monitor_daemon(pid));
            }
            Err(()) => vlog::fatal(MODULE, "could not initiate process monitoring"),
        }
    }
    Startup {
        notify,
        detach: opts.detach,
        chdir: !opts.no_chdir,
    }
}

impl Startup {
    /// `daemonize_complete`: tells the waiting parent (or monitor) that the daemon is up,
    /// then, when detached, changes to `/` (unless `--no-chdir`) and drops the terminal.
    pub fn complete(&mut self) {
        if let Some(fd) = self.notify.take() {
            let mut f = File::from(fd);
            if let Err(e) = f.write_all(&[0]) {
                vlog::fatal(MODULE, &format!("pipe write failed ({})", strerror(&e)));
            }
        }
        if self.detach {
            if self.chdir {
                let _ = std::env::set_current_dir("/");
            }
            close_standard_fds();
            self.detach = false;
        }
    }
}

/// A `fcntl(F_SETLK)` write lock on the whole file (`command` F_SETLK or F_GETLK).
fn lock(file: &File, command: i32) -> io::Result<libc::flock> {
    // SAFETY: flock is plain data; fcntl gets a valid descriptor and pointer.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = libc::F_WRLCK as _;
    fl.l_whence = libc::SEEK_SET as _;
    loop {
        if unsafe { libc::fcntl(file.as_raw_fd(), command, &mut fl) } != -1 {
            return Ok(fl);
        }
        let e = errno();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// The pid of the live process holding `path` (`read_pidfile__` with `delete_if_stale`):
/// `Ok(None)` when there is none (a stale pidfile is deleted), `Err` when unsure.
fn read_pidfile(path: &Path) -> io::Result<Option<u32>> {
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            log(
                Level::Warn,
                &format!("{}: open: {}", path.display(), strerror(&e)),
            );
            return Err(e);
        }
    };
    let fl = lock(&file, libc::F_GETLK).inspect_err(|e| {
        log(
            Level::Warn,
            &format!("{}: fcntl: {}", path.display(), strerror(e)),
        );
    })?;
    if i32::from(fl.l_type) == libc::F_UNLCK {
        // Stale: take the lock, make sure it is still the same file, delete it.
        lock(&file, libc::F_SETLK).inspect_err(|_| {
            log(
                Level::Warn,
                &format!("{}: lost race to lock pidfile", path.display()),
            );
        })?;
        let same = match (std::fs::metadata(path), file.metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        };
        if !same {
            log(
                Level::Warn,
                &format!("{}: lost race to delete pidfile", path.display()),
            );
            return Err(io::Error::from_raw_os_error(libc::EALREADY));
        }
        std::fs::remove_file(path).inspect_err(|e| {
            log(
                Level::Warn,
                &format!(
                    "{}: failed to delete stale pidfile ({})",
                    path.display(),
                    strerror(e)
                ),
            );
        })?;
        log(
            Level::Dbg,
            &format!("{}: deleted stale pidfile", path.display()),
        );
        return Ok(None);
    }
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    let line = text.lines().next().unwrap_or("");
    let digits: String = line
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if digits.parse::<i64>().ok() != Some(i64::from(fl.l_pid)) {
        log(
            Level::Warn,
            &format!(
                "{}: stale pidfile for pid {line} being deleted by pid {}",
                path.display(),
                fl.l_pid
            ),
        );
        return Err(io::Error::from_raw_os_error(libc::ESRCH));
    }
    Ok(Some(fl.l_pid as u32))
}

/// A pidfile written and locked by this process; the lock lasts as long as the value.
pub struct Pidfile {
    path: PathBuf,
    _file: File,
}

impl Pidfile {
    /// Creates `path` holding this process's pid, as OVS `make_pidfile` does (through a
    /// locked temporary file renamed into place). `Err` is the fatal message.
    pub fn create(path: &Path, overwrite: bool) -> Result<Pidfile, String> {
        let pid = std::process::id();
        let tmp = if overwrite {
            PathBuf::from(format!("{}.tmp{pid}", path.display()))
        } else {
            PathBuf::from(format!("{}.tmp", path.display()))
        };
        if overwrite {
            add_file_to_unlink(&tmp);
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&tmp)
            .map_err(|e| format!("{}: create failed ({})", tmp.display(), strerror(&e)))?;
        lock(&file, libc::F_SETLK).map_err(|e| {
            format!(
                "{}: fcntl(F_SETLK) failed ({})",
                tmp.display(),
                strerror(&e)
            )
        })?;
        if !overwrite {
            add_file_to_unlink(&tmp);
            match read_pidfile(path) {
                Ok(None) => {}
                Ok(Some(other)) => {
                    return Err(format!(
                        "{}: already running as pid {other}, aborting",
                        path.display()
                    ));
                }
                Err(e) => {
                    return Err(format!(
                        "{}: pidfile check failed ({}), aborting",
                        path.display(),
                        strerror(&e)
                    ));
                }
            }
        }
        file.set_len(0)
            .map_err(|e| format!("{}: truncate failed ({})", tmp.display(), strerror(&e)))?;
        (&file)
            .write_all(format!("{pid}\n").as_bytes())
            .map_err(|e| format!("{}: write failed ({})", tmp.display(), strerror(&e)))?;
        let renamed = std::fs::rename(&tmp, path);
        remove_file_to_unlink(&tmp);
        renamed.map_err(|e| {
            format!(
                "failed to rename \"{}\" to \"{}\" ({})",
                tmp.display(),
                path.display(),
                strerror(&e)
            )
        })?;
        add_file_to_unlink(path);
        Ok(Pidfile {
            path: path.to_path_buf(),
            _file: file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Handles SIGTERM, SIGINT, SIGHUP and SIGALRM as OVS's fatal-signal module: log, remove the
/// registered files, die of the signal. Spawns a task on the current tokio runtime.
pub fn spawn_fatal_signal_handler() -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGALRM];
    let mut streams = Vec::new();
    for k in kinds {
        streams.push((k, signal(SignalKind::from_raw(k))?));
    }
    tokio::spawn(async move {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<i32>(1);
        for (k, mut s) in streams {
            let tx = tx.clone();
            tokio::spawn(async move {
                if s.recv().await.is_some() {
                    let _ = tx.send(k).await;
                }
            });
        }
        if let Some(sig) = rx.recv().await {
            terminate(sig);
        }
    });
    Ok(())
}

/// Logs, removes the registered files and re-raises `sig` with its default action.
pub fn terminate(sig: i32) -> ! {
    if let Some(v) = vlog::global() {
        v.log(
            "fatal_signal",
            Level::Warn,
            &format!("terminating with signal {sig} ({})", signal_name(sig)),
        );
    }
    unlink_files();
    // SAFETY: restoring the default action and raising a signal are async-signal-safe and
    // have no memory-safety preconditions.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
    std::process::exit(128 + sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ovn-dd-process-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn pidfile_is_written_locked_and_stale_ones_are_replaced() {
        let d = dir("pid");
        let p = d.join("x.pid");
        // A stale pidfile (nobody holds its lock) is replaced.
        std::fs::write(&p, "999999\n").unwrap();
        let pf = Pidfile::create(&p, false).unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            format!("{}\n", std::process::id())
        );
        assert!(!d.join("x.pid.tmp").exists());
        // Our own lock does not show to F_GETLK from this process (as in C), so the
        // "already running" check is exercised by the integration tests across processes.
        remove_file_to_unlink(pf.path());
        drop(pf);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn status_messages() {
        assert_eq!(status_message(3 << 8), "exit status 3");
        assert_eq!(status_message(libc::SIGSEGV), "killed (Segmentation fault)");
        assert_eq!(
            status_message(libc::SIGABRT | 0x80),
            "killed (Aborted), core dumped"
        );
        assert!(
            should_restart(libc::SIGSEGV) && !should_restart(libc::SIGTERM) && !should_restart(0)
        );
        assert_eq!(signal_name(libc::SIGTERM), "Terminated");
    }
}
