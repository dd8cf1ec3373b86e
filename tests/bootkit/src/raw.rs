//! QEMU with a caller's own command line (a Linux guest, Xen with a dom0):
//! its console lines as they arrive, with their times, and a hard deadline.
//! [`crate::Boot`] is the way to boot halvm images; this serves the lanes
//! and tools that boot other systems.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How a supervised QEMU process ended.
pub(crate) enum Ended {
    Exited(ExitStatus),
    /// Killed at the deadline.
    Deadline,
    /// Killed because `give_up` said so.
    GaveUp,
}

/// Waits for `child`, checking every `every`; kills it at `deadline` or
/// as soon as `give_up()` is true (QEMU itself never ends a hung guest).
pub(crate) fn supervise(child: &mut Child, deadline: Instant, every: Duration, give_up: impl Fn() -> bool)
                        -> Result<Ended, String> {
    loop {
        let end = match child.try_wait() {
            Ok(Some(status)) => return Ok(Ended::Exited(status)),
            Ok(None) if give_up() => Ended::GaveUp,
            Ok(None) if Instant::now() >= deadline => Ended::Deadline,
            Ok(None) => {
                std::thread::sleep(every);
                continue;
            }
            Err(e) => return Err(format!("waiting for QEMU failed: {e}")),
        };
        let _ = child.kill();
        let _ = child.wait();
        return Ok(end);
    }
}

/// How a raw QEMU run went.
pub struct RawRun {
    /// Every console (stdout) line, with its time since QEMU started.
    pub lines: Vec<(Duration, String)>,
    /// What QEMU printed on stderr.
    pub stderr: String,
    /// QEMU's exit status; `None` when it was killed at the deadline.
    pub status: Option<ExitStatus>,
    pub elapsed: Duration,
}

/// Runs `qemu-system-x86_64 ARGS`, calling `on_line` with each console
/// line as it arrives, and kills QEMU at `timeout`.
pub fn run_qemu(
    args: &[String],
    timeout: Duration,
    mut on_line: impl FnMut(Duration, &str) + Send + 'static,
) -> Result<RawRun, String> {
    let qemu = crate::qemu_binary()?;
    let start = Instant::now();
    let mut child = Command::new(&qemu)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", qemu.display()))?;
    let stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).split(b'\n') {
            let Ok(bytes) = line else { break };
            let text = String::from_utf8_lossy(&bytes).trim_end_matches('\r').to_string();
            on_line(start.elapsed(), &text);
            lines.push((start.elapsed(), text));
        }
        lines
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = match supervise(&mut child, start + timeout, Duration::from_millis(20), || false)? {
        Ended::Exited(status) => Some(status),
        Ended::Deadline | Ended::GaveUp => None,
    };
    let elapsed = start.elapsed();
    let lines = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(RawRun { lines, stderr, status, elapsed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_past_its_deadline_is_killed_and_says_so() {
        // Nothing to boot: QEMU waits for ever, the deadline ends it.
        let args: Vec<String> = ["-nodefaults", "-display", "none", "-serial", "stdio", "-S"].map(String::from).to_vec();
        let run = run_qemu(&args, Duration::from_millis(500), |_, _| {}).unwrap();
        assert!(run.status.is_none(), "QEMU exited by itself: {:?}", run.status);
        assert!(run.elapsed >= Duration::from_millis(500));
    }
}
