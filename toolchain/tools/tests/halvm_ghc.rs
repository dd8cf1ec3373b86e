//! toolchain/bin/halvm-ghc's part in recording build information: it
//! hands GHC the prefix's build-info object and a note with the
//! -with-rtsopts options through -optl. GHC itself is replaced by a script
//! that records its arguments, so this runs without a built compiler; the
//! notes it was given are linked into a real image and read back.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use halvm_bootkit::{copy_executable, write_executable};

/// A prefix holding halvm-ghc and a stand-in for the cross GHC, which
/// writes its arguments, one a line, to `<prefix>/ghc-args` and exits
/// with status 3.
fn fake_prefix(root: &Path, with_info_object: bool) -> PathBuf {
    let bin = root.join("bin");
    let lib = root.join("lib/halvm/lib");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&lib).unwrap();
    copy_executable(&repo().join("toolchain/bin/halvm-ghc"), &bin.join("halvm-ghc")).unwrap();
    copy_executable(Path::new(env!("CARGO_BIN_EXE_halvm-config")), &bin.join("halvm-config")).unwrap();
    let fake = "#!/bin/sh\nprefix=$(dirname \"$0\")/..\nprintf '%s\\n' \"$@\" > \"$prefix/ghc-args\"\nexit 3\n";
    write_executable(&bin.join("x86_64-halvm-linux-ghc"), fake).unwrap();
    if with_info_object {
        let info = info_object(root);
        std::fs::rename(info, lib.join("halvm-info.o")).unwrap();
    }
    root.to_path_buf()
}

/// Runs halvm-ghc with `args`; returns the arguments GHC received.
fn halvm_ghc(prefix: &Path, cache: &Path, args: &[&str]) -> Vec<String> {
    halvm_ghc_stderr(prefix, cache, args).0
}

/// [`halvm_ghc`], and what halvm-ghc wrote to standard error.
fn halvm_ghc_stderr(prefix: &Path, cache: &Path, args: &[&str]) -> (Vec<String>, String) {
    let out = Command::new(prefix.join("bin/halvm-ghc"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "GHC's exit status must come through");
    let got = std::fs::read_to_string(prefix.join("ghc-args")).unwrap().lines().map(String::from).collect();
    (got, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

#[test]
fn links_get_the_info_object_and_a_note_with_the_last_rtsopts() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fake_prefix(&dir.path().join("prefix"), true);
    let cache = dir.path().join("cache");
    let user = ["-O2", "Main.hs", "-with-rtsopts=-A1m", "-with-rtsopts=-M8m 'two words' \"q\" \\", "-o", "main.xen"];
    let got = halvm_ghc(&prefix, &cache, &user);

    let info = prefix.join("lib/halvm/lib/halvm-info.o");
    let mut want = strings(&["-rtsopts", "-fexternal-interpreter", &format!("-optl{}", info.display())]);
    want.extend(strings(&user));
    assert_eq!(&got[..want.len()], &want[..], "halvm-ghc's own options first, then the user's unchanged");
    assert_eq!(got.len(), want.len() + 1, "one more option, the note: {got:?}");
    let note = PathBuf::from(got.last().unwrap().strip_prefix("-optl").expect("the note through -optl"));
    assert!(note.starts_with(cache.join("halvm/rtsopts-notes")), "{}", note.display());

    // What the linker would do with the two: an image that records both.
    let note_obj = assemble(dir.path(), "rtsopts", &std::fs::read_to_string(&note).unwrap());
    let image = link_image(dir.path(), "linked", TRIVIAL_GUEST, &[info, note_obj]);
    let report = halvm_tools::image::inspect_file(&image).unwrap();
    assert_eq!(report.info("halvm"), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(report.info("ghc"), Some("9.0.2"));
    assert_eq!(report.info("rtsopts"), Some("-M8m 'two words' \"q\" \\"));
}

/// The platform's symbol (halvm-config --platform-symbol, from
/// lib/halvm/platform-id) reaches the link options, so that GHC relinks
/// an image when the platform changed; without a valid id halvm-ghc links
/// without it, and halvm-config's complaint reaches the user.
#[test]
fn the_platform_symbol_goes_into_the_link_options() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fake_prefix(&dir.path().join("prefix"), false);
    let cache = dir.path().join("cache");
    let option = |args: &[String]| args.iter().filter(|a| a.contains("halvm_platform_")).cloned().collect::<Vec<_>>();
    let (args, err) = halvm_ghc_stderr(&prefix, &cache, &["Main.hs"]);
    assert!(option(&args).is_empty(), "no platform-id, no option");
    assert!(err.contains("platform-id is missing"), "{err}");
    std::fs::write(prefix.join("lib/halvm/platform-id"), "0123456789abcdef\n").unwrap();
    let (args, err) = halvm_ghc_stderr(&prefix, &cache, &["Main.hs"]);
    assert_eq!(option(&args), ["-optl-Wl,--defsym=halvm_platform_0123456789abcdef=0"]);
    assert!(err.is_empty(), "{err}");
    std::fs::write(prefix.join("lib/halvm/platform-id"), "0123 x; rm\n").unwrap();
    let (args, err) = halvm_ghc_stderr(&prefix, &cache, &["Main.hs"]);
    assert!(option(&args).is_empty(), "a malformed id is not used");
    assert!(err.contains("not 16 hex digits"), "{err}");
}

/// GHC relinks when the -optl options differ from those recorded in the
/// executable, so the same options must give the same note path.
#[test]
fn the_note_path_depends_only_on_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fake_prefix(&dir.path().join("prefix"), false);
    let cache = dir.path().join("cache");
    let note = |opts: &str| halvm_ghc(&prefix, &cache, &["Main.hs", &format!("-with-rtsopts={opts}")]).pop().unwrap();
    let first = note("-M8m");
    assert_eq!(note("-M8m"), first);
    assert_ne!(note("-M9m"), first);
    let files = std::fs::read_dir(cache.join("halvm/rtsopts-notes")).unwrap().count();
    assert_eq!(files, 2, "one file per distinct options, no leftovers");
}

#[test]
fn without_rtsopts_or_info_object_the_arguments_pass_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fake_prefix(&dir.path().join("prefix"), false);
    let cache = dir.path().join("cache");
    let got = halvm_ghc(&prefix, &cache, &["-c", "A.hs", "-rtsopts=some"]);
    assert_eq!(got, strings(&["-rtsopts", "-fexternal-interpreter", "-c", "A.hs", "-rtsopts=some"]));
    assert!(!cache.exists(), "nothing written without -with-rtsopts");
}

