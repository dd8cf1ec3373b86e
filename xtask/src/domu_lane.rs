//! The domU lane: images run as ordinary Xen guests, the way users run
//! them. One QEMU (TCG) boots Xen 4.17 with a Linux dom0 built from Debian
//! packages (xtask/src/dom0.rs); dom0's /init (tests/domu/init) creates
//! each case's guest in turn with `xl create -F` from the configuration
//! `halvm-run --xl-config` prints, and reports on its console how the guest
//! ended and what it printed (a case's dom0 action may start a second,
//! companion guest beside it, plan.rs). Here that console is split into cases
//! (domu_lane/console.rs) and each is checked (domu_lane/cases.rs).
//!
//! ```text
//! build/domu/
//!   run.cpio.gz         this run's cases: plan, xl configurations, images
//!   initrd.cpio.gz      dom0's initramfs followed by the run's (Linux
//!                       unpacks concatenated archives in turn)
//!   dom0-console.log    the whole serial console of the last run
//! ```

mod cases;
// Also used by the benchmarks' least-memory scan under xl (bench/xen_memory.rs).
pub(crate) mod console;
pub(crate) mod plan;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::build_cmd::Built;
use crate::layout::Layout;
use crate::{dom0, haskell_images, test_cmd, test_images};
use cases::{Case, Check, Ended};
use console::{CaseLog, Dom0Report};

/// Memory of the whole machine and of dom0, in MiB: dom0 holds the
/// initramfs with every test image (about 100 MiB unpacked), the largest
/// guest gets 128 MiB, Xen needs some for itself.
const MACHINE_MIB: u64 = 1024;
const DOM0_MIB: u64 = 384;
/// QEMU's CPU model for Xen and its domains (see qemu_args).
const DOMU_CPU: &str = "max,xsave=off";
/// Time for QEMU beyond dom0's own watchdog: firmware, Xen and the kernel
/// before /init runs.
const BOOT_SLACK: Duration = Duration::from_secs(90);

/// The lane needs what the xen lane needs: QEMU and Debian's hypervisor.
pub fn available(layout: &Layout) -> Result<(), halvm_bootkit::Unavailable> {
    test_images::xen_lane_available(layout)
}

pub fn run(sh: &Shell, layout: &Layout, built: &Built, _: &mut Vec<test_cmd::SkippedPart>) -> Result<()> {
    let prefix = built.prefix.as_deref().context("the cross compiler was not built")?;
    let dom0 = dom0::ensure(sh, layout)?;
    let haskell = haskell_images::build(sh, layout, prefix, &built.platform_ghc)?;
    let haskell_xen = haskell_images::build_xen_programs(sh, layout, prefix)?;
    let cabal = crate::cabal_lane::build_images(sh, layout, built)?;
    let module = halvm_tools::files::archive_of(&haskell.join("files-tree")).map_err(anyhow::Error::msg)?;
    crate::fsutil::write_if_changed(&cases::files_module(&haskell), &module)?;
    let cases = cases::all(&test_images::images_dir(layout), &haskell, &haskell_xen, &cabal);
    let guests: Vec<plan::Guest> = cases.iter().map(|c| c.guest.clone()).collect();
    let work = layout.build.join("domu");
    eprintln!("    domu: booting dom0 under Xen in QEMU with {} cases (log: {})", cases.len(),
              work.join(DOM0_LOG).display());
    let booted = boot_with_guests(sh, layout, &dom0, &guests, &work)?;
    let report = console::parse(&booted.run.console);
    report_run(&booted.command, &booted.run, &report, &cases, &booted.log)
}

/// dom0's console log, in a run's work directory.
pub(crate) const DOM0_LOG: &str = "dom0-console.log";

/// A finished run of dom0 with its guests.
pub(crate) struct Booted {
    pub run: Run,
    /// The QEMU command line, ready to paste.
    pub command: String,
    pub log: PathBuf,
}

