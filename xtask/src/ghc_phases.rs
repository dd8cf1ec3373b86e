//! Reading GHC's make output to say which part of the build it is in.

/// The stage-1 packages of a GHC 9.0.2 cross build, in build order
/// (`ghc.mk`'s PACKAGES_STAGE1 as configured for halvm), used for "n/N".
pub const STAGE1_LIBRARIES: &[&str] = &[
    "ghc-prim", "ghc-bignum", "base", "filepath", "array", "deepseq", "bytestring", "containers",
    "time", "unix", "directory", "process", "hpc", "pretty", "binary", "transformers", "mtl",
    "ghc-boot-th", "ghc-boot", "template-haskell", "text", "parsec", "Cabal", "ghc-compact",
    "ghc-heap", "integer-gmp", "stm", "exceptions", "haskeline", "ghci", "libiserv",
];

/// Tracks the phase of a GHC make build from its output lines. With
/// parallel make the output of two parts interleaves, so a part is
/// announced once, the first time it shows up.
#[derive(Default)]
pub struct GhcPhases {
    seen: Vec<String>,
    libraries: usize,
}

impl GhcPhases {
    /// A description of the part of the build `line` shows starting, if any.
    pub fn observe(&mut self, line: &str) -> Option<String> {
        let phase = classify(line)?;
        if self.seen.contains(&phase) {
            return None;
        }
        self.seen.push(phase.clone());
        if let Some(lib) = phase.strip_prefix("library ") {
            self.libraries += 1;
            // The target also gets a few packages beyond the boot libraries
            // (the ghc library itself), so the total is approximate.
            let total = STAGE1_LIBRARIES.len().max(self.libraries);
            return Some(format!("library {} of ~{total}: {lib}", self.libraries));
        }
        Some(phase)
    }
}

/// What a make output line is working on, from the stage-1 compiler's
/// `-this-unit-id` or the path of the file being built.
fn classify(line: &str) -> Option<String> {
    // Only compilations (-c) count: make first asks the compiler for every
    // library's dependencies (-M) long before it builds them.
    let stage1 = line.contains("inplace/bin/ghc-stage1") && line.contains(" -c ");
    if stage1 {
        if let Some(unit) = word_after(line, "-this-unit-id ") {
            // base-4.15.1.0 -> base; ghc-prim-0.7.0 -> ghc-prim
            let name = unit.rsplit_once('-').map_or(unit, |(n, v)| if v.starts_with(char::is_numeric) { n } else { unit });
            if name == "rts" {
                return Some("runtime system".into());
            }
            return Some(format!("library {name}"));
        }
    }
    if line.contains(" -c rts/") || line.contains("rts/dist/build") && line.contains(" -c ") {
        return Some("runtime system".into());
    }
    if line.contains("compiler/stage1/build") || line.contains("ghc/stage1/build") {
        return Some("stage-1 compiler".into());
    }
    if line.contains("bootstrapping/") || line.contains("/dist-boot/") {
        return Some("stage-0 tools (ghc-cabal, boot libraries)".into());
    }
    if line.starts_with("Installing ") || line.contains("ghc-cabal\" copy") {
        return Some("install".into());
    }
    None
}

fn word_after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &line[line.find(marker)? + marker.len()..];
    rest.split_whitespace().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_a_build() {
        let mut p = GhcPhases::default();
        let lines = [
            r#""/usr/bin/ghc" -H32m -O -c libraries/Cabal/Cabal/Distribution/Simple.hs -o bootstrapping/Distribution/Simple.o"#,
            r#""/usr/bin/ghc" -O2 -c compiler/GHC/Core.hs -o compiler/stage1/build/GHC/Core.o"#,
            r#""inplace/bin/ghc-stage1" -O -this-unit-id rts -c rts/Schedule.c -o rts/dist/build/Schedule.o"#,
            r#""inplace/bin/ghc-stage1" -M -this-unit-id text-1.2.5.0 -dep-makefile libraries/text/dist-install/build/.depend"#,
            r#""inplace/bin/ghc-stage1" -O -this-unit-id ghc-prim-0.7.0 -c libraries/ghc-prim/GHC/Types.hs"#,
            r#""inplace/bin/ghc-stage1" -O -this-unit-id ghc-prim-0.7.0 -c libraries/ghc-prim/GHC/Classes.hs"#,
            r#""inplace/bin/ghc-stage1" -O -this-unit-id base-4.15.1.0 -c libraries/base/GHC/Base.hs"#,
            r#""/usr/bin/ghc" -O2 -c compiler/GHC/Tc.hs -o compiler/stage1/build/GHC/Tc.o"#,
        ];
        let seen: Vec<Option<String>> = lines.iter().map(|l| p.observe(l)).collect();
        assert_eq!(
            seen,
            [
                Some("stage-0 tools (ghc-cabal, boot libraries)".to_string()),
                Some("stage-1 compiler".to_string()),
                Some("runtime system".to_string()),
                None,
                Some(format!("library 1 of ~{}: ghc-prim", STAGE1_LIBRARIES.len())),
                None,
                Some(format!("library 2 of ~{}: base", STAGE1_LIBRARIES.len())),
                None,
            ]
        );
    }
}
