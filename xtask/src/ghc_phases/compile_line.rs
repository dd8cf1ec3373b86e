//! Which file a line of GHC's make output compiles, and which part of the
//! build (stage-0 tools, stage-1 compiler, runtime, a library) it belongs to.
//!
//! Any line that is not recognised is simply not a compile: make's output
//! also holds warnings, configure runs, ghc-timing reports and the output of
//! third-party builds, and none of them may disturb the count.

/// One part of the GHC build, as the progress report names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// ghc-cabal and the `dist-boot` libraries, compiled by the platform GHC
    /// for the stage-1 compiler: many small interleaved pieces, reported as one.
    Stage0Libraries,
    /// A program built by the platform GHC (`utils/<name>/dist`).
    Stage0Tool(String),
    /// The `ghc` library (`compiler/stage1`) and program (`ghc/stage1`).
    Compiler,
    /// `rts/dist`, in every runtime way.
    Runtime,
    /// A boot library built for the target: `libraries/base`,
    /// `libraries/containers/containers` (its `dist-install`).
    Library(String),
    /// Any other build directory: `<dir>/<dist>/build`.
    Other { dir: String, dist: String },
}

impl Part {
    /// A stable name for the timing record.
    pub fn id(&self) -> String {
        match self {
            Part::Stage0Libraries => "stage-0 libraries".to_string(),
            Part::Stage0Tool(name) => format!("utils/{name}/dist"),
            Part::Compiler => "compiler".to_string(),
            Part::Runtime => "rts/dist".to_string(),
            Part::Library(dir) => format!("{dir}/dist-install"),
            Part::Other { dir, dist } => format!("{dir}/{dist}"),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Part::Stage0Libraries => "stage-0 ghc-cabal and boot libraries".to_string(),
            Part::Stage0Tool(name) => format!("stage-0 tool {name}"),
            Part::Compiler => "stage-1 compiler".to_string(),
            Part::Runtime => "runtime system".to_string(),
            Part::Library(dir) => format!("library {}", dir.rsplit('/').next().unwrap_or(dir)),
            Part::Other { dir, dist } => format!("{dir} ({dist})"),
        }
    }

    /// Where its `package-data.mk` files are (`<dir>/<dist>`); none for the
    /// stage-0 libraries, which ghc-cabal's bootstrap compiles without one.
    pub fn build_dirs(&self) -> Vec<(String, String)> {
        let pair = |dir: &str, dist: &str| (dir.to_string(), dist.to_string());
        match self {
            Part::Stage0Libraries => vec![],
            Part::Stage0Tool(name) => vec![pair(&format!("utils/{name}"), "dist")],
            Part::Compiler => vec![pair("compiler", "stage1"), pair("ghc", "stage1")],
            Part::Runtime => vec![pair("rts", "dist")],
            Part::Library(dir) => vec![pair(dir, "dist-install")],
            Part::Other { dir, dist } => vec![pair(dir, dist)],
        }
    }

    /// What its compiled files are called: the runtime is C and Cmm files,
    /// everything else mostly Haskell modules.
    pub fn unit(&self) -> &'static str {
        match self {
            Part::Runtime => "file",
            _ => "module",
        }
    }
}

/// A compile command (or `ghc --make`'s report of one) seen in the log.
#[derive(Debug, PartialEq, Eq)]
pub struct Compile<'a> {
    /// The object file it writes, relative to the GHC tree.
    pub object: &'a str,
    /// `n` of ghc --make's `[n of N] Compiling`, when it came from one.
    pub make_number: Option<usize>,
}

/// The compile `line` shows, if it is one that produces an object file.
/// Two forms exist in the log:
/// `... -c compiler/./GHC/Core.hs -o compiler/stage1/build/GHC/Core.o` and
/// `[  1 of 298] Compiling M ( src/M.hs, bootstrapping/M.o )`.
pub fn compile(line: &str) -> Option<Compile<'_>> {
    let compile = command_compile(line).or_else(|| make_mode_compile(line))?;
    is_object(compile.object).then_some(compile)
}

fn command_compile(line: &str) -> Option<Compile<'_>> {
    let words: Vec<&str> = line.split_whitespace().collect();
    // `-c` alone: `-optc-Wall` and friends are other flags.
    if !words.contains(&"-c") {
        return None;
    }
    let at = words.iter().rposition(|w| *w == "-o")?;
    let object = words.get(at + 1)?.trim_matches(|c| c == '"' || c == '\'');
    Some(Compile { object, make_number: None })
}

