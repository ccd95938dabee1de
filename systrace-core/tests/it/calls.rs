//! The syscall description table, names, numbers and the `CallTable`.

use std::collections::HashSet;
use std::path::PathBuf;

use systrace_core::calls::{
    self, AliasRule, FSREAD, FSWRITE, Resolve, SOCKETCALL_I386, SYNONYMS, Syscalls, TABLE,
    Translator, Via,
};
use systrace_policy::table::{Abi, CallId, CallTable, Unknown};

fn info(abi: Abi, name: &str) -> Result<(CallId, Vec<&'static str>), Unknown> {
    Syscalls
        .call(abi, name)
        .map(|i| (i.id, i.translators.to_vec()))
}

fn nr(abi: Abi, name: &str) -> u32 {
    calls::number(abi, name).unwrap_or_else(|| panic!("{name} has no number on {abi}"))
}

#[test]
fn numbers_of_known_calls() {
    for (abi, name, expected) in [
        (Abi::X86_64, "openat", 257),
        (Abi::X86_64, "getpid", 39),
        (Abi::X86_64, "open", 2),
        (Abi::X86_64, "mmap", 9),
        (Abi::X86_64, "newfstatat", 262),
        (Abi::X86_64, "openat2", 437),
        (Abi::I386, "openat", 295),
        (Abi::I386, "socketcall", 102),
        (Abi::I386, "getpid", 20),
        (Abi::I386, "mmap", 90),
        (Abi::I386, "mmap2", 192),
        (Abi::I386, "fstatat64", 300),
        (Abi::I386, "connect", 362),
        (Abi::Aarch64, "openat", 56),
        (Abi::Aarch64, "getpid", 172),
        (Abi::Aarch64, "fstatat", 79),
    ] {
        assert_eq!(calls::number(abi, name), Some(expected), "{abi} {name}");
        assert_eq!(calls::name(abi, expected), Some(name), "{abi} {expected}");
    }
}

#[test]
fn calls_missing_from_an_abi() {
    assert_eq!(calls::number(Abi::Aarch64, "open"), None);
    assert_eq!(calls::number(Abi::X86_64, "socketcall"), None);
    assert_eq!(calls::number(Abi::X86_64, "mmap2"), None);
    assert_eq!(calls::number(Abi::I386, "newfstatat"), None);
    assert_eq!(calls::name(Abi::I386, 222), None);
    assert_eq!(calls::display_name(Abi::I386, 222), "unknown-222");
    assert_eq!(calls::display_name(Abi::X86_64, 257), "openat");
}

#[test]
fn names_and_numbers_round_trip() {
    for abi in Abi::ALL {
        let mut seen = 0;
        for n in 0..=calls::max_number(abi) {
            if let Some(name) = calls::name(abi, n) {
                assert_eq!(calls::number(abi, name), Some(n), "{abi} {name}");
                seen += 1;
            }
        }
        assert!(seen > 280, "{abi}: only {seen} calls");
        assert!(
            calls::name(abi, calls::max_number(abi)).is_some(),
            "{abi}: last call"
        );
    }
}

#[test]
fn every_table_name_exists() {
    for entry in TABLE {
        let name = entry.desc.name;
        assert!(!entry.abis.is_empty(), "{name}: no ABI");
        assert!(
            entry
                .abis
                .iter()
                .any(|&abi| calls::name(abi, nr_or_max(abi, name)) == Some(name)),
            "{name} is not a syscall of {:?}",
            entry.abis
        );
    }
}

fn nr_or_max(abi: Abi, name: &str) -> u32 {
    calls::number(abi, name).unwrap_or(u32::MAX)
}

#[test]
fn table_entries_do_not_overlap_and_are_found_by_number() {
    let mut seen = HashSet::new();
    for entry in TABLE {
        for &abi in entry.abis {
            let name = entry.desc.name;
            assert!(seen.insert((abi, name)), "{name} twice for {abi}");
            if let Some(n) = calls::number(abi, name).filter(|&n| calls::name(abi, n) == Some(name))
            {
                assert_eq!(calls::desc(abi, n), Some(&entry.desc), "{abi} {name}");
            }
        }
    }
}

