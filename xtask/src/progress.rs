//! Progress output for long steps: what is happening and how long it took.

use std::time::Instant;

pub struct Step {
    name: String,
    started: Instant,
}

impl Step {
    pub fn start(name: &str) -> Step {
        eprintln!("==> {name}");
        Step { name: name.to_string(), started: Instant::now() }
    }

    pub fn done(self) {
        eprintln!("    {} done in {}", self.name, format_duration(self.started.elapsed().as_secs_f64()));
    }
}

pub fn format_duration(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        format!("{}m{:02}s", (secs / 60.0) as u64, (secs % 60.0) as u64)
    }
}

/// An estimate of the time left, no more precise than it can be.
pub fn format_remaining(secs: f64) -> String {
    if secs < 60.0 {
        "less than a minute left".to_string()
    } else {
        format!("about {} min left", (secs / 60.0).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::format_duration(3.25), "3.2s");
        assert_eq!(super::format_duration(125.0), "2m05s");
    }

    #[test]
    fn estimates_are_rounded_to_minutes() {
        assert_eq!(super::format_remaining(59.0), "less than a minute left");
        assert_eq!(super::format_remaining(60.0), "about 1 min left");
        assert_eq!(super::format_remaining(89.0), "about 1 min left");
        assert_eq!(super::format_remaining(91.0), "about 2 min left");
        assert_eq!(super::format_remaining(318.0), "about 5 min left");
    }
}
