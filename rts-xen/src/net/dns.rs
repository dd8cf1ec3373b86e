//! DNS messages for the stub resolver (RFC 1035): the query for a name's
//! IPv4 addresses (type A) and the reading of the reply. Pure, so the
//! host unit tests below feed it hand-made and hostile replies; the I/O
//! is resolver.rs.
//!
//! The reply comes from the network and is not trusted. A datagram that
//! is not the answer to our question (another id, not a response, another
//! question) is ignored, so a stray or forged datagram cannot end the
//! lookup. In the rest every read is bounded by the message: a name may
//! be at most 255 bytes, and its compression pointers must each point
//! before the part of the message read so far, so they cannot loop;
//! counts that claim more records than the message holds make it
//! malformed (unless it says it was truncated: then the complete records
//! are used).

use crate::errno::*;

/// The server's port unless `halvm.dns=` names another.
pub const PORT: u16 = 53;
/// The longest query: header, a name of at most 255 bytes, type, class.
pub const QUERY_MAX: usize = HEADER + NAME_MAX + 4;
/// Bytes of a reply read: a DNS server answers over UDP in at most 512
/// bytes unless the query offered more (EDNS, which we do not); longer
/// datagrams are cut here and read as truncated.
pub const REPLY_MAX: usize = 2048;
/// Most addresses taken from one reply.
pub const MAX_ADDRS: usize = 32;
/// The longest name in wire form (RFC 1035 2.3.4), root label included.
pub const NAME_MAX: usize = 255;

const HEADER: usize = 12;
/// Answer records looked at; a 512-byte reply holds at most 31 A records.
const MAX_RECORDS: usize = 64;
/// CNAME links followed from the question to the addresses; a longer
/// chain is taken for a loop.
const MAX_CNAME_HOPS: usize = 16;

const TYPE_A: u16 = 1;
const TYPE_CNAME: u16 = 5;
const CLASS_IN: u16 = 1;

const FLAG_RESPONSE: u16 = 0x8000;
const OPCODE_MASK: u16 = 0x7800;
const FLAG_TRUNCATED: u16 = 0x0200;
const FLAG_RECURSION_DESIRED: u16 = 0x0100;
const RCODE_MASK: u16 = 0x000f;
const RCODE_SERVFAIL: u16 = 2;
const RCODE_NXDOMAIN: u16 = 3;

/// A domain name in wire form, uncompressed: labels with their length
/// bytes, ending with the root's empty label.
#[derive(Clone, Copy)]
pub struct Name {
    bytes: [u8; NAME_MAX],
    len: usize,
}

impl core::fmt::Debug for Name {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut text = [0u8; NAME_MAX];
        match self.to_text(&mut text) {
            Some(n) => write!(f, "{:?}", core::str::from_utf8(&text[..n]).unwrap_or("?")),
            None => write!(f, "{:?}", &self.bytes[..self.len]),
        }
    }
}

impl PartialEq for Name {
    /// DNS compares names without regard to ASCII case (RFC 4343). Length
    /// bytes are below 64, so lowering them changes nothing.
    fn eq(&self, other: &Name) -> bool {
        self.len == other.len && self.bytes[..self.len].eq_ignore_ascii_case(&other.bytes[..other.len])
    }
}

impl Name {
    const fn empty() -> Name {
        Name { bytes: [0; NAME_MAX], len: 0 }
    }

    /// A name from its text, `a.b.c` or `a.b.c.`: labels of 1 to 63
    /// printable ASCII characters other than `.` (no spaces, no control
    /// or 8-bit bytes: what a host name can hold; IDNs come punycoded),
    /// at most 253 characters without the final dot. None otherwise.
    pub fn parse(text: &[u8]) -> Option<Name> {
        let text = text.strip_suffix(b".").unwrap_or(text);
        if text.is_empty() || text.len() > NAME_MAX - 2 {
            return None;
        }
        let mut n = Name::empty();
        for label in text.split(|&b| b == b'.') {
            if label.is_empty() || label.len() > 63 || !label.iter().all(|b| (0x21..0x7f).contains(b)) {
                return None;
            }
            n.push_label(label)?;
        }
        n.push_label(&[])?;
        Some(n)
    }