#[test]
fn translator_names_match_args() {
    for entry in TABLE {
        let d = &entry.desc;
        let names: Vec<_> = d.args.iter().map(|a| a.translator.name()).collect();
        assert_eq!(names, d.translator_names, "{}", d.name);
        for a in d.args {
            assert!(a.arg < 6, "{}: arg {}", d.name, a.arg);
            assert!(
                a.dirfd.is_none_or(|r| r < 6 && r != a.arg),
                "{}: dirfd",
                d.name
            );
            let needs_flags = matches!(
                a.translator,
                Translator::Filename(Resolve::NoFollowIfFlag | Resolve::FollowIfFlag)
            );
            assert_eq!(
                needs_flags,
                a.flags.is_some() && a.dirfd.is_some(),
                "{}: flags",
                d.name
            );
        }
    }
}

#[test]
fn descriptions_of_common_calls() {
    let open = calls::desc(Abi::X86_64, 2).expect("open");
    assert_eq!(open.name, "open");
    assert_eq!(open.translator_names, ["filename", "oflags"]);
    assert_eq!(open.alias, AliasRule::ByAccessMode { flags_arg: 1 });

    let openat = calls::desc(Abi::Aarch64, 56).expect("openat");
    assert_eq!(openat.args[0].arg, 1);
    assert_eq!(openat.args[0].dirfd, Some(0));
    assert_eq!(openat.alias, AliasRule::ByAccessMode { flags_arg: 2 });

    let openat2 = calls::desc(Abi::X86_64, 437).expect("openat2");
    assert_eq!(openat2.alias, AliasRule::OpenHow { how_arg: 2 });
    assert_eq!(openat2.args[1].via, Via::OpenHowFlags);

    let lstat = calls::desc(Abi::X86_64, nr(Abi::X86_64, "lstat")).expect("lstat");
    assert_eq!(
        lstat.args[0].translator,
        Translator::Filename(Resolve::AllButLast)
    );

    let sendto = calls::desc(Abi::X86_64, nr(Abi::X86_64, "sendto")).expect("sendto");
    assert_eq!((sendto.args[0].arg, sendto.args[0].len), (4, Some(5)));

    let sendmsg = calls::desc(Abi::I386, nr(Abi::I386, "sendmsg")).expect("sendmsg");
    assert_eq!(sendmsg.args[0].via, Via::MsghdrName);

    let setuid = calls::desc(Abi::X86_64, nr(Abi::X86_64, "setuid")).expect("setuid");
    assert_eq!(setuid.translator_names, ["uid", "uname"]);

    for (abi, n) in [(Abi::X86_64, 39), (Abi::I386, 20), (Abi::X86_64, 0)] {
        assert_eq!(calls::desc(abi, n), None, "{abi} {n}");
    }
    assert_eq!(calls::desc(Abi::X86_64, u32::MAX), None);
}

#[test]
fn i386_specific_descriptions() {
    let old_mmap = calls::desc(Abi::I386, 90).expect("i386 mmap");
    assert_eq!(old_mmap.translator_names, ["prot"]);
    assert_eq!(
        (old_mmap.args[0].arg, old_mmap.args[0].via),
        (0, Via::Word(2))
    );

    let mmap2 = calls::desc(Abi::I386, 192).expect("mmap2");
    assert_eq!((mmap2.args[0].arg, mmap2.args[0].via), (2, Via::Direct));

    let mmap64 = calls::desc(Abi::X86_64, 9).expect("x86_64 mmap");
    assert_eq!((mmap64.args[0].arg, mmap64.args[0].via), (2, Via::Direct));

    let setuid16 = calls::desc(Abi::I386, 23).expect("setuid");
    assert_eq!(setuid16.args[0].via, Via::Id16);
    let setuid32 = calls::desc(Abi::I386, 213).expect("setuid32");
    assert_eq!(setuid32.args[0].via, Via::Direct);
    assert_eq!(setuid32.translator_names, ["uid", "uname"]);

    let socketcall = calls::desc(Abi::I386, SOCKETCALL_I386).expect("socketcall");
    assert_eq!(
        socketcall.alias,
        AliasRule::Socketcall {
            call_arg: 0,
            args_arg: 1
        }
    );
    assert!(socketcall.args.is_empty());
    assert_eq!(
        info(Abi::I386, "socketcall"),
        Ok((CallId::Syscall(102), vec![]))
    );
}

