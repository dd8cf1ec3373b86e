//! Running a long command with its full output in a log file and a short
//! account of its progress on the terminal.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::progress::format_duration;

/// How many lines of the log a failure prints.
const TAIL_LINES: usize = 40;

/// The longest silence on the terminal while a command is producing output.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs `command` with stdout and stderr appended to `log`. `phase` sees each
/// output line and returns a new phase name when the command has moved on;
/// phase changes are printed with the elapsed time. On failure the error
/// names the log and the last lines of output are printed.
pub fn run(
    what: &str,
    mut command: Command,
    log: &Path,
    mut phase: impl FnMut(&str) -> Option<String>,
) -> Result<()> {
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening the log {}", log.display()))?;
    writeln!(log_file, "\n==== {what}: {command:?}")?;
    let started = Instant::now();
    eprintln!("==> {what} (log: {})", log.display());
    // One pipe for both streams keeps their lines in order.
    let (reader, writer) = std::io::pipe().context("creating a pipe")?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .spawn()
        .with_context(|| format!("starting {what}: {command:?}"))?;
    drop(command); // it holds our copies of the pipe's write end; EOF needs them closed
    let mut tail = std::collections::VecDeque::with_capacity(TAIL_LINES);
    let mut last_report = Instant::now();
    let mut lines = 0u64;
    for line in BufReader::new(reader).split(b'\n') {
        let line = String::from_utf8_lossy(&line?).into_owned();
        lines += 1;
        writeln!(log_file, "{line}")?;
        let elapsed = format_duration(started.elapsed().as_secs_f64());
        if let Some(name) = phase(&line) {
            eprintln!("    [{elapsed:>6}] {name}");
            last_report = Instant::now();
        } else if last_report.elapsed() >= HEARTBEAT {
            eprintln!("    [{elapsed:>6}] still working ({lines} lines of output so far)");
            last_report = Instant::now();
        }
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    let status = child.wait()?;
    let took = format_duration(started.elapsed().as_secs_f64());
    if !status.success() {
        eprintln!("---- last {} lines of {} ----", tail.len(), log.display());
        for line in &tail {
            eprintln!("{line}");
        }
        eprintln!("---- end of log excerpt ----");
        bail!("{what} failed ({status}) after {took}; the full log is {}", log.display());
    }
    eprintln!("    {what} done in {took}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_every_line_in_order_and_shows_each_to_the_callback() {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("logs/x.log");
        let mut phases = Vec::new();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo one; echo two >&2; echo three"]);
        run("demo", cmd, &log, |l| {
            phases.push(l.to_string());
            None
        })
        .unwrap();
        assert_eq!(phases, ["one", "two", "three"]);
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains("one\ntwo\nthree\n"), "{text}");
    }

    #[test]
    fn failure_names_the_log() {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("x.log");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo boom; exit 3"]);
        let err = run("demo", cmd, &log, |_| None).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("demo failed") && msg.contains(&log.display().to_string()), "{msg}");
        assert!(std::fs::read_to_string(&log).unwrap().contains("boom"));
    }
}
