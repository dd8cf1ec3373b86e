//! halvm-inspect on freshly linked images and on files that are not images.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use halvm_tools::build_info::note_assembly;
use halvm_tools::image::Problem;

fn inspect(args: &[&str], image: &Path) -> Output {
    tool("halvm-inspect").args(args).arg(image).output().unwrap()
}

/// The value of `symbol` as `nm` reads it (independent of the object crate).
fn symbol(image: &Path, symbol: &str) -> u64 {
    let out = stdout(&check(Command::new("nm").arg(image)));
    let line = out.lines().find(|l| l.ends_with(&format!(" {symbol}"))).unwrap_or_else(|| panic!("no {symbol} in nm output"));
    u64::from_str_radix(line.split_whitespace().next().unwrap(), 16).unwrap()
}

/// The size of `section` as binutils' `size -A` reads it.
fn section_size(image: &Path, section: &str) -> u64 {
    let out = stdout(&check(Command::new("size").arg("-A").arg(image)));
    let line = out.lines().find(|l| l.split_whitespace().next() == Some(section)).unwrap_or_else(|| panic!("no {section}:\n{out}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// An image with the prefix's build-info object and an RTS-options note,
/// linked as halvm-ghc links.
fn image_with_build_info(dir: &Path) -> PathBuf {
    let info = info_object(dir);
    let rtsopts = assemble(dir, "rtsopts", &note_assembly(&[("rtsopts", "-M8m -A1m")]).unwrap());
    link_image(dir, "noted", TRIVIAL_GUEST, &[info, rtsopts])
}

fn assert_problem(out: &Output, problem: Problem, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(problem.status()), "{problem:?} expected; stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line of message expected: {err:?}");
    assert!(err.contains(needle), "the message should say {needle:?}: {err}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", stdout(out));
}

#[test]
fn a_fresh_image_shows_its_entry_build_info_sizes_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let image = image_with_build_info(dir.path());
    let out = inspect(&[], &image);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let entry = symbol(&image, "halvm_start32");
    assert!(text.contains(&format!("PVH entry:    {entry:#x} ")), "{text}");
    assert!(text.contains(&format!("built with:   halvm {}, GHC 9.0.2\n", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(text.contains("RTS options:  -M8m -A1m\n"), "{text}");
    let code = section_size(&image, ".text");
    assert!(text.lines().any(|l| l.starts_with("  code ") && l.ends_with(&format!(" {code}"))), "{text}");
    let file = std::fs::metadata(&image).unwrap().len();
    assert!(text.lines().any(|l| l.starts_with("  file ") && l.ends_with(&format!(" {file}"))), "{text}");
    // The image ends at __image_end; a C image needs 1 MiB more.
    let end_mib = symbol(&image, "__image_end").div_ceil(1 << 20);
    assert!(text.contains(&format!("memory:       at least {} MiB", end_mib + 1)), "{text}");
}

#[test]
fn json_carries_the_same_facts() {
    let dir = tempfile::tempdir().unwrap();
    let image = image_with_build_info(dir.path());
    let out = inspect(&["--json"], &image);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["pvh_entry"], symbol(&image, "halvm_start32"));
    assert_eq!(v["halvm_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["ghc_version"], "9.0.2");
    assert_eq!(v["rtsopts"], "-M8m -A1m");
    assert_eq!(v["sizes"]["code"], section_size(&image, ".text"));
    assert_eq!(v["sizes"]["bss"], section_size(&image, ".bss"));
    assert_eq!(v["sizes"]["file"], std::fs::metadata(&image).unwrap().len());
    assert_eq!(v["runtime"], "c");
    assert_eq!(v["memory"]["least_mib"], symbol(&image, "__image_end").div_ceil(1 << 20) + 1);
}

#[test]
fn an_image_linked_without_the_info_object_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "bare", TRIVIAL_GUEST, &[]);
    let out = inspect(&[], &image);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("built with:   not recorded"), "{}", stdout(&out));
    let json = inspect(&["--json"], &image);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(v["halvm_version"].is_null() && v["rtsopts"].is_null(), "{v}");
}

#[test]
fn a_linux_program_has_no_pvh_note() {
    assert_problem(&inspect(&[], Path::new("/bin/true")), Problem::NoPvhNote, "Linux program");
}

#[test]
fn a_truncated_image_is_reported_as_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let image = image_with_build_info(dir.path());
    let bytes = std::fs::read(&image).unwrap();
    for cut in [bytes.len() - 1, bytes.len() / 2, 100, 3] {
        let short = dir.path().join("short");
        std::fs::write(&short, &bytes[..cut]).unwrap();
        assert_problem(&inspect(&[], &short), Problem::Truncated, "truncated");
    }
}

#[test]
fn text_and_missing_files_are_not_images() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "just some text\n").unwrap();
    assert_problem(&inspect(&[], &text), Problem::NotElf, "not an ELF file");
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    assert_problem(&inspect(&[], &empty), Problem::NotElf, "empty");
    assert_problem(&inspect(&[], &dir.path().join("missing")), Problem::Unreadable, "no such file");
    assert_problem(&inspect(&["--json"], &dir.path().join("missing")), Problem::Unreadable, "no such file");
}

#[test]
fn elf_files_for_other_machines_are_not_x86_64() {
    let dir = tempfile::tempdir().unwrap();
    let linux = std::fs::read("/bin/true").unwrap();
    let mut class32 = linux.clone();
    class32[4] = 1; // ELFCLASS32
    let mut arm = linux.clone();
    arm[18..20].copy_from_slice(&183u16.to_le_bytes()); // e_machine = EM_AARCH64
    for (name, bytes, needle) in [("class32", class32, "32-bit"), ("arm", arm, "aarch64")] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        assert_problem(&inspect(&[], &path), Problem::NotX86_64, needle);
    }
}

/// The byte offset of the PVH note's descriptor (name "Xen", type 18).
fn pvh_desc_offset(bytes: &[u8]) -> usize {
    let header: Vec<u8> = [4u32, 8, 18].iter().flat_map(|v| v.to_le_bytes()).chain(*b"Xen\0").collect();
    bytes.windows(header.len()).position(|w| w == header).expect("the PVH note") + header.len()
}

#[test]
fn images_no_loader_can_start_are_not_bootable() {
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "good", TRIVIAL_GUEST, &[]);
    let bytes = std::fs::read(&image).unwrap();

    let mut wild_entry = bytes.clone();
    let at = pvh_desc_offset(&bytes);
    wild_entry[at..at + 4].copy_from_slice(&0x10u32.to_le_bytes());
    // A multiboot magic in the padding between the ELF headers and the
    // first section (4-byte aligned, within the first 32 KiB).
    let mut multiboot = bytes.clone();
    let pad = 0x400;
    assert!(bytes[pad..pad + 4] == [0; 4], "expected padding at {pad:#x}");
    multiboot[pad..pad + 4].copy_from_slice(&0x1bad_b002u32.to_le_bytes());

    for (name, bytes, needle) in [("wild", wild_entry, "outside the loaded range"), ("multiboot", multiboot, "multiboot")] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        assert_problem(&inspect(&[], &path), Problem::NotBootable, needle);
    }
}

#[test]
fn help_documents_every_status() {
    let help = stdout(&check(tool("halvm-inspect").arg("--help")));
    for problem in [Problem::Unreadable, Problem::NotElf, Problem::NotX86_64, Problem::Truncated, Problem::NoPvhNote, Problem::NotBootable] {
        let status = problem.status();
        assert!(help.lines().any(|l| l.trim_start().starts_with(&format!("{status} "))), "status {status} not in --help:\n{help}");
    }
}
