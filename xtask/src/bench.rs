//! `cargo xtask bench`: the same Haskell programs (tests/bench) as halvm
//! images and as static Linux programs in a minimal Linux guest, in the
//! same QEMU with the same accelerator, memory and CPU model; each program
//! measures its own time, so boot time does not count. Also the native
//! time on the host, image sizes, boot time to `main` (wall clock, and on
//! each guest's own clock: tests/bench/support/BootClock*.hs), the least
//! memory (QEMU's `-m`, and xl's `memory=` under Xen: xen_memory.rs) and
//! the toolchain's speed (toolchain.rs). Results must be equal on every
//! side: a difference is an error. And an HTTP server's requests/s and
//! MB/s, as a halvm image and in the Linux guest (http.rs; `--only http`).
//!
//! ```text
//! build/bench/
//!   results.json   report.md   ratios.svg
//!   images/ linux/ obj/ stripped/ linux-guest/ busybox/ xen-memory/ toolchain/
//!   http/ linux-net/
//! ```

mod build;
mod chart;
mod frames;
mod http;
mod http_load;
mod linux_guest;
mod linux_net;
mod memory;
mod programs;
mod report;
mod stats;
mod toolchain;
mod xen_memory;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use halvm_bootkit::{Accel, Boot, KvmProbe, Machine};
use xshell::{cmd, Shell};

use crate::build_cmd::{self, BuildArgs, Built};
use crate::layout::Layout;
use crate::progress::Step;
use programs::Program;
use report::{BootFigures, ImageSize, MinMemory, ProgramFigures, Report};
use stats::Summary;

/// Memory of both guests, MiB: room for the largest live heap (GcLive)
/// and, in the Linux guest, for the initramfs with every program.
const MEMORY_MIB: u32 = 512;
/// The bisection for the least memory looks in (LOW, HIGH] MiB.
const MEMORY_SEARCH: (u32, u32) = (1, 64);
/// The boot-clock program's name in the Linux guest's frames.
const BOOT_CLOCK: &str = "BootClock";
/// Runs per program per side.
const RUNS_FULL: usize = 5;
const RUNS_QUICK: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AccelChoice {
    Tcg,
    Kvm,
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// QEMU's accelerator for both guests; `kvm` falls back to TCG, saying
    /// so, where KVM cannot run the probe image.
    #[arg(long, value_enum, default_value_t = AccelChoice::Tcg)]
    pub accel: AccelChoice,
    /// Small problem sizes and fewer runs (a few minutes under TCG).
    #[arg(long)]
    pub quick: bool,
    /// Also write the results as JSON to FILE (always written to
    /// build/bench/results.json).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Only these benchmarks (names of tests/bench/*.hs, or `http` for the
    /// HTTP server; repeatable). With only `http`, none of the programs'
    /// figures (times, sizes, boot, memory, toolchain) are taken.
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
    /// Runs per program per side (default 3 with --quick, else 5).
    #[arg(long)]
    pub runs: Option<usize>,
    #[command(flatten)]
    pub build: BuildArgs,
}

/// What one measurement run does.
pub struct Options {
    pub accel: AccelChoice,
    pub quick: bool,
    pub runs: usize,
    pub only: Vec<String>,
    /// Where the results go.
    pub out: PathBuf,
}

