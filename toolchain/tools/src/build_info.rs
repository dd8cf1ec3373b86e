//! The build-info note: how an image records what built it.
//!
//! Every image linked by the prefix's tools carries one or more ELF notes
//! in the section `.note.halvm`, named "halvm", of type
//! [`NOTE_TYPE_BUILD_INFO`], whose descriptor is text: `key=value` lines,
//! each ending in `\n`. Keys in use:
//!
//! | key | value | written by |
//! | --- | --- | --- |
//! | `halvm` | the toolchain version | `lib/halvm/lib/halvm-info.o`, generated at prefix install from [`toolchain_note_assembly`] |
//! | `ghc` | the GHC version | the same object |
//! | `rtsopts` | the `-with-rtsopts=` options | `bin/halvm-ghc`, for each link that has them |
//!
//! halvm-ghc passes the object (and its own note, as a `.s` file) to every
//! link with `-optl`; the linker script keeps `.note.halvm` in the loaded
//! text segment and in the PT_NOTE segment, next to Xen's PVH note, so the
//! notes survive `--gc-sections` and tools find them through the program
//! headers as well as the section table. Several notes may appear in one
//! image; readers merge their lines in order (a later key wins).

/// The section the notes live in (the linker script KEEPs it).
pub const NOTE_SECTION: &str = ".note.halvm";
/// The note's name (the owner, in ELF terms).
pub const NOTE_NAME: &str = "halvm";
/// The note type of build information (the only type so far; types are
/// scoped by the name, so they cannot clash with other owners' notes).
pub const NOTE_TYPE_BUILD_INFO: u32 = 1;

/// The entries of the prefix's fixed build-info object: the toolchain's
/// and GHC's versions.
pub fn toolchain_entries() -> Vec<(&'static str, &'static str)> {
    vec![("halvm", crate::HALVM_VERSION), ("ghc", crate::GHC_VERSION)]
}

/// The assembly of `lib/halvm/lib/halvm-info.o`: the note with
/// [`toolchain_entries`]. Assemble it with the prefix's
/// `x86_64-halvm-linux-gcc -c halvm-info.s -o halvm-info.o`.
pub fn toolchain_note_assembly() -> String {
    note_assembly(&toolchain_entries()).expect("the toolchain's own entries are well-formed")
}

/// GNU assembler text (AT&T syntax, for x86_64 ELF) defining one
/// build-info note holding `entries` as `key=value\n` lines. Keys must be
/// non-empty and hold neither `=` nor a newline; values hold no newline.
pub fn note_assembly(entries: &[(&str, &str)]) -> Result<String, String> {
    let desc = descriptor(entries)?;
    let mut s = String::new();
    s.push_str("# halvm build-info note (see halvm-tools' build_info module).\n");
    s.push_str(&format!("\t.section {NOTE_SECTION},\"a\",@note\n"));
    s.push_str("\t.p2align 2\n");
    s.push_str(&format!("\t.long {}\n", NOTE_NAME.len() + 1)); // namesz counts the NUL
    s.push_str(&format!("\t.long {}\n", desc.len())); // descsz
    s.push_str(&format!("\t.long {NOTE_TYPE_BUILD_INFO}\n"));
    s.push_str(&format!("\t.asciz \"{NOTE_NAME}\"\n"));
    s.push_str("\t.p2align 2\n");
    // Bytes, not a string directive: no quoting rules to get wrong.
    for chunk in desc.chunks(16) {
        let bytes: Vec<String> = chunk.iter().map(|b| b.to_string()).collect();
        s.push_str(&format!("\t.byte {}\n", bytes.join(",")));
    }
    s.push_str("\t.p2align 2\n");
    // Without it, ld warns that the object implies an executable stack.
    s.push_str("\t.section .note.GNU-stack,\"\",@progbits\n");
    Ok(s)
}

/// The descriptor bytes for `entries`.
pub fn descriptor(entries: &[(&str, &str)]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for (key, value) in entries {
        if key.is_empty() || key.contains(['=', '\n']) {
            return Err(format!("build-info key {key:?} must be non-empty, without '=' or newlines"));
        }
        if value.contains('\n') {
            return Err(format!("build-info value {value:?} for {key} must not contain a newline"));
        }
        out.extend_from_slice(format!("{key}={value}\n").as_bytes());
    }
    Ok(out)
}

/// The `key=value` lines of one note's descriptor, in order. Bytes after
/// the last newline (alignment padding is never part of the descriptor,
/// but a damaged note may have some) and lines without `=` are skipped.
pub fn parse_descriptor(desc: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(desc);
    text.split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .filter_map(|line| line.trim_end_matches('\n').split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_round_trips() {
        let entries = [("halvm", "1.2.3"), ("rtsopts", "-M8m -A1m 'x=y'")];
        let parsed = parse_descriptor(&descriptor(&entries).unwrap());
        let want: Vec<(String, String)> = entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(parsed, want);
    }

    #[test]
    fn malformed_entries_are_refused() {
        assert!(descriptor(&[("", "x")]).is_err());
        assert!(descriptor(&[("a=b", "x")]).is_err());
        assert!(descriptor(&[("a", "x\ny")]).is_err());
    }

    #[test]
    fn parse_skips_unterminated_and_bare_lines() {
        assert_eq!(parse_descriptor(b"junk\nk=v\ntrailing=no-newline"), vec![("k".into(), "v".into())]);
    }

    /// The generated assembly, assembled by the host's assembler, yields a
    /// note that reads back as the entries (through object's note parser,
    /// which checks sizes and alignment).
    #[test]
    fn assembly_yields_a_readable_note() {
        use object::read::elf::{FileHeader, SectionHeader};
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("note.s");
        let obj = dir.path().join("note.o");
        let entries = [("halvm", "9.9.9"), ("rtsopts", "-N1 \"q\" \\ ü")];
        std::fs::write(&src, note_assembly(&entries).unwrap()).unwrap();
        let status = std::process::Command::new("gcc").arg("-c").arg(&src).arg("-o").arg(&obj).status().unwrap();
        assert!(status.success(), "gcc -c failed on:\n{}", note_assembly(&entries).unwrap());
        let bytes = std::fs::read(&obj).unwrap();
        let header = object::elf::FileHeader64::<object::Endianness>::parse(&*bytes).unwrap();
        let endian = header.endian().unwrap();
        let sections = header.sections(endian, &*bytes).unwrap();
        let (_, section) = sections.section_by_name(endian, NOTE_SECTION.as_bytes()).expect("the note section");
        assert_ne!(section.sh_flags(endian) & u64::from(object::elf::SHF_ALLOC), 0, "the note must be loaded");
        let mut notes = section.notes(endian, &*bytes).unwrap().expect("a SHT_NOTE section");
        let note = notes.next().unwrap().expect("one note");
        assert_eq!(note.name(), NOTE_NAME.as_bytes());
        assert_eq!(note.n_type(endian), NOTE_TYPE_BUILD_INFO);
        let got = parse_descriptor(note.desc());
        assert_eq!(got, vec![("halvm".into(), "9.9.9".into()), ("rtsopts".into(), "-N1 \"q\" \\ ü".into())]);
        assert!(notes.next().unwrap().is_none());
    }
}
