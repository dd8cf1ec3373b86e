//! Progress of GHC's make build, read from its output: which part is being
//! built (stage-0 tools, stage-1 compiler, runtime, each library), how many
//! of its files are compiled out of how many, and how long the rest should
//! take judging by the previous complete build.

mod compile_line;
mod package_data;
mod timings;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use compile_line::Part;
pub use timings::{PartTiming, TimingRecord, FILE_NAME as TIMINGS_FILE};

use crate::progress::{format_duration, format_remaining};

/// Seconds between two status lines while files are being compiled.
const STATUS_EVERY: f64 = 45.0;

/// Follows a GHC make build line by line. With parallel make the output of
/// two parts interleaves: each part is announced once, when its first file
/// is compiled, and a status line reports the part compiled most recently.
pub struct GhcProgress {
    tree: PathBuf,
    previous: TimingRecord,
    started: Instant,
    parts: Vec<PartProgress>,
    latest: Option<usize>,
    compiled_since_report: bool,
    last_report: f64,
    libraries_started: usize,
    from_scratch: bool,
}

struct PartProgress {
    part: Part,
    /// Distinct object files, so a file compiled twice counts once.
    objects: HashSet<String>,
    total: Option<usize>,
    previous: Option<PartTiming>,
    /// Seconds since the start of make of its first and latest compile. The
    /// log shows when a compile starts, not when it ends, so a part's time
    /// runs from the start of its first file to the start of its last.
    first: f64,
    last: f64,
}

impl GhcProgress {
    /// Progress of a build of `tree`, with the previous build's timings from
    /// `timings` when there are usable ones (a damaged record is reported and
    /// ignored: it only feeds this report).
    pub fn new(tree: &Path, timings: &Path) -> GhcProgress {
        let previous = TimingRecord::load(timings).unwrap_or_else(|err| {
            eprintln!("    warning: {err:#}");
            None
        });
        GhcProgress::with_previous(tree, previous.unwrap_or_default())
    }

    fn with_previous(tree: &Path, previous: TimingRecord) -> GhcProgress {
        GhcProgress {
            tree: tree.to_path_buf(),
            previous,
            started: Instant::now(),
            parts: Vec::new(),
            latest: None,
            compiled_since_report: false,
            last_report: 0.0,
            libraries_started: 0,
            from_scratch: false,
        }
    }

    /// A line to print after make printed `line`, if any.
    pub fn observe(&mut self, line: &str) -> Option<String> {
        self.observe_at(line, self.started.elapsed().as_secs_f64())
    }

    /// [`Self::observe`] at `now` seconds after the start of make.
    fn observe_at(&mut self, line: &str, now: f64) -> Option<String> {
        if let Some(compile) = compile_line::compile(line) {
            if let Some(part) = compile_line::part_of(compile.object) {
                // On an empty tree make's first compile is ghc-cabal's first
                // module, built by `ghc --make` into bootstrapping/. A resumed
                // build has that object already and never prints this line.
                if compile.make_number == Some(1) && compile.object.starts_with("bootstrapping/") {
                    self.from_scratch = true;
                }
                let (index, new) = self.part_index(part, now);
                let progress = &mut self.parts[index];
                progress.objects.insert(compile.object.to_string());
                progress.last = now;
                self.latest = Some(index);
                if new {
                    self.last_report = now;
                    self.compiled_since_report = false;
                    return Some(self.start_line(index));
                }
                self.compiled_since_report = true;
            }
        }
        if self.compiled_since_report && now - self.last_report >= STATUS_EVERY {
            self.last_report = now;
            self.compiled_since_report = false;
            return Some(status_line(&self.parts[self.latest?]));
        }
        None
    }

