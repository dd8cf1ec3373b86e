//! Bootstraps the private platform GHC into a fresh build directory (reusing
//! the machine's download cache, so no network is needed once `cargo xtask
//! build` has run) and builds and runs a host hello-world.

use std::path::Path;

use xshell::{cmd, Shell};
use xtask::layout::Layout;
use xtask::manifest::Manifest;
use xtask::platform_ghc;

#[test]
fn private_platform_ghc_builds_and_runs_hello_world() {
    let sh = Shell::new().unwrap();
    let real = Layout::from_env().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let layout = Layout::with_dirs(tmp.path().join("build"), real.cache());
    let manifest = Manifest::load(&layout.manifest()).unwrap();

    let ghc = platform_ghc::ensure_private(&sh, &layout, &manifest).unwrap();
    assert!(ghc.private);
    assert!(ghc.bin.starts_with(&layout.build), "{} is not private", ghc.bin.display());
    assert_eq!(ghc.version(&sh).unwrap(), manifest.platform_ghc.version);

    // `ghc --info` must show the private library directory, not /usr/lib/ghc.
    let ghc_exe = ghc.ghc();
    let info = cmd!(sh, "{ghc_exe} --info").read().unwrap();
    let libdir = layout.platform_ghc().join("lib/ghc");
    assert!(
        info.contains(&format!("(\"LibDir\",\"{}\")", libdir.display())),
        "ghc --info does not name the private libdir {}:\n{info}",
        libdir.display()
    );

    // The relocated package database is consistent.
    let ghc_pkg = ghc.ghc_pkg();
    cmd!(sh, "{ghc_pkg} check").run().unwrap();

    // A host hello-world that uses more than the Prelude links and runs.
    let work = tmp.path().join("hello");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        work.join("Main.hs"),
        "import qualified Data.Map as M\n\
         main = putStrLn (\"hello, \" ++ show (M.toList (M.fromList [(2 :: Int, 'b'), (1, 'a')])) ++ \" \" ++ show (2 ^ 70 :: Integer))\n",
    )
    .unwrap();
    let _cwd = sh.push_dir(&work);
    cmd!(sh, "{ghc_exe} -v0 Main.hs -o hello").run().unwrap();
    let out = cmd!(sh, "./hello").read().unwrap();
    assert_eq!(out, "hello, [(1,'a'),(2,'b')] 1180591620717411303424");

    // The tree is relocatable: moved elsewhere, it still works.
    let moved = tmp.path().join("moved");
    std::fs::rename(layout.platform_ghc(), &moved).unwrap();
    let moved_ghc = moved.join("bin/ghc");
    cmd!(sh, "{moved_ghc} -v0 -fforce-recomp Main.hs -o hello2").run().unwrap();
    assert_eq!(cmd!(sh, "./hello2").read().unwrap(), out);
    assert!(Path::new(&moved).join("lib/ghc/package.conf.d/package.cache").exists());
}
