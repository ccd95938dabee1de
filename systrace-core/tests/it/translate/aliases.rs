//! The i386 socket multiplexer and alias decisions.

use super::*;

// ---------------------------------------------------------------------------
// socketcall

#[test]
fn i386_socketcall_connect_is_judged_as_connect() {
    let mut t = FakeTracer::new();
    let a = t.place(PID, &sockaddr_in([127, 0, 0, 1], 53));
    let args = t.place(PID, &words(4, &[5, a, 16]));
    let tr = run(&mut t, Abi::I386, "socketcall", &[3, args]);
    assert_eq!(tr.name, "connect");
    assert_eq!(tr.call.nr, nr(Abi::I386, "connect"));
    assert_eq!(tr.call.args, [5, a, 16, 0, 0, 0]);
    assert_eq!(val(&tr, "sockaddr"), Some("inet-[127.0.0.1]:53"));
    assert_eq!(tr.alias, None);

    // SYS_SEND: sendto with no address.
    let buf = t.place(PID, b"x");
    let args = t.place(PID, &words(4, &[5, buf, 1, 0]));
    let send = run(&mut t, Abi::I386, "socketcall", &[9, args]);
    assert_eq!(send.name, "sendto");
    assert_eq!(val(&send, "sockaddr"), Some("<unknown>"));

    // SYS_SOCKET.
    let args = t.place(PID, &words(4, &[10, 2, 0]));
    let sock = run(&mut t, Abi::I386, "socketcall", &[1, args]);
    assert_eq!(val(&sock, "sockdom"), Some("AF_INET6"));
    assert_eq!(val(&sock, "socktype"), Some("SOCK_DGRAM"));
}

#[test]
fn socketcall_without_aliases_or_unknown_stays_socketcall() {
    let mut t = FakeTracer::new();
    let args = t.place(PID, &words(4, &[5, 0, 16]));
    let call = raw(Abi::I386, "socketcall", &[3, args]);
    let plain =
        translate::translate(&mut t, &Stop::new(PID, 0, call), false, None).expect("translate");
    assert_eq!(plain.name, "socketcall");
    assert_eq!(plain.call.nr, calls::SOCKETCALL_I386);
    assert!(plain.args.is_empty());
    let unknown = run(&mut t, Abi::I386, "socketcall", &[99, args]);
    assert_eq!(unknown.name, "socketcall");
    assert!(unknown.args.is_empty());
    let e = tr_err(&mut t, Abi::I386, "socketcall", &[3, BAD]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
}

#[test]
fn calls_without_translators_have_no_args() {
    let mut t = FakeTracer::new();
    let tr = run64(&mut t, "getpid", &[]);
    assert_eq!(tr.name, "getpid");
    assert!(tr.args.is_empty());
    assert_eq!(tr.alias, None);
    let unknown = RawCall {
        abi: Abi::X86_64,
        nr: 4000,
        args: [0; 6],
    };
    let tr =
        translate::translate(&mut t, &Stop::new(PID, 0, unknown), true, None).expect("translate");
    assert_eq!(tr.name, "unknown-4000");
}
