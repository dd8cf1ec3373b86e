use super::*;

/// Compile lines shaped like the real log's (see compile_line's fixture).
fn ghc_make(n: usize, object: &str) -> String {
    format!("[{n:>3} of 298] Compiling M ( m.hs, {object} )")
}
fn ghc_c(object: &str) -> String {
    format!("\"inplace/bin/ghc-stage1\" -hisuf hi -osuf  o -static -O -c src/M.hs -o {object} ")
}

fn record(parts: &[(&str, usize, f64)]) -> TimingRecord {
    TimingRecord::new(
        parts
            .iter()
            .map(|(id, modules, seconds)| (id.to_string(), PartTiming { modules: *modules, seconds: *seconds }))
            .collect(),
    )
}

fn no_tree() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn announces_parts_and_reports_counts_with_estimates() {
    let tree = no_tree();
    let previous = record(&[("stage-0 libraries", 3, 100.0), ("compiler", 4, 400.0)]);
    let mut p = GhcProgress::with_previous(tree.path(), previous);
    let steps: [(f64, String, Option<&str>); 8] = [
        (
            0.0,
            ghc_make(1, "bootstrapping/A.o"),
            Some("stage-0 ghc-cabal and boot libraries: started, 3 modules (previous build: 1m40s)"),
        ),
        (
            10.0,
            ghc_c("compiler/stage1/build/GHC/A.o"),
            Some("stage-1 compiler: started, 4 modules (previous build: 6m40s)"),
        ),
        (20.0, ghc_c("compiler/stage1/build/GHC/B.o"), None),
        // 50 s after the last report, on any line: 2 of 4 done, so half of 400 s left.
        (
            60.0,
            "<<ghc: 3501012504 bytes, 149 GCs>>".to_string(),
            Some("stage-1 compiler: 2/4 modules, about 3 min left (previous build: 6m40s)"),
        ),
        // Nothing compiled since: no repeated line, however long the wait.
        (200.0, "Linking ...".to_string(), None),
        // A file compiled again counts once.
        (
            210.0,
            ghc_c("compiler/stage1/build/GHC/B.o"),
            Some("stage-1 compiler: 2/4 modules, about 3 min left (previous build: 6m40s)"),
        ),
        // The ghc program is part of the compiler.
        (230.0, ghc_c("ghc/stage1/build/Main.o"), None),
        (
            300.0,
            ghc_c("compiler/stage1/build/GHC/D.o"),
            Some("stage-1 compiler: 4/4 modules, less than a minute left (previous build: 6m40s)"),
        ),
    ];
    for (at, line, expected) in steps {
        assert_eq!(p.observe_at(&line, at).as_deref(), expected, "at {at}s: {line}");
    }
}

fn write_package_data(tree: &Path, dir: &str, dist: &str, modules: &str) {
    let path = tree.join(dir).join(dist);
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("package-data.mk"), format!("{dir}_{dist}_MODULES = {modules}\n")).unwrap();
}

#[test]
fn first_build_takes_totals_from_the_tree_or_shows_none() {
    let tree = no_tree();
    write_package_data(tree.path(), "libraries/base", "dist-install", "GHC.Base GHC.List Prelude");
    write_package_data(tree.path(), "libraries/stm", "dist-install", "Control.Monad.STM");
    let mut p = GhcProgress::with_previous(tree.path(), TimingRecord::default());
    // ghc-cabal's bootstrap has no package-data.mk: no total, not zero.
    assert_eq!(
        p.observe_at(&ghc_make(1, "bootstrapping/A.o"), 0.0).as_deref(),
        Some("stage-0 ghc-cabal and boot libraries: started")
    );
    assert_eq!(
        p.observe_at(&ghc_c("libraries/base/dist-install/build/GHC/Base.o"), 0.0).as_deref(),
        Some("library base: started, 3 modules")
    );
    assert_eq!(
        p.observe_at(&ghc_c("libraries/stm/dist-install/build/STM.o"), 0.5).as_deref(),
        Some("library stm: started, 1 module")
    );
    assert_eq!(p.observe_at(&ghc_c("rts/dist/build/Schedule.o"), 1.0).as_deref(), Some("runtime system: started"));
    assert_eq!(p.observe_at(&ghc_c("rts/dist/build/Schedule.debug_o"), 2.0), None);
    assert_eq!(p.observe_at("", 50.0).as_deref(), Some("runtime system: 2 files so far"));
    assert_eq!(
        p.observe_at(&ghc_c("libraries/base/dist-install/build/GHC/List.o"), 100.0).as_deref(),
        Some("library base: 2/3 modules")
    );
}

#[test]
fn the_compilers_total_adds_the_library_and_the_program() {
    let tree = no_tree();
    write_package_data(tree.path(), "compiler", "stage1", "GHC GHC.Core GHC.Tc");
    let mut p = GhcProgress::with_previous(tree.path(), TimingRecord::default());
    // Without ghc/stage1's list the total would be short: none is shown.
    assert_eq!(p.observe_at(&ghc_c("compiler/stage1/build/GHC.o"), 0.0).as_deref(), Some("stage-1 compiler: started"));
    write_package_data(tree.path(), "ghc", "stage1", "Main");
    let mut p = GhcProgress::with_previous(tree.path(), TimingRecord::default());
    assert_eq!(
        p.observe_at(&ghc_c("compiler/stage1/build/GHC.o"), 0.0).as_deref(),
        Some("stage-1 compiler: started, 4 modules")
    );
}

