//! Failing closed.

use super::*;

// ---------------------------------------------------------------------------
// Failing closed

#[test]
fn unreadable_path_is_a_fault() {
    let mut t = tracer(Path::new("/"));
    let e = tr_err(&mut t, Abi::X86_64, "open", &[BAD, O_RDONLY]);
    assert!(matches!(e, Error::Fault { pid: PID, .. }), "{e:?}");
    let e = tr_err(&mut t, Abi::X86_64, "open", &[0, O_RDONLY]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
}

#[test]
fn path_over_path_max_is_too_long() {
    let mut t = tracer(Path::new("/"));
    let long = "a/".repeat(2500);
    let p = t.place_str(PID, &long);
    let e = tr_err(&mut t, Abi::X86_64, "open", &[p, O_RDONLY]);
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");
    // 4095 bytes and the NUL fit in PATH_MAX.
    let fits = format!("/{}", "b".repeat(4094));
    let p = t.place_str(PID, &fits);
    let tr = run64(&mut t, "open", &[p, O_RDONLY]);
    assert!(nth(&tr, 0).starts_with(NON_EXISTENT) || nth(&tr, 0) == fits);
    let p = t.place_str(PID, &format!("/{}", "b".repeat(4095)));
    assert!(matches!(
        tr_err(&mut t, Abi::X86_64, "open", &[p, O_RDONLY]),
        Error::TooLong { .. }
    ));
}

#[test]
fn unreadable_argv_is_a_fault() {
    let mut t = tracer(Path::new("/"));
    let path = t.place_str(PID, "/bin/sh");
    let e = tr_err(&mut t, Abi::X86_64, "execve", &[path, BAD, 0]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
    // A readable array holding an unreadable string.
    let arr = t.place(PID, &words(8, &[BAD, 0]));
    let e = tr_err(&mut t, Abi::X86_64, "execve", &[path, arr, 0]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
    // An array with no terminating NULL that runs into unmapped memory.
    let arr = t.place(PID, &words(8, &[path, path]));
    let e = tr_err(&mut t, Abi::X86_64, "execve", &[path, arr, 0]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
}

#[test]
fn oversized_argv_is_too_long() {
    let mut t = tracer(Path::new("/"));
    let path = t.place_str(PID, "/bin/sh");
    let a = t.place_str(PID, "x");
    let mut many = vec![a; 4097];
    many.push(0);
    let arr = t.place(PID, &words(8, &many));
    let e = tr_err(&mut t, Abi::X86_64, "execve", &[path, arr, 0]);
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");
    let big = t.place_str(PID, &"y".repeat(70_000));
    let arr = t.place(PID, &words(8, &[big, big, 0]));
    let e = tr_err(&mut t, Abi::X86_64, "execve", &[path, arr, 0]);
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");
}

#[test]
fn unreadable_sockaddr_is_a_fault() {
    let mut t = FakeTracer::new();
    let e = tr_err(&mut t, Abi::X86_64, "connect", &[3, BAD, 16]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
    // Partly readable: the kernel copies all of it or fails.
    let a = t.place(PID, &[2, 0, 0, 53]);
    let e = tr_err(&mut t, Abi::X86_64, "connect", &[3, a, 16]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
    let e = tr_err(&mut t, Abi::X86_64, "sendto", &[3, 0, 0, 0, BAD, 16]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
}

#[test]
fn gone_process_is_an_error() {
    // No working directory known: the backend says the process is gone.
    let mut t = FakeTracer::new();
    let p = t.place_str(PID, "relative");
    let e = tr_err(&mut t, Abi::X86_64, "open", &[p, O_RDONLY]);
    assert!(matches!(e, Error::Gone { pid: PID }), "{e:?}");
}
