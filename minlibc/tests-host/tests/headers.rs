//! Every minlibc header compiles on its own and together with all the
//! others, as the target compiles C (-nostdinc, minlibc first), in strict
//! ISO C11 and in GNU C.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap().to_path_buf()
}

fn headers(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            headers(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "h") {
            out.push(path.strip_prefix(base).unwrap().to_string_lossy().into_owned());
        }
    }
}

fn compile(source: &str, std: &str) -> Result<(), String> {
    let repo = repo();
    let dir = std::env::temp_dir().join(format!("minlibc-headers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("t-{std}-{}.c", source.len()));
    std::fs::write(&file, source).unwrap();
    let out = Command::new("gcc")
        .args(["-fsyntax-only", "-nostdinc", "-ffreestanding", "-Wall", "-Wextra", "-Werror", "-pedantic-errors"])
        .arg(format!("-std={std}"))
        .arg("-isystem")
        .arg(repo.join("minlibc/include"))
        .arg("-isystem")
        .arg(repo.join("rts-xen/include"))
        .arg(&file)
        .output()
        .expect("running gcc");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn each_header_compiles_alone_and_all_together() {
    let include = repo().join("minlibc/include");
    let mut all = Vec::new();
    headers(&include, &include, &mut all);
    all.sort();
    assert!(all.len() > 60, "found only {} headers", all.len());
    let mut failures = Vec::new();
    for std in ["c11", "gnu11"] {
        for h in &all {
            // a use of something from the header keeps -Wextra honest about
            // the header being parsed, not just included
            if let Err(e) = compile(&format!("#include <{h}>\nint minlibc_header_test;\n"), std) {
                failures.push(format!("<{h}> with -std={std}:\n{e}"));
            }
        }
        let together: String = all.iter().map(|h| format!("#include <{h}>\n")).collect::<String>() + "int x;\n";
        if let Err(e) = compile(&together, std) {
            failures.push(format!("all headers together with -std={std}:\n{e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
