//! `cargo xtask`: the one entry point for building and testing halvm.

use anyhow::Result;
use clap::{Parser, Subcommand};
use xshell::Shell;

use xtask::build_cmd::{self, BuildArgs};
use xtask::layout::Layout;
use xtask::test_cmd::{self, TestArgs};
use xtask::{cache, doctor};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build and test halvm, the Haskell-to-Xen-unikernel toolchain",
    after_help = "The build directory is `build/` at the repository root; set HALVM_BUILD_DIR to move it."
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
    /// Remove build outputs (the download cache is kept unless --all).
    Clean {
        /// Also remove the download cache.
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
            build_cmd::run(&sh, &layout, &args)?;
            println!("toolchain prefix: {}", layout.prefix().display());
        }
        Command::Test(args) => test_cmd::run(&sh, &layout, &args)?,
        Command::Doctor => doctor::run(&sh, &layout)?,
        Command::Prefix => println!("{}", layout.prefix().display()),
        Command::Clean { all } => clean(&layout, all)?,
    }
    Ok(())
}

fn clean(layout: &Layout, all: bool) -> Result<()> {
    if all {
        cache::remove_if_exists(&layout.build)?;
        eprintln!("removed {}", layout.build.display());
        return Ok(());
    }
    let Ok(entries) = std::fs::read_dir(&layout.build) else { return Ok(()) };
    for entry in entries {
        let path = entry?.path();
        if path != layout.cache() {
            cache::remove_if_exists(&path)?;
        }
    }
    eprintln!("removed the build outputs in {} (kept the download cache)", layout.build.display());
    Ok(())
}
