//! halvm-inspect: what a user needs to know about an image before booting it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use halvm_tools::image::{self, Report, Runtime, C_RUNTIME_MIB, GHC_RUNTIME_MIB};

#[derive(Parser)]
#[command(
    name = "halvm-inspect",
    version = halvm_tools::HALVM_VERSION,
    about = "Shows whether a file is a bootable halvm (Xen PVH) image, what built it, its sizes and the memory it needs.",
    long_about = None,
    after_help = AFTER_HELP,
)]
struct Cli {
    /// The image to inspect (what halvm-ghc -o wrote).
    image: PathBuf,
    /// Print one JSON object instead of text (the same facts; sizes in bytes).
    #[arg(long)]
    json: bool,
}

const AFTER_HELP: &str = "What is shown:
  PVH entry     the 32-bit entry address of the Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY
                (type 18), which Xen and QEMU's -kernel loader start the image at
  built with    the halvm and GHC versions from the image's .note.halvm build-info note
                (absent when the image was linked without the prefix's halvm-info.o)
  RTS options   the -with-rtsopts=... it was linked with, as halvm-ghc recorded them
  sizes         bytes of code, read-only data, data, bss, what is not loaded (symbols,
                debug information), and the file
  memory        the least guest memory to boot with: the image's end address rounded
                up to whole MiB, plus a minimum for the runtime's heap: 3 MiB for GHC's
                runtime (measured: a hello world starts with no less), 1 MiB for C-only
                images. It is a floor for starting up and
                running a small program, not a promise: a program's live data comes on
                top, with room for GHC's copying collector to copy it.

Exit status:
  0  a bootable PVH image
  1  the file cannot be read (no such file, a directory, no permission)
  2  wrong usage
  3  not an ELF file
  4  an ELF file, but not 64-bit x86_64
  5  truncated or damaged (headers point past the end of the file)
  6  an x86_64 ELF file without the Xen PVH note (e.g. a Linux program)
  7  it has the PVH note, but cannot be booted (entry outside the image,
     position-independent, a multiboot header)
Problems are reported as one line on standard error, also with --json.";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match image::inspect_file(&cli.image) {
        Ok(report) => {
            if cli.json {
                println!("{}", json(&cli.image, &report));
            } else {
                print!("{}", text(&cli.image, &report));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("halvm-inspect: {}: {}", cli.image.display(), e.message);
            ExitCode::from(e.problem.status() as u8)
        }
    }
}

fn text(path: &std::path::Path, r: &Report) -> String {
    let mut s = String::new();
    s.push_str(&format!("image:        {}\n", path.display()));
    s.push_str(&format!("PVH entry:    {:#x} (Xen ELF note PHYS32_ENTRY; bootable by Xen and QEMU -kernel)\n", r.pvh_entry));
    let built = match (r.info("halvm"), r.info("ghc")) {
        (Some(h), Some(g)) => format!("halvm {h}, GHC {g}"),
        (Some(h), None) => format!("halvm {h}"),
        (None, Some(g)) => format!("GHC {g}"),
        (None, None) => "not recorded (no .note.halvm: linked without the prefix's halvm-info.o)".into(),
    };
    s.push_str(&format!("built with:   {built}\n"));
    let rtsopts = match r.info("rtsopts") {
        Some(o) => o.to_string(),
        None if r.runtime == Runtime::C => "none (no GHC runtime)".into(),
        None => "none recorded (linked without -with-rtsopts)".into(),
    };
    s.push_str(&format!("RTS options:  {rtsopts}\n"));
    let z = &r.sizes;
    s.push_str("sizes (bytes):\n");
    for (what, n) in [
        ("code", z.code),
        ("read-only data", z.rodata),
        ("data", z.data),
        ("bss", z.bss),
        ("not loaded (symbols, debug info)", z.not_loaded),
        ("file", z.file),
    ] {
        s.push_str(&format!("  {what:<34}{n:>12}\n"));
    }
    let runtime = match r.runtime {
        Runtime::Ghc => format!("{GHC_RUNTIME_MIB} MiB minimum heap for GHC's runtime"),
        Runtime::C => format!("{C_RUNTIME_MIB} MiB for rts-xen and the C library (no GHC runtime)"),
        Runtime::Unknown => format!("{GHC_RUNTIME_MIB} MiB minimum heap, assuming GHC's runtime (no symbol table)"),
    };
    s.push_str(&format!(
        "memory:       at least {} MiB: the image ends at {:#x} ({} MiB) + {runtime};\n              \
         the program's live data comes on top\n",
        r.least_memory_mib(),
        r.load_end,
        r.image_mib(),
    ));
    s
}

fn json(path: &std::path::Path, r: &Report) -> String {
    let info: serde_json::Map<String, serde_json::Value> =
        r.build_info.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    let value = serde_json::json!({
        "image": path.display().to_string(),
        "pvh": true,
        "pvh_entry": r.pvh_entry,
        "load_start": r.load_start,
        "load_end": r.load_end,
        "build_info": info,
        "halvm_version": r.info("halvm"),
        "ghc_version": r.info("ghc"),
        "rtsopts": r.info("rtsopts"),
        "sizes": r.sizes,
        "runtime": r.runtime,
        "memory": {
            "image_mib": r.image_mib(),
            "runtime_minimum_mib": r.runtime.minimum_mib(),
            "least_mib": r.least_memory_mib(),
        },
    });
    serde_json::to_string_pretty(&value).expect("JSON of plain values")
}
