//! Every other translator.

use super::*;

// ---------------------------------------------------------------------------
// Other translators

#[test]
fn open_prints_oflags() {
    let d = TempDir::new("oflags");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let tr = run64(&mut t, "open", &[p, O_RDWR | O_CREAT | O_TRUNC]);
    assert_eq!(tr.name, "open");
    assert_eq!(val(&tr, "oflags"), Some("rwct"));
    assert_eq!(tr.args[1].checked, None);
    assert_eq!(tr.alias, Some(FSWRITE));
}

#[test]
fn openat2_reads_flags_from_open_how() {
    let d = TempDir::new("openat2");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let how = t.place(PID, &words(8, &[O_WRONLY | 0o2000, 0o644, 0]));
    let tr = run64(&mut t, "openat2", &[AT_FDCWD, p, how, 24]);
    assert_eq!(nth(&tr, 0), d.s("f"));
    assert_eq!(val(&tr, "oflags"), Some("woa"));
    assert_eq!(tr.alias, Some(FSWRITE));
    let bad = tr_err(&mut t, Abi::X86_64, "openat2", &[AT_FDCWD, p, BAD, 24]);
    assert!(matches!(bad, Error::Fault { .. }), "{bad:?}");
}

#[test]
fn aliases_of_every_open_flag_combination() {
    let d = TempDir::new("aliases");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let cases = [
        (O_RDONLY, FSREAD),
        (O_WRONLY, FSWRITE),
        (O_RDWR, FSWRITE),
        (O_RDONLY | O_CREAT, FSWRITE),
        (O_RDONLY | O_TRUNC, FSWRITE),
        (3, FSWRITE),
        (O_RDONLY | O_NOFOLLOW, FSREAD),
    ];
    for (flags, want) in cases {
        let open = run64(&mut t, "open", &[p, flags]);
        assert_eq!(open.alias, Some(want), "open {flags:#o}");
        let openat = run64(&mut t, "openat", &[AT_FDCWD, p, flags]);
        assert_eq!(openat.alias, Some(want), "openat {flags:#o}");
        let how = t.place(PID, &words(8, &[flags, 0, 0]));
        let openat2 = run64(&mut t, "openat2", &[AT_FDCWD, p, how, 24]);
        assert_eq!(openat2.alias, Some(want), "openat2 {flags:#o}");
    }
}

#[test]
fn aliases_off_gives_no_alias() {
    let d = TempDir::new("noalias");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    for (name, args) in [
        ("open", vec![p, O_RDONLY]),
        ("stat", vec![p]),
        ("unlink", vec![p]),
    ] {
        let got = translate::translate(
            &mut t,
            &Stop::new(PID, 0, raw(Abi::X86_64, name, &args)),
            false,
            None,
        )
        .expect("translate");
        assert_eq!(got.alias, None, "{name}");
        assert_eq!(nth(&got, 0), d.s("f"));
    }
    assert_eq!(run64(&mut t, "unlink", &[p]).alias, Some(FSWRITE));
}

#[test]
fn chmod_prints_mode() {
    let d = TempDir::new("chmod");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let tr = run64(&mut t, "chmod", &[p, 0o104755]);
    assert_eq!(nth(&tr, 0), d.s("f"));
    assert_eq!(val(&tr, "mode"), Some("4755"));
    assert_eq!(tr.alias, None);
}

#[test]
fn setuid_prints_uid_and_uname() {
    let mut t = FakeTracer::new();
    let tr = run64(&mut t, "setuid", &[0]);
    assert_eq!(val(&tr, "uid"), Some("0"));
    assert_eq!(val(&tr, "uname"), Some(format::uname(0).as_str()));
    let tr = run64(&mut t, "setuid", &[0xffff_ffff_0000_03e8]);
    assert_eq!(val(&tr, "uid"), Some("1000"));
}

#[test]
fn i386_setuid16_uses_the_low_16_bits() {
    let mut t = FakeTracer::new();
    let tr = run(&mut t, Abi::I386, "setuid", &[0x1_0000]);
    assert_eq!(tr.call.nr, 23);
    assert_eq!(val(&tr, "uid"), Some("0"));
    assert_eq!(val(&tr, "uname"), Some(format::uname(0).as_str()));
    let tr = run(&mut t, Abi::I386, "setuid", &[0xffff]);
    assert_eq!(val(&tr, "uid"), Some("4294967295"));
    let tr = run(&mut t, Abi::I386, "setuid32", &[0x1_0000]);
    assert_eq!(val(&tr, "uid"), Some("65536"));
}