pub fn run(sh: &Shell, layout: &Layout, args: &BenchArgs) -> Result<()> {
    let runs = args.runs.unwrap_or(if args.quick { RUNS_QUICK } else { RUNS_FULL });
    if runs == 0 {
        bail!("--runs 0 measures nothing; give at least 1 (3 or more for a spread)");
    }
    let built = build_cmd::run(sh, layout, &args.build, build_cmd::Stages::All)?;
    let options = Options { accel: args.accel, quick: args.quick, runs, only: args.only.clone(), out: layout.build.join("bench") };
    let report = measure(sh, layout, &built, &options, Some(&args.build))?;
    let written = write_outputs(&report, &options.out)?;
    if let Some(json) = &args.json {
        std::fs::write(json, report.json()).with_context(|| format!("writing {}", json.display()))?;
    }
    let runtime = report.runtime_table();
    let runtime = if runtime.is_empty() { runtime } else { runtime + "\n" };
    println!("\n{}\n{runtime}{}", report.conditions(), report.other_tables());
    for path in written.iter().chain(&args.json) {
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The qemu lane's guard against the harness rotting: one benchmark
/// (Queens), `--quick`, twice on each side, through everything `bench`
/// does, with its outputs in build/bench-smoke. Call from test_cmd's
/// run_qemu: `crate::bench::run_smoke(sh, layout, built)?`.
pub fn run_smoke(sh: &Shell, layout: &Layout, built: &Built) -> Result<()> {
    let out = layout.build.join("bench-smoke");
    let options = Options { accel: AccelChoice::Tcg, quick: true, runs: 2, only: vec!["Queens".into()], out: out.clone() };
    // Without the toolchain figures and the scan under Xen: they take
    // minutes, and their parts have unit tests.
    let report = measure(sh, layout, built, &options, None).context("the benchmark harness's smoke run failed")?;
    let written = write_outputs(&report, &out)?;
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&written[0])?)?;
    let queens = &json["programs"][0];
    if queens["name"] != "Queens" || !(queens["ratio"].as_f64().is_some_and(|r| r > 0.0)) {
        bail!("the smoke run's {} lacks Queens' figures: {queens}", written[0].display());
    }
    let boot = &json["boot"];
    for figure in ["halvm_c_main_ms", "halvm_hs_main_ms", "linux_guest_hs_main_ms"] {
        if !boot[figure]["median"].as_f64().is_some_and(|ms| ms > 0.0) {
            bail!("the smoke run's {} lacks the guest-clock boot figure {figure}: {boot}", written[0].display());
        }
    }
    eprintln!("    bench smoke run: Queens halvm/Linux {:.2} (outputs in {})", report.programs[0].ratio, out.display());
    Ok(())
}

/// Writes results.json, report.md and ratios.svg into `out`.
fn write_outputs(report: &Report, out: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let json = out.join("results.json");
    std::fs::write(&json, report.json()).with_context(|| format!("writing {}", json.display()))?;
    let md = out.join("report.md");
    std::fs::write(&md, report.markdown()).with_context(|| format!("writing {}", md.display()))?;
    let mut written = vec![json, md];
    // The chart is of the programs' ratios; a run without programs has none.
    if !report.programs.is_empty() {
        let svg = out.join("ratios.svg");
        let ratios: Vec<(String, f64)> = report.programs.iter().map(|p| (p.name.clone(), p.ratio)).collect();
        let title = format!("halvm / Linux guest, QEMU {}, {}", report.accel.to_uppercase(), report.date);
        chart::draw_ratios(&svg, &title, &ratios)?;
        written.push(svg);
    }
    Ok(written)
}

/// The accelerator to use, and a note when it is not the one asked for.
fn choose_accel(layout: &Layout, asked: AccelChoice) -> Result<(Accel, Option<String>)> {
    if asked == AccelChoice::Tcg {
        return Ok((Accel::Tcg, None));
    }
    let probe = layout.images().join("freestanding/probe");
    match halvm_bootkit::probe_kvm(&probe) {
        KvmProbe::Works => Ok((Accel::Kvm, None)),
        KvmProbe::Unavailable(why) => {
            let note = format!("KVM asked for, TCG used: {why}");
            eprintln!("warning: {note}");
            Ok((Accel::Tcg, Some(note)))
        }
        KvmProbe::Failed(report) => bail!("the KVM probe failed, and no machine limit explains it:\n{report}"),
    }
}