/// Boots Xen with dom0 under QEMU, its initramfs followed by the run's
/// archive (the guests' stripped images, configurations and plan, made in
/// `work`), and waits until /init has run every guest (or its watchdog).
/// What the domu lane and the benchmarks' xl memory scan share.
pub(crate) fn boot_with_guests(sh: &Shell, layout: &Layout, dom0: &dom0::Dom0, guests: &[plan::Guest], work: &Path)
                               -> Result<Booted> {
    std::fs::create_dir_all(work).with_context(|| format!("creating {}", work.display()))?;
    let run_archive = work.join("run.cpio.gz");
    let guests = stripped(sh, guests, &work.join("stripped"))?;
    dom0::write_gzip_cpio(&plan::run_tree(&guests)?, &run_archive)?;
    let initrd = work.join("initrd.cpio.gz");
    concatenate(&[&dom0.initramfs, &run_archive], &initrd)?;

    let xen_dir = layout.build.join("xen");
    let hypervisor = halvm_bootkit::xen::hypervisor(&xen_dir)
        .with_context(|| format!("preparing {} in {}", halvm_bootkit::xen::PACKAGED, xen_dir.display()))?;
    let qemu = halvm_bootkit::qemu_binary().map_err(anyhow::Error::msg)?;
    let args = qemu_args(&hypervisor, &dom0.kernel, &initrd);
    let command = format!("{} {}", qemu.display(), halvm_bootkit::quote_args(&args));
    let timeout = Duration::from_secs(plan::watchdog_s(&guests)) + BOOT_SLACK;
    let log = work.join(DOM0_LOG);
    let run = boot(&args, timeout, &log)?;
    Ok(Booted { run, command, log })
}

/// The QEMU command line: Xen with dom0's kernel and initramfs as its two
/// multiboot modules (Xen drops each module line's first word, the rest is
/// the kernel's command line; QEMU separates modules with commas).
fn qemu_args(hypervisor: &Path, kernel: &Path, initrd: &Path) -> Vec<String> {
    let escape = |p: &Path| p.display().to_string().replace(',', ",,");
    let xen_cmdline =
        format!("console=com1 dom0_mem={DOM0_MIB}M,max:{DOM0_MIB}M dom0_max_vcpus=1 loglvl=warning guest_loglvl=warning");
    let modules = format!("{} console=hvc0 earlyprintk=xen rdinit=/init,{}", escape(kernel), escape(initrd));
    [
        "-nodefaults", "-no-reboot", "-nographic", "-display", "none", "-monitor", "none", "-serial", "stdio",
        // TCG with `-cpu max`: Debian's Xen has no shadow paging, so PVH
        // guests need the nested paging only "max" offers. Without XSAVE
        // (Xen then switches the domains' FPU state with FXSAVE): with it,
        // after a score of guests dom0's programs and guests failed at
        // random on one of our machines (busybox's general protection
        // faults, glibc's mutex assertion in xl, a guest reading wrong
        // data), on the commit before these cases too, so in the
        // emulation's state switching and not in the images; without it
        // none in repeated runs, and the lane runs faster.
        "-accel", "tcg", "-cpu", DOMU_CPU, "-smp", "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        "-m".into(), MACHINE_MIB.to_string(),
        "-kernel".into(), hypervisor.display().to_string(),
        "-append".into(), xen_cmdline,
        "-initrd".into(), modules,
    ])
    .collect()
}

fn concatenate(parts: &[&Path], out: &Path) -> Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?);
    for part in parts {
        let mut input = std::fs::File::open(part).with_context(|| format!("reading {}", part.display()))?;
        std::io::copy(&mut input, &mut file).with_context(|| format!("writing {}", out.display()))?;
    }
    file.flush()?;
    Ok(())
}

