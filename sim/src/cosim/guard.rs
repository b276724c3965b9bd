//! A wall-clock guard on every simulator process. A stalled state machine ends at the cycle
//! limit, but a procedural loop that never terminates inside one evaluation (a dangling
//! `else` binding to a loop's `if` did this once) keeps the simulator inside a single
//! cycle forever: no cycle limit is ever reached. So each process runs in its own process
//! group under a watchdog that kills the group when its time budget is spent.

use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt;

use super::SimulatorKind;
use crate::error::SimError;

/// How long a simulator process may run before it is killed as hung:
/// `floor + factor · cycles / speed`, where `cycles` is the cycle limit of the run (twice
/// the cycle model's count plus a margin, for batch runs; a request's cycle budget over the
/// UART) and `speed` the simulator's speed measured on this machine kind
/// ([`SimulatorKind::measured_speed`]). The default (30 s floor, factor 10) leaves room for
/// slower, larger designs and a busy machine; tests of the guard itself shorten it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimTimeout {
    /// Granted to every run, however short (start-up, reading memory files).
    pub floor: Duration,
    /// Headroom over the measured speed.
    pub factor: f64,
}

impl Default for SimTimeout {
    fn default() -> SimTimeout {
        SimTimeout { floor: Duration::from_secs(30), factor: 10.0 }
    }
}

impl SimTimeout {
    /// The budget of a run of `kind` over at most `cycles` cycles.
    pub fn budget(&self, kind: SimulatorKind, cycles: u64) -> Duration {
        let expected = cycles as f64 / kind.measured_speed() as f64;
        self.floor + Duration::from_secs_f64((expected * self.factor).min(1e9))
    }
}

impl SimulatorKind {
    /// Cycles per second this simulator reaches on this machine kind (BENCHMARKS.md):
    /// Verilator about 5 M, Icarus Verilog about 6,000.
    pub fn measured_speed(self) -> u64 {
        match self {
            SimulatorKind::Verilator => 5_000_000,
            SimulatorKind::Icarus => 6_000,
        }
    }
}

/// A child process in its own process group, with a watchdog that kills the whole group
/// once an armed deadline passes. Dropping it kills the group too, so an early error
/// return never leaves a simulator running.
pub(crate) struct GuardedChild {
    /// The process (leader of its group).
    pub child: Child,
    deadlines: Option<Sender<Option<Instant>>>,
    fired: Arc<AtomicBool>,
    watchdog: Option<JoinHandle<()>>,
}

impl GuardedChild {
    /// Spawn `cmd` in a new process group, not yet armed.
    pub fn spawn(cmd: &mut Command) -> Result<GuardedChild, SimError> {
        // Its own group keeps the terminal's Ctrl-C from reaching the simulator: it dies
        // with us instead. PR_SET_PDEATHSIG fires when the *thread* that spawned it ends,
        // so spawn simulators from threads that outlive them (main, rayon's pool workers),
        // never from a short-lived helper thread.
        // SAFETY: the closure runs in the forked child before exec and only makes the
        // async-signal-safe prctl(2) system call.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        let child = cmd.process_group(0).spawn().map_err(|source| SimError::Process {
            step: "cannot start",
            program: cmd.get_program().to_string_lossy().into_owned(),
            source,
        })?;
        let group = child.id() as libc::pid_t;
        let (deadlines, commands) = mpsc::channel();
        let fired = Arc::new(AtomicBool::new(false));
        let flag = fired.clone();
        let watchdog = std::thread::spawn(move || watch(group, &commands, &flag));
        Ok(GuardedChild { child, deadlines: Some(deadlines), fired, watchdog: Some(watchdog) })
    }

    /// Kill the group if it is still running `budget` from now (replaces an earlier deadline).
    pub fn arm(&self, budget: Duration) {
        self.send(Some(Instant::now() + budget));
    }

    /// Cancel the deadline.
    pub fn disarm(&self) {
        self.send(None);
    }

    /// True once the watchdog has killed the group.
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }

    fn send(&self, deadline: Option<Instant>) {
        if let Some(d) = &self.deadlines {
            let _ = d.send(deadline);
        }
    }
}

impl Drop for GuardedChild {
    fn drop(&mut self) {
        // Closing the channel ends the watchdog.
        self.deadlines = None;
        if let Some(w) = self.watchdog.take() {
            let _ = w.join();
        }
        if let Ok(None) = self.child.try_wait() {
            kill_group(self.child.id() as libc::pid_t);
            let _ = self.child.wait();
        }
    }
}

fn watch(group: libc::pid_t, commands: &Receiver<Option<Instant>>, fired: &AtomicBool) {
    let mut deadline: Option<Instant> = None;
    loop {
        let next = match deadline {
            Some(d) => match commands.recv_timeout(d.saturating_duration_since(Instant::now())) {
                Ok(next) => next,
                Err(RecvTimeoutError::Timeout) => {
                    // Flag first: whoever sees the pipes close must know why.
                    fired.store(true, Ordering::SeqCst);
                    kill_group(group);
                    return;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            },
            None => match commands.recv() {
                Ok(next) => next,
                Err(_) => return,
            },
        };
        deadline = next;
    }
}

fn kill_group(group: libc::pid_t) {
    // SAFETY: kill(2) with a negative pid signals that process group; it touches no memory.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_past_its_budget_is_killed_with_its_children() {
        // The shell's child `sleep` would keep the pipe open if only the shell died.
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 30 & sleep 30"]).stdout(std::process::Stdio::piped());
        let mut guarded = GuardedChild::spawn(&mut cmd).unwrap();
        let started = Instant::now();
        guarded.arm(Duration::from_millis(200));
        let mut out = String::new();
        std::io::Read::read_to_string(&mut guarded.child.stdout.take().unwrap(), &mut out).unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "the pipe closed only after {:?}", started.elapsed());
        assert!(guarded.fired());
    }

    #[test]
    fn a_disarmed_process_runs_to_its_end() {
        let mut guarded = GuardedChild::spawn(Command::new("sleep").arg("0.3")).unwrap();
        guarded.arm(Duration::from_millis(100));
        guarded.disarm();
        assert!(guarded.child.wait().unwrap().success());
        assert!(!guarded.fired());
    }

    #[test]
    fn budgets_scale_with_cycles_and_speed() {
        let t = SimTimeout { floor: Duration::from_secs(1), factor: 10.0 };
        assert_eq!(t.budget(SimulatorKind::Verilator, 5_000_000), Duration::from_secs(11));
        assert_eq!(t.budget(SimulatorKind::Icarus, 6_000), Duration::from_secs(11));
        assert_eq!(t.budget(SimulatorKind::Verilator, 0), Duration::from_secs(1));
    }
}