#[test]
fn connect_prints_inet_inet6_and_unix_addresses() {
    let mut t = FakeTracer::new();
    let v4 = sockaddr_in([127, 0, 0, 1], 9050);
    let a = t.place(PID, &v4);
    let tr4 = run64(&mut t, "connect", &[3, a, 16]);
    assert_eq!(val(&tr4, "sockaddr"), Some("inet-[127.0.0.1]:9050"));
    assert_eq!(tr4.args[0].checked.as_deref(), Some(&v4[..]));

    let mut v6 = 10u16.to_ne_bytes().to_vec();
    v6.extend_from_slice(&22u16.to_be_bytes());
    v6.extend_from_slice(&[0; 4]);
    v6.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
    v6.extend_from_slice(&[0; 4]);
    let a = t.place(PID, &v6);
    let tr6 = run64(&mut t, "connect", &[3, a, 28]);
    assert_eq!(val(&tr6, "sockaddr"), Some("inet-[::1]:22"));

    let mut un = 1u16.to_ne_bytes().to_vec();
    un.extend_from_slice(b"/dev/log\0");
    let a = t.place(PID, &un);
    let tru = run64(&mut t, "connect", &[3, a, un.len() as u64]);
    assert_eq!(val(&tru, "sockaddr"), Some("/dev/log"));

    // Never more than 128 bytes are read.
    let mut big = sockaddr_in([10, 0, 0, 1], 80);
    big.resize(128, 0);
    let a = t.place(PID, &big);
    let trb = run64(&mut t, "bind", &[3, a, 4096]);
    assert_eq!(val(&trb, "sockaddr"), Some("inet-[10.0.0.1]:80"));
    assert_eq!(trb.args[0].checked.as_ref().map(Vec::len), Some(128));

    // Too short for its family: no value, not an error.
    let a = t.place(PID, &v4);
    let short = run64(&mut t, "connect", &[3, a, 4]);
    assert_eq!(val(&short, "sockaddr"), None);
}

#[test]
fn sendto_without_address_is_unknown() {
    let mut t = FakeTracer::new();
    let buf = t.place(PID, b"hello");
    let tr = run64(&mut t, "sendto", &[3, buf, 5, 0, 0, 0]);
    assert_eq!(val(&tr, "sockaddr"), Some("<unknown>"));
    assert_eq!(tr.args[0].checked, None);
    let a = t.place(PID, &sockaddr_in([1, 2, 3, 4], 53));
    let tr = run64(&mut t, "sendto", &[3, buf, 5, 0, a, 16]);
    assert_eq!(val(&tr, "sockaddr"), Some("inet-[1.2.3.4]:53"));
}

#[test]
fn sendmsg_reads_the_address_through_the_msghdr() {
    let mut t = FakeTracer::new();
    let a = t.place(PID, &sockaddr_in([192, 168, 1, 1], 514));
    // x86_64: msg_name u64 at 0, msg_namelen u32 at 8.
    let mut hdr = a.to_le_bytes().to_vec();
    hdr.extend_from_slice(&16u32.to_le_bytes());
    hdr.extend_from_slice(&[0; 44]);
    let h = t.place(PID, &hdr);
    let tr64 = run64(&mut t, "sendmsg", &[3, h, 0]);
    assert_eq!(val(&tr64, "sockaddr"), Some("inet-[192.168.1.1]:514"));

    // i386: msg_name u32 at 0, msg_namelen u32 at 4.
    let mut hdr32 = (a as u32).to_le_bytes().to_vec();
    hdr32.extend_from_slice(&16u32.to_le_bytes());
    hdr32.extend_from_slice(&[0; 20]);
    let h = t.place(PID, &hdr32);
    let tr32 = run(&mut t, Abi::I386, "sendmsg", &[3, h, 0]);
    assert_eq!(val(&tr32, "sockaddr"), Some("inet-[192.168.1.1]:514"));

    // A null msg_name: no address.
    let none = t.place(PID, &[0u8; 56]);
    let tr0 = run64(&mut t, "sendmsg", &[3, none, 0]);
    assert_eq!(val(&tr0, "sockaddr"), Some("<unknown>"));

    // An unreadable msghdr is a fault.
    let e = tr_err(&mut t, Abi::X86_64, "sendmsg", &[3, BAD, 0]);
    assert!(matches!(e, Error::Fault { .. }), "{e:?}");
}

#[test]
fn socket_prints_domain_and_type() {
    let mut t = FakeTracer::new();
    let tr = run64(&mut t, "socket", &[2, 1 | 0o2000000, 0]);
    assert_eq!(val(&tr, "sockdom"), Some("AF_INET"));
    assert_eq!(val(&tr, "socktype"), Some("SOCK_STREAM"));
    let tr = run64(&mut t, "socket", &[1, 2, 0]);
    assert_eq!(val(&tr, "sockdom"), Some("AF_UNIX"));
    assert_eq!(val(&tr, "socktype"), Some("SOCK_DGRAM"));
}

