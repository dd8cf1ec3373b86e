//! Reading dom0's console: what tests/domu/init reported about each case.
//!
//! Only lines holding `halvm-domu: ` count (from that point on, so that
//! anything Xen or QEMU put before it on the same line is ignored), plus,
//! inside a case's begin/end frame, the log lines, which /init prefixes
//! with `|`. Everything else (Xen's and the kernel's messages) is noise.

use std::collections::BTreeMap;

pub const MARKER: &str = "halvm-domu: ";

/// What dom0 reported over the whole run.
#[derive(Debug, Default, PartialEq)]
pub struct Dom0Report {
    /// dom0's uptime when /init started.
    pub init_uptime: Option<f64>,
    /// dom0's uptime when its toolstack was ready.
    pub ready_uptime: Option<f64>,
    /// /init's own failure (`FAILED: ...`), e.g. a tool that did not start
    /// or the watchdog.
    pub failures: Vec<String>,
    /// Whether /init got through the whole plan.
    pub done: bool,
    pub cases: BTreeMap<String, CaseLog>,
}

/// One case as dom0 reported it.
#[derive(Debug, Default, PartialEq)]
pub struct CaseLog {
    pub start_uptime: Option<f64>,
    /// xl's output (`xl create -F` and, after a timeout, `xl destroy`).
    pub xl_log: Frame,
    /// The guest's console, as xenconsoled logged it.
    pub console: Frame,
    /// For a kept guest: what dom0 read from its XenStore key
    /// data/halvm/exit-status after it shut down (`none`: nothing read,
    /// xl's output says why).
    pub exit_status_key: Option<String>,
    pub end: Option<CaseEnd>,
}

/// A framed log: its lines, and whether its end marker was seen.
#[derive(Debug, Default, PartialEq)]
pub struct Frame {
    pub lines: Vec<String>,
    pub begun: bool,
    pub ended: bool,
}

#[derive(Debug, PartialEq)]
pub struct CaseEnd {
    /// xl's "reason code" (SCHEDOP_shutdown's reason); `None` when xl
    /// logged none.
    pub reason: Option<u8>,
    /// The guest was still there after the case's time limit and was
    /// destroyed.
    pub timed_out: bool,
    pub uptime: f64,
}

impl CaseLog {
    /// Seconds from `xl create` to the guest's end, on dom0's clock.
    pub fn seconds(&self) -> Option<f64> {
        Some(self.end.as_ref()?.uptime - self.start_uptime?)
    }
}

/// Parses the whole console text.
pub fn parse(text: &str) -> Dom0Report {
    let mut report = Dom0Report::default();
    // The frame being read: (case, which log).
    let mut open: Option<(String, Part)> = None;
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        let Some(at) = line.find(MARKER) else {
            if let (Some((case, part)), Some(log_line)) = (&open, line.strip_prefix('|')) {
                frame(&mut report, case, *part).lines.push(log_line.to_string());
            }
            continue;
        };
        let message = &line[at + MARKER.len()..];
        if let Some(rest) = message.strip_prefix("init ") {
            report.init_uptime = field(rest, "uptime").and_then(|v| v.parse().ok());
        } else if let Some(rest) = message.strip_prefix("ready ") {
            report.ready_uptime = field(rest, "uptime").and_then(|v| v.parse().ok());
        } else if let Some(what) = message.strip_prefix("FAILED: ") {
            report.failures.push(what.to_string());
        } else if message == "done" {
            report.done = true;
        } else if let Some(rest) = message.strip_prefix("case ") {
            let (name, event) = rest.split_once(' ').unwrap_or((rest, ""));
            let (word, details) = event.split_once(' ').unwrap_or((event, ""));
            let case = report.cases.entry(name.to_string()).or_default();
            match word {
                "start" => case.start_uptime = field(details, "uptime").and_then(|v| v.parse().ok()),
                "exit-status-key" => case.exit_status_key = field(details, "value").map(String::from),
                "end" => {
                    case.end = Some(CaseEnd {
                        reason: field(details, "reason").and_then(|v| v.parse().ok()),
                        timed_out: field(details, "timed-out") == Some("yes"),
                        uptime: field(details, "uptime").and_then(|v| v.parse().ok()).unwrap_or(f64::NAN),
                    })
                }
                _ => {
                    for part in [Part::XlLog, Part::Console] {
                        if word == format!("{}-begin", part.word()) {
                            frame(&mut report, name, part).begun = true;
                            open = Some((name.to_string(), part));
                        } else if word == format!("{}-end", part.word()) {
                            frame(&mut report, name, part).ended = true;
                            open = None;
                        }
                    }
                }
            }
        }
    }
    report
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    XlLog,
    Console,
}

