//! The least `memory=` (xl's configuration, MiB) with which a program still
//! runs as an ordinary Xen guest (a PVH domU), the way users run images.
//! The domU lane's machinery does the work (xtask/src/domu_lane.rs): one
//! QEMU (TCG) boots Xen 4.17 with its Linux dom0, whose /init creates each
//! guest in turn with `xl create -F`. One dom0 boot costs about 25 s, so
//! instead of a bisection (one boot per step) every candidate size of a
//! range around QEMU's `-m` figure runs in the same boot, and the figure is
//! the least size from which every larger candidate ran too. The same boot
//! also runs the boot-clock image a few times, for the boot time to `main`
//! on the guest's clock as a domU.
//!
//! ```text
//! build/bench/xen-memory/
//!   run.cpio.gz  initrd.cpio.gz  stripped/  dom0-console.log
//! ```

use std::path::Path;

use anyhow::{bail, Result};
use serde::Serialize;
use xshell::Shell;

use crate::domu_lane::{self, console, plan};
use crate::layout::Layout;

/// What one program must do to count as running.
pub struct Wanted<'a> {
    pub program: &'a str,
    pub image: &'a Path,
    pub args: String,
    /// QEMU's least `-m` for it: the scan's range is built around it.
    pub qemu_mib: u32,
    /// Console lines it must print (e.g. its `bench-result:` line).
    pub lines: Vec<String>,
    /// The longest one run may take under Xen in QEMU.
    pub timeout_s: u64,
}

/// One program's figure under Xen.
#[derive(Debug, Clone, Serialize)]
pub struct XenMinMemory {
    pub program: String,
    pub args: String,
    /// The least passing `memory=`; `None` when even the largest candidate
    /// failed.
    pub mib: Option<u32>,
    /// The sizes tried, least and largest.
    pub scanned: (u32, u32),
    /// Every candidate passed: the real least is at or below `scanned.0`.
    pub at_or_below: bool,
    /// Candidates that failed although a smaller one passed (a flaky size).
    pub irregular: Vec<u32>,
}

/// The candidate sizes around QEMU's figure: from half of it (at least 2
/// MiB) to 6 MiB above it.
pub fn candidates(qemu_mib: u32) -> Vec<u32> {
    ((qemu_mib / 2).max(2)..=qemu_mib + 6).collect()
}

/// The figure from each candidate's outcome (sizes in any order): the
/// least size from which every larger one passed.
pub fn least_of_scan(program: &str, args: &str, outcomes: &[(u32, bool)]) -> XenMinMemory {
    let mut sorted = outcomes.to_vec();
    sorted.sort_by_key(|(mib, _)| *mib);
    let scanned = (sorted.first().map_or(0, |o| o.0), sorted.last().map_or(0, |o| o.0));
    // Walk down from the top while the sizes pass.
    let mut mib = None;
    for (size, passed) in sorted.iter().rev() {
        if !passed {
            break;
        }
        mib = Some(*size);
    }
    let first_pass = sorted.iter().find(|(_, p)| *p).map(|(m, _)| *m);
    let irregular = sorted.iter().filter(|(m, p)| !p && first_pass.is_some_and(|f| *m > f)).map(|(m, _)| *m).collect();
    XenMinMemory {
        program: program.to_string(),
        args: args.to_string(),
        mib,
        scanned,
        at_or_below: mib.is_some() && mib == Some(scanned.0),
        irregular,
    }
}

fn case_name(program: &str, mib: u32) -> String {
    format!("{program}-m{mib}")
}

/// Whether the case ran: it ended by itself with poweroff (exit status 0)
/// and printed every wanted line.
fn passed(log: Option<&console::CaseLog>, lines: &[String]) -> bool {
    let Some(log) = log else { return false };
    let Some(end) = &log.end else { return false };
    let exited_0 = log.console.lines.iter().any(|l| l.trim_end() == format!("{}0", halvm_bootkit::EXIT_LINE_PREFIX));
    !end.timed_out && end.reason == Some(0) && exited_0
        && lines.iter().all(|want| log.console.lines.iter().any(|l| l.trim_end() == want))
}

/// What one dom0 boot measured.
pub struct XenRun {
    pub min_memory: Vec<XenMinMemory>,
    /// The console lines of each boot-clock guest that exited with status
    /// 0 (a failed one is an error).
    pub boot_clock: Vec<Vec<String>>,
}

/// The boot-clock guests' memory= (MiB): ample, so memory is not what
/// the figure measures.
const BOOT_CLOCK_MIB: u64 = 32;

