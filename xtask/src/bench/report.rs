//! The figures of one `cargo xtask bench` run, and their three forms: a
//! table for the terminal, Markdown (build/bench/report.md) and JSON.

use serde::Serialize;

use super::http::HttpFigures;
use super::stats::Summary;
use super::toolchain::{GhcBuildTime, ToolchainFigures};
use super::xen_memory::XenMinMemory;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// When the run started (UTC).
    pub date: String,
    /// CPU model and count, and the load average when the run started.
    pub machine: String,
    /// The accelerator both guests ran on: "tcg" or "kvm".
    pub accel: String,
    /// Why the accelerator is not the one asked for, if it is not.
    pub accel_note: Option<String>,
    pub quick: bool,
    /// Runs of each program on each side.
    pub runs: usize,
    /// QEMU's `-m` for both guests, MiB.
    pub memory_mib: u32,
    pub programs: Vec<ProgramFigures>,
    pub image_sizes: Vec<ImageSize>,
    /// `None` when no program ran (`--only http`).
    pub boot: Option<BootFigures>,
    pub min_memory: Vec<MinMemory>,
    /// The least `memory=` under Xen (xl); empty when not measured.
    pub xen_min_memory: Vec<XenMinMemory>,
    pub toolchain: Option<ToolchainFigures>,
    /// The HTTP server benchmark; `None` when not selected.
    pub http: Option<HttpFigures>,
    /// Notes on figures left out, and why.
    pub notes: Vec<String>,
    /// The whole run's wall time, seconds.
    pub elapsed_s: f64,
}

/// One benchmark's times (the program's own, in ms) on each side.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramFigures {
    pub name: String,
    /// The size argument it ran with.
    pub size: u64,
    /// The result line, equal on both sides.
    pub result: String,
    pub halvm_ms: Summary,
    pub linux_guest_ms: Summary,
    pub native_ms: Summary,
    /// halvm's median over the Linux guest's.
    pub ratio: f64,
}

/// An image stripped, by section, in bytes.
#[derive(Debug, Clone, Serialize)]
pub struct ImageSize {
    pub program: String,
    pub file: u64,
    pub code: u64,
    pub rodata: u64,
    pub data: u64,
    pub bss: u64,
}

/// Boot times, ms: QEMU start to the first line of `main` (wall clock),
/// and on each guest's own clock to `main`.
#[derive(Debug, Clone, Serialize)]
pub struct BootFigures {
    pub halvm_ms: Summary,
    pub linux_guest_ms: Summary,
    /// halvm: the first instruction (TSC read at the PVH entry) to C's main.
    pub halvm_c_main_ms: Summary,
    /// halvm: the first instruction to the Haskell program's main.
    pub halvm_hs_main_ms: Summary,
    /// Linux: CLOCK_BOOTTIME at the Haskell program's main, /init's first.
    pub linux_guest_hs_main_ms: Summary,
    /// The same halvm figures as a Xen domU (xl create in the Xen-in-QEMU
    /// run of the memory scan); `None` when that did not run.
    pub xen_halvm_c_main_ms: Option<Summary>,
    pub xen_halvm_hs_main_ms: Option<Summary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MinMemory {
    pub program: String,
    /// The argument it ran with ("" for none).
    pub args: String,
    pub mib: u32,
}

/// The ratio as printed: two decimals.
fn ratio(r: f64) -> String {
    format!("{r:.2}")
}

impl Report {
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises") + "\n"
    }