#[test]
fn legacy_synonyms_resolve() {
    for (abi, name, expected) in [
        (Abi::I386, "newuname", 122),
        (Abi::I386, "old_mmap", 90),
        (Abi::I386, "llseek", 140),
        (Abi::I386, "old_select", 82),
        (Abi::I386, "newstat", 106),
        (Abi::I386, "setuid16", 23),
        (Abi::I386, "chown16", 182),
        (Abi::I386, "ni_syscall-43", 43),
        (Abi::I386, "ni_syscall-34", 34),
        (Abi::I386, "ni_syscall-222", 222),
        (Abi::I386, "unknown-222", 222),
        (Abi::I386, "unknown-5000", 5000),
        (Abi::X86_64, "newstat", 4),
        (Abi::X86_64, "newfstat", 5),
        (Abi::X86_64, "newuname", 63),
        (Abi::X86_64, "ni_syscall-183", 183),
        (Abi::Aarch64, "newfstatat", 79),
        (Abi::Aarch64, "newuname", 160),
    ] {
        assert_eq!(calls::number(abi, name), Some(expected), "{abi} {name}");
    }
    // The crate's own name wins over an entry-point name of another slot.
    assert_eq!(calls::number(Abi::I386, "uname"), Some(122));
    assert_eq!(calls::number(Abi::I386, "stat"), Some(106));
    // Badly formed numbers.
    for name in [
        "ni_syscall-",
        "ni_syscall-043",
        "ni_syscall-+4",
        "unknown-x",
        "ni_syscall-99999",
    ] {
        assert_eq!(calls::number(Abi::I386, name), None, "{name}");
    }
    // A legacy name reaches the call's translators.
    assert_eq!(
        info(Abi::I386, "old_mmap"),
        Ok((CallId::Syscall(90), vec!["prot"]))
    );
}

#[test]
fn synonyms_never_shadow_crate_names() {
    for syn in SYNONYMS {
        for &abi in syn.abis {
            let own = calls::name(abi, nr_or_max(abi, syn.legacy));
            assert_ne!(own, Some(syn.legacy), "{} is a real {abi} name", syn.legacy);
            assert!(
                calls::number(abi, syn.canonical).is_some(),
                "{} on {abi}",
                syn.canonical
            );
        }
    }
}

#[test]
fn other_abi_and_unknown_names() {
    assert_eq!(
        info(Abi::X86_64, "socketcall"),
        Err(Unknown::OtherAbi(Abi::I386))
    );
    assert_eq!(
        info(Abi::X86_64, "mmap2"),
        Err(Unknown::OtherAbi(Abi::I386))
    );
    assert_eq!(
        info(Abi::Aarch64, "open").unwrap_err(),
        Unknown::OtherAbi(Abi::X86_64)
    );
    assert_eq!(info(Abi::X86_64, "no_such_call"), Err(Unknown::NoSuchCall));
    let native = Syscalls.emulation("native").expect("native");
    for bsd in ["__sysctl", "break", "mquery", "issetugid"] {
        assert_eq!(info(native, bsd), Err(Unknown::NoSuchCall), "{bsd}");
    }
}

#[test]
fn aliases() {
    for abi in Abi::ALL {
        assert_eq!(info(abi, "fsread"), Ok((FSREAD, vec!["filename"])));
        assert_eq!(info(abi, "fswrite"), Ok((FSWRITE, vec!["filename"])));
    }
    assert_eq!(FSREAD, CallId::Alias(0));
    assert_eq!(FSWRITE, CallId::Alias(1));
    assert_eq!(calls::alias_name(FSREAD), Some("fsread"));
    assert_eq!(calls::alias_name(CallId::Syscall(0)), None);
}

#[test]
fn alias_membership() {
    let alias_of = |abi: Abi, name: &str| calls::desc(abi, nr(abi, name)).map(|d| d.alias);
    for name in [
        "stat",
        "lstat",
        "newfstatat",
        "statx",
        "access",
        "faccessat",
        "faccessat2",
        "readlink",
        "readlinkat",
    ] {
        assert_eq!(
            alias_of(Abi::X86_64, name),
            Some(AliasRule::Fsread),
            "{name}"
        );
    }
    for name in ["stat64", "lstat64", "fstatat64"] {
        assert_eq!(alias_of(Abi::I386, name), Some(AliasRule::Fsread), "{name}");
    }
    for name in [
        "creat", "unlink", "unlinkat", "rmdir", "mkdir", "mkdirat", "truncate",
    ] {
        assert_eq!(
            alias_of(Abi::X86_64, name),
            Some(AliasRule::Fswrite),
            "{name}"
        );
    }
    assert_eq!(alias_of(Abi::I386, "truncate64"), Some(AliasRule::Fswrite));
    assert_eq!(alias_of(Abi::Aarch64, "fstatat"), Some(AliasRule::Fsread));
    for name in ["rename", "chmod", "execve", "connect"] {
        assert_eq!(alias_of(Abi::X86_64, name), Some(AliasRule::None), "{name}");
    }
}

