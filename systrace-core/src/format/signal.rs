//! Signal names (`signame`), and the inverse lookup.

/// The kernel's first real-time signal number.
///
/// glibc reserves 32 and 33 for its own use and so reports
/// `SIGRTMIN()` as 34, but the kernel's numbering is what a traced `kill`
/// carries, so the printed names follow the kernel: 32 is `SIGRTMIN`.
pub const SIGRTMIN: i32 = 32;

/// The kernel's last real-time signal number (`_NSIG`, 64 on x86 and arm).
pub const SIGRTMAX: i32 = 64;

/// Names of the standard signals 1 to 31, x86 and arm (generic) numbering.
const NAMES: [&str; 31] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

/// Other names the kernel headers give to standard signals; accepted by
/// [`signal_number`], never printed.
const ALIASES: [(&str, i32); 4] = [("IOT", 6), ("CLD", 17), ("POLL", 29), ("UNUSED", 31)];

/// The name of a standard signal 1 to 31 (`SIGHUP` ... `SIGSYS`), or `None`.
/// Real-time signals have no fixed name; see [`signame`].
pub fn signal_name(sig: i32) -> Option<&'static str> {
    let index = usize::try_from(sig).ok()?.checked_sub(1)?;
    NAMES.get(index).copied()
}

/// Prints a signal number as the `signame` translator does.
///
/// The raw value is narrowed to the kernel's `int` first.
/// * 1 to 31: the Linux name, `SIGHUP` ... `SIGSYS` (x86/arm numbering:
///   `SIGBUS` 7, `SIGUSR1` 10, `SIGSTKFLT` 16, `SIGCHLD` 17, ...).
/// * 32 to 64: `SIGRTMIN`, `SIGRTMIN+1` ... `SIGRTMIN+31`, `SIGRTMAX`, in
///   the kernel's numbering (see [`SIGRTMIN`]).
/// * anything else, including 0 (the "may I signal it?" probe), prints as
///   the original did: `<unknown>: N`, with N signed.
pub fn signame(sig: u64) -> String {
    let sig = sig as u32 as i32;
    if let Some(name) = signal_name(sig) {
        return String::from(name);
    }
    match sig {
        SIGRTMIN => String::from("SIGRTMIN"),
        SIGRTMAX => String::from("SIGRTMAX"),
        n if n > SIGRTMIN && n < SIGRTMAX => format!("SIGRTMIN+{}", n - SIGRTMIN),
        n => format!("<unknown>: {n}"),
    }
}

/// The number of a signal named `name`, or `None`.
///
/// Case-insensitive, with or without the `SIG` prefix: `SIGTERM`, `term`,
/// `SigKill`. Also accepts the header aliases `SIGIOT`, `SIGCLD`, `SIGPOLL`,
/// `SIGUNUSED`, and the real-time forms `SIGRTMIN`, `SIGRTMIN+n`,
/// `SIGRTMAX`, `SIGRTMAX-n` (decimal n, no spaces) as long as the result
/// stays within 32 to 64. Numbers are not names: `"9"` gives `None`.
pub fn signal_number(name: &str) -> Option<i32> {
    let bare = match name.get(..3) {
        Some(prefix) if prefix.eq_ignore_ascii_case("SIG") => &name[3..],
        _ => name,
    };
    if bare.is_empty() {
        return None;
    }
    if let Some(index) = NAMES
        .iter()
        .position(|full| full[3..].eq_ignore_ascii_case(bare))
    {
        return i32::try_from(index + 1).ok();
    }
    if let Some(&(_, number)) = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(bare))
    {
        return Some(number);
    }
    realtime_number(bare)
}

/// Parses `RTMIN`, `RTMIN+n`, `RTMAX`, `RTMAX-n` (any case).
fn realtime_number(bare: &str) -> Option<i32> {
    let head = bare.get(..5)?;
    let tail = &bare[5..];
    let (base, sign) = if head.eq_ignore_ascii_case("RTMIN") {
        (SIGRTMIN, b'+')
    } else if head.eq_ignore_ascii_case("RTMAX") {
        (SIGRTMAX, b'-')
    } else {
        return None;
    };
    let offset = match tail.as_bytes() {
        [] => 0,
        [first, digits @ ..]
            if *first == sign && !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) =>
        {
            tail[1..].parse::<i32>().ok()?
        }
        _ => return None,
    };
    let number = if sign == b'+' {
        base.checked_add(offset)?
    } else {
        base.checked_sub(offset)?
    };
    (SIGRTMIN..=SIGRTMAX).contains(&number).then_some(number)
}
