//! Writing cpio archives in the "newc" format, the one Linux unpacks as an
//! initramfs (the kernel's Documentation/driver-api/early-userspace/
//! buffer-format.rst). Each entry is a 110-byte ASCII header (the magic
//! `070701` and thirteen 8-digit hex fields), the name with its NUL, zero
//! padding to a multiple of 4, the data, and padding to 4 again; the
//! archive ends with an entry named `TRAILER!!!`.
//!
//! Written by hand rather than with the `cpio` tool so that entries can be
//! owned by root and device nodes (`/dev/console`) can be made without
//! root, and so that the archive depends only on its contents: every
//! timestamp is 0 and inode numbers count up from 1.

use std::io::{self, Write};

const MAGIC: &str = "070701";
const TRAILER: &str = "TRAILER!!!";

/// File type bits of `st_mode`.
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;

pub struct CpioWriter<W: Write> {
    out: W,
    next_inode: u32,
    /// Bytes written so far, for the padding.
    offset: u64,
}

impl<W: Write> CpioWriter<W> {
    pub fn new(out: W) -> CpioWriter<W> {
        CpioWriter { out, next_inode: 1, offset: 0 }
    }

    /// A directory (`mode` holds the permission bits only).
    pub fn dir(&mut self, path: &str, mode: u32) -> io::Result<()> {
        self.entry(path, S_IFDIR | mode, 2, (0, 0), &[])
    }

    /// A regular file with `data`.
    pub fn file(&mut self, path: &str, mode: u32, data: &[u8]) -> io::Result<()> {
        self.entry(path, S_IFREG | mode, 1, (0, 0), data)
    }

    /// A symbolic link to `target` (the link's data is the target).
    pub fn symlink(&mut self, path: &str, target: &str) -> io::Result<()> {
        self.entry(path, S_IFLNK | 0o777, 1, (0, 0), target.as_bytes())
    }

    /// A character device node with the given major and minor numbers.
    pub fn char_device(&mut self, path: &str, mode: u32, major: u32, minor: u32) -> io::Result<()> {
        self.entry(path, S_IFCHR | mode, 1, (major, minor), &[])
    }

