//! `cargo xtask test`: builds what the tests need, then runs the lanes.
//!
//! Lanes: `unit` (host-only tests), `qemu` (images booted directly under
//! QEMU), `xen` (images booted under the Xen hypervisor inside QEMU).
//! By default every lane runs; one this machine cannot run is reported as
//! skipped with the reason, and never counts as passed.

use anyhow::{bail, Result};
use xshell::{cmd, Shell};

use crate::build_cmd::{self, BuildArgs, Built, Stages};
use crate::layout::Layout;
use crate::{haskell_images, rts_xen, test_images};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LaneChoice {
    Unit,
    Qemu,
    Xen,
    All,
}

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Which lane to run; `all` runs every lane the machine can run.
    #[arg(long, value_enum, default_value_t = LaneChoice::All)]
    pub lane: LaneChoice,
    #[command(flatten)]
    pub build: BuildArgs,
}

struct Lane {
    name: &'static str,
    /// `Err(reason)` when this machine cannot run the lane.
    available: fn(&Layout) -> Result<(), String>,
    run: fn(&Shell, &Layout, &Built) -> Result<()>,
}

const LANES: &[Lane] = &[
    Lane { name: "unit", available: |_| Ok(()), run: |sh, layout, _| run_unit(sh, layout) },
    Lane { name: "qemu", available: test_images::qemu_lane_available, run: run_qemu },
    Lane { name: "xen", available: test_images::xen_lane_available, run: run_xen },
];

/// The workspace packages whose `cargo test` forms the unit lane.
const UNIT_PACKAGES: &[&str] = &["xtask", "halvm-bootkit", "minlibc-host-tests"];

enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

pub fn run(sh: &Shell, layout: &Layout, args: &TestArgs) -> Result<()> {
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
    for lane in selected {
        let outcome = match (lane.available)(layout) {
            Err(reason) if args.lane != LaneChoice::All => {
                bail!("the {} lane cannot run on this machine: {reason}", lane.name)
            }
            Err(reason) => Outcome::Skipped(reason),
            Ok(()) => {
                eprintln!("==> test lane {}", lane.name);
                match (lane.run)(sh, layout, &built) {
                    Ok(()) => Outcome::Passed,
                    Err(err) => Outcome::Failed(format!("{err:#}")),
                }
            }
        };
        results.push((lane.name, outcome));
    }
    eprintln!("\ntest lanes:");
    let mut failed = 0;
    for (name, outcome) in &results {
        match outcome {
            Outcome::Passed => eprintln!("  {name:<6} passed"),
            Outcome::Skipped(why) => eprintln!("  {name:<6} SKIPPED: {why}"),
            Outcome::Failed(why) => {
                failed += 1;
                eprintln!("  {name:<6} FAILED: {why}")
            }
        }
    }
    if failed > 0 {
        bail!("{failed} test lane(s) failed");
    }
    Ok(())
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
    cargo(sh, layout, &args)?;
    crate::libc_coverage::run_for_lane(sh, layout)?;
    // rts-xen is a workspace of its own (panic = "abort"), tested apart.
    rts_xen::unit_tests(sh, layout)
}

/// rts-xen's test images, then the Haskell programs, directly under QEMU.
fn run_qemu(sh: &Shell, layout: &Layout, built: &Built) -> Result<()> {
    test_images::run_qemu_lane(sh, layout)?;
    haskell_images::run_lane(sh, layout, built, "qemu", false)
}

/// The same under Xen, one boot at a time (see test_images::run_xen_lane).
fn run_xen(sh: &Shell, layout: &Layout, built: &Built) -> Result<()> {
    test_images::run_xen_lane(sh, layout)?;
    haskell_images::run_lane(sh, layout, built, "xen", true)
}