    fn part_index(&mut self, part: Part, now: f64) -> (usize, bool) {
        if let Some(index) = self.parts.iter().position(|p| p.part == part) {
            return (index, false);
        }
        let previous = self.previous.parts.get(&part.id()).copied();
        // The previous build's count is exactly what this report counts;
        // package-data.mk is the fallback for a first build.
        let total = previous.map(|p| p.modules).or_else(|| self.tree_total(&part));
        if matches!(part, Part::Library(_)) {
            self.libraries_started += 1;
        }
        self.parts.push(PartProgress { part, objects: HashSet::new(), total, previous, first: now, last: now });
        (self.parts.len() - 1, true)
    }

    /// The files the tree's package-data.mk files list for `part`, when it
    /// has them all.
    fn tree_total(&self, part: &Part) -> Option<usize> {
        let dirs = part.build_dirs();
        if dirs.is_empty() {
            return None;
        }
        dirs.iter().map(|(dir, dist)| package_data::compiled_files(&self.tree, dir, dist)).sum()
    }

    fn start_line(&self, index: usize) -> String {
        let progress = &self.parts[index];
        let mut line = progress.part.label();
        if matches!(progress.part, Part::Library(_)) {
            // Numbered out of the previous build's libraries (ids of Part::Library).
            let n = self.libraries_started;
            let of =
                self.previous.parts.keys().filter(|id| id.starts_with("libraries/") && id.ends_with("/dist-install"));
            let of = of.count();
            if n <= of {
                line += &format!(" ({n} of {of})");
            }
        }
        line += ": started";
        if let Some(total) = progress.total {
            line += &format!(", {}", counted(total, progress.part.unit()));
        }
        // Under a second (a tool of one or two files) is not worth showing.
        if let Some(previous) = progress.previous.filter(|p| p.seconds >= 1.0) {
            line += &format!(" (previous build: {})", format_duration(previous.seconds));
        }
        line
    }

    /// This build's timings, if they describe a whole build: a resumed
    /// build compiles only what was left, and its counts would become
    /// totals too small for the next build.
    fn timings(&self) -> Option<TimingRecord> {
        if !self.from_scratch {
            return None;
        }
        let parts: BTreeMap<String, PartTiming> = self
            .parts
            .iter()
            .map(|p| (p.part.id(), PartTiming { modules: p.objects.len(), seconds: p.last - p.first }))
            .collect();
        Some(TimingRecord::new(parts))
    }

    /// Keeps this build's timings at `path` for the next build, once make
    /// has succeeded. Failing to is only worth a warning.
    pub fn record(&self, path: &Path) {
        match self.timings() {
            None => {
                eprintln!("    build timings not recorded: this make resumed an earlier one, so its counts are partial")
            }
            Some(record) => {
                if let Err(err) = record.save(path) {
                    eprintln!("    warning: could not record the GHC build timings: {err:#}");
                }
            }
        }
    }
}

/// `stage-1 compiler: 312/491 modules, about 5 min left (previous build: 12m40s)`.
/// A total the count has outgrown is wrong, so it is not shown.
fn status_line(progress: &PartProgress) -> String {
    let (label, unit, done) = (progress.part.label(), progress.part.unit(), progress.objects.len());
    match progress.total.filter(|total| done <= *total) {
        None => format!("{label}: {} so far", counted(done, unit)),
        Some(total) => {
            let mut line = format!("{label}: {done}/{}", counted(total, unit));
            if let Some(previous) = progress.previous.filter(|p| p.modules == total) {
                line += &format!(
                    ", {} (previous build: {})",
                    format_remaining(seconds_left(previous, done)),
                    format_duration(previous.seconds)
                );
            }
            line
        }
    }
}

/// `1 module`, `2 modules`.
fn counted(n: usize, unit: &str) -> String {
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The previous build's time for the files not yet compiled, assuming they
/// take their share of the part's time.
fn seconds_left(previous: PartTiming, done: usize) -> f64 {
    if previous.modules == 0 {
        return 0.0;
    }
    previous.seconds * previous.modules.saturating_sub(done) as f64 / previous.modules as f64
}

#[cfg(test)]
mod tests;