/// One QEMU run, as seen from the host.
pub(crate) struct Run {
    pub(crate) console: String,
    pub(crate) stderr: String,
    /// When dom0 said its tools were ready, from QEMU's start.
    ready_after: Option<Duration>,
    pub(crate) elapsed: Duration,
    /// How QEMU ended: its exit status, or the timeout.
    pub(crate) end: String,
    /// The host's clock at QEMU's start and end (seconds since 1970).
    window: (u64, u64),
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Runs QEMU until it exits or `timeout` passes, keeping the console in
/// `log` and showing dom0's case lines as they arrive.
pub(crate) fn boot(args: &[String], timeout: Duration, log: &Path) -> Result<Run> {
    let start_unix = unix_now();
    let mut log_file = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let run = halvm_bootkit::run_qemu(args, timeout, move |at, line| {
        let _ = writeln!(log_file, "{line}");
        if let Some(i) = line.find(console::MARKER) {
            let message = &line[i + console::MARKER.len()..];
            if !message.contains("-begin") && !message.contains("-end") {
                eprintln!("    [{:7.1}s] {message}", at.as_secs_f64());
            }
        }
    })
    .map_err(anyhow::Error::msg)?;
    let ready_after = run.lines.iter().find_map(|(at, line)| {
        let i = line.find(console::MARKER)?;
        line[i + console::MARKER.len()..].starts_with("ready ").then_some(*at)
    });
    let console: String = run.lines.iter().map(|(_, line)| format!("{line}\n")).collect();
    let end = match run.status {
        Some(status) => format!("QEMU exited with {status}"),
        None => format!("QEMU was killed after the run's time limit of {} s", timeout.as_secs()),
    };
    Ok(Run { console, stderr: run.stderr, ready_after, elapsed: run.elapsed, end, window: (start_unix, unix_now()) })
}

/// Checks one case against what dom0 reported about it.
fn evaluate(case: &Case, log: Option<&CaseLog>, window: (u64, u64)) -> Result<(), String> {
    let log = log.ok_or("never started: dom0 stopped before it (see dom0's console)")?;
    let end = log.end.as_ref().ok_or("did not finish: dom0's console ends inside this case (dom0 died, or its watchdog fired)")?;
    if case.guest.keep_after_shutdown && !end.timed_out && log.exit_status_key.is_none() {
        return Err(format!("dom0 reported no value of the kept guest's XenStore key {}", cases::STATUS_KEY));
    }
    let out = Ended {
        console: &log.console.lines,
        xl_log: &log.xl_log.lines,
        reason: end.reason,
        exit_status_key: log.exit_status_key.as_deref(),
        host_window: window,
    };
    if let Check::Hangs { ready } = &case.check {
        out.line(ready)?;
        return if end.timed_out {
            Ok(())
        } else {
            Err(format!("expected to hang until destroyed after {} s, but it ended by itself", case.guest.timeout_s))
        };
    }
    if end.timed_out {
        return Err(format!("did not end within {} s and was destroyed", case.guest.timeout_s));
    }
    if !log.console.ended {
        return Err("the guest's console log is cut off".into());
    }
    match &case.check {
        Check::Assert(check) => check(&out),
        Check::Haskell { linux, linux_dir, args, lines } => cases::compare_with_linux(&out, linux, linux_dir, args, lines),
        Check::Hangs { .. } => unreachable!("handled above"),
    }
}

/// The guests with their images stripped of symbols and debug
/// information (copies in `dir`): the run's archive is unpacked into dom0's
/// memory, where some fifty unstripped images (6 MB each, 17 MB with an
/// embedded file tree) no longer fit beside dom0's own initramfs.
fn stripped(sh: &Shell, guests: &[plan::Guest], dir: &Path) -> Result<Vec<plan::Guest>> {
    crate::fsutil::remove_if_exists(dir)?;
    std::fs::create_dir_all(dir)?;
    let mut done: std::collections::BTreeMap<std::path::PathBuf, std::path::PathBuf> = Default::default();
    let mut strip = |image: &Path| -> Result<std::path::PathBuf> {
        if let Some(copy) = done.get(image) {
            return Ok(copy.clone());
        }
        let copy = dir.join(image.file_name().context("an image path without a file name")?);
        cmd!(sh, "strip --strip-all -o {copy} {image}")
            .quiet()
            .run()
            .with_context(|| format!("stripping {}", image.display()))?;
        done.insert(image.to_path_buf(), copy.clone());
        Ok(copy)
    };
    let mut out = Vec::new();
    for guest in guests {
        let companion = match &guest.companion {
            Some(c) => Some(Box::new(plan::Guest { image: strip(&c.image)?, ..(**c).clone() })),
            None => None,
        };
        out.push(plan::Guest { image: strip(&guest.image)?, companion, ..guest.clone() });
    }
    Ok(out)
}

/// Prints every case's result and the timings; fails if any case failed.
fn report_run(command: &str, run: &Run, report: &Dom0Report, cases: &[Case], log_path: &Path) -> Result<()> {
    let context = || {
        format!("---- QEMU command: {command}\n---- QEMU ended: {} after {:.1} s\n---- QEMU stderr:\n{}\n---- dom0's console: {}",
                run.end, run.elapsed.as_secs_f64(), run.stderr.trim_end(), log_path.display())
    };
    for failure in &report.failures {
        eprintln!("    domu: dom0 FAILED: {failure}");
    }
    let Some(ready_uptime) = report.ready_uptime else {
        let tail: Vec<&str> = run.console.lines().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect();
        bail!("dom0 never got its toolstack up; the last lines of its console:\n{}\n{}", tail.join("\n"), context());
    };
    let mut failed = Vec::new();
    let mut times = Vec::new();
    for case in cases {
        let name = &case.guest.name;
        let log = report.cases.get(name);
        let seconds = log.and_then(CaseLog::seconds);
        times.extend(seconds);
        let took = seconds.map_or(String::new(), |s| format!(" ({s:.1} s)"));
        match evaluate(case, log, run.window) {
            Ok(()) => eprintln!("    domu case {name} ... ok{took}"),
            Err(why) => {
                eprintln!("    domu case {name} ... FAILED{took}");
                failed.push((case, why));
            }
        }
    }
    for (case, why) in &failed {
        let log = report.cases.get(&case.guest.name);
        let lines = |f: Option<&Vec<String>>| f.map_or("(none)".to_string(), |l| l.join("\n"));
        eprintln!(
            "\n---- domu case {} FAILED: {why}\n{}\n---- xl configuration (/tests/{}.cfg):\n{}---- xl's output:\n{}\n\
             ---- guest console:\n{}\n---- end of case {}",
            case.guest.name,
            context(),
            case.guest.name,
            case.guest.xl_config(),
            lines(log.map(|l| &l.xl_log.lines)),
            lines(log.map(|l| &l.console.lines)),
            case.guest.name,
        );
    }
    let ready = run.ready_after.map_or("?".into(), |d| format!("{:.1}", d.as_secs_f64()));
    let init = report.init_uptime.map_or("?".into(), |u| format!("{u:.1}"));
    let (fastest, slowest) = times.iter().fold((f64::MAX, 0f64), |(lo, hi), &t| (lo.min(t), hi.max(t)));
    eprintln!(
        "    domu: dom0's toolstack ready {ready} s after QEMU started (dom0 uptime: /init at {init} s, tools up at \
         {ready_uptime:.1} s); \
         {} guests took {:.1} s ({fastest:.1} to {slowest:.1} s each, from xl create to the guest's end); \
         QEMU ran {:.1} s in all",
        times.len(),
        times.iter().sum::<f64>(),
        run.elapsed.as_secs_f64()
    );
    if !report.done {
        eprintln!("    domu: dom0 did not get through its plan ({})", run.end);
    }
    if !failed.is_empty() {
        bail!("{} of {} domU cases failed (details above; dom0's console: {})", failed.len(), cases.len(), log_path.display());
    }
    if !report.done || !report.failures.is_empty() {
        bail!("dom0 did not end its run cleanly ({}); its console: {}", run.end, log_path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_gets_xen_with_dom0s_kernel_and_initramfs_as_modules() {
        let args = qemu_args(Path::new("/b/xen-4.17"), Path::new("/b/dom0/vmlinuz"), Path::new("/b/a,b/initrd"));
        let after = |flag: &str| args[args.iter().position(|a| a == flag).unwrap() + 1].clone();
        assert_eq!(after("-kernel"), "/b/xen-4.17");
        assert_eq!(after("-cpu"), "max,xsave=off");
        assert_eq!(after("-initrd"), "/b/dom0/vmlinuz console=hvc0 earlyprintk=xen rdinit=/init,/b/a,,b/initrd");
        assert!(after("-append").contains("dom0_mem=384M,max:384M"));
        assert!(args.contains(&"-no-reboot".to_string()), "dom0's reboot must end QEMU");
    }

    fn hello_case() -> Case {
        Case { guest: plan::Guest::new("hello", "/x".into(), "", 32, 10), check: Check::Assert(|out| out.exit(0)) }
    }

    fn hang_case() -> Case {
        Case { guest: plan::Guest::new("echo", "/x".into(), "", 32, 5), check: Check::Hangs { ready: "echo: ready" } }
    }

    fn parsed(console: &str) -> Dom0Report {
        console::parse(console)
    }

    const ENDED: &str = "halvm-domu: case hello start uptime=1\n\
        halvm-domu: case hello console-begin\n|halvm: exit status 0\nhalvm-domu: case hello console-end\n\
        halvm-domu: case hello end reason=0 timed-out=no uptime=2\n";

    #[test]
    fn a_case_passes_on_its_checks_and_fails_when_missing_unfinished_or_timed_out() {
        let report = parsed(ENDED);
        assert_eq!(evaluate(&hello_case(), report.cases.get("hello"), (0, 0)), Ok(()));
        assert!(evaluate(&hello_case(), None, (0, 0)).unwrap_err().contains("never started"));
        let cut = parsed(&ENDED[..ENDED.find("|halvm").unwrap()]);
        assert!(evaluate(&hello_case(), cut.cases.get("hello"), (0, 0)).unwrap_err().contains("did not finish"));
        let hung = parsed(&ENDED.replace("timed-out=no", "timed-out=yes"));
        assert!(evaluate(&hello_case(), hung.cases.get("hello"), (0, 0)).unwrap_err().contains("destroyed"));
        let wrong = parsed(&ENDED.replace("reason=0", "reason=3"));
        assert!(evaluate(&hello_case(), wrong.cases.get("hello"), (0, 0)).unwrap_err().contains("reason code 3"));
    }

    #[test]
    fn a_kept_case_needs_its_recorded_exit_status() {
        let kept = Case { guest: plan::Guest { keep_after_shutdown: true, ..hello_case().guest }, ..hello_case() };
        let err = evaluate(&kept, parsed(ENDED).cases.get("hello"), (0, 0)).unwrap_err();
        assert!(err.contains("no value of the kept guest's XenStore key"), "{err}");
        let with_key = ENDED.replace("halvm-domu: case hello end", "halvm-domu: case hello exit-status-key value=0\n\
                                                                    halvm-domu: case hello end");
        assert_eq!(evaluate(&kept, parsed(&with_key).cases.get("hello"), (0, 0)), Ok(()));
        let wrong = with_key.replace("value=0", "value=7");
        assert!(evaluate(&kept, parsed(&wrong).cases.get("hello"), (0, 0)).unwrap_err().contains("holds \"7\""));
    }

    #[test]
    fn the_hanging_case_must_hang() {
        let hung = "halvm-domu: case echo start uptime=1\nhalvm-domu: case echo console-begin\n|echo: ready\n\
                    halvm-domu: case echo console-end\nhalvm-domu: case echo end reason=none timed-out=yes uptime=7\n";
        assert_eq!(evaluate(&hang_case(), parsed(hung).cases.get("echo"), (0, 0)), Ok(()));
        let ended = parsed(&hung.replace("timed-out=yes", "timed-out=no"));
        assert!(evaluate(&hang_case(), ended.cases.get("echo"), (0, 0)).unwrap_err().contains("ended by itself"));
    }

    #[test]
    fn concatenation_keeps_both_archives_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b, out) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("out"));
        std::fs::write(&a, b"first").unwrap();
        std::fs::write(&b, b"second").unwrap();
        concatenate(&[&a, &b], &out).unwrap();
        assert_eq!(std::fs::read(out).unwrap(), b"firstsecond");
    }
}
