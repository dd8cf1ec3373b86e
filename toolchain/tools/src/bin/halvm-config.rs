//! halvm-config: what build systems ask of the toolchain, one value a line.

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use halvm_tools::prefix::Prefix;

#[derive(Parser)]
#[command(
    name = "halvm-config",
    disable_version_flag = true,
    // A question may be asked twice; the answers follow the arguments.
    args_override_self = true,
    about = "Prints what build systems need to compile and link for halvm: one value per line, \
             in the order asked.",
    after_help = AFTER_HELP,
)]
struct Cli {
    /// The prefix: the directory above the bin/ this program is installed in
    #[arg(long)]
    prefix: bool,
    /// The halvm toolchain's version (recorded in every image)
    #[arg(long)]
    version: bool,
    /// The version of GHC the prefix's compiler is
    #[arg(long)]
    ghc_version: bool,
    /// The target triple (x86_64-halvm-linux), for --host= and tool names
    #[arg(long)]
    target: bool,
    /// The C compiler, which is also the image linker: <prefix>/bin/x86_64-halvm-linux-gcc
    #[arg(long)]
    cc: bool,
    /// Flags to compile C with, beyond what --cc adds by itself (empty today; see below)
    #[arg(long)]
    cflags: bool,
    /// What to link beyond what --cc links by itself: the build-info object
    #[arg(long)]
    libs: bool,
    /// The linker script images are linked with (--cc uses it already)
    #[arg(long)]
    ldscript: bool,
    /// The directory of the target's libraries: librts_xen.a, libc.a, libm.a, halvm-info.o
    #[arg(long)]
    libdir: bool,
    /// The symbol naming the platform libraries (rts-xen, minlibc, libm, linker script) of this
    /// prefix: halvm-ghc defines it in every image so that a platform change relinks images
    #[arg(long)]
    platform_symbol: bool,
}

const AFTER_HELP: &str = "\
Each value asked for is printed on a line of its own, in the order the options were
given (an option given twice prints twice); nothing is printed if any value fails.
Paths are absolute; the prefix is relocatable and found from this program's own place.

Compiling and linking a C program into a bootable image needs only:
    $(halvm-config --cc) $(halvm-config --cflags) -O2 -c main.c
    $(halvm-config --cc) main.o -o main.xen $(halvm-config --libs)
--cc is a complete cross compiler: it adds the target's headers (minlibc, the
platform API, gcc's freestanding headers) and code-generation flags when compiling,
and when linking it links statically against rts-xen, minlibc and libm with the
halvm linker script. So --cflags is empty: it exists so that build systems can ask,
and would name flags a future toolchain needs beyond --cc. --libs is the build-info
object: linking it records the halvm and GHC versions in the image, for halvm-inspect.
--ldscript and --libdir are for build systems that link with their own commands.
--platform-symbol is halvm_platform_<id>, the id a hash of rts-xen, minlibc, libm and
the linker script: halvm-ghc links every image with -Wl,--defsym=<symbol>=0 (GHC
relinks when link options change, so images follow a platform change); build systems
that link C images themselves can do the same.

Exit status: 0 all values printed; 1 the prefix is incomplete (a file is missing) or
this program is not installed in a prefix's bin/; 2 wrong usage (no value asked for).";

#[derive(Debug, Clone, Copy)]
enum Query {
    Prefix,
    Version,
    GhcVersion,
    Target,
    Cc,
    Cflags,
    Libs,
    Ldscript,
    Libdir,
    PlatformSymbol,
}

impl Query {
    const ALL: [(Query, &'static str); 10] = [
        (Query::Prefix, "prefix"),
        (Query::Version, "version"),
        (Query::GhcVersion, "ghc_version"),
        (Query::Target, "target"),
        (Query::Cc, "cc"),
        (Query::Cflags, "cflags"),
        (Query::Libs, "libs"),
        (Query::Ldscript, "ldscript"),
        (Query::Libdir, "libdir"),
        (Query::PlatformSymbol, "platform_symbol"),
    ];

    fn answer(self, prefix: &dyn Fn() -> Result<Prefix>) -> Result<String> {
        let path = |p: std::path::PathBuf| p.display().to_string();
        Ok(match self {
            Query::Prefix => path(prefix()?.root),
            Query::Version => halvm_tools::HALVM_VERSION.to_string(),
            Query::GhcVersion => halvm_tools::GHC_VERSION.to_string(),
            Query::Target => halvm_tools::TARGET.to_string(),
            Query::Cc => {
                let p = prefix()?;
                path(p.existing(p.cc())?)
            }
            Query::Cflags => String::new(),
            Query::Libs => {
                let p = prefix()?;
                path(p.existing(p.info_object())?)
            }
            Query::Ldscript => {
                let p = prefix()?;
                path(p.existing(p.ldscript())?)
            }
            Query::Libdir => {
                let p = prefix()?;
                path(p.existing(p.libdir())?)
            }
            Query::PlatformSymbol => prefix()?.platform_symbol()?,
        })
    }
}

fn main() -> ExitCode {
    // clap checks the arguments and answers --help; the order of the
    // questions comes from the arguments themselves, each of which is now
    // known to be exactly one of the flags.
    let _ = Cli::parse();
    let asked: Vec<Query> = std::env::args()
        .skip(1)
        .filter_map(|arg| Query::ALL.iter().find(|(_, id)| arg == format!("--{}", id.replace('_', "-"))).map(|(q, _)| *q))
        .collect();
    if asked.is_empty() {
        eprintln!("halvm-config: ask for at least one value, e.g. halvm-config --cc (see --help)");
        return ExitCode::from(2);
    }
    // Only what is asked needs the prefix: --version works from anywhere.
    let prefix = || Prefix::of_current_exe();
    let mut lines = Vec::new();
    for query in asked {
        match query.answer(&prefix) {
            Ok(value) => lines.push(value),
            Err(e) => {
                eprintln!("halvm-config: {e:#}");
                return ExitCode::from(1);
            }
        }
    }
    for line in lines {
        println!("{line}");
    }
    ExitCode::SUCCESS
}
