//! Writing a program (a stand-in script, a copied tool) that the test will
//! run while other test threads of the same process start programs too.
//!
//! A file this process writes is open for writing here until the write
//! ends; a child that another thread forks in that moment inherits the
//! descriptor and holds it until it execs. Running the file while such a
//! child lives fails with "Text file busy" (ETXTBSY), at random. So the
//! executable is made by a separate `install` process, whose descriptors
//! no thread of ours can pass on; this process only writes a plain file
//! beside it, which is never run.

use std::io;
use std::path::Path;
use std::process::Command;

/// Makes `path` an executable (mode 755) holding `contents`.
pub fn write_executable(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let staged = path.with_file_name(format!(
        ".{}.staged",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("program")
    ));
    std::fs::write(&staged, contents)?;
    let result = install(&staged, path);
    let _ = std::fs::remove_file(&staged);
    result
}

/// Copies the program `from` to `to` (mode 755), as [`write_executable`].
pub fn copy_executable(from: &Path, to: &Path) -> io::Result<()> {
    install(from, to)
}

fn install(from: &Path, to: &Path) -> io::Result<()> {
    let status = Command::new("install").arg("-m").arg("755").arg("--").arg(from).arg(to).status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!("install -m 755 {} {}: {status}", from.display(), to.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many threads write and run programs at once; with plain writes
    /// some runs fail with "Text file busy".
    #[test]
    fn programs_written_while_other_threads_run_programs_start() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let dir = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    for i in 0..40 {
                        let program = dir.join(format!("p{t}-{i}"));
                        write_executable(&program, format!("#!/bin/sh\necho {t}-{i}\n")).unwrap();
                        let out = Command::new(&program).output().expect("running a freshly written program");
                        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{t}-{i}\n"));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(left.iter().all(|n| !n.to_string_lossy().ends_with(".staged")), "{left:?}");
    }
}
