//! Template Haskell on the build machine, checked where it happens: at
//! compile time. halvm-ghc is run with no interpreter flag (it passes
//! -fexternal-interpreter itself; the prefix has ghc-iserv).
//! The splices' results inside images are checked by the boot tests
//! (tests/haskell/TemplateHaskell.hs).
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn halvm_ghc() -> PathBuf {
    let prefix = std::env::var_os("HALVM_PREFIX").expect("HALVM_PREFIX is set by cargo xtask test");
    Path::new(&prefix).join("bin/halvm-ghc")
}

/// Writes `files` into a fresh directory and compiles Main.hs there with
/// halvm-ghc, stdout and stderr captured through pipes.
fn compile(files: &[(&str, &str)]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = Command::new(halvm_ghc())
        .current_dir(dir.path())
        .args(["-v0", "Main.hs", "-o", "main.xen"])
        .output()
        .unwrap();
    (dir, out)
}

const PLATFORM_ONLY: &str = "\
module PlatformOnly (monotonic, answer) where
import Data.Word (Word64)
foreign import ccall unsafe \"halvm_monotonic_ns\" monotonic :: IO Word64
answer :: Int
answer = 42
";

/// A splice that calls a function only a halvm image has stops the
/// compilation with an error at the splice that names the function,
/// instead of running it with something else or crashing GHC.
#[test]
fn a_splice_calling_a_halvm_only_function_is_a_located_compile_error() {
    let main = "\
{-# LANGUAGE TemplateHaskell #-}
import Language.Haskell.TH.Syntax (lift, runIO)
import PlatformOnly (monotonic)

main :: IO ()
main = print $(runIO monotonic >>= lift . show)
";
    let (_dir, out) = compile(&[("Main.hs", main), ("PlatformOnly.hs", PLATFORM_ONLY)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the module compiled:\n{stderr}");
    assert!(
        stderr.contains("Main.hs:6:15: error:")
            && stderr.contains("this splice called the C function `halvm_monotonic_ns', which exists only on the halvm target"),
        "the error does not name the splice and the function:\n{stderr}"
    );
    assert!(!stderr.contains("panic"), "{stderr}");
    assert!(!Path::new(&_dir.path().join("main.xen")).exists());
}

/// The same module, with a splice that uses only its portable part:
/// loading the module is fine, only calling the function is not.
#[test]
fn a_splice_from_a_module_that_merely_has_a_halvm_only_function_works() {
    let main = "\
{-# LANGUAGE TemplateHaskell #-}
import Language.Haskell.TH.Syntax (lift)
import PlatformOnly (answer)

main :: IO ()
main = print ($(lift answer) :: Int)
";
    let (dir, out) = compile(&[("Main.hs", main), ("PlatformOnly.hs", PLATFORM_ONLY)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("main.xen").exists());
}

/// What a splice prints on stdout reaches GHC's stdout even when that is
/// a pipe (the loaded base's buffers are flushed after each splice).
#[test]
fn a_splice_s_stdout_is_flushed_into_a_pipe() {
    let main = "\
{-# LANGUAGE TemplateHaskell #-}
import Language.Haskell.TH.Syntax (lift, runIO)

main :: IO ()
main = print $(runIO (putStrLn \"a splice says hello\") >> lift (1 :: Int))
";
    let (_dir, out) = compile(&[("Main.hs", main)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("a splice says hello"), "stdout: {stdout:?}");
}
