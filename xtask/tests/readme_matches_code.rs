//! The READMEs' lists of lanes, commands, test images and boot checks are
//! read by people deciding what to run; these tests fail when a list and
//! the code disagree, naming what is missing on which side.
//!
//! The code side comes from the code itself: `cargo xtask --help` (clap's
//! view of the commands and `--lane` values), `LANES` in
//! xtask/src/test_cmd.rs, the source directories the test images are
//! built from, and tests/boot's `checks` module and the machines
//! tests/boot/tests/*.rs run them on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    let path = repo().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The output of `cargo xtask ARGS --help` (clap prints it before any work).
fn xtask_help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg("--help")
        .output()
        .expect("running the xtask binary");
    assert!(out.status.success(), "xtask {args:?} --help failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

/// The lines of the markdown section whose heading line is `heading`, up to
/// the next heading of the same or a higher level.
fn section<'a>(text: &'a str, heading: &str, file: &str) -> Vec<&'a str> {
    let level = heading.chars().take_while(|&c| c == '#').count();
    let ends = |line: &str| {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        hashes > 0 && hashes <= level && line[hashes..].starts_with(' ')
    };
    let mut lines = text.lines().skip_while(|l| l.trim_end() != heading);
    assert!(lines.next().is_some(), "{file} has no section {heading:?}; the check below reads it");
    lines.take_while(|l| !ends(l)).collect()
}

/// The first table of `lines`, as rows of trimmed cells (header and
/// separator rows dropped).
fn first_table(lines: &[&str], what: &str) -> Vec<Vec<String>> {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim().trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
        .collect();
    assert!(rows.len() > 2, "{what}: no table with at least one row");
    rows.into_iter().skip(2).collect()
}

/// A table's first column, without the backticks of `code` cells.
fn first_column(rows: &[Vec<String>]) -> BTreeSet<String> {
    rows.iter().map(|r| r[0].trim_matches('`').to_string()).collect()
}

/// Fails naming what only one side has.
fn assert_same(docs: &BTreeSet<String>, code: &BTreeSet<String>, docs_name: &str, code_name: &str) {
    let only_docs: Vec<_> = docs.difference(code).collect();
    let only_code: Vec<_> = code.difference(docs).collect();
    assert!(
        only_docs.is_empty() && only_code.is_empty(),
        "{docs_name} and {code_name} disagree: only in the docs {only_docs:?}, only in the code {only_code:?}; \
         update the docs (or the code)"
    );
}

/// The names of the lanes `cargo xtask test` runs: `LANES` in test_cmd.rs.
fn lanes_in_code() -> BTreeSet<String> {
    let source = read("xtask/src/test_cmd.rs");
    let start = source.find("const LANES").expect("xtask/src/test_cmd.rs has no `const LANES`; update this test");
    let block = &source[start..];
    let block = &block[..block.find("\n];").expect("`const LANES` does not end with a line `];`")];
    let names: BTreeSet<String> = block
        .split("name: \"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect();
    assert!(!names.is_empty(), "no `name: \"...\"` in `const LANES`; update this test");
    names
}

/// The values clap accepts for `cargo xtask test --lane`, in order, from
/// either of clap's help formats ("[possible values: a, b]" or a list of
/// "- a: ..." lines).
fn lane_values_of_cli() -> Vec<String> {
    let help = xtask_help(&["test"]);
    let block: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("--lane"))
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('-') || l.trim_start().starts_with("- "))
        .collect();
    let joined = block.join(" ");
    if let Some(start) = joined.find("[possible values: ") {
        let rest = &joined[start + "[possible values: ".len()..];
        return rest[..rest.find(']').unwrap()].split(',').map(|v| v.trim().to_string()).collect();
    }
    let listed: Vec<String> = block
        .iter()
        .filter_map(|l| l.trim_start().strip_prefix("- "))
        .map(|v| v.split(':').next().unwrap().trim().to_string())
        .collect();
    assert!(!listed.is_empty(), "`cargo xtask test --help` shows no values for --lane:\n{help}");
    listed
}

