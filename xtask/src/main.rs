//! `cargo xtask`: the one entry point for building and testing halvm.

use anyhow::Result;
use clap::{Parser, Subcommand};
use xshell::Shell;

use xtask::build_cmd::{self, BuildArgs};
use xtask::layout::Layout;
use xtask::test_cmd::{self, TestArgs};
use xtask::{doctor, fsutil};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build and test halvm, the Haskell-to-Xen-unikernel toolchain",
    after_help = "The build directory is `build/` at the repository root (HALVM_BUILD_DIR moves it);\n\
                  downloads and finished builds are cached in ~/.cache/halvm (HALVM_CACHE_DIR moves it).\n\
                  The Debian packages the host needs are listed in toolchain/host-packages.toml\n\
                  (HALVM_HOST_PACKAGES names another list, e.g. for tests).\n\
                  Run as an ordinary user: only the apt set-up needs root, and it goes through sudo."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Produce the toolchain: set up the host, bootstrap the platform GHC,
    /// fetch and verify sources, and run every build stage.
    Build(BuildArgs),
    /// Build what the tests need, then run the test lanes.
    Test(TestArgs),
    /// Check every host prerequisite and say how to fix each problem.
    Doctor,
    /// Print the toolchain install prefix.
    Prefix,
    /// Build the toolchain if needed, then write the relocatable tarball
    /// build/dist/halvm-<version>-x86_64-linux.tar.xz.
    Dist(BuildArgs),
    /// Build the toolchain if needed, then write the Debian package
    /// build/dist/halvm_<version>-1_amd64.deb.
    Deb(BuildArgs),
    /// Measure the benchmark programs (tests/bench) as halvm images and as
    /// static Linux programs in a Linux guest of the same QEMU; writes
    /// build/bench/results.json, report.md and ratios.svg.
    Bench(xtask::bench::BenchArgs),
    /// Remove the build directory (the cache of downloads and finished
    /// builds is kept unless --all).
    Clean {
        /// Also remove the cache.
        #[arg(long)]
        all: bool,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let sh = Shell::new()?;
    let layout = Layout::from_env()?;
    match cli.command {
        Command::Build(args) => {
            build_cmd::run(&sh, &layout, &args, build_cmd::Stages::All)?;
            println!("toolchain prefix: {}", layout.prefix().display());
        }
        Command::Test(args) => test_cmd::run(&sh, &layout, &args)?,
        Command::Doctor => doctor::run(&sh, &layout)?,
        Command::Prefix => println!("{}", layout.prefix().display()),
        Command::Dist(args) => print_artefact(&xtask::dist::run(&sh, &layout, &args)?)?,
        Command::Deb(args) => print_artefact(&xtask::deb::run(&sh, &layout, &args)?)?,
        Command::Bench(args) => xtask::bench::run(&sh, &layout, &args)?,
        Command::Clean { all } => clean(&layout, all)?,
    }
    Ok(())
}

/// Prints an artefact's path and size, the last line of `dist` and `deb`.
fn print_artefact(path: &std::path::Path) -> Result<()> {
    let size = std::fs::metadata(path)?.len();
    println!("{} ({:.1} MB)", path.display(), size as f64 / 1e6);
    Ok(())
}

fn clean(layout: &Layout, all: bool) -> Result<()> {
    fsutil::remove_if_exists(&layout.build)?;
    eprintln!("removed {}", layout.build.display());
    if all {
        fsutil::remove_if_exists(&layout.cache())?;
        eprintln!("removed {}", layout.cache().display());
    } else {
        eprintln!("kept the cache {} (`clean --all` removes it)", layout.cache().display());
    }
    Ok(())
}
