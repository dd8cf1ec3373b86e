//! halvm-files: file archives for halvm images (README "Files").
//!
//!   halvm-files pack SOURCE -o OUT.tar      pack a directory (or check an archive)
//!   halvm-files link-object [--files SOURCE] [--tmp-size SIZE]
//!                                           the assembly halvm-ghc links; prints its path
//!
//! Errors name the archive entry and end with status 1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use halvm_tools::files;
use halvm_tools::run::user_cache;

#[derive(Parser)]
#[command(
    name = "halvm-files",
    version = halvm_tools::HALVM_VERSION,
    about = "Packs a directory into the tar archive a halvm image reads as its file tree \
             (boot module or embedded by halvm-ghc --files)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Pack the directory SOURCE (its contents become the guest's /), or check the tar
    /// archive SOURCE, and write the archive to OUT
    Pack {
        source: PathBuf,
        #[arg(short, long, value_name = "OUT")]
        output: PathBuf,
    },
    /// Write the assembly that embeds SOURCE's archive in an image (section .halvm_files)
    /// and sets the /tmp size, into halvm's cache, named by content; print its path
    LinkObject {
        #[arg(long, value_name = "DIR|TAR")]
        files: Option<PathBuf>,
        /// /tmp's size in bytes, with an optional K, M or G suffix [default: 16M]
        #[arg(long, value_name = "SIZE")]
        tmp_size: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("halvm-files: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Pack { source, output } => {
            let bytes = files::archive_of(&source)?;
            std::fs::write(&output, bytes).map_err(|e| format!("{}: {e}", output.display()))
        }
        Command::LinkObject { files: source, tmp_size } => {
            let cache = user_cache().join("files");
            let tmp_size = tmp_size.as_deref().map(files::parse_size).transpose()?;
            let tar = match &source {
                Some(source) => {
                    let bytes = files::archive_of(source)?;
                    Some(files::store_by_content(&cache, "files", "tar", &bytes).map_err(|e| format!("{}: {e}", cache.display()))?)
                }
                None => None,
            };
            let asm = files::link_assembly(tar.as_deref(), tmp_size);
            let path = files::store_by_content(&cache, "files", "s", asm.as_bytes())
                .map_err(|e| format!("{}: {e}", cache.display()))?;
            println!("{}", path.display());
            Ok(())
        }
    }
}