    fn push_label(&mut self, label: &[u8]) -> Option<()> {
        let end = self.len + 1 + label.len();
        if end > NAME_MAX {
            return None;
        }
        self.bytes[self.len] = label.len() as u8;
        self.bytes[self.len + 1..end].copy_from_slice(label);
        self.len = end;
        Some(())
    }

    /// The wire form.
    pub fn wire(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The text form without the final dot into `out`: its length, or
    /// None when it does not fit or a label holds bytes a host name
    /// cannot (a dot, a space, control or 8-bit bytes).
    pub fn to_text(&self, out: &mut [u8]) -> Option<usize> {
        let mut at = 0;
        let mut p = 0;
        while p < self.len && self.bytes[p] != 0 {
            let label = &self.bytes[p + 1..p + 1 + self.bytes[p] as usize];
            if !label.iter().all(|&b| (0x21..0x7f).contains(&b) && b != b'.') {
                return None;
            }
            if at > 0 {
                *out.get_mut(at)? = b'.';
                at += 1;
            }
            out.get_mut(at..at + label.len())?.copy_from_slice(label);
            at += label.len();
            p += 1 + label.len();
        }
        Some(at)
    }
}

/// Writes the query for `name`'s A records with id `id` (recursion
/// desired, as a stub resolver asks); returns its length.
pub fn build_query(id: u16, name: &Name, out: &mut [u8; QUERY_MAX]) -> usize {
    let mut header = [0u8; HEADER];
    header[0..2].copy_from_slice(&id.to_be_bytes());
    header[2..4].copy_from_slice(&FLAG_RECURSION_DESIRED.to_be_bytes());
    header[4..6].copy_from_slice(&1u16.to_be_bytes()); // one question
    out[..HEADER].copy_from_slice(&header);
    let q = name.wire();
    out[HEADER..HEADER + q.len()].copy_from_slice(q);
    let at = HEADER + q.len();
    out[at..at + 2].copy_from_slice(&TYPE_A.to_be_bytes());
    out[at + 2..at + 4].copy_from_slice(&CLASS_IN.to_be_bytes());
    at + 4
}

/// What a datagram from the server says about our query.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// Not the answer to our question: ignore it, wait on.
    NotOurs,
    /// The name's addresses (at least one) and its canonical name (the
    /// end of the CNAME chain, or the name asked for).
    Found(Found),
    /// A negative errno, as net.h's halvm_net_resolve returns it: ENOENT
    /// (no such name), ENODATA (the name has no A record), EAGAIN (the
    /// server failed: SERVFAIL), EPROTO (it refused or cannot answer),
    /// EBADMSG (a malformed answer), EMSGSIZE (truncated before any
    /// address; there is no TCP fallback).
    Failed(i32),
}

#[derive(Debug, PartialEq)]
pub struct Found {
    pub addrs: [u32; MAX_ADDRS],
    pub count: usize,
    pub canonical: Name,
}

/// The message ended early or broke a rule.
struct Bad;