/// Runs every candidate of every program in one dom0 boot, then the
/// boot-clock image `boot_clock.1` times.
pub fn measure(sh: &Shell, layout: &Layout, out: &Path, wanted: &[Wanted], boot_clock: (&Path, usize)) -> Result<XenRun> {
    let dom0 = crate::dom0::ensure(sh, layout)?;
    let mut guests = Vec::new();
    for w in wanted {
        for mib in candidates(w.qemu_mib) {
            guests.push(plan::Guest::new(&case_name(w.program, mib), w.image.to_path_buf(), &w.args, mib.into(), w.timeout_s));
        }
    }
    let boot_clock_name = |i: usize| format!("BootClock-{i}");
    for i in 1..=boot_clock.1 {
        guests.push(plan::Guest::new(&boot_clock_name(i), boot_clock.0.to_path_buf(), "", BOOT_CLOCK_MIB, 60));
    }
    let booted = domu_lane::boot_with_guests(sh, layout, &dom0, &guests, out)?;
    let (run, dom0_log) = (booted.run, booted.log);
    let report = console::parse(&run.console);
    if report.ready_uptime.is_none() || !report.done {
        bail!("dom0 did not get through the memory scan ({}; {:.0} s; failures: {:?}); its console: {}\n{}",
              run.end, run.elapsed.as_secs_f64(), report.failures, dom0_log.display(), run.stderr.trim_end());
    }
    let mut clock_lines = Vec::new();
    for i in 1..=boot_clock.1 {
        let log = report.cases.get(&boot_clock_name(i));
        if !passed(log, &[]) {
            bail!("the boot-clock guest {} did not exit with status 0 under Xen; dom0's console: {}", boot_clock_name(i),
                  dom0_log.display());
        }
        clock_lines.push(log.expect("passed").console.lines.clone());
    }
    let min_memory = wanted
        .iter()
        .map(|w| {
            let outcomes: Vec<(u32, bool)> = candidates(w.qemu_mib)
                .into_iter()
                .map(|mib| (mib, passed(report.cases.get(&case_name(w.program, mib)), &w.lines)))
                .collect();
            least_of_scan(w.program, &w.args, &outcomes)
        })
        .collect();
    Ok(XenRun { min_memory, boot_clock: clock_lines })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_goes_from_half_to_six_above_qemus_figure() {
        assert_eq!(candidates(6), (3..=12).collect::<Vec<_>>());
        assert_eq!(candidates(2), (2..=8).collect::<Vec<_>>());
    }

    #[test]
    fn the_figure_is_the_least_size_above_which_every_size_passed() {
        let f = least_of_scan("Hello", "", &[(5, true), (3, false), (4, false), (6, true), (7, true)]);
        assert_eq!((f.mib, f.scanned, f.at_or_below), (Some(5), (3, 7), false));
        assert!(f.irregular.is_empty());
        // A failure above a passing size: the figure starts above it, and
        // the flaky size is named.
        let f = least_of_scan("Hello", "", &[(3, true), (4, false), (5, true), (6, true)]);
        assert_eq!((f.mib, f.irregular), (Some(5), vec![4]));
        let f = least_of_scan("Hello", "", &[(3, true), (4, true)]);
        assert_eq!((f.mib, f.at_or_below), (Some(3), true));
        let f = least_of_scan("Hello", "", &[(3, true), (4, false)]);
        assert_eq!(f.mib, None);
    }

    const CASE: &str = "halvm-domu: case Hello-m6 start uptime=1\n\
        halvm-domu: case Hello-m6 console-begin\n|bench-start: Hello\n|halvm: exit status 0\n\
        halvm-domu: case Hello-m6 console-end\n\
        halvm-domu: case Hello-m6 end reason=0 timed-out=no uptime=2\n";

    #[test]
    fn a_case_passes_when_it_powered_off_with_status_0_and_printed_its_lines() {
        let want = vec!["bench-start: Hello".to_string()];
        let ok = console::parse(CASE);
        assert!(passed(ok.cases.get("Hello-m6"), &want));
        assert!(!passed(ok.cases.get("Hello-m7"), &want));
        assert!(!passed(ok.cases.get("Hello-m6"), &["bench-result: 1".to_string()]));
        let crashed = console::parse(&CASE.replace("reason=0", "reason=3").replace("status 0", "status 1"));
        assert!(!passed(crashed.cases.get("Hello-m6"), &want));
        let hung = console::parse(&CASE.replace("timed-out=no", "timed-out=yes"));
        assert!(!passed(hung.cases.get("Hello-m6"), &want));
    }
}