#[test]
fn kill_prints_pidname_and_signame() {
    let mut t = FakeTracer::new();
    t.set_image(777, "/usr/bin/target");
    let tr1 = run64(&mut t, "kill", &[777, 9]);
    assert_eq!(val(&tr1, "pidname"), Some("/usr/bin/target"));
    assert_eq!(val(&tr1, "signame"), Some("SIGKILL"));
    let tr2 = run64(&mut t, "kill", &[778, 15]);
    assert_eq!(val(&tr2, "pidname"), Some("<unknown>"));
    assert_eq!(val(&tr2, "signame"), Some("SIGTERM"));
    let tr3 = run64(&mut t, "kill", &[(-777i64) as u64, 1]);
    assert_eq!(val(&tr3, "pidname"), Some("pg:/usr/bin/target"));
    let tr4 = run64(&mut t, "kill", &[0, 1]);
    assert_eq!(val(&tr4, "pidname"), Some("<own process group>"));
    let tr5 = run64(&mut t, "kill", &[u64::MAX, 1]);
    assert_eq!(val(&tr5, "pidname"), Some("<every process: -1>"));
    let tr6 = run64(&mut t, "kill", &[(-5i64) as u64, 1]);
    assert_eq!(val(&tr6, "pidname"), Some("pg:<unknown>"));
}

#[test]
fn fcntl_prints_cmd() {
    let mut t = FakeTracer::new();
    assert_eq!(
        val(&run64(&mut t, "fcntl", &[3, 4, 0]), "cmd"),
        Some("F_SETFL")
    );
    assert_eq!(
        val(&run(&mut t, Abi::I386, "fcntl64", &[3, 12, 0]), "cmd"),
        Some("F_GETLK64")
    );
    assert_eq!(
        val(&run64(&mut t, "fcntl", &[3, 12, 0]), "cmd"),
        Some("<unknown>: 12")
    );
}

#[test]
fn mmap_prints_prot_on_x86_64_and_through_the_i386_block() {
    let mut t = FakeTracer::new();
    let tr64 = run64(&mut t, "mmap", &[0, 4096, 5, 0x22, u64::MAX, 0]);
    assert_eq!(val(&tr64, "prot"), Some("PROT_READ|PROT_EXEC"));

    let block = t.place(PID, &words(4, &[0, 4096, 3, 0x22, 0xffff_ffff, 0]));
    let old = RawCall {
        abi: Abi::I386,
        nr: 90,
        args: [block, 0, 0, 0, 0, 0],
    };
    let tr32 =
        translate::translate(&mut t, &Stop::new(PID, 0, old), true, None).expect("translate");
    assert_eq!(val(&tr32, "prot"), Some("PROT_READ|PROT_WRITE"));
    let bad = RawCall {
        args: [BAD, 0, 0, 0, 0, 0],
        ..old
    };
    assert!(matches!(
        translate::translate(&mut t, &Stop::new(PID, 0, bad), true, None),
        Err(Error::Fault { .. })
    ));
    let tr2 = run(&mut t, Abi::I386, "mmap2", &[0, 4096, 0, 0x22, 0, 0]);
    assert_eq!(val(&tr2, "prot"), Some("PROT_NONE"));
}

#[test]
fn execve_prints_argv_on_both_abis() {
    let d = TempDir::new("execve");
    d.file("bin/tool");
    let mut t = tracer(d.path());
    let path = t.place_str(PID, "bin/tool");
    let a0 = t.place_str(PID, "tool");
    let a1 = t.place_str(PID, "-l");
    let a2 = t.place_str(PID, "a b");
    let arr64 = t.place(PID, &words(8, &[a0, a1, a2, 0]));
    let tr64 = run64(&mut t, "execve", &[path, arr64, 0]);
    assert_eq!(nth(&tr64, 0), d.s("bin/tool"));
    assert_eq!(val(&tr64, "argv"), Some("tool -l a b"));

    let arr32 = t.place(PID, &words(4, &[a0, a1, 0]));
    let tr32 = run(&mut t, Abi::I386, "execve", &[path, arr32, 0]);
    assert_eq!(nth(&tr32, 0), d.s("bin/tool"));
    assert_eq!(val(&tr32, "argv"), Some("tool -l"));

    // A null argv is an empty one.
    let tr0 = run64(&mut t, "execve", &[path, 0, 0]);
    assert_eq!(val(&tr0, "argv"), Some(""));
}

#[test]
fn symlink_prints_string_and_filename() {
    let d = TempDir::new("symlinkcall");
    let mut t = tracer(d.path());
    let target = t.place_str(PID, "../anything/at all");
    let new = t.place_str(PID, "newlink");
    let tr = run64(&mut t, "symlink", &[target, new]);
    assert_eq!(val(&tr, "string"), Some("../anything/at all"));
    assert_eq!(
        tr.args[0].checked.as_deref(),
        Some(&b"../anything/at all"[..])
    );
    assert_eq!(val(&tr, "filename"), Some(d.s("newlink").as_str()));
    assert_eq!(tr.alias, None);
}

#[test]
fn i386_registers_are_masked_to_32_bits() {
    let d = TempDir::new("mask");
    d.file("f");
    let mut t = tracer(d.path());
    let p = t.place_str(PID, "f");
    let tr = run(
        &mut t,
        Abi::I386,
        "open",
        &[p | 0xffff_ffff_0000_0000, O_RDONLY],
    );
    assert_eq!(nth(&tr, 0), d.s("f"));
    assert_eq!(tr.call.args[0], p);
}