    /// Writes the trailer and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.next_inode = 0;
        self.entry(TRAILER, 0, 1, (0, 0), &[])?;
        Ok(self.out)
    }

    fn entry(&mut self, path: &str, mode: u32, links: u32, rdev: (u32, u32), data: &[u8]) -> io::Result<()> {
        // Names are relative to the archive's root, as the kernel expects.
        let name = path.trim_start_matches('/');
        if name.is_empty() || name.contains('\0') {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("bad cpio entry name {path:?}")));
        }
        let size = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("{path} is larger than 4 GiB")))?;
        let inode = self.next_inode;
        self.next_inode += 1;
        let fields = [
            inode,
            mode,
            0, // uid: root
            0, // gid: root
            links,
            0, // mtime
            size,
            0, // device major of the file system holding the file
            0, // device minor
            rdev.0,
            rdev.1,
            name.len() as u32 + 1, // with the terminating NUL
            0,                     // checksum: only used by format 070702
        ];
        let mut header = String::with_capacity(110);
        header.push_str(MAGIC);
        for field in fields {
            header.push_str(&format!("{field:08x}"));
        }
        self.write(header.as_bytes())?;
        self.write(name.as_bytes())?;
        self.write(&[0])?;
        self.pad()?;
        self.write(data)?;
        self.pad()
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn pad(&mut self) -> io::Result<()> {
        let fill = (4 - self.offset % 4) % 4;
        self.write(&[0u8; 3][..fill as usize])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One entry as read back: name, mode, (rdev major, minor), data.
    #[derive(Debug, PartialEq)]
    pub(crate) struct Entry {
        pub name: String,
        pub mode: u32,
        pub rdev: (u32, u32),
        pub data: Vec<u8>,
    }

    /// A reader written from the format description, independent of the
    /// writer: it checks the magic, the padding and the trailer.
    pub(crate) fn read_archive(bytes: &[u8]) -> Vec<Entry> {
        let mut entries = Vec::new();
        let mut at = 0usize;
        let align = |n: usize| (n + 3) & !3;
        loop {
            let header = std::str::from_utf8(&bytes[at..at + 110]).expect("ASCII header");
            assert_eq!(&header[..6], "070701", "magic at offset {at}");
            let field = |i: usize| u32::from_str_radix(&header[6 + 8 * i..14 + 8 * i], 16).unwrap();
            let (mode, size, rdev, namesize) = (field(1), field(6) as usize, (field(9), field(10)), field(11) as usize);
            let name_start = at + 110;
            assert_eq!(bytes[name_start + namesize - 1], 0, "the name ends with NUL");
            let name = String::from_utf8(bytes[name_start..name_start + namesize - 1].to_vec()).unwrap();
            let data_start = align(name_start + namesize);
            assert!(bytes[name_start + namesize..data_start].iter().all(|&b| b == 0), "zero padding after {name}");
            let data = bytes[data_start..data_start + size].to_vec();
            at = align(data_start + size);
            if name == "TRAILER!!!" {
                assert_eq!(at, bytes.len(), "nothing after the trailer");
                return entries;
            }
            entries.push(Entry { name, mode, rdev, data });
        }
    }

    fn sample() -> Vec<u8> {
        let mut w = CpioWriter::new(Vec::new());
        w.dir("/dev", 0o755).unwrap();
        w.char_device("/dev/console", 0o600, 5, 1).unwrap();
        w.file("/init", 0o755, b"#!/bin/sh\necho hi\n").unwrap();
        w.symlink("/bin/sh", "busybox").unwrap();
        w.file("/empty", 0o644, b"").unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn entries_read_back_with_names_types_and_data() {
        let entries = read_archive(&sample());
        let summary: Vec<(&str, u32, (u32, u32), &[u8])> =
            entries.iter().map(|e| (e.name.as_str(), e.mode, e.rdev, e.data.as_slice())).collect();
        assert_eq!(
            summary,
            [
                ("dev", 0o040755, (0, 0), &b""[..]),
                ("dev/console", 0o020600, (5, 1), b""),
                ("init", 0o100755, (0, 0), b"#!/bin/sh\necho hi\n"),
                ("bin/sh", 0o120777, (0, 0), b"busybox"),
                ("empty", 0o100644, (0, 0), b""),
            ]
        );
    }

    #[test]
    fn the_first_header_is_exactly_as_the_format_says() {
        let mut w = CpioWriter::new(Vec::new());
        w.file("a", 0o644, b"xyz").unwrap();
        let bytes = w.finish().unwrap();
        // Written out field by field from buffer-format.rst: inode 1, mode
        // 0100644, uid, gid 0, 1 link, mtime 0, size 3, devices 0,
        // name size 2 ("a" and its NUL), check 0; then the name padded to
        // 4 bytes (110 + 2 = 112 is a multiple of 4) and the data padded.
        let expected = "070701\
            00000001000081a4000000000000000000000001000000000000000300000000\
            00000000000000000000000000000002\
            00000000";
        assert_eq!(std::str::from_utf8(&bytes[..110]).unwrap(), expected);
        assert_eq!(&bytes[110..112], b"a\0");
        assert_eq!(&bytes[112..116], b"xyz\0");
        assert_eq!(&bytes[116..122], b"070701");
    }

    #[test]
    fn every_entry_starts_on_a_multiple_of_four() {
        let bytes = sample();
        assert_eq!(bytes.len() % 4, 0);
        let starts: Vec<usize> = bytes.windows(6).enumerate().filter(|(_, w)| *w == b"070701").map(|(i, _)| i).collect();
        assert_eq!(starts.len(), 6, "five entries and the trailer");
        assert!(starts.iter().all(|s| s % 4 == 0), "{starts:?}");
    }

    /// Round trip through an independent implementation: GNU cpio, which
    /// `cargo xtask build` installs (toolchain/host-packages.toml).
    #[test]
    fn gnu_cpio_lists_and_unpacks_the_same_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = tmp.path().join("a.cpio");
        std::fs::write(&archive, sample()).unwrap();
        let cpio = |args: &[&str], dir: &std::path::Path| {
            let out = std::process::Command::new("cpio")
                .args(args)
                .current_dir(dir)
                .stdin(std::fs::File::open(&archive).unwrap())
                .output()
                .unwrap_or_else(|e| panic!("cannot run GNU cpio ({e}); `cargo xtask build` installs it"));
            assert!(out.status.success(), "cpio {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        };
        let names: Vec<String> = cpio(&["-t", "--quiet"], tmp.path()).lines().map(String::from).collect();
        assert_eq!(names, ["dev", "dev/console", "init", "bin/sh", "empty"]);
        // Unpacking needs no root for these (the device node is left out).
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        cpio(&["-i", "-d", "--quiet", "--no-absolute-filenames", "init", "bin/sh", "empty"], &out);
        assert_eq!(std::fs::read(out.join("init")).unwrap(), b"#!/bin/sh\necho hi\n");
        assert_eq!(std::fs::read_link(out.join("bin/sh")).unwrap(), std::path::Path::new("busybox"));
    }

    #[test]
    fn empty_and_nul_names_are_refused() {
        let mut w = CpioWriter::new(Vec::new());
        assert!(w.file("/", 0o644, b"").is_err());
        assert!(w.file("a\0b", 0o644, b"").is_err());
    }
}