/// Every figure; `extras` (the build's options) adds the toolchain figures
/// and the least memory under Xen.
fn measure(sh: &Shell, layout: &Layout, built: &Built, options: &Options, extras: Option<&BuildArgs>) -> Result<Report> {
    let started = Instant::now();
    let date = cmd!(sh, "date -u '+%Y-%m-%d %H:%M UTC'").quiet().read()?;
    let machine = describe_machine();
    let (accel, accel_note) = choose_accel(layout, options.accel)?;
    let selection = Selection::of(&options.only);
    let mut notes = Vec::new();
    let part = match &selection.programs {
        Some(names) => Some(measure_programs(sh, layout, built, options, extras, accel, names, &mut notes)?),
        None => None,
    };
    let http = if selection.http {
        let settings = http::Settings::new(options.quick, options.runs);
        Some(http::measure(sh, layout, built, accel, MEMORY_MIB, &settings, &options.out)?)
    } else {
        None
    };
    let accel_name = if accel == Accel::Kvm { "kvm" } else { "tcg" };
    let part = part.unwrap_or_default();
    Ok(Report {
        date,
        machine,
        accel: accel_name.into(),
        accel_note,
        quick: options.quick,
        runs: options.runs,
        memory_mib: MEMORY_MIB,
        programs: part.programs,
        image_sizes: part.image_sizes,
        boot: part.boot,
        min_memory: part.min_memory,
        xen_min_memory: part.xen_min_memory,
        toolchain: part.toolchain,
        http,
        notes,
        elapsed_s: started.elapsed().as_secs_f64(),
    })
}

/// What `--only` asks for: which programs (`None`: none of them, so none
/// of their figures) and whether the HTTP benchmark. No names: everything.
#[derive(Debug, PartialEq)]
struct Selection {
    programs: Option<Vec<String>>,
    http: bool,
}

impl Selection {
    fn of(only: &[String]) -> Selection {
        let (http, programs): (Vec<String>, Vec<String>) = only.iter().cloned().partition(|n| n.eq_ignore_ascii_case(http::NAME));
        if only.is_empty() {
            Selection { programs: Some(vec![]), http: true }
        } else {
            Selection { http: !http.is_empty(), programs: (!programs.is_empty()).then_some(programs) }
        }
    }
}

/// The figures of the programs of tests/bench (`only`: these, or all when
/// empty).
#[derive(Default)]
struct ProgramPart {
    programs: Vec<ProgramFigures>,
    image_sizes: Vec<ImageSize>,
    boot: Option<BootFigures>,
    min_memory: Vec<MinMemory>,
    xen_min_memory: Vec<xen_memory::XenMinMemory>,
    toolchain: Option<toolchain::ToolchainFigures>,
}

