//! The captured console: lines with the time they arrived.

use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Line {
    /// When the line's last byte arrived, counted from QEMU's start.
    pub at: Duration,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct ConsoleLog {
    pub lines: Vec<Line>,
}

impl ConsoleLog {
    /// Splits raw console bytes (as they arrive, with arrival times) into
    /// lines; carriage returns and terminal escape sequences from the
    /// firmware are dropped.
    pub(crate) fn push_bytes(&mut self, partial: &mut Vec<u8>, bytes: &[u8], at: Duration) {
        for &b in bytes {
            if b == b'\n' {
                self.finish_line(partial, at);
            } else if b != b'\r' {
                partial.push(b);
            }
        }
    }

    pub(crate) fn finish_line(&mut self, partial: &mut Vec<u8>, at: Duration) {
        let text = strip_escapes(&String::from_utf8_lossy(partial));
        partial.clear();
        self.lines.push(Line { at, text });
    }

    /// The first line containing `needle`.
    pub fn find(&self, needle: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.text.contains(needle))
    }

    /// The text after `prefix` on the first line that starts with it
    /// (leading firmware noise on the same line is tolerated).
    pub fn value_after(&self, prefix: &str) -> Option<&str> {
        self.lines.iter().find_map(|l| l.text.find(prefix).map(|i| l.text[i + prefix.len()..].trim()))
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.find(needle).is_some()
    }
}

impl fmt::Display for ConsoleLog {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for l in &self.lines {
            writeln!(f, "[{:>8.3}s] {}", l.at.as_secs_f64(), l.text)?;
        }
        Ok(())
    }
}

/// Removes ANSI/VT100 escape sequences (SeaBIOS clears the screen).
fn strip_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, up to the final byte @..~.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_drops_escapes() {
        let mut log = ConsoleLog::default();
        let mut partial = Vec::new();
        log.push_bytes(&mut partial, b"\x1bc\x1b[?7l\x1b[2Jboot\r\nhal", Duration::from_millis(1));
        log.push_bytes(&mut partial, b"vm: exit status 3\n", Duration::from_millis(2));
        assert_eq!(log.lines.len(), 2);
        assert_eq!(log.lines[0].text, "boot");
        assert_eq!(log.value_after("halvm: exit status "), Some("3"));
        assert_eq!(log.lines[1].at, Duration::from_millis(2));
    }
}