fn make_mode_compile(line: &str) -> Option<Compile<'_>> {
    let (counter, rest) = line.strip_prefix('[')?.split_once(']')?;
    let number = counter.split_whitespace().next()?.parse().ok()?;
    let rest = rest.trim_start().strip_prefix("Compiling ")?;
    let (_, files) = rest.split_once(" ( ")?;
    let (_, object) = files.split_once(", ")?;
    let object = object.split_once(" )").map_or(object, |(o, _)| o);
    Some(Compile { object: object.trim(), make_number: Some(number) })
}

/// Object files of every way: `.o`, `.debug_o`, `.thr_o`... but not the
/// `.o-boot` of an `.hs-boot` file, which the module lists do not count.
fn is_object(path: &str) -> bool {
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    extension == "o" || extension.ends_with("_o")
}

/// The part of the build an object file belongs to, from where it goes.
pub fn part_of(object: &str) -> Option<Part> {
    let object = object.strip_prefix("./").unwrap_or(object);
    if object.starts_with("bootstrapping/") {
        return Some(Part::Stage0Libraries);
    }
    // <dir>/<dist>/build/...: GHC's make build puts every package's objects
    // under its build directory.
    let (dir_and_dist, _) = object.split_once("/build/")?;
    let (dir, dist) = dir_and_dist.rsplit_once('/')?;
    if dir.is_empty() || dir.starts_with('/') {
        return None;
    }
    let part = match (dir, dist) {
        (_, "dist-boot") => Part::Stage0Libraries,
        ("compiler" | "ghc", "stage1") => Part::Compiler,
        ("rts", "dist") => Part::Runtime,
        (_, "dist-install") if dir.starts_with("libraries/") => Part::Library(dir.to_string()),
        (_, "dist") if dir.starts_with("utils/") && !dir["utils/".len()..].contains('/') => {
            Part::Stage0Tool(dir["utils/".len()..].to_string())
        }
        _ => Part::Other { dir: dir.to_string(), dist: dist.to_string() },
    };
    Some(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines copied from a real `make -j2` log of this build, in log order.
    const EXCERPT: &str = include_str!("fixtures/make-log-excerpt.txt");

    fn library(dir: &str) -> Option<Part> {
        Some(Part::Library(dir.to_string()))
    }
    fn tool(name: &str) -> Option<Part> {
        Some(Part::Stage0Tool(name.to_string()))
    }
    const STAGE0: Option<Part> = Some(Part::Stage0Libraries);
    const COMPILER: Option<Part> = Some(Part::Compiler);
    const RUNTIME: Option<Part> = Some(Part::Runtime);

    #[test]
    fn finds_the_compiles_of_a_real_log() {
        let found: Vec<(usize, &str, Option<Part>)> = EXCERPT
            .lines()
            .enumerate()
            .filter_map(|(n, line)| compile(line).map(|c| (n, c.object, part_of(c.object))))
            .collect();
        // Not compiles: ghc --make's link, warnings, ghc-cabal and autoconf
        // output, `ghc -M`, a program's link, a -Rghc-timing report,
        // `install -c`; an .hs-boot file's object (line 10) is not counted.
        // libffi's objects are compiles, but of no part.
        let expected = [
            (0, "bootstrapping/Control/Monad/Cont/Class.o", STAGE0),
            (1, "bootstrapping/Main.o", STAGE0),
            (8, "utils/hsc2hs/dist/build/Main.o", tool("hsc2hs")),
            // The ghc program belongs with the ghc library.
            (11, "ghc/stage1/build/hschooks.o", COMPILER),
            (12, "utils/unlit/dist/build/unlit.o", tool("unlit")),
            (13, "libraries/text/dist-boot/build/cbits/cbits.o", STAGE0),
            (14, "compiler/stage1/build/cbits/genSym.o", COMPILER),
            (16, "libraries/text/dist-boot/build/Data/Text.o", STAGE0),
            (17, "compiler/stage1/build/GHC/Iface/Type.o", COMPILER),
            (18, "compiler/stage1/build/GHC/Tc/Utils/Monad.o", COMPILER),
            // 19-20: autoconf asking about "-c -o"; 21: libffi's own build.
            (21, "src/prep_cif.o", None),
            // The runtime's C, assembler and Cmm files, in two ways.
            (22, "rts/dist/build/Adjustor.o", RUNTIME),
            (23, "rts/dist/build/StgCRunAsm.o", RUNTIME),
            (24, "rts/dist/build/Apply.o", RUNTIME),
            (25, "rts/dist/build/Adjustor.debug_o", RUNTIME),
            (26, "libraries/ghc-prim/dist-install/build/GHC/Types.o", library("libraries/ghc-prim")),
            // A module hsc2hs generated into the build directory.
            (27, "libraries/base/dist-install/build/GHC/ConsoleHandler.o", library("libraries/base")),
            (
                28,
                "libraries/containers/containers/dist-install/build/Utils/Containers/Internal/StrictPair.o",
                library("libraries/containers/containers"),
            ),
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn make_mode_reports_carry_their_number() {
        let first = EXCERPT.lines().next().unwrap();
        assert_eq!(compile(first).unwrap().make_number, Some(1));
        let compiler = EXCERPT.lines().nth(17).unwrap();
        assert_eq!(compile(compiler).unwrap().make_number, None);
    }

    #[test]
    fn parts_are_named_by_their_build_directory() {
        let cases = [
            ("rts/dist/build/sm/GC.debug_o", "rts/dist", "runtime system", "file"),
            ("libraries/base/dist-install/build/GHC/Base.o", "libraries/base/dist-install", "library base", "module"),
            (
                "libraries/containers/containers/dist-install/build/Data/Map.o",
                "libraries/containers/containers/dist-install",
                "library containers",
                "module",
            ),
            ("compiler/stage1/build/GHC.o", "compiler", "stage-1 compiler", "module"),
            ("ghc/stage1/build/Main.o", "compiler", "stage-1 compiler", "module"),
            ("utils/hp2ps/dist/build/Main.o", "utils/hp2ps/dist", "stage-0 tool hp2ps", "module"),
            ("./bootstrapping/Main.o", "stage-0 libraries", "stage-0 ghc-cabal and boot libraries", "module"),
            (
                "utils/ghc-pkg/dist-install/build/Main.o",
                "utils/ghc-pkg/dist-install",
                "utils/ghc-pkg (dist-install)",
                "module",
            ),
            ("libraries/base/dist/build/A.o", "libraries/base/dist", "libraries/base (dist)", "module"),
        ];
        for (object, id, label, unit) in cases {
            let part = part_of(object).unwrap();
            assert_eq!((part.id().as_str(), part.label().as_str(), part.unit()), (id, label, unit), "{object}");
        }
    }

    #[test]
    fn parts_know_their_package_data() {
        let dirs = |object| part_of(object).unwrap().build_dirs();
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(dirs("ghc/stage1/build/Main.o"), [pair("compiler", "stage1"), pair("ghc", "stage1")]);
        assert_eq!(dirs("utils/hsc2hs/dist/build/C.o"), [pair("utils/hsc2hs", "dist")]);
        assert_eq!(dirs("libraries/base/dist-install/build/A.o"), [pair("libraries/base", "dist-install")]);
        assert_eq!(dirs("rts/dist/build/A.o"), [pair("rts", "dist")]);
        assert_eq!(dirs("bootstrapping/A.o"), []);
    }

    #[test]
    fn unknown_lines_are_not_compiles() {
        for line in [
            "",
            "]",
            "[",
            "[ x of 3] Compiling A ( a.hs, a.o )",
            "[1 of 3] Compiling A",
            "-c",
            "gcc -c -o",
            "libtool: compile:  gcc -c ../src/prep_cif.c -o src/prep_cif.o",
            "\u{fffd}\u{fffd} -c \u{fffd} -o \u{fffd}.o",
        ] {
            let part = compile(line).and_then(|c| part_of(c.object));
            assert_eq!(part, None, "{line:?}");
        }
        // An object outside any build directory belongs to no part.
        assert_eq!(part_of("src/prep_cif.o"), None);
        assert_eq!(part_of("/abs/build/x.o"), None);
        assert_eq!(part_of("x/build/y.o"), None);
    }
}