#[test]
fn open_alias_follows_the_access_mode() {
    let rule = AliasRule::ByAccessMode { flags_arg: 1 };
    let (rdonly, wronly, rdwr, creat, trunc) = (0o0, 0o1, 0o2, 0o100, 0o1000);
    assert_eq!(rule.alias(Some(rdonly)), Some(FSREAD));
    assert_eq!(rule.alias(Some(rdonly | creat | trunc)), Some(FSREAD));
    assert_eq!(rule.alias(Some(wronly)), Some(FSWRITE));
    assert_eq!(rule.alias(Some(rdwr | creat)), Some(FSWRITE));
    assert_eq!(rule.alias(Some(3)), Some(FSWRITE));
    assert_eq!(
        AliasRule::OpenHow { how_arg: 2 }.alias(Some(rdonly)),
        Some(FSREAD)
    );
    assert_eq!(AliasRule::OpenHow { how_arg: 2 }.alias(None), Some(FSWRITE));
    assert_eq!(AliasRule::Fsread.alias(None), Some(FSREAD));
    assert_eq!(AliasRule::None.alias(Some(0)), None);
}

#[test]
fn translators_of_rules() {
    let two = vec!["filename", "filename"];
    assert_eq!(info(Abi::X86_64, "rename").map(|i| i.1), Ok(two.clone()));
    assert_eq!(info(Abi::I386, "rename").map(|i| i.1), Ok(two));
    assert_eq!(
        info(Abi::X86_64, "getpid"),
        Ok((CallId::Syscall(39), vec![]))
    );
    assert_eq!(
        info(Abi::X86_64, "symlink").map(|i| i.1),
        Ok(vec!["string", "filename"])
    );
    assert_eq!(
        info(Abi::X86_64, "kill").map(|i| i.1),
        Ok(vec!["pidname", "signame"])
    );
    assert_eq!(
        info(Abi::X86_64, "socket").map(|i| i.1),
        Ok(vec!["sockdom", "socktype"])
    );
    assert_eq!(
        info(Abi::X86_64, "fchownat").map(|i| i.1),
        Ok(vec!["filename", "uid", "gid"])
    );
    assert_eq!(
        info(Abi::X86_64, "setresuid").map(|i| i.1),
        Ok(vec!["uid", "uid", "uid"])
    );
    assert_eq!(
        info(Abi::X86_64, "execve").map(|i| i.1),
        Ok(vec!["filename", "argv"])
    );
    assert_eq!(info(Abi::X86_64, "fcntl").map(|i| i.1), Ok(vec!["cmd"]));
    assert_eq!(info(Abi::X86_64, "mprotect").map(|i| i.1), Ok(vec!["prot"]));
}

#[test]
fn socketcall_targets() {
    let expected = [
        "socket",
        "bind",
        "connect",
        "listen",
        "accept4",
        "getsockname",
        "getpeername",
        "socketpair",
        "sendto",
        "recvfrom",
        "sendto",
        "recvfrom",
        "shutdown",
        "setsockopt",
        "getsockopt",
        "sendmsg",
        "recvmsg",
        "accept4",
        "recvmmsg",
        "sendmmsg",
    ];
    for (i, want) in expected.iter().enumerate() {
        let sub = u32::try_from(i + 1).unwrap();
        assert_eq!(calls::socketcall_target(sub), Some(*want), "sub-call {sub}");
        assert!(calls::number(Abi::I386, want).is_some(), "{want}");
        let nargs = calls::socketcall_nargs(sub).unwrap();
        assert!((2..=6).contains(&nargs));
    }
    for bad in [0, 21, u32::MAX] {
        assert_eq!(calls::socketcall_target(bad), None);
        assert_eq!(calls::socketcall_nargs(bad), None);
    }
    // The 1.6g alias names of socketcall.
    assert_eq!(
        calls::number(Abi::I386, "send"),
        calls::number(Abi::I386, "sendto")
    );
    assert_eq!(calls::number(Abi::I386, "accept"), Some(364));
    // A rule on the direct call sees the sockaddr of socketcall(SYS_CONNECT).
    let connect = calls::desc(Abi::I386, nr(Abi::I386, "connect")).expect("connect");
    assert_eq!(connect.translator_names, ["sockaddr"]);
}