    /// The runtime table, as Markdown (the terminal shows the same);
    /// empty when no program ran.
    pub fn runtime_table(&self) -> String {
        if self.programs.is_empty() {
            return String::new();
        }
        let mut t = String::from(
            "| program | size | halvm ms | Linux guest ms | halvm / Linux | native ms |\n\
             | --- | ---: | ---: | ---: | ---: | ---: |\n",
        );
        for p in &self.programs {
            t.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                p.name, p.size, p.halvm_ms.display(1), p.linux_guest_ms.display(1), ratio(p.ratio), p.native_ms.display(1)
            ));
        }
        t
    }

    /// The HTTP server's table, as Markdown; empty when it did not run.
    pub fn http_table(&self) -> String {
        let Some(h) = &self.http else { return String::new() };
        let (l, g) = (&h.halvm, &h.linux_guest);
        format!(
            "| HTTP server (network-demo: `network` + `bytestring`) | halvm | Linux guest | halvm / Linux |\n\
             | --- | ---: | ---: | ---: |\n\
             | requests/s: GET /hello/NAME, {} clients, a fresh connection each, {} per run | {} | {} | {} |\n\
             | time per request (connect to close), ms | {} | {} | |\n\
             | MB/s: GET /big ({} MiB) | {} | {} | {} |\n\
             | first answer after QEMU's start, s | {:.1} | {:.1} | |\n",
            h.clients, h.requests_per_run, l.requests_per_s.display(1), g.requests_per_s.display(1), ratio(h.requests_ratio),
            l.latency_ms.display(1), g.latency_ms.display(1),
            h.big_bytes / (1024 * 1024), l.big_mb_per_s.display(2), g.big_mb_per_s.display(2), ratio(h.big_ratio),
            l.serving_after_s, g.serving_after_s
        )
    }

    /// The other figures, as Markdown.
    pub fn other_tables(&self) -> String {
        let mut t = self.http_table();
        if let Some(boot) = &self.boot {
            if !t.is_empty() {
                t.push('\n');
            }
            t.push_str(&self.program_tables(boot));
        }
        t
    }

    /// Sizes, boot, memory and toolchain: the figures that come with the
    /// programs.
    fn program_tables(&self, boot: &BootFigures) -> String {
        let mut t = String::from("| image (stripped) | file | code | rodata | data | bss |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
        let kb = |b: u64| format!("{:.0} KB", b as f64 / 1000.0);
        for s in &self.image_sizes {
            t.push_str(&format!("| {} | {} | {} | {} | {} | {} |\n", s.program, kb(s.file), kb(s.code), kb(s.rodata), kb(s.data), kb(s.bss)));
        }
        t.push_str(&format!(
            "\n| boot to main (QEMU start to first line, wall) | ms |\n| --- | ---: |\n| halvm (Hello) | {} |\n| Linux guest (kernel + /init) | {} |\n",
            boot.halvm_ms.display(0), boot.linux_guest_ms.display(0)
        ));
        t.push_str(&format!(
            "\n| boot to main, guest clock | ms |\n| --- | ---: |\n\
             | halvm: first instruction to C's main | {} |\n\
             | halvm: first instruction to Haskell's main | {} |\n\
             | Linux guest: CLOCK_BOOTTIME at Haskell's main | {} |\n",
            boot.halvm_c_main_ms.display(2), boot.halvm_hs_main_ms.display(2),
            boot.linux_guest_hs_main_ms.display(0)
        ));
        if let (Some(c), Some(hs)) = (&boot.xen_halvm_c_main_ms, &boot.xen_halvm_hs_main_ms) {
            t.push_str(&format!(
                "| halvm as a Xen domU (Xen in QEMU): first instruction to C's main | {} |\n\
                 | halvm as a Xen domU (Xen in QEMU): first instruction to Haskell's main | {} |\n",
                c.display(2), hs.display(2)
            ));
        }
        let with_args = |program: &str, args: &str| if args.is_empty() { program.to_string() } else { format!("{program} {args}") };
        t.push_str("\n| least memory, halvm (`-m`, bisection) | MiB |\n| --- | ---: |\n");
        for m in &self.min_memory {
            t.push_str(&format!("| {} | {} |\n", with_args(&m.program, &m.args), m.mib));
        }
        if !self.xen_min_memory.is_empty() {
            t.push_str("\n| least memory under Xen (xl `memory=`, PVH domU) | MiB | sizes tried |\n| --- | ---: | --- |\n");
            for m in &self.xen_min_memory {
                let figure = match m.mib {
                    None => format!("> {}", m.scanned.1),
                    Some(mib) if m.at_or_below => format!("<= {mib}"),
                    Some(mib) => mib.to_string(),
                };
                let irregular = if m.irregular.is_empty() { String::new() } else { format!("; failed above it: {:?}", m.irregular) };
                t.push_str(&format!("| {} | {figure} | {}..{}{irregular} |\n", with_args(&m.program, &m.args), m.scanned.0, m.scanned.1));
            }
        }
        if let Some(tc) = &self.toolchain {
            let ghc = match &tc.ghc_build {
                Some(GhcBuildTime { seconds, key }) => format!("{:.0} ({}m{:02}s, key {key})", seconds, (*seconds as u64) / 60, (*seconds as u64) % 60),
                None => "not known (no stamps of the last build)".into(),
            };
            t.push_str(&format!(
                "\n| toolchain | s |\n| --- | ---: |\n\
                 | no-op `cargo xtask build` | {} |\n\
                 | relink {} (halvm-ghc, link only) | {} |\n\
                 | compile {} (`-O2 -no-link`), halvm-ghc | {} |\n\
                 | compile {} (`-O2 -no-link`), platform GHC | {} |\n\
                 | last cross-GHC build (configure, make, install) | {ghc} |\n",
                tc.noop_build_s.display(2), tc.program, tc.relink_s.display(2), tc.program, tc.halvm_compile_s.display(1),
                tc.program, tc.platform_compile_s.display(1)
            ));
        }
        t
    }

    /// The heading lines: what ran where.
    pub fn conditions(&self) -> String {
        let mut s = format!(
            "{} on {}; QEMU {}{}, `-cpu max -m {}`; {} run(s) of each measurement per side{}; the whole run took {:.0} s.\n",
            self.date,
            self.machine,
            self.accel.to_uppercase(),
            self.accel_note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default(),
            self.memory_mib,
            self.runs,
            if self.quick { ", `--quick` sizes" } else { "" },
            self.elapsed_s
        );
        for note in &self.notes {
            s.push_str(&format!("- {note}\n"));
        }
        s
    }

    pub fn markdown(&self) -> String {
        let mut s = String::from("# halvm benchmarks\n\n");
        s.push_str(&self.conditions());
        s.push('\n');
        if !self.programs.is_empty() {
            s.push_str(
                "Times are each program's own (monotonic clock around the work, inside the guest), \
                 median (min..max). The ratio is halvm's median over the Linux guest's: below 1 halvm is \
                 faster. Under TCG the ratio is a hint, not a verdict: emulated memory access costs \
                 differ from real hardware's.\n\n",
            );
            s.push_str(&self.runtime_table());
            s.push('\n');
        }
        if self.http.is_some() {
            s.push_str(
                "The HTTP figures are rates measured by the host's load generator through QEMU's port \
                 forwards, median (min..max) of the runs; their ratio is halvm's median over the Linux \
                 guest's, so here above 1 halvm is faster.\n\n",
            );
        }
        s.push_str(&self.other_tables());
        s
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> Report {
        let s = |v: &[f64]| Summary::of(v).unwrap();
        Report {
            date: "2026-12-02 09:00 UTC".into(),
            machine: "2 x Test CPU".into(),
            accel: "tcg".into(),
            accel_note: Some("KVM asked for, but the probe failed".into()),
            quick: true,
            runs: 3,
            memory_mib: 512,
            programs: vec![ProgramFigures {
                name: "Queens".into(),
                size: 10,
                result: "(724,1)".into(),
                halvm_ms: s(&[10.0, 12.0, 11.0]),
                linux_guest_ms: s(&[20.0, 22.0, 21.0]),
                native_ms: s(&[2.0, 2.5, 3.0]),
                ratio: 11.0 / 21.0,
            }],
            image_sizes: vec![ImageSize { program: "Hello".into(), file: 824_000, code: 639_000, rodata: 124_000, data: 48_000, bss: 860_000 }],
            boot: Some(BootFigures {
                halvm_ms: s(&[300.0, 320.0]),
                linux_guest_ms: s(&[4000.0]),
                halvm_c_main_ms: s(&[12.5, 13.0]),
                halvm_hs_main_ms: s(&[15.0, 16.0]),
                linux_guest_hs_main_ms: s(&[2500.0]),
                xen_halvm_c_main_ms: Some(s(&[1.5, 1.25])),
                xen_halvm_hs_main_ms: Some(s(&[4.0])),
            }),
            min_memory: vec![MinMemory { program: "Hello".into(), args: String::new(), mib: 6 }],
            xen_min_memory: vec![
                XenMinMemory { program: "Hello".into(), args: String::new(), mib: Some(7), scanned: (3, 12), at_or_below: false,
                               irregular: vec![] },
                XenMinMemory { program: "Bytes".into(), args: "500000".into(), mib: None, scanned: (7, 21), at_or_below: false,
                               irregular: vec![] },
            ],
            toolchain: Some(ToolchainFigures {
                noop_build_s: s(&[1.5, 1.7]),
                program: "Queens".into(),
                relink_s: s(&[2.0, 2.5]),
                halvm_compile_s: s(&[9.0]),
                platform_compile_s: s(&[7.0]),
                ghc_build: Some(GhcBuildTime { seconds: 1777.0, key: "fdd7".into() }),
            }),
            http: Some(crate::bench::http::tests::sample()),
            notes: vec!["a note".into()],
            elapsed_s: 61.0,
        }
    }

    #[test]
    fn the_table_has_one_row_per_program_with_median_spread_and_ratio() {
        let table = sample().runtime_table();
        let row = table.lines().nth(2).unwrap();
        assert_eq!(row, "| Queens | 10 | 11.0 (10.0..12.0) | 21.0 (20.0..22.0) | 0.52 | 2.5 (2.0..3.0) |");
    }

    #[test]
    fn markdown_says_where_it_ran_and_holds_every_figure() {
        let md = sample().markdown();
        for needle in ["2026-12-02", "TCG (KVM asked for", "-cpu max -m 512", "3 run(s)", "--quick", "| Hello | 824 KB | 639 KB",
                       "| halvm (Hello) | 310 (300..320) |", "| Linux guest (kernel + /init) | 4000 |", "| Hello | 6 |",
                       "| halvm: first instruction to C's main | 12.75 (12.50..13.00) |",
                       "| Linux guest: CLOCK_BOOTTIME at Haskell's main | 2500 |",
                       "Xen domU (Xen in QEMU): first instruction to C's main | 1.38 (1.25..1.50) |",
                       "| Hello | 7 | 3..12 |", "| Bytes 500000 | > 21 | 7..21 |",
                       "| no-op `cargo xtask build` | 1.60 (1.50..1.70) |", "| relink Queens (halvm-ghc, link only) | 2.25",
                       "platform GHC | 7.0 |", "| 1777 (29m37s, key fdd7) |",
                       "- a note", "a hint, not a verdict"] {
            assert!(md.contains(needle), "{needle:?} missing from:\n{md}");
        }
    }

    #[test]
    fn the_http_table_has_both_sides_and_the_ratios() {
        let table = sample().http_table();
        let rows: Vec<&str> = table.lines().collect();
        assert_eq!(rows[2], "| requests/s: GET /hello/NAME, 4 clients, a fresh connection each, 100 per run \
                             | 100.0 (50.0..200.0) | 50.0 (50.0..50.0) | 2.00 |");
        assert_eq!(rows[4], "| MB/s: GET /big (10 MiB) | 5.24 (2.62..10.49) | 20.97 (20.97..20.97) | 0.25 |");
        assert_eq!(rows[5], "| first answer after QEMU's start, s | 2.5 | 2.5 | |");
    }

    /// `--only http`: the HTTP figures alone, no program tables.
    #[test]
    fn a_report_of_the_http_server_alone() {
        let mut r = sample();
        r.programs.clear();
        r.image_sizes.clear();
        r.boot = None;
        r.min_memory.clear();
        r.xen_min_memory.clear();
        r.toolchain = None;
        let md = r.markdown();
        assert!(md.contains("| MB/s: GET /big") && md.contains("above 1 halvm is faster"), "{md}");
        for absent in ["| program |", "| image (stripped)", "boot to main", "below 1 halvm"] {
            assert!(!md.contains(absent), "{absent:?} in:\n{md}");
        }
        assert_eq!(r.runtime_table(), "");
        let v: serde_json::Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(v["boot"], serde_json::Value::Null);
        assert_eq!(v["http"]["requests_ratio"], 2.0);
        let mut r = sample();
        r.http = None;
        assert!(!r.markdown().contains("HTTP"));
    }

    #[test]
    fn json_round_trips_the_figures() {
        let v: serde_json::Value = serde_json::from_str(&sample().json()).unwrap();
        assert_eq!(v["programs"][0]["name"], "Queens");
        assert_eq!(v["programs"][0]["halvm_ms"]["median"], 11.0);
        assert_eq!(v["programs"][0]["linux_guest_ms"]["min"], 20.0);
        assert_eq!(v["boot"]["linux_guest_ms"]["n"], 1);
        assert_eq!(v["min_memory"][0]["mib"], 6);
        assert_eq!(v["accel"], "tcg");
        assert_eq!(v["boot"]["halvm_c_main_ms"]["median"], 12.75);
        assert_eq!(v["xen_min_memory"][0]["mib"], 7);
        assert_eq!(v["xen_min_memory"][1]["mib"], serde_json::Value::Null);
        assert_eq!(v["toolchain"]["ghc_build"]["seconds"], 1777.0);
        assert_eq!(v["http"]["halvm"]["requests_per_s"]["median"], 100.0);
        assert_eq!(v["http"]["linux_guest"]["big_mb_per_s"]["n"], 3);
    }
}