/// The subcommands `cargo xtask --help` lists (without clap's own `help`).
fn subcommands_of_cli() -> BTreeSet<String> {
    let help = xtask_help(&[]);
    let names: BTreeSet<String> = help
        .lines()
        .skip_while(|l| l.trim_end() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l[2..].starts_with(' '))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .filter(|name| name != "help")
        .collect();
    assert!(!names.is_empty(), "`cargo xtask --help` lists no commands:\n{help}");
    names
}

/// Each word after `prefix` in `text` (`|`-separated lists count as
/// several), e.g. every command in "cargo xtask build|test".
fn words_after(text: &str, prefix: &str) -> Vec<String> {
    text.split(prefix)
        .skip(1)
        .flat_map(|rest| {
            let token: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '|' || *c == '-').collect();
            token.split('|').filter(|w| !w.is_empty()).map(String::from).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn readme_tests_table_lists_exactly_the_lanes_of_cargo_xtask_test() {
    let readme = read("README.md");
    let rows = first_table(&section(&readme, "## Tests", "README.md"), "README.md, section Tests");
    assert_same(&first_column(&rows), &lanes_in_code(), "README.md's Tests table", "LANES in xtask/src/test_cmd.rs");
}

#[test]
fn every_lane_the_cli_offers_is_a_lane_and_the_readme_names_them_all() {
    let cli = lane_values_of_cli();
    let offered: BTreeSet<String> = cli.iter().filter(|v| *v != "all").cloned().collect();
    assert_same(&offered, &lanes_in_code(), "`cargo xtask test --lane` values (but `all`)", "LANES");
    let readme = read("README.md");
    let synopsis = format!("--lane {}", cli.join("|"));
    assert!(readme.contains(&synopsis), "README.md should show the lanes as `{synopsis}`, as `cargo xtask test --help` offers them");
    // Every `--lane X` the READMEs mention must be a value the CLI accepts.
    for file in ["README.md", "rts-xen/README.md"] {
        for lane in words_after(&read(file), "--lane ") {
            assert!(cli.contains(&lane), "{file} mentions `--lane {lane}`, which `cargo xtask test` does not accept ({cli:?})");
        }
    }
}

#[test]
fn readme_quick_start_mentions_every_command_and_no_other() {
    let commands = subcommands_of_cli();
    let readme = read("README.md");
    let quick_start = section(&readme, "## Quick start", "README.md").join("\n");
    let in_quick_start: BTreeSet<String> = words_after(&quick_start, "cargo xtask ").into_iter().collect();
    for command in &commands {
        assert!(
            in_quick_start.contains(command),
            "README.md's Quick start (or its \"Other commands\") does not mention `cargo xtask {command}`"
        );
    }
    for word in words_after(&readme, "cargo xtask ") {
        assert!(commands.contains(&word), "README.md mentions `cargo xtask {word}`, which is no command of xtask ({commands:?})");
    }
}

#[test]
fn rts_xen_readme_lists_exactly_the_test_images() {
    // xtask/src/test_images.rs builds one image from each C source (`.c`
    // or `.S`, see target_c::sources_in) directly in these directories.
    let mut images = BTreeSet::new();
    for dir in ["tests/freestanding", "minlibc/tests-boot"] {
        let dir = repo().join(dir);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if matches!(path.extension().and_then(|e| e.to_str()), Some("c" | "S")) {
                images.insert(path.file_stem().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let readme = read("rts-xen/README.md");
    let rows = first_table(&section(&readme, "## Test images", "rts-xen/README.md"), "rts-xen/README.md, Test images");
    assert_same(&first_column(&rows), &images, "rts-xen/README.md's Test images table", "the images xtask builds");
}

/// The boot checks: every `pub fn` of tests/boot's `checks` module.
fn boot_checks_in_code() -> BTreeSet<String> {
    let source = read("tests/boot/src/lib.rs");
    let start = source.find("pub mod checks {").expect("tests/boot/src/lib.rs has no `pub mod checks {`");
    let module = &source[start..];
    let module = &module[..module.find("\n}").expect("the checks module does not end with a line `}`")];
    // a check is a `pub fn` of the module, or one of another module
    // re-exported there (`pub use crate::dns::dns_lookup;`)
    let defined = module.lines().filter_map(|l| l.strip_prefix("    pub fn ")).map(|rest| rest[..rest.find('(').unwrap()].to_string());
    let reexported = module
        .lines()
        .filter_map(|l| l.strip_prefix("    pub use crate::")?.strip_suffix(';'))
        .map(|path| path.rsplit("::").next().unwrap().to_string());
    defined.chain(reexported).collect()
}

/// The checks listed in a `boot_checks!(MACHINE => a, b, ...)` call.
fn listed_checks(invocation: &str) -> Vec<String> {
    let list = &invocation[invocation.find("=>").unwrap() + 2..];
    list.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()
}

/// Each `boot_checks!(...)` call in `source`, without its closing `);`.
fn boot_checks_calls(source: &str) -> Vec<&str> {
    source
        .split("boot_checks!(")
        .skip(1)
        .map(|rest| &rest[..rest.find(");").expect("a boot_checks!( call without `);`")])
        .collect()
}

/// Which machine runs each check, as "check on Machine" entries, from the
/// instantiations in tests/boot/tests/*.rs; a call without `=>` runs the
/// macro's default list (its first arm in tests/boot/src/lib.rs).
fn check_machines_in_code() -> BTreeSet<String> {
    let lib = read("tests/boot/src/lib.rs");
    let default = lib
        .split("boot_checks!(")
        .find(|call| call.trim_start().starts_with("$machine =>"))
        .map(|call| listed_checks(&call[..call.find(");").unwrap()]))
        .expect("tests/boot/src/lib.rs: no default arm `boot_checks!($machine => ...)`; update this test");
    let mut entries = BTreeSet::new();
    let dir = repo().join("tests/boot/tests");
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let calls = boot_checks_calls(&source);
        if calls.is_empty() {
            continue;
        }
        let machine = match path.file_stem().unwrap().to_str().unwrap() {
            "qemu_tcg" => "TCG",
            "qemu_kvm" => "KVM",
            "xen" => "Xen",
            other => panic!("tests/boot/tests/{other}.rs runs boot checks on a machine this test does not know; \
                             add it here and to rts-xen/README.md's machines column"),
        };
        for call in calls {
            let checks = if call.contains("=>") { listed_checks(call) } else { default.clone() };
            entries.extend(checks.into_iter().map(|c| format!("{c} on {machine}")));
        }
    }
    entries
}

#[test]
fn rts_xen_readme_lists_exactly_the_boot_checks_their_machines_and_counts() {
    let checks = boot_checks_in_code();
    let machines = check_machines_in_code();
    let readme = read("rts-xen/README.md");
    let tests = section(&readme, "## Tests", "rts-xen/README.md");
    let rows = first_table(&tests, "rts-xen/README.md, the checks table in Tests");
    assert_same(&first_column(&rows), &checks, "rts-xen/README.md's checks table", "tests/boot's checks module");
    // The third column names the machines: "TCG, KVM, Xen".
    let documented: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| {
            let check = r[0].trim_matches('`').to_string();
            r[2].split(',').map(move |m| format!("{check} on {}", m.trim()))
        })
        .collect();
    assert_same(&documented, &machines, "rts-xen/README.md's machines column", "tests/boot/tests/*.rs");
    let on = |machine: &str| machines.iter().filter(|e| e.ends_with(&format!(" on {machine}"))).count();
    let counts = format!(
        "Boot counts: {} checks; {} under TCG, {} under KVM, {} under Xen",
        checks.len(), on("TCG"), on("KVM"), on("Xen")
    );
    let prose = tests.join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(prose.contains(&counts), "rts-xen/README.md's Tests section should say {counts:?}");
}
