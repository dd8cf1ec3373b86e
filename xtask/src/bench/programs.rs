//! The benchmark programs: every `tests/bench/*.hs`, with the problem sizes
//! its header declares on a line `-- bench-sizes: quick=N full=M`, so that
//! adding a benchmark needs no change here.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// One benchmark program.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The module's file name without `.hs`, e.g. `Queens`.
    pub name: String,
    pub source: PathBuf,
    pub quick_size: u64,
    pub full_size: u64,
}

impl Program {
    pub fn size(&self, quick: bool) -> u64 {
        if quick { self.quick_size } else { self.full_size }
    }
}

const SIZES_MARKER: &str = "-- bench-sizes:";

/// The programs in `dir`, sorted by name; `only` (names, any case) keeps
/// just those, and a name that matches none is an error listing the names.
pub fn discover(dir: &Path, only: &[String]) -> Result<Vec<Program>> {
    let mut programs = Vec::new();
    for path in crate::fsutil::files_under(dir)? {
        // Only the top level: lib/ and support/ hold helpers.
        if path.parent() != Some(dir) || path.extension().is_none_or(|e| e != "hs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let (quick_size, full_size) = parse_sizes(&text).with_context(|| format!("in {}", path.display()))?;
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        programs.push(Program { name, source: path, quick_size, full_size });
    }
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    if programs.is_empty() {
        bail!("no benchmark programs (*.hs) in {}", dir.display());
    }
    for wanted in only {
        if !programs.iter().any(|p| p.name.eq_ignore_ascii_case(wanted)) {
            let names: Vec<&str> = programs.iter().map(|p| p.name.as_str()).collect();
            bail!("there is no benchmark {wanted:?}; the benchmarks are: {}", names.join(", "));
        }
    }
    if !only.is_empty() {
        programs.retain(|p| only.iter().any(|w| p.name.eq_ignore_ascii_case(w)));
    }
    Ok(programs)
}

/// `(quick, full)` from the `-- bench-sizes: quick=N full=M` line.
pub fn parse_sizes(source: &str) -> Result<(u64, u64)> {
    let line = source
        .lines()
        .find_map(|l| l.trim().strip_prefix(SIZES_MARKER))
        .with_context(|| format!("no `{SIZES_MARKER} quick=N full=M` line: every benchmark declares its sizes"))?;
    let (mut quick, mut full) = (None, None);
    for word in line.split_whitespace() {
        let (key, value) = word.split_once('=').with_context(|| format!("`{word}` in `{line}` is not key=value"))?;
        let value: u64 = value.parse().ok().filter(|v| *v > 0)
            .with_context(|| format!("`{word}`: the size must be a positive whole number"))?;
        match key {
            "quick" => quick = Some(value),
            "full" => full = Some(value),
            _ => bail!("unknown key `{key}` in `{SIZES_MARKER}{line}` (only quick= and full=)"),
        }
    }
    match (quick, full) {
        (Some(q), Some(f)) => Ok((q, f)),
        _ => bail!("`{SIZES_MARKER}{line}` needs both quick=N and full=M"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_read_from_the_header_line() {
        assert_eq!(parse_sizes("-- A benchmark.\n-- bench-sizes: quick=8 full=12\nmain = pure ()\n").unwrap(), (8, 12));
        assert_eq!(parse_sizes("-- bench-sizes: full=5 quick=2").unwrap(), (2, 5));
    }

    #[test]
    fn bad_size_lines_are_refused_with_the_reason() {
        let err = |s: &str| format!("{:#}", parse_sizes(s).unwrap_err());
        assert!(err("main = pure ()").contains("no `-- bench-sizes:"));
        assert!(err("-- bench-sizes: quick=8").contains("needs both"));
        assert!(err("-- bench-sizes: quick=0 full=3").contains("positive"));
        assert!(err("-- bench-sizes: quick=1 full=3 slow=9").contains("unknown key `slow`"));
    }

    #[test]
    fn the_repository_benchmarks_are_found_and_at_least_ten() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bench");
        let all = discover(&dir, &[]).unwrap();
        assert!(all.len() >= 10, "{all:?}");
        assert!(all.iter().all(|p| p.quick_size <= p.full_size), "{all:?}");
        let one = discover(&dir, &["queens".into()]).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].name, "Queens");
        let err = format!("{:#}", discover(&dir, &["Nope".into()]).unwrap_err());
        assert!(err.contains("\"Nope\"") && err.contains("Queens"), "{err}");
    }
}
