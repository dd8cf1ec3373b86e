//! The CMOS real-time clock, read once on bare QEMU for the wall clock.

use crate::cpu;

fn cmos(reg: u8) -> u8 {
    // SAFETY: standard CMOS index/data ports; bit 7 keeps NMIs enabled.
    unsafe {
        cpu::outb(0x70, reg & 0x7f);
        cpu::inb(0x71)
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
struct Reading([u8; 7]);

fn read_once() -> Reading {
    // Wait out an update in progress so that the fields are consistent.
    while cmos(0x0a) & 0x80 != 0 {
        core::hint::spin_loop();
    }
    Reading([cmos(0x00), cmos(0x02), cmos(0x04), cmos(0x07), cmos(0x08), cmos(0x09), cmos(0x32)])
}

/// Seconds since 1970-01-01 UTC (QEMU's RTC runs in UTC by default).
pub fn read_unix_seconds() -> i64 {
    // Read until two readings agree: an update may land between fields.
    let mut r = read_once();
    loop {
        let again = read_once();
        if again == r {
            break;
        }
        r = again;
    }
    let status_b = cmos(0x0b);
    let binary = status_b & 0x04 != 0;
    let h24 = status_b & 0x02 != 0;
    let dec = |v: u8| if binary { v as i64 } else { ((v >> 4) * 10 + (v & 0x0f)) as i64 };
    let [sec, min, hour_raw, day, month, year, century] = r.0;
    let pm = hour_raw & 0x80 != 0;
    let mut hour = dec(hour_raw & 0x7f);
    if !h24 {
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    let century = if century != 0 && dec(century) >= 19 { dec(century) } else { 20 };
    let year = century * 100 + dec(year);
    days_from_civil(year, dec(month), dec(day)) * 86400 + hour * 3600 + dec(min) * 60 + dec(sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the well-known
/// era-based algorithm: years start in March so leap days come last).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}
