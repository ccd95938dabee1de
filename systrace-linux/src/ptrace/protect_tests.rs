//! Unit tests of the argument area: slots and mapping results.

use super::*;
use crate::ptrace::area::LOW_END;

#[test]
fn slots_are_per_thread_and_given_back() {
    let mut space = Space::new(0x10_0000);
    assert_eq!(space.slot(7), Some(0x10_0000));
    assert_eq!(space.slot(8), Some(0x10_0000 + SLOT_SIZE));
    assert_eq!(space.slot(7), Some(0x10_0000));
    space.release(7);
    assert_eq!(space.slot(9), Some(0x10_0000));
    for t in 100..100 + SLOTS as Pid - 2 {
        assert!(space.slot(t).is_some());
    }
    assert_eq!(space.slot(1000), None, "full");
    space.add(0x90_0000);
    assert_eq!(space.slot(1000), Some(0x90_0000));
    let copy = space.copy();
    assert_eq!(copy.areas, space.areas);
    assert!(copy.owners.iter().all(Option::is_none));
}

#[test]
fn mmap_results() {
    assert_eq!(mapped(-12, Mode::Bits64), Err(12));
    assert_eq!(mapped(0x4000_0000, Mode::Bits64), Ok(0x4000_0000));
    // An area must end at or below 2 GiB, in both modes.
    assert_eq!(
        mapped((LOW_END - AREA_SIZE) as i64, Mode::Bits64),
        Ok(LOW_END - AREA_SIZE)
    );
    assert_eq!(
        mapped((LOW_END - AREA_SIZE + 4096) as i64, Mode::Bits64),
        Err(libc::ENOMEM)
    );
    assert_eq!(mapped(0x7f12_3456_7000, Mode::Bits64), Err(libc::ENOMEM));
    assert_eq!(mapped(0x7000_0000, Mode::Bits32), Ok(0x7000_0000));
    // A 32-bit address above 2 GiB comes back sign-extended: refused.
    assert_eq!(
        mapped(0xf7f0_0000u32 as i32 as i64, Mode::Bits32),
        Err(libc::ENOMEM)
    );
}
