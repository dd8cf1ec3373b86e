//! halvm-cabal's own logic, with a stand-in for cabal-install that prints
//! the arguments it gets: where the tool options go, which commands are
//! refused, and the first-use configuration. (The cabal lane builds real
//! packages with the real cabal.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use halvm_bootkit::{copy_executable, write_executable};

/// A fake prefix holding the real halvm-cabal script, a stand-in cabal,
/// and a stand-in halvm-config whose platform symbol is the file
/// `platform-symbol` (none: it fails, as halvm-config without an id).
fn fake_prefix() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    let cabal_dir = dir.path().join("lib/halvm/cabal-install");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&cabal_dir).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../toolchain/bin/halvm-cabal");
    copy_executable(&script, &bin.join("halvm-cabal")).unwrap();
    let stand_in = "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n";
    write_executable(&cabal_dir.join("cabal"), stand_in).unwrap();
    let config = "#!/bin/sh\n[ \"$*\" = --platform-symbol ] && exec cat \"$(dirname \"$0\")/../platform-symbol\"\nexit 2\n";
    write_executable(&bin.join("halvm-config"), config).unwrap();
    dir
}

/// Runs halvm-cabal in a scratch directory: a build makes ./dist-halvm,
/// which must not land in the source tree.
fn run(prefix: &Path, cabal_dir: &Path, args: &[&str]) -> Output {
    let project = tempfile::tempdir().unwrap();
    Command::new(prefix.join("bin/halvm-cabal"))
        .args(args)
        .current_dir(project.path())
        .env("HALVM_CABAL_DIR", cabal_dir)
        .output()
        .expect("running halvm-cabal")
}

fn arguments(out: &Output) -> Vec<String> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| l.trim_matches(|c| c == '[' || c == ']').to_string()).collect()
}

#[test]
fn tool_options_follow_the_command_word_before_the_programs_arguments() {
    let prefix = fake_prefix();
    let p = prefix.path().canonicalize().unwrap();
    let state = tempfile::tempdir().unwrap();
    let got = arguments(&run(&p, state.path(), &["-v1", "build", "my exe", "--", "a b"]));
    let tool = |name: &str| format!("{}", p.join("bin").join(name).display());
    let expected: Vec<String> = vec![
        "-v1".into(),
        "build".into(),
        "--builddir=dist-halvm".into(),
        format!("--with-compiler={}", tool("halvm-ghc")),
        format!("--with-hc-pkg={}", tool("halvm-ghc-pkg")),
        format!("--with-hsc2hs={}", tool("halvm-hsc2hs")),
        format!("--with-gcc={}", tool("x86_64-halvm-linux-gcc")),
        format!("--with-ld={}", tool("x86_64-halvm-linux-ld")),
        format!("--with-ar={}", tool("x86_64-halvm-linux-ar")),
        format!("--with-strip={}", tool("x86_64-halvm-linux-strip")),
        "my exe".into(),
        "--".into(),
        "a b".into(),
    ];
    assert_eq!(got, expected);
}

#[test]
fn builds_carry_the_platform_id_so_that_a_platform_change_relinks() {
    let (prefix, state) = (fake_prefix(), tempfile::tempdir().unwrap());
    std::fs::write(prefix.path().join("platform-symbol"), "halvm_platform_00ff00ff00ff00ff\n").unwrap();
    let option = "--ghc-options=-optl-Wl,--defsym=halvm_platform_00ff00ff00ff00ff=0".to_string();
    for command in ["build", "list-bin", "install"] {
        let got = arguments(&run(prefix.path(), state.path(), &[command, "x"]));
        assert!(got.contains(&option), "{command}: {got:?}");
    }
    let cleaned = arguments(&run(prefix.path(), state.path(), &["clean"]));
    assert!(!cleaned.contains(&option), "{cleaned:?}");
}

#[test]
fn other_commands_pass_through_untouched() {
    let (prefix, state) = (fake_prefix(), tempfile::tempdir().unwrap());
    assert_eq!(arguments(&run(prefix.path(), state.path(), &["update"])), ["update"]);
    assert_eq!(arguments(&run(prefix.path(), state.path(), &["clean"])), ["clean", "--builddir=dist-halvm"]);
}

#[test]
fn commands_that_would_run_target_code_here_are_refused() {
    let (prefix, state) = (fake_prefix(), tempfile::tempdir().unwrap());
    for command in ["run", "test", "bench", "repl"] {
        let out = run(prefix.path(), state.path(), &[command, "x"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("halvm-run") && err.contains("list-bin"), "{command}: {err}");
        assert!(out.stdout.is_empty(), "{command}: cabal ran");
    }
}

#[test]
fn the_first_use_writes_a_configuration_and_later_uses_keep_it() {
    let prefix = fake_prefix();
    let dir = tempfile::tempdir().unwrap();
    let state: PathBuf = dir.path().join("state");
    arguments(&run(prefix.path(), &state, &["update"]));
    let config = std::fs::read_to_string(state.join("config")).unwrap();
    assert!(config.contains("repository hackage.haskell.org"), "{config}");
    std::fs::write(state.join("config"), "-- mine\n").unwrap();
    arguments(&run(prefix.path(), &state, &["update"]));
    assert_eq!(std::fs::read_to_string(state.join("config")).unwrap(), "-- mine\n");
}

#[test]
fn caches_of_another_build_of_the_compiler_are_dropped_and_their_own_kept() {
    let prefix = fake_prefix();
    let p = prefix.path().canonicalize().unwrap();
    // The fake prefix has no lib/halvm/compiler-id: its id is "unknown".
    let state = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let store = state.path().join("store/ghc-9.0.2");
    let dist = project.path().join("dist-halvm");
    for cache in [&store, &dist] {
        std::fs::create_dir_all(cache).unwrap();
        std::fs::write(cache.join(".halvm-compiler-id"), "an-older-build\n").unwrap();
        std::fs::write(cache.join("stale.hi"), "x").unwrap();
    }
    let build = || {
        Command::new(p.join("bin/halvm-cabal"))
            .arg("build")
            .current_dir(project.path())
            .env("HALVM_CABAL_DIR", state.path())
            .output()
            .unwrap()
    };
    let out = build();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("was built by another build of the compiler"), "{said}");
    for cache in [&store, &dist] {
        assert!(!cache.join("stale.hi").exists(), "{} was kept", cache.display());
        assert_eq!(std::fs::read_to_string(cache.join(".halvm-compiler-id")).unwrap(), "unknown\n");
        std::fs::write(cache.join("fresh.hi"), "y").unwrap();
    }
    let again = build();
    assert!(again.status.success());
    for cache in [&store, &dist] {
        assert!(cache.join("fresh.hi").exists(), "{} was dropped although the compiler is the same", cache.display());
    }
}