#[test]
fn libraries_are_numbered_against_the_previous_build() {
    let tree = no_tree();
    let previous = record(&[
        ("libraries/ghc-prim/dist-install", 10, 20.0),
        ("libraries/base/dist-install", 250, 90.0),
        ("libraries/ghc-boot-th/dist-install", 3, 0.5),
        ("utils/genapply/dist", 1, 0.0),
    ]);
    let mut p = GhcProgress::with_previous(tree.path(), previous);
    let first = p.observe_at(&ghc_c("libraries/ghc-prim/dist-install/build/GHC/Types.o"), 0.0);
    assert_eq!(first.as_deref(), Some("library ghc-prim (1 of 3): started, 10 modules (previous build: 20.0s)"));
    let second = p.observe_at(&ghc_c("libraries/base/dist-install/build/GHC/Base.o"), 1.0);
    assert_eq!(second.as_deref(), Some("library base (2 of 3): started, 250 modules (previous build: 1m30s)"));
    // Under a second is not worth showing.
    let third = p.observe_at(&ghc_c("libraries/ghc-boot-th/dist-install/build/GHC/Lexeme.o"), 2.0);
    assert_eq!(third.as_deref(), Some("library ghc-boot-th (3 of 3): started, 3 modules"));
    // A library the previous build did not have gets no made-up number or total.
    let fourth = p.observe_at(&ghc_c("libraries/new/dist-install/build/New.o"), 3.0);
    assert_eq!(fourth.as_deref(), Some("library new: started"));
    // Tools are not libraries.
    let tool = p.observe_at(&ghc_c("utils/genapply/dist/build/Main.o"), 4.0);
    assert_eq!(tool.as_deref(), Some("stage-0 tool genapply: started, 1 module"));
}

#[test]
fn a_count_beyond_the_total_drops_the_total() {
    let tree = no_tree();
    let mut p = GhcProgress::with_previous(tree.path(), record(&[("compiler", 1, 60.0)]));
    p.observe_at(&ghc_c("compiler/stage1/build/A.o"), 0.0);
    p.observe_at(&ghc_c("compiler/stage1/build/B.o"), 1.0);
    assert_eq!(p.observe_at("", 60.0).as_deref(), Some("stage-1 compiler: 2 modules so far"));
}

#[test]
fn a_build_from_scratch_records_counts_and_spans() {
    let tree = no_tree();
    let mut p = GhcProgress::with_previous(tree.path(), TimingRecord::default());
    let lines = [
        (0.0, ghc_make(1, "bootstrapping/A.o")),
        (5.0, ghc_make(2, "bootstrapping/B.o")),
        (6.0, ghc_c("compiler/stage1/build/A.o")),
        (9.0, ghc_c("utils/unlit/dist/build/unlit.o")),
        (106.0, ghc_c("compiler/stage1/build/B.o")),
        (107.0, ghc_c("compiler/stage1/build/B.o-boot")),
        (150.0, "Linking inplace/bin/ghc-stage1 ...".to_string()),
    ];
    for (at, line) in &lines {
        p.observe_at(line, *at);
    }
    // From the start of a part's first compile to the start of its last.
    let expected = record(&[("stage-0 libraries", 2, 5.0), ("compiler", 2, 100.0), ("utils/unlit/dist", 1, 0.0)]);
    assert_eq!(p.timings(), Some(expected.clone()));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(TIMINGS_FILE);
    p.record(&path);
    assert_eq!(TimingRecord::load(&path).unwrap(), Some(expected));
}

#[test]
fn a_resumed_build_records_nothing() {
    let tree = no_tree();
    let mut p = GhcProgress::with_previous(tree.path(), TimingRecord::default());
    // Resumed inside ghc-cabal's bootstrap: module 1 is done already.
    p.observe_at(&ghc_make(2, "bootstrapping/B.o"), 0.0);
    p.observe_at(&ghc_c("compiler/stage1/build/A.o"), 1.0);
    assert_eq!(p.timings(), None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(TIMINGS_FILE);
    p.record(&path);
    assert!(!path.exists());
}

#[test]
fn a_damaged_record_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(TIMINGS_FILE);
    std::fs::write(&path, "not toml [").unwrap();
    let mut p = GhcProgress::new(dir.path(), &path);
    assert_eq!(p.observe_at(&ghc_c("compiler/stage1/build/A.o"), 0.0).as_deref(), Some("stage-1 compiler: started"));
}

#[test]
fn time_left_is_the_previous_time_of_the_files_left() {
    let previous = PartTiming { modules: 540, seconds: 760.0 };
    assert!((seconds_left(previous, 312) - 760.0 * 228.0 / 540.0).abs() < 1e-9);
    assert_eq!(seconds_left(previous, 0), 760.0);
    assert_eq!(seconds_left(previous, 540), 0.0);
    assert_eq!(seconds_left(previous, 600), 0.0);
    assert_eq!(seconds_left(PartTiming { modules: 0, seconds: 5.0 }, 0), 0.0);
}
