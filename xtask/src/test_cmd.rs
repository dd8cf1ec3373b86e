//! `cargo xtask test`: builds what the tests need, then runs the lanes.
//!
//! Lanes: `unit` (host-only tests), `qemu` (images booted directly under
//! QEMU), `xen` (images booted under the Xen hypervisor inside QEMU),
//! `cabal` (Hackage packages built with halvm-cabal, booted under QEMU).
//! By default every lane runs. A lane, or a part of one (the qemu lane's
//! KVM boots), is skipped only for a cause checked on this machine
//! (`halvm_bootkit::SkipCause`), never because a test failed; the summary
//! names every skip on its lane's line. With `--strict`, on by default when
//! CI=true, a skip whose cause is not a machine limit fails the run.

use anyhow::{bail, Context, Result};
use halvm_bootkit::Unavailable;
use xshell::{cmd, Shell};

use crate::build_cmd::{self, BuildArgs, Built, Stages};
use crate::layout::Layout;
use crate::{haskell_images, rts_xen, test_images};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LaneChoice {
    Unit,
    Qemu,
    Xen,
    Domu,
    Cabal,
    Package,
    All,
}

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Which lane to run; `all` runs every lane the machine can run.
    #[arg(long, value_enum, default_value_t = LaneChoice::All)]
    pub lane: LaneChoice,
    /// Fail the run when a lane or a part of one is skipped for anything
    /// but a machine limit (README, Tests); on by default when CI=true.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub build: BuildArgs,
}

/// A part of a lane that did not run, and why.
#[derive(Debug, Clone)]
pub struct SkippedPart {
    /// What did not run, e.g. "KVM boots".
    pub part: &'static str,
    pub why: Unavailable,
}

struct Lane {
    name: &'static str,
    /// `Err(why)` when this machine cannot run the lane.
    available: fn(&Layout) -> Result<(), Unavailable>,
    /// Runs the lane, adding each part this machine cannot run to the list.
    run: fn(&Shell, &Layout, &Built, &mut Vec<SkippedPart>) -> Result<()>,
}

const LANES: &[Lane] = &[
    Lane { name: "unit", available: |_| Ok(()), run: |sh, layout, _, _| run_unit(sh, layout) },
    Lane { name: "qemu", available: test_images::qemu_lane_available, run: run_qemu },
    Lane { name: "xen", available: test_images::xen_lane_available, run: run_xen },
    Lane { name: "domu", available: crate::domu_lane::available, run: crate::domu_lane::run },
    Lane { name: "cabal", available: test_images::qemu_lane_available, run: |sh, layout, built, _| {
        crate::cabal_lane::run(sh, layout, built)
    } },
    Lane { name: "package", available: test_images::qemu_lane_available, run: crate::package_lane::run },
];

/// The workspace packages whose `cargo test` forms the unit lane.
const UNIT_PACKAGES: &[&str] = &["xtask", "halvm-bootkit", "minlibc-host-tests"];

enum LaneEnd {
    Passed,
    Failed(String),
    Skipped(Unavailable),
}

/// How one lane ended, with the parts of it that were skipped.
struct LaneResult {
    name: &'static str,
    end: LaneEnd,
    skipped_parts: Vec<SkippedPart>,
}

impl LaneResult {
    /// Every skip in the lane: the whole lane's, or its parts'.
    fn skips(&self) -> impl Iterator<Item = &Unavailable> {
        let whole = match &self.end {
            LaneEnd::Skipped(why) => Some(why),
            _ => None,
        };
        whole.into_iter().chain(self.skipped_parts.iter().map(|p| &p.why))
    }

    /// The skips `--strict` refuses: those whose cause is no machine limit.
    fn not_machine_limits(&self) -> impl Iterator<Item = &Unavailable> {
        self.skips().filter(|why| !why.cause.is_machine_limit())
    }

    /// The lane's line in the summary, naming every skip and its cause,
    /// e.g. `qemu: passed (KVM boots SKIPPED: ...)`.
    fn summary_line(&self, strict: bool) -> String {
        let mark = |why: &Unavailable| {
            if strict && !why.cause.is_machine_limit() {
                " [not a machine limit: fails the run under --strict]"
            } else {
                ""
            }
        };
        let mut line = match &self.end {
            LaneEnd::Passed => format!("{}: passed", self.name),
            LaneEnd::Failed(err) => format!("{}: FAILED: {err}", self.name),
            LaneEnd::Skipped(why) => format!("{}: SKIPPED: {why}{}", self.name, mark(why)),
        };
        if !self.skipped_parts.is_empty() {
            let parts: Vec<String> = self
                .skipped_parts
                .iter()
                .map(|p| format!("{} SKIPPED: {}{}", p.part, p.why, mark(&p.why)))
                .collect();
            line.push_str(&format!(" ({})", parts.join("; ")));
        }
        line
    }
}