#[allow(clippy::too_many_arguments)]
fn measure_programs(sh: &Shell, layout: &Layout, built: &Built, options: &Options, extras: Option<&BuildArgs>,
                    accel: Accel, only: &[String], notes: &mut Vec<String>) -> Result<ProgramPart> {
    let prefix = built.prefix.as_deref().context("the cross compiler was not built")?;
    let sources = layout.repo.join("tests/bench");
    let programs = programs::discover(&sources, only)?;
    let out = &options.out;
    let timeout = Duration::from_secs(if options.quick { 180 } else { 900 });

    let step = Step::start(&format!("building {} benchmarks and Hello with halvm-ghc and the platform GHC", programs.len()));
    let builder = build::Builder::new(sh, &layout.build.join("bench"), &sources, prefix, &built.platform_ghc)?;
    let builds: Vec<build::Built> = programs.iter().map(|p| builder.both(&p.name, &p.source)).collect::<Result<_>>()?;
    let hello = builder.image("Hello", &sources.join("support/Hello.hs"))?;
    let boot_clock_halvm = builder.image("BootClockHalvm", &sources.join("support/BootClockHalvm.hs"))?;
    let boot_clock_linux = builder.linux("BootClockLinux", &sources.join("support/BootClockLinux.hs"))?;
    step.done();

    let machine_for = Machine::Qemu(accel);
    let boot = |image: &Path, args: String, mib: u32| {
        Boot::new(image, machine_for.clone()).args(args).memory_mib(mib).cpu_model("max").timeout(timeout)
    };

    // halvm: one boot per run.
    let step = Step::start(&format!("running each benchmark {} times as a halvm image (QEMU {accel:?})", options.runs));
    let mut halvm: BTreeMap<String, Vec<frames::RunOutput>> = BTreeMap::new();
    for (program, b) in programs.iter().zip(&builds) {
        for _ in 0..options.runs {
            let outcome = boot(&b.image, program.size(options.quick).to_string(), MEMORY_MIB).run().map_err(anyhow::Error::msg)?;
            if let Err(e) = outcome.exit_status().and_then(|s| if s == 0 { Ok(()) } else { Err(format!("exit status {s}")) }) {
                bail!("{} failed as a halvm image: {e}\n{outcome}", program.name);
            }
            let lines: Vec<&str> = outcome.console.lines.iter().map(|l| l.text.as_str()).collect();
            let run = frames::parse_run(&lines).with_context(|| format!("{} as a halvm image:\n{outcome}", program.name))?;
            halvm.entry(program.name.clone()).or_default().push(run);
        }
        eprintln!("    {}: {}", program.name, times_ms(&halvm[&program.name]).display(1));
    }
    step.done();

    // The Linux guest: every program, every run, in one boot.
    let step = Step::start(&format!("running each benchmark {} times in one Linux guest (QEMU {accel:?})", options.runs));
    let parts = linux_guest::parts(sh, layout)?;
    let guest_dir = out.join("linux-guest");
    std::fs::create_dir_all(&guest_dir)?;
    // The boot-clock program first, once: its reading is the boot time.
    let guest_programs: Vec<linux_guest::GuestProgram> =
        std::iter::once(linux_guest::GuestProgram { name: BOOT_CLOCK, binary: &boot_clock_linux, arg: String::new(), runs: 1 })
            .chain(programs.iter().zip(&builds).map(|(p, b)| linux_guest::GuestProgram {
                name: &p.name,
                binary: &b.linux,
                arg: p.size(options.quick).to_string(),
                runs: options.runs,
            }))
            .collect();
    let initramfs = guest_dir.join("initramfs.cpio");
    linux_guest::write_initramfs(&initramfs, &parts.busybox, &guest_programs)?;
    let accel_name = if accel == Accel::Kvm { "kvm" } else { "tcg" };
    let args = linux_guest::qemu_args(accel_name, MEMORY_MIB, &parts.kernel, &initramfs);
    let guest_timeout = timeout * (programs.len() * options.runs) as u32 / 2 + Duration::from_secs(120);
    let console = linux_guest::boot(&args, guest_timeout, &guest_dir.join("console.log"), |line| {
        if let Some(i) = line.find(frames::RUN_END) {
            eprintln!("    {}", &line[i..]);
        }
    })?;
    let linux_boot = linux_guest::first_start(&console).context("the Linux guest printed no `bench-start:` line")?;
    let console_text: Vec<&str> = console.iter().map(|(_, l)| l.as_str()).collect();
    let guest_runs = frames::split_guest_runs(&console_text)?;
    let linux_boot_clock = match guest_runs.get(BOOT_CLOCK).map(Vec::as_slice) {
        Some([(0, lines)]) => {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            frames::parse_boot_clock(&lines, false).context("the Linux guest's boot-clock program")?
        }
        other => bail!("the Linux guest's boot-clock program did not run once with status 0: {other:?}"),
    };
    let mut linux: BTreeMap<String, Vec<frames::RunOutput>> = BTreeMap::new();
    for program in &programs {
        let runs = guest_runs.get(&program.name).map(Vec::as_slice).unwrap_or_default();
        if runs.len() != options.runs {
            bail!("the Linux guest ran {} {} times, not {} (console: {})", program.name, runs.len(), options.runs,
                  guest_dir.join("console.log").display());
        }
        for (status, lines) in runs {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            if *status != 0 {
                bail!("{} exited with status {status} in the Linux guest:\n{}", program.name, lines.join("\n"));
            }
            linux.entry(program.name.clone()).or_default().push(frames::parse_run(&lines)
                .with_context(|| format!("{} in the Linux guest", program.name))?);
        }
    }
    step.done();

    // Natively on the host, for reference.
    let step = Step::start(&format!("running each benchmark {} times natively", options.runs));
    let mut native: BTreeMap<String, Vec<frames::RunOutput>> = BTreeMap::new();
    for (program, b) in programs.iter().zip(&builds) {
        for _ in 0..options.runs {
            let binary = &b.linux;
            let size = program.size(options.quick).to_string();
            let stdout = cmd!(sh, "{binary} {size}").quiet().read()
                .with_context(|| format!("running {} natively", binary.display()))?;
            let lines: Vec<&str> = stdout.lines().collect();
            native.entry(program.name.clone()).or_default().push(frames::parse_run(&lines)?);
        }
    }
    step.done();

    let figures = compare(&programs, options.quick, &halvm, &linux, &native)?;

    let step = Step::start("image sizes, boot time to main, least memory");
    let stripped = out.join("stripped");
    let mut sizes = vec![image_size(sh, prefix, &stripped, "Hello", &hello)?];
    let mut all_sizes: Vec<ImageSize> = programs.iter().zip(&builds)
        .map(|(p, b)| image_size(sh, prefix, &stripped, &p.name, &b.image)).collect::<Result<_>>()?;
    all_sizes.sort_by_key(|s| s.file);
    sizes.push(all_sizes.last().cloned().expect("at least one program"));

    let mut halvm_boot = Vec::new();
    for _ in 0..options.runs {
        let outcome = boot(&hello, String::new(), MEMORY_MIB).run().map_err(anyhow::Error::msg)?;
        let line = outcome.console.find(frames::START).with_context(|| format!("Hello printed no first line:\n{outcome}"))?;
        halvm_boot.push(line.at.as_secs_f64() * 1000.0);
    }
    let (mut c_main, mut hs_main) = (Vec::new(), Vec::new());
    for _ in 0..options.runs {
        let outcome = boot(&boot_clock_halvm, String::new(), MEMORY_MIB).run().map_err(anyhow::Error::msg)?;
        let lines: Vec<&str> = outcome.console.lines.iter().map(|l| l.text.as_str()).collect();
        let clock = frames::parse_boot_clock(&lines, true).with_context(|| format!("BootClockHalvm:\n{outcome}"))?;
        c_main.push(clock.c_main_ns.expect("asked for") as f64 / 1e6);
        hs_main.push(clock.hs_main_ns as f64 / 1e6);
    }
    let mut boot_figures = BootFigures {
        halvm_ms: Summary::of(&halvm_boot).expect("runs > 0"),
        linux_guest_ms: Summary::of(&[linux_boot.as_secs_f64() * 1000.0]).expect("one value"),
        halvm_c_main_ms: Summary::of(&c_main).expect("runs > 0"),
        halvm_hs_main_ms: Summary::of(&hs_main).expect("runs > 0"),
        linux_guest_hs_main_ms: Summary::of(&[linux_boot_clock.hs_main_ns as f64 / 1e6]).expect("one value"),
        xen_halvm_c_main_ms: None,
        xen_halvm_hs_main_ms: None,
    };

    // The mid-size benchmark: the median image by size.
    let mid = &all_sizes[all_sizes.len() / 2].program;
    let (mid_program, mid_build) = programs.iter().zip(&builds).find(|(p, _)| &p.name == mid).expect("sized above");
    let mut min_memory = Vec::new();
    for (name, image, args, expected) in [
        ("Hello", &hello, String::new(), None),
        (mid.as_str(), &mid_build.image, mid_program.size(options.quick).to_string(), Some(figures_result(&figures, mid))),
    ] {
        let mib = memory::least_passing(MEMORY_SEARCH.0, MEMORY_SEARCH.1, |mib| {
            let outcome = boot(image, args.clone(), mib).run().map_err(anyhow::Error::msg)?;
            let ok = outcome.exit_status() == Ok(0);
            let lines: Vec<&str> = outcome.console.lines.iter().map(|l| l.text.as_str()).collect();
            Ok(ok && expected.as_ref().is_none_or(|want| frames::parse_run(&lines).is_ok_and(|r| &r.result == want)))
        })
        .with_context(|| format!("the least memory of {name}"))?;
        min_memory.push(MinMemory { program: name.to_string(), args, mib });
    }
    step.done();

    let (mut xen_min_memory, mut toolchain_figures) = (Vec::new(), None);
    if let Some(build_args) = extras {
        let step = Step::start("least memory= under Xen (one dom0 in QEMU, xl create per size)");
        match crate::domu_lane::available(layout) {
            Err(why) => notes.push(format!("The least memory= under Xen was not measured: {why}")),
            Ok(()) => {
                let mid_result = figures_result(&figures, mid);
                let wanted = [
                    xen_memory::Wanted { program: "Hello", image: &hello, args: String::new(), qemu_mib: min_memory[0].mib,
                                         lines: vec![format!("{}Hello", frames::START)], timeout_s: 60 },
                    xen_memory::Wanted { program: mid.as_str(), image: &mid_build.image, args: min_memory[1].args.clone(),
                                         qemu_mib: min_memory[1].mib, lines: vec![format!("{}{mid_result}", frames::RESULT)],
                                         timeout_s: 120 },
                ];
                let run = xen_memory::measure(sh, layout, &out.join("xen-memory"), &wanted, (&boot_clock_halvm, options.runs))?;
                xen_min_memory = run.min_memory;
                let (mut c_main, mut hs_main) = (Vec::new(), Vec::new());
                for lines in &run.boot_clock {
                    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
                    let clock = frames::parse_boot_clock(&lines, true).context("BootClockHalvm under Xen")?;
                    c_main.push(clock.c_main_ns.expect("asked for") as f64 / 1e6);
                    hs_main.push(clock.hs_main_ns as f64 / 1e6);
                }
                boot_figures.xen_halvm_c_main_ms = Summary::of(&c_main);
                boot_figures.xen_halvm_hs_main_ms = Summary::of(&hs_main);
            }
        }
        step.done();

        let step = Step::start("toolchain speed: no-op build, relink, compile time, the GHC build");
        // The benchmark with the largest source: the most compiler work.
        let program = programs.iter().zip(&builds)
            .max_by_key(|(p, _)| std::fs::metadata(&p.source).map(|m| m.len()).unwrap_or(0))
            .expect("at least one program");
        let scratch = out.join("toolchain");
        let compile = toolchain::Compile {
            halvm_ghc: &crate::prefix::halvm_ghc(prefix),
            platform_ghc: &built.platform_ghc.ghc(),
            lib: &sources.join("lib"),
            source: &program.0.source,
            halvm_objects: &out.join("obj/halvm").join(&program.0.name),
            scratch: &scratch,
        };
        let compile_runs = if options.quick { 1 } else { 3 };
        toolchain_figures = Some(toolchain::ToolchainFigures {
            noop_build_s: toolchain::noop_build(sh, layout, build_args, options.runs)?,
            program: program.0.name.clone(),
            relink_s: compile.relink(sh, options.runs)?,
            halvm_compile_s: compile.compile(sh, compile.halvm_ghc, "halvm-ghc", compile_runs)?,
            platform_compile_s: compile.compile(sh, compile.platform_ghc, "the platform GHC", compile_runs)?,
            ghc_build: toolchain::ghc_build_time(&layout.build.join("ghc-build/ghc-9.0.2"),
                                                 &layout.cache().join("ghc-stage1"))?,
        });
        step.done();
    } else {
        notes.push("The least memory= under Xen and the toolchain figures are left out of this run (the smoke run).".into());
    }
    Ok(ProgramPart {
        programs: figures,
        image_sizes: sizes,
        boot: Some(boot_figures),
        min_memory,
        xen_min_memory,
        toolchain: toolchain_figures,
    })
}

