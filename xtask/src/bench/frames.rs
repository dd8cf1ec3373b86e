//! Reading what the benchmarks print (tests/bench/lib/Bench.hs) and how
//! the Linux guest's /init frames each run:
//!
//! ```text
//! bench-run-begin: NAME I
//! bench-start: NAME
//! bench-result: TEXT
//! bench-time-ns: N
//! bench-run-end: NAME I STATUS
//! ```

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};

pub const START: &str = "bench-start: ";
pub const RESULT: &str = "bench-result: ";
pub const TIME: &str = "bench-time-ns: ";
/// The boot-time programs' figures (tests/bench/support/BootClock*.hs).
pub const BOOT_C_MAIN: &str = "bench-boot-c-main-ns: ";
pub const BOOT_HS_MAIN: &str = "bench-boot-hs-main-ns: ";
pub const RUN_BEGIN: &str = "bench-run-begin: ";
pub const RUN_END: &str = "bench-run-end: ";

/// One run's output as the program printed it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    pub result: String,
    pub time_ns: u64,
}

/// The value after `prefix` on the one line that carries it; the line may
/// have noise before the prefix (firmware escapes, a kernel message).
fn value<'a>(lines: &[&'a str], prefix: &str) -> Result<&'a str> {
    let found: Vec<&str> = lines.iter().filter_map(|l| l.find(prefix).map(|i| &l[i + prefix.len()..])).collect();
    match found.as_slice() {
        [one] => Ok(one.trim_end()),
        [] => bail!("no `{}` line", prefix.trim_end()),
        _ => bail!("{} `{}` lines where one was expected", found.len(), prefix.trim_end()),
    }
}

/// A run's result and time from its console lines.
pub fn parse_run(lines: &[&str]) -> Result<RunOutput> {
    let result = value(lines, RESULT)?.to_string();
    let time = value(lines, TIME)?;
    let time_ns = time.trim().parse().with_context(|| format!("`{TIME}{time}` is not a whole number of ns"))?;
    Ok(RunOutput { result, time_ns })
}

/// The boot time on the guest's clock, as a BootClock program printed it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootClock {
    /// First instruction to C's main (halvm only).
    pub c_main_ns: Option<u64>,
    /// To the Haskell program's main.
    pub hs_main_ns: u64,
}

fn ns(lines: &[&str], prefix: &str) -> Result<u64> {
    let text = value(lines, prefix)?;
    text.trim().parse().with_context(|| format!("`{prefix}{text}` is not a whole number of ns"))
}

/// A BootClock program's figures; halvm's must give both, and a zero
/// means the clock was not read (an error, not a fast boot).
pub fn parse_boot_clock(lines: &[&str], with_c_main: bool) -> Result<BootClock> {
    let hs_main_ns = ns(lines, BOOT_HS_MAIN)?;
    let c_main_ns = if with_c_main { Some(ns(lines, BOOT_C_MAIN)?) } else { None };
    if hs_main_ns == 0 || c_main_ns == Some(0) {
        bail!("a boot time of 0 ns: the clock was not read");
    }
    if c_main_ns.is_some_and(|c| c > hs_main_ns) {
        bail!("C's main came {} ns after Haskell's main ({hs_main_ns} ns): the clock went wrong", c_main_ns.unwrap());
    }
    Ok(BootClock { c_main_ns, hs_main_ns })
}

/// Each program's runs in the guest, in order: exit status and lines.
pub type GuestRuns = BTreeMap<String, Vec<(i32, Vec<String>)>>;