/// Strict when asked for, and in continuous integration (CI=true), where
/// a skipped part must not pass unnoticed.
fn strict_mode(flag: bool, ci_env: Option<&str>) -> bool {
    flag || ci_env.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Fails the run when a lane failed, or, in strict mode, when a skip's
/// cause is no machine limit.
fn verdict(results: &[LaneResult], strict: bool) -> Result<()> {
    let failed = results.iter().filter(|r| matches!(r.end, LaneEnd::Failed(_))).count();
    let refused: usize = if strict { results.iter().map(|r| r.not_machine_limits().count()).sum() } else { 0 };
    let refused_text = format!(
        "{refused} skip(s) are not machine limits, which --strict (or CI=true) refuses; \
         fix what their lines above say, or run without --strict"
    );
    match (failed, refused) {
        (0, 0) => Ok(()),
        (0, _) => bail!("{refused_text}"),
        (_, 0) => bail!("{failed} test lane(s) failed"),
        (_, _) => bail!("{failed} test lane(s) failed, and {refused_text}"),
    }
}

pub fn run(sh: &Shell, layout: &Layout, args: &TestArgs) -> Result<()> {
    let strict = strict_mode(args.strict, std::env::var("CI").ok().as_deref());
    // The unit lane tests host-side code only: it does not wait for GHC.
    let stages = if args.lane == LaneChoice::Unit { Stages::BeforeCrossCompiler } else { Stages::All };
    let built = build_cmd::run(sh, layout, &args.build, stages)?;
    let selected: Vec<&Lane> = LANES
        .iter()
        .filter(|lane| args.lane == LaneChoice::All || format!("{:?}", args.lane).eq_ignore_ascii_case(lane.name))
        .collect();
    if selected.is_empty() {
        bail!("the {:?} lane does not exist yet in this version of halvm", args.lane);
    }
    let mut results = Vec::new();
    let mut durations = Vec::new();
    for lane in selected {
        let started = std::time::Instant::now();
        let mut skipped_parts = Vec::new();
        let end = match (lane.available)(layout) {
            Err(why) if args.lane != LaneChoice::All => {
                bail!("the {} lane cannot run on this machine: {why}", lane.name)
            }
            Err(why) => LaneEnd::Skipped(why),
            Ok(()) => {
                eprintln!("==> test lane {}", lane.name);
                match (lane.run)(sh, layout, &built, &mut skipped_parts) {
                    Ok(()) => LaneEnd::Passed,
                    Err(err) => LaneEnd::Failed(format!("{err:#}")),
                }
            }
        };
        results.push(LaneResult { name: lane.name, end, skipped_parts });
        durations.push(crate::progress::format_duration(started.elapsed().as_secs_f64()));
    }
    eprintln!("\ntest lanes{}:", if strict { " (strict: only machine limits may be skipped)" } else { "" });
    for (result, took) in results.iter().zip(&durations) {
        eprintln!("  {} [{took}]", result.summary_line(strict));
    }
    verdict(&results, strict)
}

/// Runs `cargo` (the one that runs xtask) with the build directory passed on.
pub fn cargo(sh: &Shell, layout: &Layout, args: &[&str]) -> Result<()> {
    let cargo = crate::cargo::binary();
    cmd!(sh, "{cargo} {args...}")
        .env("HALVM_BUILD_DIR", &layout.build)
        .run()?;
    Ok(())
}

fn run_unit(sh: &Shell, layout: &Layout) -> Result<()> {
    let mut args = vec!["test"];
    for package in UNIT_PACKAGES {
        args.extend(["--package", package]);
    }
    // One test at a time (see run_qemu's halvm-tools tests: tests that
    // write a small script and run it can otherwise fail with "text file
    // busy" when another test thread forks at that moment).
    args.extend(["--", "--test-threads=1"]);
    cargo(sh, layout, &args)?;
    crate::libc_coverage::check_minlibc_boundary(sh, layout)?;
    // rts-xen is a workspace of its own (panic = "abort"), tested apart.
    rts_xen::unit_tests(sh, layout)
}

/// rts-xen's test images, then the Haskell programs, directly under QEMU.
fn run_qemu(sh: &Shell, layout: &Layout, built: &Built, skipped: &mut Vec<SkippedPart>) -> Result<()> {
    let prefix = built.prefix.as_deref().context("the cross compiler was not built")?;
    crate::libc_coverage::check_prefix(sh, prefix)?;
    test_images::run_qemu_lane(sh, layout, skipped)?;
    haskell_images::run_lane(sh, layout, built, "qemu", false)?;
    // The benchmark harness end to end on one small program, so it cannot rot.
    crate::bench::run_smoke(sh, layout, built)?;
    // The prefix's own tools (halvm-inspect, halvm-config, halvm-run, the
    // build-info notes halvm-ghc links) against the installed prefix.
    // One test at a time: the tests write small executables and run them,
    // and a fork in a parallel test thread can briefly hold such a file
    // open for writing, which makes its exec fail with "text file busy"
    // (seen once in a CI run).
    let _prefix = sh.push_env("HALVM_PREFIX", prefix);
    cargo(sh, layout, &["test", "--package", "halvm-tools", "--", "--test-threads=1"])
}

/// The same under Xen, one boot at a time (see test_images::run_xen_lane).
fn run_xen(sh: &Shell, layout: &Layout, built: &Built, _: &mut Vec<SkippedPart>) -> Result<()> {
    test_images::run_xen_lane(sh, layout)?;
    haskell_images::run_lane(sh, layout, built, "xen", true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use halvm_bootkit::SkipCause;

    fn why(cause: SkipCause, detail: &str) -> Unavailable {
        Unavailable { cause, detail: detail.into() }
    }

    fn lane(name: &'static str, end: LaneEnd, parts: &[(&'static str, Unavailable)]) -> LaneResult {
        let skipped_parts = parts.iter().map(|(part, why)| SkippedPart { part, why: why.clone() }).collect();
        LaneResult { name, end, skipped_parts }
    }

    const PROBE_FAILS: &str = r#"/dev/kvm opens but KVM cannot run the probe image: "KVM internal error. Suberror: 1", "emulation failure""#;

    #[test]
    fn strict_when_asked_or_when_ci_is_true() {
        assert!(strict_mode(true, None));
        assert!(strict_mode(false, Some("true")));
        assert!(strict_mode(false, Some("TRUE")));
        assert!(!strict_mode(false, None));
        assert!(!strict_mode(false, Some("false")));
        assert!(!strict_mode(false, Some("")));
    }

    #[test]
    fn a_skipped_part_is_named_on_its_lanes_line() {
        let result = lane("qemu", LaneEnd::Passed, &[("KVM boots", why(SkipCause::KvmCannotRunProbe, PROBE_FAILS))]);
        let expected = format!("qemu: passed (KVM boots SKIPPED: {PROBE_FAILS})");
        assert_eq!(result.summary_line(false), expected);
        // A machine limit is not marked even when strict: it passes.
        assert_eq!(result.summary_line(true), expected);
    }

    #[test]
    fn a_failed_lane_still_names_its_skipped_parts() {
        let result = lane("qemu", LaneEnd::Failed("boot tests failed".into()),
                          &[("KVM boots", why(SkipCause::NoKvmDevice, "there is no /dev/kvm"))]);
        assert_eq!(result.summary_line(false), "qemu: FAILED: boot tests failed (KVM boots SKIPPED: there is no /dev/kvm)");
    }

    #[test]
    fn strict_marks_and_refuses_a_skip_that_is_no_machine_limit() {
        let xen = lane("xen", LaneEnd::Skipped(why(SkipCause::XenMissing, "/boot/xen-4.17-amd64.gz is missing")), &[]);
        assert_eq!(xen.summary_line(false), "xen: SKIPPED: /boot/xen-4.17-amd64.gz is missing");
        assert_eq!(xen.summary_line(true),
                   "xen: SKIPPED: /boot/xen-4.17-amd64.gz is missing [not a machine limit: fails the run under --strict]");
        let results = [lane("unit", LaneEnd::Passed, &[]), xen];
        assert!(verdict(&results, false).is_ok());
        let err = verdict(&results, true).unwrap_err().to_string();
        assert!(err.starts_with("1 skip(s) are not machine limits"), "{err}");
    }

    #[test]
    fn strict_refuses_a_skipped_part_that_is_no_machine_limit() {
        let results = [lane("qemu", LaneEnd::Passed,
                            &[("KVM boots", why(SkipCause::KvmNotOpenable, "/dev/kvm cannot be opened"))])];
        assert!(verdict(&results, false).is_ok());
        assert!(verdict(&results, true).is_err());
    }

    #[test]
    fn strict_accepts_machine_limits() {
        let results = [
            lane("qemu", LaneEnd::Passed, &[("KVM boots", why(SkipCause::KvmCannotRunProbe, PROBE_FAILS))]),
            lane("other", LaneEnd::Skipped(why(SkipCause::NoKvmDevice, "there is no /dev/kvm")), &[]),
        ];
        assert!(verdict(&results, true).is_ok());
    }

    #[test]
    fn a_failed_lane_fails_the_run_with_or_without_strict() {
        let results = [lane("unit", LaneEnd::Failed("x".into()), &[])];
        assert!(verdict(&results, false).is_err());
        assert!(verdict(&results, true).is_err());
    }
}
