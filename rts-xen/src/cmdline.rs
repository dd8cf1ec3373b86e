//! Splitting the kernel command line into arguments with shell-like
//! quoting: whitespace separates words; 'single quotes' are literal;
//! "double quotes" take \" and \\ as escapes; outside quotes a backslash
//! makes the next character literal; quoted and unquoted parts of one word
//! join ("a'b c'd" is the one word "ab cd").

use core::fmt;

/// Longest command line accepted, in bytes (without the terminating NUL).
pub const MAX_CMDLINE: usize = 4096;
/// Most arguments accepted, argv[0] included.
pub const MAX_ARGS: usize = 256;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum CmdlineError {
    TooLong,
    TooManyArgs,
    UnterminatedQuote { quote: u8, at: usize },
    TrailingBackslash,
}

impl fmt::Display for CmdlineError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match *self {
            CmdlineError::TooLong => write!(
                f, "the command line is longer than {MAX_CMDLINE} bytes, the most accepted"),
            CmdlineError::TooManyArgs => write!(
                f, "more than {} arguments; at most {} are accepted", MAX_ARGS - 1, MAX_ARGS - 1),
            CmdlineError::UnterminatedQuote { quote, at } => write!(
                f, "the {} quote at byte {at} is never closed",
                if quote == b'\'' { "single" } else { "double" }),
            CmdlineError::TrailingBackslash => write!(
                f, "it ends in a backslash that escapes nothing"),
        }
    }
}

/// Whether a split word is the platform's rather than the program's:
/// `halvm.NAME=VALUE` (the network settings today, rts-xen/README.md).
/// Such words are kept out of argv and read by the platform only.
pub fn is_platform_word(word: &[u8]) -> bool {
    word.strip_prefix(b"halvm.").is_some_and(|rest| {
        let name_len = rest.iter().position(|&b| b == b'=').unwrap_or(0);
        name_len > 0 && rest[..name_len].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
    })
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Splits `line` into words. Each word is written to `out` followed by a
/// NUL, and its offset in `out` is stored in `starts`. `out` must hold at
/// least `line.len() + 1` bytes (no split is longer). Returns the number of
/// words; `starts.len()` is the most words accepted.
pub fn split(line: &[u8], out: &mut [u8], starts: &mut [usize]) -> Result<usize, CmdlineError> {
    assert!(out.len() > line.len(), "output buffer too small for the command line");
    let (mut i, mut o, mut count) = (0usize, 0usize, 0usize);
    loop {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i == line.len() {
            return Ok(count);
        }
        if count == starts.len() {
            return Err(CmdlineError::TooManyArgs);
        }
        starts[count] = o;
        count += 1;
        while i < line.len() && !is_space(line[i]) {
            match line[i] {
                q @ b'\'' => {
                    let close = line[i + 1..].iter().position(|&b| b == q)
                        .ok_or(CmdlineError::UnterminatedQuote { quote: q, at: i })?;
                    out[o..o + close].copy_from_slice(&line[i + 1..i + 1 + close]);
                    o += close;
                    i += close + 2;
                }
                b'"' => {
                    let at = i;
                    i += 1;
                    loop {
                        let b = *line.get(i).ok_or(CmdlineError::UnterminatedQuote { quote: b'"', at })?;
                        if b == b'"' {
                            i += 1;
                            break;
                        }
                        if b == b'\\' && matches!(line.get(i + 1), Some(b'"' | b'\\')) {
                            out[o] = line[i + 1];
                            i += 2;
                        } else {
                            out[o] = b;
                            i += 1;
                        }
                        o += 1;
                    }
                }
                b'\\' => {
                    let b = *line.get(i + 1).ok_or(CmdlineError::TrailingBackslash)?;
                    out[o] = b;
                    o += 1;
                    i += 2;
                }
                b => {
                    out[o] = b;
                    o += 1;
                    i += 1;
                }
            }
        }
        out[o] = 0;
        o += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Result<Vec<String>, CmdlineError> {
        let mut out = vec![0u8; line.len() + 1];
        let mut starts = [0usize; 8];
        let n = split(line.as_bytes(), &mut out, &mut starts)?;
        Ok(starts[..n].iter().map(|&s| {
            let end = s + out[s..].iter().position(|&b| b == 0).unwrap();
            String::from_utf8(out[s..end].to_vec()).unwrap()
        }).collect())
    }

    #[test]
    fn splits_on_whitespace() {
        assert_eq!(words("  a bc\td\n").unwrap(), ["a", "bc", "d"]);
        assert_eq!(words("").unwrap(), Vec::<String>::new());
        assert_eq!(words("   ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(words(r#"'two words' "say \"hi\"" back\ slash"#).unwrap(),
                   ["two words", r#"say "hi""#, "back slash"]);
        assert_eq!(words(r#"a'b c'd "x\\y" "\n" '\' '' """#).unwrap(),
                   ["ab cd", r"x\y", r"\n", r"\", "", ""]);
        assert_eq!(words(r#""a"'b'c"#).unwrap(), ["abc"]);
    }

    #[test]
    fn malformed_lines_are_errors() {
        assert_eq!(words("a 'b"), Err(CmdlineError::UnterminatedQuote { quote: b'\'', at: 2 }));
        assert_eq!(words(r#"a "b\""#), Err(CmdlineError::UnterminatedQuote { quote: b'"', at: 2 }));
        assert_eq!(words(r"a b\"), Err(CmdlineError::TrailingBackslash));
        assert_eq!(words("1 2 3 4 5 6 7 8 9"), Err(CmdlineError::TooManyArgs));
    }

    #[test]
    fn platform_words_are_halvm_dot_name_equals_value() {
        for w in ["halvm.ip=10.0.2.15/24", "halvm.net=off", "halvm.dns=", "halvm.tmp_size=1M"] {
            assert!(is_platform_word(w.as_bytes()), "{w}");
        }
        for w in ["halvm", "halvm.", "halvm.ip", "halvm.=x", "xhalvm.ip=1", "HALVM.ip=1", "halvm.a b=1", "serve", ""] {
            assert!(!is_platform_word(w.as_bytes()), "{w}");
        }
    }
}
