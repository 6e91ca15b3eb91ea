//! The federation under test as real processes: three `sismatch node`s and two `sismatch
//! core`s, each a child of the runner so that it can be killed with SIGKILL, stopped with
//! SIGSTOP and continued, and started again on the same data folder and the same port.
//!
//! Why fixed ports: the core is given its nodes' addresses once, on its command line, and
//! reconnects to them on its own; a node restarted after `kill -9` must come back where the core
//! looks for it. A free port is picked once (bind to port 0, read it, close) and reused for
//! every start; the servers bind with `SO_REUSEADDR`, so a restart is not refused because of
//! the previous process's connections in TIME_WAIT.
//!
//! Signals go through the `kill` command: the workspace forbids `unsafe`, which `libc::kill`
//! would need, and a fault every few seconds does not care about a fork.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// How long a server may take to print its address after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// One server process, started again as often as the faults need.
pub struct Server {
    /// Its name in the fault log and the report (`NL`, `core-1`).
    pub name: String,
    /// Where it listens, the same at every start.
    pub addr: SocketAddr,
    /// Its standard error, appended to by every start.
    pub log: PathBuf,
    /// How many times it was started.
    pub starts: u32,
    bin: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a probe socket")?;
    listener.local_addr().context("reading the probe's address")
}

impl Server {
    /// A server that runs `bin args` (without `--listen`, which is added) on `addr`, logging to
    /// `log`. Not started yet.
    pub fn new(
        name: &str,
        bin: &Path,
        args: Vec<String>,
        addr: SocketAddr,
        log: PathBuf,
    ) -> Server {
        Server {
            name: name.to_string(),
            addr,
            log,
            starts: 0,
            bin: bin.to_path_buf(),
            args,
            child: None,
        }
    }

    /// The process id of the running process, if any.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts the process and waits until it prints its address (it then serves). Blocking: a
    /// node opening a large store takes a moment.
    pub fn start(&mut self) -> Result<()> {
        if self.child.is_some() {
            bail!("{} is already running", self.name);
        }
        self.starts += 1;
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| format!("opening {}", self.log.display()))?;
        writeln!(
            log,
            "=== sismatch-chaos: start {} of {} ===",
            self.starts, self.name
        )?;
        let mut child = Command::new(&self.bin)
            .args(&self.args)
            .args(["--listen", &self.addr.to_string()])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {} ({})", self.name, self.bin.display()))?;
        let stdout = child.stdout.take().context("the child's standard output")?;
        let (sender, receiver) = std::sync::mpsc::channel();
        // Reads the address line, then drains the rest so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next();
            let _ = sender.send(first);
            for _ in lines {}
        });
        let first = receiver.recv_timeout(START_TIMEOUT);
        self.child = Some(child);
        match first {
            Ok(Some(Ok(line))) if line.trim() == self.addr.to_string() => Ok(()),
            Ok(Some(Ok(line))) => bail!("{} printed '{line}', not {}", self.name, self.addr),
            _ => {
                self.kill();
                bail!(
                    "{} did not start on {}; its log ({}) ends with:\n{}",
                    self.name,
                    self.addr,
                    self.log.display(),
                    tail(&self.log)
                )
            }
        }
    }

    /// SIGKILL: no shutdown, no flush. Waits until the process is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends `signal` (`STOP`, `CONT`, `TERM`) to the running process.
    pub fn signal(&self, signal: &str) -> Result<()> {
        let pid = self
            .pid()
            .with_context(|| format!("{} is not running", self.name))?;
        let status = Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status()
            .context("running kill")?;
        if !status.success() {
            bail!("kill -{signal} {pid} ({}) failed", self.name);
        }
        Ok(())
    }

    /// Whether the process we started is still running (it did not exit by itself).
    pub fn running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Stops the process for good: SIGCONT (in case it was stopped), then SIGKILL.
    pub fn shutdown(&mut self) {
        let _ = self.signal("CONT");
        self.kill();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The last lines of a log, for an error message.
pub fn tail(path: &Path) -> String {
    let Ok(file) = File::open(path) else {
        return String::from("(no log)");
    };
    let lines: Vec<String> = BufReader::new(file).lines().map_while(Result::ok).collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// Lines of a log that report a panic (Rust's panic message: `thread '...' panicked at`).
pub fn panics(path: &Path) -> Vec<String> {
    lines_with(path, "panicked at")
}

/// Lines of a log that contain `needle`.
pub fn lines_with(path: &Path, needle: &str) -> Vec<String> {
    let Ok(file) = File::open(path) else {
        return Vec::new();
    };
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter(|line| line.contains(needle))
        .collect()
}