fn u16_at(msg: &[u8], at: usize) -> Result<u16, Bad> {
    let b = msg.get(at..at + 2).ok_or(Bad)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

/// Reads the (maybe compressed) name at `at`: the name, and where the
/// bytes after it start. Each compression pointer must point before the
/// part of the message this name was read from so far, so the reading
/// only ever moves back and ends; the name may not exceed 255 bytes.
fn read_name(msg: &[u8], at: usize) -> Result<(Name, usize), Bad> {
    let mut name = Name::empty();
    let mut p = at;
    let mut floor = at;
    let mut after = None;
    loop {
        let len = *msg.get(p).ok_or(Bad)?;
        match len & 0xc0 {
            0x00 => {
                let label = msg.get(p + 1..p + 1 + len as usize).ok_or(Bad)?;
                name.push_label(label).ok_or(Bad)?;
                p += 1 + len as usize;
                if len == 0 {
                    return Ok((name, after.unwrap_or(p)));
                }
            }
            0xc0 => {
                let target = (usize::from(len & 0x3f) << 8) | usize::from(*msg.get(p + 1).ok_or(Bad)?);
                if target >= floor {
                    return Err(Bad);
                }
                after.get_or_insert(p + 2);
                floor = target;
                p = target;
            }
            // 0x40 and 0x80: extended and reserved label types (RFC 6891)
            _ => return Err(Bad),
        }
    }
}

/// One resource record of the answer section: where its owner name and
/// data start, its type, class and data length.
#[derive(Clone, Copy, Default)]
struct Record {
    owner: usize,
    rtype: u16,
    class: u16,
    data: usize,
    data_len: usize,
}

/// Reads the record at `at`; returns it and where the next starts.
fn read_record(msg: &[u8], at: usize) -> Result<(Record, usize), Bad> {
    let (_, p) = read_name(msg, at)?;
    let rtype = u16_at(msg, p)?;
    let class = u16_at(msg, p + 2)?;
    // (p + 4: the TTL, which a stub without a cache ignores)
    let data_len = usize::from(u16_at(msg, p + 8)?);
    let data = p + 10;
    if data + data_len > msg.len() {
        return Err(Bad);
    }
    Ok((Record { owner: at, rtype, class, data, data_len }, data + data_len))
}

/// Reads the server's `msg` as the reply to query `id` for `question`.
/// `cut`: the datagram was longer than `msg` (read as truncated).
pub fn parse_reply(msg: &[u8], cut: bool, id: u16, question: &Name) -> Reply {
    let Ok(flags) = u16_at(msg, 2) else { return Reply::NotOurs };
    if u16_at(msg, 0).ok() != Some(id) || flags & FLAG_RESPONSE == 0 || flags & OPCODE_MASK != 0 {
        return Reply::NotOurs;
    }
    // the question must be ours, echoed back
    if u16_at(msg, 4).ok() != Some(1) {
        return Reply::NotOurs;
    }
    let Ok((qname, p)) = read_name(msg, HEADER) else { return Reply::NotOurs };
    if qname != *question || u16_at(msg, p).ok() != Some(TYPE_A) || u16_at(msg, p + 2).ok() != Some(CLASS_IN) {
        return Reply::NotOurs;
    }
    match flags & RCODE_MASK {
        0 => {}
        RCODE_NXDOMAIN => return Reply::Failed(ENOENT),
        RCODE_SERVFAIL => return Reply::Failed(EAGAIN),
        // FORMERR, NOTIMP, REFUSED, ...: asking again will not help
        _ => return Reply::Failed(EPROTO),
    }
    let truncated = cut || flags & FLAG_TRUNCATED != 0;
    let answers = u16_at(msg, 6).unwrap_or(0);
    let mut records = [Record::default(); MAX_RECORDS];
    let mut n = 0;
    let mut at = p + 4;
    for _ in 0..answers {
        match read_record(msg, at) {
            Ok((r, next)) => {
                if n < MAX_RECORDS {
                    records[n] = r;
                    n += 1;
                }
                at = next;
            }
            // a truncated message ends in the middle: use what is whole
            Err(Bad) if truncated => break,
            Err(Bad) => return Reply::Failed(EBADMSG),
        }
    }
    match follow_chain(msg, &records[..n], question) {
        Ok(Some(found)) => Reply::Found(found),
        Ok(None) if truncated => Reply::Failed(EMSGSIZE),
        Ok(None) => Reply::Failed(ENODATA),
        Err(Bad) => Reply::Failed(EBADMSG),
    }
}

/// From the question along CNAME records to the name that has A records:
/// its addresses, in the order of the message. The records may come in
/// any order. None when the chain ends without addresses.
fn follow_chain(msg: &[u8], records: &[Record], question: &Name) -> Result<Option<Found>, Bad> {
    let mut name = *question;
    for _ in 0..=MAX_CNAME_HOPS {
        let mut found = Found { addrs: [0; MAX_ADDRS], count: 0, canonical: name };
        let mut next = None;
        for r in records.iter().filter(|r| r.class == CLASS_IN) {
            if !matches!(r.rtype, TYPE_A | TYPE_CNAME) || read_name(msg, r.owner)?.0 != name {
                continue;
            }
            if r.rtype == TYPE_A {
                let a = msg.get(r.data..r.data + r.data_len).filter(|a| a.len() == 4).ok_or(Bad)?;
                if found.count < MAX_ADDRS {
                    found.addrs[found.count] = u32::from_be_bytes([a[0], a[1], a[2], a[3]]);
                    found.count += 1;
                }
            } else if next.is_none() {
                // the target must lie within the record's data
                let (target, end) = read_name(msg, r.data)?;
                if end != r.data + r.data_len {
                    return Err(Bad);
                }
                next = Some(target);
            }
        }
        if found.count > 0 {
            return Ok(Some(found));
        }
        match next {
            Some(target) => name = target,
            None => return Ok(None),
        }
    }
    Err(Bad) // a chain this long is a loop
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn name(s: &str) -> Name {
        Name::parse(s.as_bytes()).unwrap_or_else(|| panic!("{s:?} is a valid name"))
    }

    /// A reply message, written by hand: header fields, then raw bytes.
    struct Msg(Vec<u8>);

    impl Msg {
        /// A reply header for `id` with `flags` and the section counts;
        /// the question section is for the caller to write.
        fn header(id: u16, flags: u16, qd: u16, an: u16) -> Msg {
            let mut m = Vec::new();
            for v in [id, flags, qd, an, 0, 0] {
                m.extend_from_slice(&v.to_be_bytes());
            }
            Msg(m)
        }
        /// The usual reply: our question echoed, answers to be added.
        fn reply(id: u16, flags: u16, an: u16, q: &str) -> Msg {
            let mut m = Msg::header(id, FLAG_RESPONSE | FLAG_RECURSION_DESIRED | 0x0080 | flags, 1, an);
            m.name(q).u16(TYPE_A).u16(CLASS_IN);
            m
        }
        fn name(&mut self, s: &str) -> &mut Msg {
            self.0.extend_from_slice(name(s).wire());
            self
        }
        fn raw(&mut self, b: &[u8]) -> &mut Msg {
            self.0.extend_from_slice(b);
            self
        }
        fn u16(&mut self, v: u16) -> &mut Msg {
            self.raw(&v.to_be_bytes())
        }
        /// A record's fixed part after its owner: type, class, TTL, length.
        fn rr(&mut self, rtype: u16, len: u16) -> &mut Msg {
            self.u16(rtype).u16(CLASS_IN).raw(&[0, 0, 0x0e, 0x10]).u16(len)
        }
        fn a(&mut self, owner: &str, addr: [u8; 4]) -> &mut Msg {
            self.name(owner).rr(TYPE_A, 4).raw(&addr)
        }
        fn cname(&mut self, owner: &str, target: &str) -> &mut Msg {
            let t = name(target);
            self.name(owner).rr(TYPE_CNAME, t.len as u16).raw(t.wire())
        }
        fn parse(&self, id: u16, q: &str) -> Reply {
            parse_reply(&self.0, false, id, &name(q))
        }
    }

    fn addrs(r: &Reply) -> (Vec<[u8; 4]>, String) {
        let Reply::Found(f) = r else { panic!("no addresses: {r:?}") };
        let mut text = [0u8; NAME_MAX];
        let n = f.canonical.to_text(&mut text).unwrap();
        (f.addrs[..f.count].iter().map(|a| a.to_be_bytes()).collect(), String::from_utf8(text[..n].to_vec()).unwrap())
    }

    #[test]
    fn names_parse_strictly_and_print_back() {
        assert_eq!(name("service.halvm.test").wire(), b"\x07service\x05halvm\x04test\x00");
        assert_eq!(name("example.org."), name("EXAMPLE.org"), "a final dot, any case");
        let long_label = "a".repeat(63);
        assert!(Name::parse(format!("{long_label}.b").as_bytes()).is_some());
        let longest = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join(".");
        assert_eq!(longest.len(), 253);
        assert_eq!(Name::parse(longest.as_bytes()).unwrap().wire().len(), 255);
        for bad in [String::new(), ".".into(), "a..b".into(), ".a".into(), "a b".into(), "a\tb".into(),
                    "caf\u{e9}.fr".into(), format!("{long_label}a.b"), format!("{longest}e"), "a.b..".into()] {
            assert!(Name::parse(bad.as_bytes()).is_none(), "{bad:?}");
        }
        let mut out = [0u8; 18];
        assert_eq!(name("service.halvm.test.").to_text(&mut out), Some(18));
        assert_eq!(&out, b"service.halvm.test");
        assert_eq!(name("service.halvm.test").to_text(&mut [0u8; 17]), None, "too small a buffer");
    }

    #[test]
    fn the_query_asks_for_a_records_with_recursion() {
        let mut q = [0u8; QUERY_MAX];
        let n = build_query(0xbeef, &name("a.bc"), &mut q);
        assert_eq!(&q[..n], b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x02bc\x00\x00\x01\x00\x01");
        let longest = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join(".");
        assert_eq!(build_query(1, &name(&longest), &mut q), QUERY_MAX);
    }

    #[test]
    fn addresses_in_the_order_of_the_reply() {
        let mut m = Msg::reply(7, 0, 3, "many.halvm.test");
        m.a("many.halvm.test", [192, 0, 2, 1]).a("MANY.halvm.test", [192, 0, 2, 3]).a("many.halvm.test", [192, 0, 2, 2]);
        let r = m.parse(7, "many.halvm.test");
        assert_eq!(addrs(&r), (vec![[192, 0, 2, 1], [192, 0, 2, 3], [192, 0, 2, 2]], "many.halvm.test".into()));
    }

    #[test]
    fn compressed_names_are_followed() {
        // the owner points at the question (offset 12), the second owner
        // at a suffix inside it, the CNAME target at a label then a pointer
        let mut m = Msg::reply(1, 0, 3, "www.halvm.test");
        m.raw(&[0xc0, 12]).rr(TYPE_CNAME, 7).raw(b"\x04real\xc0\x10"); // real.halvm.test
        let target = 12 + 16 + 4 + 12; // where "real" starts
        m.raw(&[0xc0, target as u8]).rr(TYPE_A, 4).raw(&[192, 0, 2, 9]);
        m.raw(&[0xc0, 0x10]).rr(TYPE_A, 4).raw(&[192, 0, 2, 10]); // halvm.test: not on the chain
        assert_eq!(addrs(&m.parse(1, "www.halvm.test")), (vec![[192, 0, 2, 9]], "real.halvm.test".into()));
    }

    #[test]
    fn cname_chains_lead_to_the_addresses_in_any_order() {
        let mut m = Msg::reply(2, 0, 4, "alias.halvm.test");
        m.a("service.halvm.test", [192, 0, 2, 7])
            .cname("middle.halvm.test", "service.halvm.test")
            .a("other.halvm.test", [198, 51, 100, 1])
            .cname("alias.halvm.test", "middle.halvm.test");
        assert_eq!(addrs(&m.parse(2, "alias.halvm.test")), (vec![[192, 0, 2, 7]], "service.halvm.test".into()));
        // a chain to a name without addresses: no data
        let mut m = Msg::reply(2, 0, 1, "alias.halvm.test");
        m.cname("alias.halvm.test", "nowhere.halvm.test");
        assert_eq!(m.parse(2, "alias.halvm.test"), Reply::Failed(ENODATA));
        // a loop
        let mut m = Msg::reply(2, 0, 2, "a.test");
        m.cname("a.test", "b.test").cname("b.test", "a.test");
        assert_eq!(m.parse(2, "a.test"), Reply::Failed(EBADMSG));
        // a CNAME whose target runs past its data
        let mut m = Msg::reply(2, 0, 1, "a.test");
        m.name("a.test").rr(TYPE_CNAME, 2).raw(b"\x01b").raw(b"\x04test\x00");
        assert_eq!(m.parse(2, "a.test"), Reply::Failed(EBADMSG));
    }

    #[test]
    fn negative_answers_and_server_failures() {
        assert_eq!(Msg::reply(3, RCODE_NXDOMAIN, 0, "missing.test").parse(3, "missing.test"), Reply::Failed(ENOENT));
        assert_eq!(Msg::reply(3, RCODE_SERVFAIL, 0, "broken.test").parse(3, "broken.test"), Reply::Failed(EAGAIN));
        for rcode in [1, 4, 5, 9] {
            assert_eq!(Msg::reply(3, rcode, 0, "x.test").parse(3, "x.test"), Reply::Failed(EPROTO), "rcode {rcode}");
        }
        assert_eq!(Msg::reply(3, 0, 0, "empty.test").parse(3, "empty.test"), Reply::Failed(ENODATA));
        // other types and classes are no addresses
        let mut m = Msg::reply(3, 0, 2, "mx.test");
        m.name("mx.test").rr(15, 3).raw(b"\x00\x0a\x00");
        m.name("mx.test").u16(TYPE_A).u16(3).raw(&[0; 4]).u16(4).raw(&[1, 2, 3, 4]); // class CH
        assert_eq!(m.parse(3, "mx.test"), Reply::Failed(ENODATA));
    }

    #[test]
    fn replies_to_other_queries_are_ignored() {
        let good = |m: &mut Msg| {
            m.a("q.test", [192, 0, 2, 1]);
        };
        let mut m = Msg::reply(9, 0, 1, "q.test");
        good(&mut m);
        assert!(matches!(m.parse(9, "q.test"), Reply::Found(_)));
        assert_eq!(m.parse(10, "q.test"), Reply::NotOurs, "another id");
        assert_eq!(m.parse(9, "other.test"), Reply::NotOurs, "another question");
        let mut query = Msg::header(9, FLAG_RECURSION_DESIRED, 1, 1);
        query.name("q.test").u16(TYPE_A).u16(CLASS_IN);
        good(&mut query);
        assert_eq!(query.parse(9, "q.test"), Reply::NotOurs, "not a response");
        let mut m = Msg::header(9, FLAG_RESPONSE | 0x2000, 1, 1); // opcode 4 (notify)
        m.name("q.test").u16(TYPE_A).u16(CLASS_IN);
        good(&mut m);
        assert_eq!(m.parse(9, "q.test"), Reply::NotOurs, "another opcode");
        let mut m = Msg::header(9, FLAG_RESPONSE, 1, 1);
        m.name("q.test").u16(28).u16(CLASS_IN); // AAAA
        good(&mut m);
        assert_eq!(m.parse(9, "q.test"), Reply::NotOurs, "another type");
        let mut m = Msg::header(9, FLAG_RESPONSE | RCODE_NXDOMAIN, 0, 0);
        assert_eq!(m.parse(9, "q.test"), Reply::NotOurs, "no question");
        m.0.truncate(11);
        assert_eq!(m.parse(9, "q.test"), Reply::NotOurs, "shorter than a header");
        assert_eq!(parse_reply(&[], false, 9, &name("q.test")), Reply::NotOurs);
    }

    #[test]
    fn truncated_replies_use_the_complete_records() {
        let mut m = Msg::reply(4, FLAG_TRUNCATED, 5, "t.test");
        m.a("t.test", [192, 0, 2, 1]).a("t.test", [192, 0, 2, 2]).name("t.test").rr(TYPE_A, 4).raw(&[192, 0]);
        assert_eq!(addrs(&m.parse(4, "t.test")).0, vec![[192, 0, 2, 1], [192, 0, 2, 2]]);
        // the same bytes without TC are malformed
        m.0[2] &= !0x02;
        assert_eq!(m.parse(4, "t.test"), Reply::Failed(EBADMSG));
        // ... unless the datagram was cut by our buffer
        assert!(matches!(parse_reply(&m.0, true, 4, &name("t.test")), Reply::Found(_)));
        // truncated before any address: nothing to use, no TCP to ask again
        let m = Msg::reply(4, FLAG_TRUNCATED, 3, "t.test");
        assert_eq!(m.parse(4, "t.test"), Reply::Failed(EMSGSIZE));
    }

    #[test]
    fn hostile_messages_are_refused_without_reading_out_of_bounds() {
        let q = "h.test";
        let question_end = 12 + 8 + 4;
        // compression loops: a pointer to itself, two pointing at each
        // other, and a label followed by a pointer back to it
        for owner in [vec![0xc0, question_end as u8], vec![0xc0, question_end as u8 + 2, 0xc0, question_end as u8],
                      vec![0x01, b'x', 0xc0, question_end as u8]] {
            let mut m = Msg::reply(5, 0, 1, q);
            m.raw(&owner).rr(TYPE_A, 4).raw(&[1, 2, 3, 4]);
            assert_eq!(m.parse(5, q), Reply::Failed(EBADMSG), "{owner:?}");
        }
        // a pointer beyond the message, a pointer cut in half, the
        // reserved label types, a label running past the end
        for owner in [vec![0xff, 0xff], vec![0xc0], vec![0x40], vec![0x80, 0], vec![0x3f, b'a']] {
            let mut m = Msg::reply(5, 0, 1, q);
            m.raw(&owner);
            assert_eq!(m.parse(5, q), Reply::Failed(EBADMSG), "{owner:?}");
        }
        // a name longer than 255 bytes through a pointer: 63 bytes of
        // label before a valid 193-byte name
        let mut m = Msg::reply(5, 0, 2, q);
        let first = m.0.len();
        for _ in 0..3 {
            m.raw(&[63]).raw(&[b'a'; 63]);
        }
        m.raw(&[0]).rr(TYPE_A, 4).raw(&[1, 2, 3, 4]);
        m.raw(&[63]).raw(&[b'b'; 63]).raw(&[0xc0 | (first >> 8) as u8, first as u8]).rr(TYPE_A, 4).raw(&[1, 2, 3, 4]);
        assert_eq!(m.parse(5, q), Reply::Failed(EBADMSG), "a 257-byte name");
        // counts larger than the message
        let mut m = Msg::reply(5, 0, 65535, q);
        m.a(q, [192, 0, 2, 1]);
        assert_eq!(m.parse(5, q), Reply::Failed(EBADMSG), "65535 answers claimed, one there");
        // data length beyond the message; an A record of 3 or 5 bytes
        let mut m = Msg::reply(5, 0, 1, q);
        m.name(q).rr(TYPE_A, 400).raw(&[1, 2, 3, 4]);
        assert_eq!(m.parse(5, q), Reply::Failed(EBADMSG));
        for len in [3u16, 5] {
            let mut m = Msg::reply(5, 0, 1, q);
            m.name(q).rr(TYPE_A, len).raw(&[1, 2, 3, 4, 5][..len as usize]);
            assert_eq!(m.parse(5, q), Reply::Failed(EBADMSG), "{len}-byte A record");
        }
        // a question whose name loops is not our question
        let mut m = Msg::header(5, FLAG_RESPONSE, 1, 0);
        m.raw(&[0xc0, 12]).u16(TYPE_A).u16(CLASS_IN);
        assert_eq!(m.parse(5, q), Reply::NotOurs);
    }

    #[test]
    fn random_bytes_never_panic() {
        // every prefix and a few thousand mutations of a good reply
        let mut m = Msg::reply(6, 0, 3, "alias.halvm.test");
        m.raw(&[0xc0, 12]).rr(TYPE_CNAME, 10).raw(b"\x07service\xc0\x12");
        m.a("service.halvm.test", [192, 0, 2, 7]).a("service.halvm.test", [192, 0, 2, 8]);
        let q = name("alias.halvm.test");
        assert!(matches!(parse_reply(&m.0, false, 6, &q), Reply::Found(_)));
        for n in 0..m.0.len() {
            let _ = parse_reply(&m.0[..n], false, 6, &q);
            let _ = parse_reply(&m.0[..n], true, 6, &q);
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut b = m.0.clone();
            for _ in 0..1 + next() % 4 {
                let i = (next() % b.len() as u64) as usize;
                b[i] = next() as u8;
            }
            let _ = parse_reply(&b, next() % 2 == 0, 6, &q);
        }
    }
}