#[test]
fn emulations() {
    let t = Syscalls;
    assert_eq!(t.emulation("linux64"), Some(Abi::native()));
    assert_eq!(t.emulation("native"), Some(Abi::native()));
    let linux = if cfg!(target_arch = "x86_64") {
        Some(Abi::I386)
    } else {
        None
    };
    assert_eq!(t.emulation("linux"), linux);
    assert_eq!(t.emulation("x86_64"), Some(Abi::X86_64));
    assert_eq!(t.emulation("i386"), Some(Abi::I386));
    assert_eq!(t.emulation("aarch64"), Some(Abi::Aarch64));
    for other in ["netbsd", "openbsd", "Linux64", ""] {
        assert_eq!(t.emulation(other), None, "{other}");
    }
}

/// The names used in the rules of the 1.6g regress policies.
/// Only in the ignored tests: a plain clone has no shared corpus beside it
/// (`.ci/run` runs them where it is).
fn corpus_names(suffix: &str) -> Vec<(String, String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/policies");
    let read = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: these tests need the shared corpus beside the repository",
            dir.display()
        )
    });
    let mut out = Vec::new();
    for file in read.flatten() {
        let fname = file.file_name().to_string_lossy().into_owned();
        if !(fname.starts_with("provos-regress-") && fname.ends_with(suffix)) {
            continue;
        }
        let text = std::fs::read_to_string(file.path()).expect("read policy");
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if line.starts_with("Policy:") || line.starts_with('#') {
                continue;
            }
            let (head, _) = line.split_once(": ").expect("rule line");
            let (emul, name) = head.split_once('-').expect("emulation-name");
            out.push((fname.clone(), emul.to_string(), name.to_string()));
        }
    }
    assert!(
        !out.is_empty(),
        "no *{suffix} policies in {}",
        dir.display()
    );
    out
}

#[test]
#[ignore = "needs ../shared/corpus"]
fn corpus_linux64_names_resolve() {
    let names = corpus_names(".policy.Linux64");
    // The corpus was recorded on x86-64: its `linux64` is x86-64's table
    // (what `linux64` names on an x86-64 host; on AArch64 such a policy
    // does not load: `arch_prctl` is not a call there).
    if cfg!(target_arch = "x86_64") {
        assert_eq!(Syscalls.emulation("linux64"), Some(Abi::X86_64));
    }
    for (file, emul, name) in names {
        assert_eq!(emul, "linux64", "{file}");
        assert!(
            Syscalls.call(Abi::X86_64, &name).is_ok(),
            "{file}: linux64-{name}"
        );
    }
}

#[test]
#[ignore = "needs ../shared/corpus"]
fn corpus_linux_names_resolve() {
    let names = corpus_names(".policy.Linux");
    // The i386 table resolves on any host; `linux` names it on x86-64 only.
    let abi = Syscalls.emulation("i386").expect("i386");
    for (file, emul, name) in names {
        assert_eq!(emul, "linux", "{file}");
        assert!(Syscalls.call(abi, &name).is_ok(), "{file}: linux-{name}");
        if cfg!(target_arch = "x86_64") {
            assert_eq!(Syscalls.emulation(&emul), Some(abi));
        }
    }
}

/// The policy crate's ready table agrees with the engine's on every call it
/// knows: the same id and the same translators, on both 64-bit ABIs.
#[test]
fn the_policy_crates_ready_table_agrees_with_the_engines() {
    use systrace_policy::table::Linux64;
    for abi in [Abi::X86_64, Abi::Aarch64] {
        let names: Vec<_> = Linux64.names(abi).chain(["fsread", "fswrite"]).collect();
        assert!(names.len() > 20, "{abi}: {names:?}");
        for name in names {
            assert_eq!(
                Linux64.call(abi, name),
                Syscalls.call(abi, name),
                "{abi} {name}"
            );
        }
        for name in ["open", "stat", "rename"] {
            let ours = Linux64.call(abi, name).is_ok();
            let engine = Syscalls.call(abi, name).is_ok();
            assert_eq!(ours, engine, "{abi} {name}");
        }
    }
    for name in ["linux64", "native", "x86_64", "aarch64"] {
        assert_eq!(Linux64.emulation(name), Syscalls.emulation(name), "{name}");
    }
}