/// The Linux guest's console split into runs: for each program, its runs
/// in order, each with its exit status and lines. A run that began but
/// never ended (the guest died or timed out) is an error naming it.
pub fn split_guest_runs(console: &[&str]) -> Result<GuestRuns> {
    let mut runs = GuestRuns::new();
    let mut open: Option<(String, Vec<String>)> = None;
    for line in console {
        if let Some(i) = line.find(RUN_BEGIN) {
            if let Some((name, _)) = &open {
                bail!("the guest began a new run before {name}'s ended: {line:?}");
            }
            let name = line[i + RUN_BEGIN.len()..].split_whitespace().next().unwrap_or("").to_string();
            open = Some((name, Vec::new()));
        } else if let Some(i) = line.find(RUN_END) {
            let (name, lines) = open.take().with_context(|| format!("a run ended that never began: {line:?}"))?;
            let words: Vec<&str> = line[i + RUN_END.len()..].split_whitespace().collect();
            let (Some(ended), Some(status)) = (words.first(), words.last()) else {
                bail!("malformed end of run: {line:?}");
            };
            if *ended != name {
                bail!("{name}'s run ended as {ended:?}: {line:?}");
            }
            let status = status.parse().with_context(|| format!("no exit status in {line:?}"))?;
            runs.entry(name).or_default().push((status, lines));
        } else if let Some((_, lines)) = &mut open {
            lines.push(line.to_string());
        }
    }
    if let Some((name, _)) = open {
        bail!("{name}'s run never ended: the guest stopped in the middle of it");
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_gives_its_result_and_time() {
        let lines = ["bench-start: Queens", "bench-result: (92,[1,2])", "\x1b[0mbench-time-ns: 12345"];
        assert_eq!(parse_run(&lines).unwrap(), RunOutput { result: "(92,[1,2])".into(), time_ns: 12345 });
    }

    #[test]
    fn a_missing_doubled_or_bad_line_is_an_error() {
        let err = |l: &[&str]| format!("{:#}", parse_run(l).unwrap_err());
        assert!(err(&["bench-time-ns: 5"]).contains("no `bench-result:` line"));
        assert!(err(&["bench-result: a", "bench-result: b", "bench-time-ns: 5"]).contains("2 `bench-result:` lines"));
        assert!(err(&["bench-result: a", "bench-time-ns: 5.5"]).contains("not a whole number"));
    }

    #[test]
    fn boot_clock_lines_give_both_figures_and_bad_ones_are_refused() {
        let halvm = ["bench-start: BootClock", "bench-boot-c-main-ns: 3000000", "bench-boot-hs-main-ns: 9000000"];
        assert_eq!(parse_boot_clock(&halvm, true).unwrap(), BootClock { c_main_ns: Some(3_000_000), hs_main_ns: 9_000_000 });
        let linux = ["bench-start: BootClock", "bench-boot-hs-main-ns: 1200000000"];
        assert_eq!(parse_boot_clock(&linux, false).unwrap(), BootClock { c_main_ns: None, hs_main_ns: 1_200_000_000 });
        let err = |l: &[&str], c: bool| format!("{:#}", parse_boot_clock(l, c).unwrap_err());
        assert!(err(&linux, true).contains("no `bench-boot-c-main-ns:` line"));
        assert!(err(&["bench-boot-c-main-ns: 0", "bench-boot-hs-main-ns: 5"], true).contains("not read"));
        assert!(err(&["bench-boot-c-main-ns: 9", "bench-boot-hs-main-ns: 5"], true).contains("went wrong"));
        assert!(err(&["bench-boot-hs-main-ns: -5"], false).contains("not a whole number"));
    }

    #[test]
    fn the_guest_console_splits_into_framed_runs() {
        let console = [
            "[    0.5] some kernel line",
            "bench-run-begin: A 1",
            "bench-result: x",
            "bench-run-end: A 1 0",
            "noise between runs",
            "bench-run-begin: A 2",
            "bench-run-end: A 2 3",
            "bench-run-begin: B 1",
            "bench-time-ns: 9",
            "bench-run-end: B 1 0",
        ];
        let runs = split_guest_runs(&console).unwrap();
        assert_eq!(runs["A"], vec![(0, vec!["bench-result: x".to_string()]), (3, vec![])]);
        assert_eq!(runs["B"], vec![(0, vec!["bench-time-ns: 9".to_string()])]);
    }

    #[test]
    fn an_unfinished_or_mismatched_run_is_an_error() {
        let err = |l: &[&str]| format!("{:#}", split_guest_runs(l).unwrap_err());
        assert!(err(&["bench-run-begin: A 1", "bench-start: A"]).contains("A's run never ended"));
        assert!(err(&["bench-run-begin: A 1", "bench-run-end: B 1 0"]).contains("ended as \"B\""));
        assert!(err(&["bench-run-end: A 1 0"]).contains("never began"));
    }
}
