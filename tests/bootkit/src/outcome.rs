//! How a boot ended, and assertions that print the whole story on failure.

use std::fmt;
use std::process::ExitStatus;
use std::time::Duration;

use crate::console::{ConsoleLog, Line};
use crate::EXIT_LINE_PREFIX;

/// What rts-xen prints when its shutdown request did not end the machine
/// (rts-xen/src/exit.rs): a guest that says so did not exit cleanly.
pub const SHUTDOWN_FAILED_PREFIX: &str = "halvm: shutdown did not take effect";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The guest wrote its status to isa-debug-exit: QEMU exited with
    /// (status << 1) | 1, which leaves status & 0x7f recoverable.
    DebugExit(u8),
    /// QEMU exited by itself with an even status (e.g. 0 after a reset or
    /// triple fault with -no-reboot), or with an error.
    QemuExited(i32),
    /// QEMU was killed by a signal it did not send itself.
    Signalled(i32),
    /// The boot ran past its timeout and QEMU was killed.
    TimedOut(Duration),
    /// KVM could not run the guest (QEMU reported a KVM internal error,
    /// e.g. an emulation failure) and QEMU was killed.
    KvmInternalError,
}

impl End {
    pub(crate) fn from_exit_status(s: ExitStatus) -> End {
        use std::os::unix::process::ExitStatusExt;
        match (s.code(), s.signal()) {
            (Some(c), _) if c & 1 == 1 => End::DebugExit((c >> 1) as u8),
            (Some(c), _) => End::QemuExited(c),
            (None, Some(sig)) => End::Signalled(sig),
            (None, None) => End::QemuExited(-1),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Outcome {
    /// Which machine booted the image (qemu-tcg, qemu-kvm, xen-in-qemu).
    pub machine: &'static str,
    /// The QEMU command line, ready to paste into a shell.
    pub command: String,
    pub console: ConsoleLog,
    /// QEMU's own messages.
    pub stderr: String,
    pub end: End,
    pub elapsed: Duration,
}

impl Outcome {
    /// The status on rts-xen's final console line.
    pub fn final_line_status(&self) -> Option<u8> {
        self.console.lines.iter().rev().find_map(|l| {
            let i = l.text.find(EXIT_LINE_PREFIX)?;
            l.text[i + EXIT_LINE_PREFIX.len()..].trim().parse().ok()
        })
    }

    /// The guest's exit status: the final line's status, confirmed by
    /// QEMU's isa-debug-exit status (which keeps only the low 7 bits).
    pub fn exit_status(&self) -> Result<u8, String> {
        if let Some(report) = self.console.find(SHUTDOWN_FAILED_PREFIX) {
            return Err(format!("the guest's shutdown failed: it printed {:?}", report.text));
        }
        let line = self.final_line_status();
        match (&self.end, line) {
            (End::DebugExit(s), Some(l)) if *s == l & 0x7f => Ok(l),
            (End::DebugExit(s), Some(l)) => Err(format!(
                "the console says exit status {l}, but QEMU's debug-exit status says {s}")),
            (End::DebugExit(s), None) => Err(format!(
                "QEMU's debug-exit status says {s}, but there is no final `{EXIT_LINE_PREFIX}N` line")),
            (end, _) => Err(format!("the guest did not end through isa-debug-exit: {end:?}")),
        }
    }

    /// Panics, with the full report, unless the guest exited with `status`.
    pub fn assert_exit(&self, status: u8) {
        match self.exit_status() {
            Ok(s) if s == status => {}
            Ok(s) => self.fail(&format!("expected exit status {status}, got {s}")),
            Err(e) => self.fail(&format!("expected exit status {status}: {e}")),
        }
    }

    /// The first console line containing `needle`; panics with the full
    /// report when there is none.
    pub fn assert_line(&self, needle: &str) -> &Line {
        self.console.find(needle).unwrap_or_else(|| self.fail(&format!("no console line contains {needle:?}")))
    }

    /// The value after `prefix` on the console, parsed; panics with the
    /// full report when it is missing or does not parse.
    pub fn value<T: std::str::FromStr>(&self, prefix: &str) -> T {
        let raw = self.console.value_after(prefix)
            .unwrap_or_else(|| self.fail(&format!("no console line contains {prefix:?}")));
        let word = raw.split_whitespace().next().unwrap_or("");
        word.parse().unwrap_or_else(|_| self.fail(&format!("{prefix:?} is followed by {raw:?}, not a value")))
    }

    /// Panics with `what` and the full report of this boot.
    pub fn fail(&self, what: &str) -> ! {
        panic!("{what}\n{self}")
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        writeln!(f, "---- boot on {} ended: {:?} after {:.2}s", self.machine, self.end, self.elapsed.as_secs_f64())?;
        writeln!(f, "---- command: {}", self.command)?;
        if !self.stderr.trim().is_empty() {
            writeln!(f, "---- QEMU stderr:\n{}", self.stderr.trim_end())?;
        }
        writeln!(f, "---- console ({} lines):", self.console.lines.len())?;
        write!(f, "{}", self.console)?;
        writeln!(f, "---- end of console")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(end: End, console: &[&str]) -> Outcome {
        let lines = console.iter().map(|t| Line { at: Duration::ZERO, text: t.to_string() }).collect();
        Outcome {
            machine: "qemu-tcg",
            command: String::new(),
            console: ConsoleLog { lines },
            stderr: String::new(),
            end,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn the_final_line_and_the_debug_exit_status_agree() {
        assert_eq!(ended(End::DebugExit(42), &["halvm: exit status 42"]).exit_status(), Ok(42));
        assert!(ended(End::DebugExit(41), &["halvm: exit status 42"]).exit_status().is_err());
    }

    #[test]
    fn a_guest_reporting_a_failed_shutdown_did_not_exit_cleanly() {
        let out = ended(End::DebugExit(0), &["halvm: exit status 0", "halvm: shutdown did not take effect; halting"]);
        let err = out.exit_status().unwrap_err();
        assert!(err.contains("shutdown failed"), "{err}");
    }
}