fn figures_result(figures: &[ProgramFigures], name: &str) -> String {
    figures.iter().find(|f| f.name == name).map(|f| f.result.clone()).unwrap_or_default()
}

fn times_ms(runs: &[frames::RunOutput]) -> Summary {
    let ms: Vec<f64> = runs.iter().map(|r| r.time_ns as f64 / 1e6).collect();
    Summary::of(&ms).expect("at least one run")
}

/// Every run of every program must print the same result on every side;
/// then the figures. Every difference is listed before failing.
fn compare(
    programs: &[Program],
    quick: bool,
    halvm: &BTreeMap<String, Vec<frames::RunOutput>>,
    linux: &BTreeMap<String, Vec<frames::RunOutput>>,
    native: &BTreeMap<String, Vec<frames::RunOutput>>,
) -> Result<Vec<ProgramFigures>> {
    let mut mismatches = Vec::new();
    let mut figures = Vec::new();
    for program in programs {
        let name = &program.name;
        let sides = [("halvm", &halvm[name]), ("Linux guest", &linux[name]), ("native", &native[name])];
        let reference = &sides[1].1[0].result;
        for (side, runs) in &sides {
            for (i, run) in runs.iter().enumerate() {
                if &run.result != reference {
                    mismatches.push(format!("{name}, {side} run {}: {:?}\n    Linux guest run 1: {reference:?}", i + 1, run.result));
                }
            }
        }
        let (h, l) = (times_ms(sides[0].1), times_ms(sides[1].1));
        figures.push(ProgramFigures {
            name: name.clone(),
            size: program.size(quick),
            result: reference.clone(),
            halvm_ms: h,
            linux_guest_ms: l,
            native_ms: times_ms(sides[2].1),
            ratio: h.median / l.median,
        });
    }
    if !mismatches.is_empty() {
        bail!("the benchmarks' results differ between halvm and Linux (they must be equal):\n  {}", mismatches.join("\n  "));
    }
    Ok(figures)
}