/// halvm-ghc --files DIR --tmp-size SIZE: both options leave GHC's
/// arguments, and the link gets one object (assembly named by content in
/// the cache) holding DIR's archive in .halvm_files and the /tmp size.
#[test]
fn files_and_tmp_size_become_one_linked_object() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fake_prefix(&dir.path().join("prefix"), false);
    copy_executable(Path::new(env!("CARGO_BIN_EXE_halvm-files")), &prefix.join("bin/halvm-files")).unwrap();
    let cache = dir.path().join("cache");
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("etc")).unwrap();
    std::fs::write(tree.join("etc/config"), "x = 1\n").unwrap();
    let tree_arg = tree.display().to_string();
    let got = halvm_ghc(&prefix, &cache, &["-O", "--files", &tree_arg, "Main.hs", "--tmp-size=2M", "-o", "m.xen"]);
    assert_eq!(&got[..6], &strings(&["-rtsopts", "-fexternal-interpreter", "-O", "Main.hs", "-o", "m.xen"])[..], "{got:?}");
    assert_eq!(got.len(), 7, "one more argument, the object: {got:?}");
    let asm = PathBuf::from(got[6].strip_prefix("-optl").expect("the object through -optl"));
    assert!(asm.starts_with(cache.join("halvm/files")), "{}", asm.display());
    let text = std::fs::read_to_string(&asm).unwrap();
    assert!(text.contains(".section .halvm_files") && text.contains("__halvm_tmp_size:\n\t.quad 2097152"), "{text}");
    let tar = text.split(".incbin \"").nth(1).and_then(|t| t.split('"').next()).expect("an .incbin");
    let bytes = std::fs::read(tar).unwrap();
    assert_eq!(bytes, halvm_tools::files::pack_dir(&tree).unwrap(), "the archive is the tree packed");
    // the same inputs give the same path (GHC relinks only on a change)
    let again = halvm_ghc(&prefix, &cache, &["--files", &tree_arg, "--tmp-size=2M", "Main.hs"]);
    assert_eq!(again.last(), got.last());

    // a bad tree is refused before GHC runs, naming the entry
    std::os::unix::fs::symlink("../../x", tree.join("etc/escape")).unwrap();
    let out = Command::new(prefix.join("bin/halvm-ghc"))
        .args(["--files", &tree_arg, "Main.hs"])
        .env("XDG_CACHE_HOME", &cache)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("etc/escape") && err.contains("above the root"), "{err}");
    let out = Command::new(prefix.join("bin/halvm-ghc")).arg("--files").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}