impl Part {
    fn word(self) -> &'static str {
        match self {
            Part::XlLog => "xl-log",
            Part::Console => "console",
        }
    }
}

fn frame<'a>(report: &'a mut Dom0Report, case: &str, part: Part) -> &'a mut Frame {
    let log = report.cases.entry(case.to_string()).or_default();
    match part {
        Part::XlLog => &mut log.xl_log,
        Part::Console => &mut log.console,
    }
}

/// The value of `name=value` among space-separated words.
fn field<'a>(words: &'a str, name: &str) -> Option<&'a str> {
    words.split_whitespace().find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "\
(XEN) Xen version 4.17
[    1.000000] Linux version 6.1
halvm-domu: init uptime=5.20
halvm-domu: ready uptime=5.80
halvm-domu: case basic-exit-0 start uptime=6.01
halvm-domu: case basic-exit-0 xl-log-begin
|Parsing config from /tests/basic-exit-0.cfg
|Domain 1 has shut down, reason code 0 0x0
halvm-domu: case basic-exit-0 xl-log-end
halvm-domu: case basic-exit-0 console-begin
|hello from halvm
(XEN) d1v0 a message of Xen's between two lines
|halvm: exit status 0
halvm-domu: case basic-exit-0 console-end
halvm-domu: case basic-exit-0 exit-status-key value=0
halvm-domu: case basic-exit-0 end reason=0 timed-out=no uptime=7.25
halvm-domu: case echo-hang start uptime=7.30
halvm-domu: case echo-hang xl-log-begin
|Parsing config from /tests/echo-hang.cfg
halvm-domu: case echo-hang xl-log-end
halvm-domu: case echo-hang console-begin
|echo: ready
halvm-domu: case echo-hang console-end
halvm-domu: case echo-hang end reason=none timed-out=yes uptime=12.40
halvm-domu: done
";

    #[test]
    fn cases_their_logs_and_how_they_ended() {
        let report = parse(RUN);
        assert_eq!((report.init_uptime, report.ready_uptime), (Some(5.2), Some(5.8)));
        assert!(report.done && report.failures.is_empty());
        let basic = &report.cases["basic-exit-0"];
        assert_eq!(basic.console.lines, ["hello from halvm", "halvm: exit status 0"], "Xen's line is not the guest's");
        assert!(basic.console.begun && basic.console.ended);
        assert_eq!(basic.xl_log.lines[1], "Domain 1 has shut down, reason code 0 0x0");
        assert_eq!(basic.end, Some(CaseEnd { reason: Some(0), timed_out: false, uptime: 7.25 }));
        assert_eq!(basic.exit_status_key.as_deref(), Some("0"));
        assert!((basic.seconds().unwrap() - 1.24).abs() < 1e-9);
    }

    #[test]
    fn a_hung_case_is_reported_as_timed_out_and_the_next_one_still_counts() {
        let report = parse(RUN);
        let hung = &report.cases["echo-hang"];
        assert_eq!(hung.end, Some(CaseEnd { reason: None, timed_out: true, uptime: 12.4 }));
        assert_eq!(hung.console.lines, ["echo: ready"]);
        assert_eq!(hung.exit_status_key, None, "no key line, no value");
        assert_eq!(report.cases.len(), 2);
    }

    #[test]
    fn a_truncated_log_leaves_the_frame_open_and_the_case_unended() {
        let cut = &RUN[..RUN.find("(XEN) d1v0").unwrap()];
        let report = parse(cut);
        let basic = &report.cases["basic-exit-0"];
        assert!(basic.console.begun && !basic.console.ended);
        assert_eq!(basic.console.lines, ["hello from halvm"]);
        assert_eq!(basic.end, None);
        assert!(!report.done);
        assert!(!report.cases.contains_key("echo-hang"));
    }

    #[test]
    fn noise_before_a_marker_and_carriage_returns_are_ignored() {
        let report = parse("(XEN) x halvm-domu: ready uptime=1.5\r\nhalvm-domu: FAILED: starting xenstored\r\n");
        assert_eq!(report.ready_uptime, Some(1.5));
        assert_eq!(report.failures, ["starting xenstored"]);
    }

    #[test]
    fn lines_outside_frames_are_not_logs() {
        let report = parse("|stray\nhalvm-domu: case a start uptime=1\n|also stray\n");
        assert!(report.cases["a"].console.lines.is_empty());
        assert!(report.cases["a"].xl_log.lines.is_empty());
    }
}