/// `image` stripped into `dir`, its sections as halvm-inspect reports them.
fn image_size(sh: &Shell, prefix: &Path, dir: &Path, name: &str, image: &Path) -> Result<ImageSize> {
    std::fs::create_dir_all(dir)?;
    let stripped = dir.join(format!("{name}.xen"));
    let strip = prefix.join("bin/x86_64-halvm-linux-strip");
    let inspect = prefix.join("bin/halvm-inspect");
    cmd!(sh, "{strip} -o {stripped} {image}").quiet().run()?;
    let json = cmd!(sh, "{inspect} --json {stripped}").quiet().read()?;
    let v: serde_json::Value = serde_json::from_str(&json).with_context(|| format!("halvm-inspect's JSON for {name}"))?;
    let field = |k: &str| v["sizes"][k].as_u64().with_context(|| format!("halvm-inspect --json has no sizes.{k}"));
    Ok(ImageSize {
        program: name.to_string(),
        file: std::fs::metadata(&stripped)?.len(),
        code: field("code")?,
        rodata: field("rodata")?,
        data: field("data")?,
        bss: field("bss")?,
    })
}

/// "N x MODEL, load L when the run started", from /proc.
fn describe_machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find_map(|l| l.strip_prefix("model name")).map(|l| l.trim_start_matches([' ', '\t', ':']).trim())
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?");
    format!("{cores} x {model}, load average {load} when the run started")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(result: &str, ns: u64) -> frames::RunOutput {
        frames::RunOutput { result: result.into(), time_ns: ns }
    }

    fn program(name: &str) -> Program {
        Program { name: name.into(), source: PathBuf::new(), quick_size: 1, full_size: 2 }
    }

    fn side(runs: Vec<frames::RunOutput>) -> BTreeMap<String, Vec<frames::RunOutput>> {
        BTreeMap::from([("A".to_string(), runs)])
    }

    #[test]
    fn only_selects_programs_the_http_benchmark_or_both() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(Selection::of(&[]), Selection { programs: Some(vec![]), http: true });
        assert_eq!(Selection::of(&names(&["HTTP"])), Selection { programs: None, http: true });
        assert_eq!(Selection::of(&names(&["Queens"])), Selection { programs: Some(names(&["Queens"])), http: false });
        assert_eq!(Selection::of(&names(&["http", "Queens", "Maps"])),
                   Selection { programs: Some(names(&["Queens", "Maps"])), http: true });
    }

    #[test]
    fn equal_results_give_the_ratio_of_the_medians() {
        let f = compare(&[program("A")], true,
                        &side(vec![run("r", 3_000_000), run("r", 1_000_000), run("r", 2_000_000)]),
                        &side(vec![run("r", 4_000_000), run("r", 4_000_000), run("r", 5_000_000)]),
                        &side(vec![run("r", 1_000_000); 3])).unwrap();
        assert_eq!(f[0].ratio, 0.5);
        assert_eq!(f[0].size, 1);
        assert_eq!(f[0].halvm_ms.min, 1.0);
    }

    #[test]
    fn a_result_that_differs_on_any_side_or_run_is_an_error_naming_it() {
        let err = compare(&[program("A")], false,
                          &side(vec![run("r", 1), run("x", 1)]),
                          &side(vec![run("r", 1), run("r", 1)]),
                          &side(vec![run("r", 1), run("r", 1)])).unwrap_err().to_string();
        assert!(err.contains("A, halvm run 2: \"x\""), "{err}");
        let err = compare(&[program("A")], false, &side(vec![run("r", 1)]), &side(vec![run("r", 1)]),
                          &side(vec![run("q", 1)])).unwrap_err().to_string();
        assert!(err.contains("A, native run 1"), "{err}");
    }
}
