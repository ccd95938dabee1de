//! Protected arguments on real programs: every image gets its area, every
//! call with checked arguments runs on copies in it, and programs work as
//! before. The test engine permits everything, handing over the checked
//! arguments as the real engine does (paths resolved, symlink targets,
//! socket addresses read directly from a register).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use systrace_core::calls;
use systrace_core::translate::translate;
use systrace_core::{Checked, Decision, Error, Event, FastPath, Pid, Stop, Tracer};
use systrace_linux::{Backend, Stats, attach, spawn};

use crate::harness::{scratch, st};

/// What a run showed.
#[derive(Debug, Default)]
pub(crate) struct Protected {
    pub(crate) output: String,
    pub(crate) stats: Stats,
    /// The areas of each process, seen at its `Spawn` (child) or `Exec`.
    areas: BTreeMap<Pid, Vec<(u64, u64)>>,
    /// Calls permitted with checked arguments, by name.
    checked: BTreeMap<String, u64>,
    /// `Exec` events.
    execs: u64,
    /// Calls denied before they were judged, by errno.
    refused: BTreeMap<i32, u64>,
}

/// How the engine hands a call over: denied before it is judged (what the
/// kernel would fail anyway), or its checked arguments, if any.
fn checked_args(backend: &mut Backend, stop: &Stop) -> Result<Option<(String, Checked)>, i32> {
    let call = stop.call();
    let Ok(tr) = translate(backend, stop, true, None) else {
        return Ok(None);
    };
    if let Some(errno) = tr.refused() {
        return Err(errno);
    }
    if tr.call.nr != call.nr {
        return Ok(None);
    }
    let Some(desc) = calls::desc(tr.call.abi, tr.call.nr) else {
        return Ok(None);
    };
    let checked = tr.checked();
    Ok((!checked.args.is_empty()).then(|| (desc.name.to_owned(), checked)))
}

/// Handle events to the end, permitting every call.
pub(crate) fn drive(mut backend: Backend, out: &Path) -> Protected {
    let mut seen = Protected::default();
    let root = backend.root();
    seen.areas.insert(root, backend.argument_areas(root));
    while let Some(event) = backend.next_event().expect("next_event") {
        let resumed = match event {
            Event::Syscall(stop) => match checked_args(&mut backend, &stop) {
                Ok(Some((name, checked))) => {
                    *seen.checked.entry(name).or_default() += 1;
                    backend.resume(stop, Decision::Permit, &checked)
                }
                Ok(None) => backend.resume(stop, Decision::Permit, &Checked::default()),
                Err(errno) => {
                    *seen.refused.entry(errno).or_default() += 1;
                    backend.resume(stop, Decision::Deny(errno), &Checked::default())
                }
            },
            Event::Spawn { child: pid, .. } => {
                seen.areas.insert(pid, backend.argument_areas(pid));
                Ok(())
            }
            Event::Exec { pid, .. } => {
                seen.execs += 1;
                seen.areas.insert(pid, backend.argument_areas(pid));
                Ok(())
            }
            Event::Exit { .. } | Event::Refused(_) => Ok(()),
        };
        match resumed {
            Ok(()) | Err(Error::Gone { .. }) => {}
            Err(e) => panic!("resume: {e}"),
        }
    }
    seen.output = std::fs::read_to_string(out).unwrap_or_default();
    let _ = std::fs::remove_file(out);
    seen.stats = backend.stats();
    seen
}

/// Run `st-scenario ARGS...` under the test engine.
fn run(args: &[&str]) -> Protected {
    run_with(args, true)
}

/// `st-scenario ARGS...` spawned with `fast`, writing to the returned
/// file (for [`drive`]).
fn spawn_st<S: AsRef<std::ffi::OsStr>>(args: &[S], fast: &FastPath) -> (Backend, PathBuf) {
    let out = scratch("protect-out");
    let mut argv: Vec<OsString> = vec![st().into(), "--out".into(), out.clone().into()];
    argv.extend(args.iter().map(|a| a.as_ref().to_owned()));
    (spawn(&argv, fast).expect("spawn"), out)
}

/// [`run`], the protected calls set up in one request where the kernel
/// has it (`one_request`) or through the registers.
fn run_with(args: &[&str], one_request: bool) -> Protected {
    let (mut backend, out) = spawn_st(args, &FastPath::default());
    backend.set_one_request_rewrites(one_request);
    drive(backend, &out)
}

/// Whether the running kernel has `PTRACE_SET_SYSCALL_INFO` (6.16).
fn kernel_sets_syscall_info() -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let mut parts = release
        .trim()
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (6, 16)
}

/// Whether `[start, end)` is a read-only anonymous mapping of `pid`
/// (executable too for a program with `READ_IMPLIES_EXEC`, as an i386 one
/// without `PT_GNU_STACK`: not writable either way).
pub(crate) fn read_only_in(pid: Pid, (start, end): (u64, u64)) -> bool {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    maps.lines().any(|l| {
        ["r--p", "r-xp"]
            .iter()
            .any(|perms| l.starts_with(&format!("{start:x}-{end:x} {perms} 00000000 00:00 0 ")))
    })
}

#[test]
fn the_spawned_program_has_a_read_only_area() {
    let out = scratch("protect-area");
    let argv: Vec<OsString> = vec![
        st().into(),
        "--out".into(),
        out.clone().into(),
        "open".into(),
        "/etc/hostname".into(),
    ];
    let backend = spawn(&argv, &FastPath::default()).expect("spawn");
    let root = backend.root();
    let areas = backend.argument_areas(root);
    assert_eq!(areas.len(), 1, "{areas:?}");
    let (start, end) = areas[0];
    assert_eq!(end - start, 1 << 20);
    // Below 2 GiB, where `int $0x80` calls reach it too and where the
    // filter stops the memory calls that could change it.
    assert!(end <= 1 << 31, "{start:#x}");
    assert!(read_only_in(root, areas[0]));
    assert_eq!(backend.stats().areas_mapped, 1);
    let seen = drive(backend, &out);
    assert_eq!(seen.output, "ok\n");
    let total: u64 = seen.checked.values().sum();
    assert!(seen.checked.contains_key("openat"), "{:?}", seen.checked);
    // A stat of a name that is not there is denied with ENOENT when pinned.
    assert_eq!(
        seen.stats.protected_calls + seen.stats.pin_denials,
        total,
        "{:?}",
        seen.checked
    );
}

#[test]
#[ignore = "needs unprivileged user namespaces (.ci/run runs it where `unshare -U -r` works)"]
fn a_process_in_its_own_user_namespace_is_not_pinned() {
    // As root in a new user namespace, a process may not follow the
    // tracer's descriptors (it has no capability in the tracer's
    // namespace): its paths are copied, and its calls work.
    let argv = [
        "/usr/bin/unshare",
        "-U",
        "-r",
        "/usr/bin/stat",
        "-c",
        "%n",
        "/etc/hostname",
    ];
    let native = std::process::Command::new(argv[0])
        .args(&argv[1..])
        .output();
    assert!(
        native.is_ok_and(|o| o.status.success()),
        "`unshare -U -r` does not work here: this test needs util-linux's unshare \
         and user namespaces open to unprivileged users"
    );
    let mut args = vec!["exec"];
    args.extend(argv);
    let seen = run(&args);
    assert_eq!(seen.output, "/etc/hostname\n");
}

#[test]
fn a_capability_an_exec_drops_ends_the_pinning_of_paths() {
    // Before the exec the process is as capable as systrace, and its
    // `stat` is pinned through systrace's descriptors; the exec takes
    // CAP_SYS_PTRACE away (out of the bounding set), and a process without
    // it cannot follow them: its credentials are read again at the exec,
    // and its paths are copied. Were its standing kept, `stat` would fail.
    let seen = run(&[
        "drop-ptrace-cap-exec",
        "/etc/hostname",
        "/usr/bin/stat",
        "-c",
        "%n",
        "/etc/hostname",
    ]);
    assert_eq!(
        seen.output, "dropped 0\nstat before: ok\n/etc/hostname\n",
        "{:?}",
        seen.stats
    );
    assert!(seen.stats.pinned_calls > 0, "{:?}", seen.stats);
}

#[test]
fn a_pinned_stat_gives_what_the_kernel_gives_and_never_writes_the_area() {
    // `stat` and `statx` of a checked file run through systrace's
    // descriptor of it: every field as the kernel gives it natively,
    // through a link too, and the same errors (a missing file, a buffer
    // the process cannot write). The argument area is read-only to the
    // process: a `stat` into it is EFAULT, as into any page it may not
    // write, and the area is not changed (the calls after it work).
    let paths = ["/etc/hostname", "/bin", "/usr", "/no/such/file"];
    let mut args = vec!["stats"];
    args.extend(paths);
    let native = std::process::Command::new(st())
        .args(&args)
        .output()
        .expect("st-scenario runs");
    let native = String::from_utf8_lossy(&native.stdout).into_owned();
    assert!(native.contains("fault stat EFAULT\n"), "{native}");
    let seen = run(&args);
    let (ours, area): (Vec<&str>, Vec<&str>) =
        seen.output.lines().partition(|l| !l.starts_with("area "));
    assert_eq!(ours.join("\n") + "\n", native, "{:?}", seen.stats);
    assert_eq!(area, ["area stat EFAULT", "area statx EFAULT"]);
    assert!(seen.stats.pinned_calls >= 8, "{:?}", seen.stats);
}

#[test]
fn a_shell_at_work_runs_on_protected_copies() {
    let seen = shell_at_work(true);
    if kernel_sets_syscall_info() {
        // Each protected call (pinned or not, on x86-64) set up in one
        // request.
        assert_eq!(seen.stats.one_request_rewrites, seen.stats.protected_calls);
    } else {
        assert_eq!(seen.stats.one_request_rewrites, 0, "{:?}", seen.stats);
    }
}

#[test]
fn a_shell_at_work_runs_the_same_with_its_calls_set_through_the_registers() {
    // The control of the one-request way: the same script, the same
    // protected calls, none of them set up in one request.
    let seen = shell_at_work(false);
    assert_eq!(seen.stats.one_request_rewrites, 0, "{:?}", seen.stats);
}

/// A shell script that touches every kind of checked argument, run under
/// the test engine (`one_request`: see [`run_with`]); what [`run`] asserts
/// of it holds either way.
fn shell_at_work(one_request: bool) -> Protected {
    let dir = scratch(if one_request {
        "protect-sh"
    } else {
        "protect-sh-regs"
    });
    std::fs::create_dir_all(&dir).unwrap();
    let script = format!(
        "cd {} && echo hi > f && cat f && ln -s f l && cat l && mv f g && ls && rm g l && /bin/echo there \
         && printf '#!/bin/sh\\necho script\\n' > s && chmod +x s && ./s && rm s \
         && mkdir d/ && stat -c %F d/ && rmdir d/ && ls",
        dir.display()
    );
    let seen = run_with(&["exec", "/bin/sh", "-c", &script], one_request);
    assert_eq!(seen.output, "hi\nhi\ng\nl\nthere\nscript\ndirectory\n");
    assert_eq!(seen.stats.exec_kills, 0, "a script runs its interpreter");
    for name in ["execve", "chdir", "openat", "symlink", "rename", "unlink"] {
        let symlink = name == "symlink" && seen.checked.contains_key("symlinkat");
        let rename = name == "rename" && seen.checked.keys().any(|n| n.starts_with("rename"));
        let unlink = name == "unlink" && seen.checked.contains_key("unlinkat");
        assert!(
            seen.checked.contains_key(name) || symlink || rename || unlink,
            "{name} in {:?}",
            seen.checked
        );
    }
    let total: u64 = seen.checked.values().sum();
    assert_eq!(
        seen.stats.protected_calls + seen.stats.pin_denials,
        total,
        "{:?}",
        seen.checked
    );
    // chdir, stat, symlink, rename, unlink: through the tracer's
    // descriptors.
    assert!(seen.stats.pinned_calls >= 5, "{:?}", seen.stats);
    // One area per image: st-scenario's, then one at each exec (sh and
    // the script's interpreter at least; cat, ln, mv, ls, rm and echo
    // too, unless the shell runs them itself, as busybox does).
    assert!(seen.execs >= 2, "{:?}", seen.stats);
    assert_eq!(seen.stats.areas_mapped, 1 + seen.execs, "{:?}", seen.stats);
    let _ = std::fs::remove_dir_all(dir);
    seen
}

#[test]
fn fork_children_and_threads_use_the_area_they_inherit() {
    let seen = run(&["fork", "3", "/etc/hostname"]);
    let lines: Vec<&str> = seen.output.lines().collect();
    assert_eq!(lines.len(), 3, "{}", seen.output);
    assert!(lines.iter().all(|l| l.ends_with(" ok")), "{}", seen.output);
    let root_areas = seen.areas.values().next().unwrap().clone();
    assert_eq!(seen.areas.len(), 4);
    assert!(
        seen.areas.values().all(|a| *a == root_areas),
        "a fork child has its copy at the same address: {:?}",
        seen.areas
    );
    assert_eq!(seen.stats.areas_mapped, 1);

    let seen = run(&["threads", "4", "/etc/hostname"]);
    assert_eq!(
        seen.output.lines().filter(|l| l.ends_with(" ok")).count(),
        4
    );
    assert_eq!(seen.stats.areas_mapped, 1);
}

#[test]
fn a_slot_is_written_again_only_when_its_bytes_change() {
    let a = scratch("protect-same-a");
    std::fs::write(&a, "A").unwrap();
    let b = scratch("protect-same-b");
    let _ = std::fs::remove_file(&b);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let seen = run(&["open", a, a, b, a, a]);
    // Had the slot kept `a`'s bytes for `b`, `b` would open `a`.
    assert_eq!(seen.output, "ok\nok\nENOENT\nok\nok\n");
    // The second `a` of each pair runs on the bytes its slot holds.
    assert!(seen.stats.unchanged_slots >= 2, "{:?}", seen.stats);
    assert!(seen.stats.unchanged_slots < seen.stats.protected_calls);
    let _ = std::fs::remove_file(a);
}

#[test]
fn a_name_opened_again_is_answered_from_memory_until_a_link_is_made() {
    let file = scratch("protect-relink");
    let target = scratch("protect-relink-target");
    std::fs::write(&target, "after\n").unwrap();
    let (f, t) = (file.to_str().unwrap(), target.to_str().unwrap());

    std::fs::write(&file, "before\n").unwrap();
    let seen = run(&["open", f, f, f, f]);
    assert_eq!(seen.output, "ok\nok\nok\nok\n");
    assert!(seen.stats.remembered_lookups >= 3, "{:?}", seen.stats);

    // The traced `symlink` and `rename` make what the tracer remembered
    // of the name go: the second read follows the new link.
    let fresh = || {
        // A regular file again (writing through the link would change
        // the target).
        let _ = std::fs::remove_file(&file);
        std::fs::write(&file, "before\n").unwrap();
    };
    fresh();
    let seen = run(&["relink", f, t]);
    assert_eq!(seen.output, "before\nafter\n");

    // The control: had the name's lookup been kept, the read would run by
    // the name without links and fail.
    fresh();
    let (mut backend, out) = spawn_st(&["relink", f, t], &FastPath::default());
    backend.set_forget_lookups_on_links(false);
    let seen = drive(backend, &out);
    assert_eq!(seen.output, "before\nELOOP\n");

    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(target);
}

#[test]
fn the_directory_of_missing_names_and_a_name_with_dots_are_remembered() {
    let dir = scratch("protect-missing-dir");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let name = |n: &str| dir.join(n).to_str().unwrap().to_owned();
    let (a, b, c) = (name("a"), name("b"), name("c"));

    // Three names that are not there: the first looks the directory up,
    // the next two are answered from memory; each open fails as natively.
    let seen = run(&["open", &a, &b, &c]);
    assert_eq!(seen.output, "ENOENT\nENOENT\nENOENT\n");
    assert!(seen.stats.remembered_lookups >= 2, "{:?}", seen.stats);

    // `DIR/./NAME` is looked up as `DIR/NAME`, and so remembered (the
    // join of a descriptor's directory and `./NAME` has this form).
    std::fs::write(&a, "x").unwrap();
    let dotted = format!("{}/./a", dir.display());
    let seen = run(&["open", &dotted, &dotted, &dotted]);
    assert_eq!(seen.output, "ok\nok\nok\n");
    assert!(seen.stats.remembered_lookups >= 2, "{:?}", seen.stats);
    let _ = std::fs::remove_dir_all(dir);
}

/// `read-wait FILE FLAG` under the test engine, while another thread of
/// the test (not traced) replaces FILE with a link to `target` once the
/// first read is written, then makes FLAG.
fn read_across_a_swap(file: &Path, target: &Path, protected: bool) -> Protected {
    let _ = std::fs::remove_file(file);
    std::fs::write(file, "before\n").unwrap();
    let flag = scratch("protect-swap-flag");
    let _ = std::fs::remove_file(&flag);
    let args = [
        OsString::from("read-wait"),
        file.into(),
        flag.clone().into(),
    ];
    let (mut backend, out) = spawn_st(&args, &FastPath::default());
    backend.set_argument_protection(protected);
    let swapper = {
        let (file, target, out, flag) = (
            file.to_owned(),
            target.to_owned(),
            out.clone(),
            flag.clone(),
        );
        std::thread::spawn(move || {
            while !std::fs::read_to_string(&out).is_ok_and(|o| o.contains('\n')) {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            let link = file.with_extension("link");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&target, &link).unwrap();
            std::fs::rename(&link, &file).unwrap();
            std::fs::write(&flag, "").unwrap();
        })
    };
    let seen = drive(backend, &out);
    swapper.join().unwrap();
    let _ = std::fs::remove_file(flag);
    seen
}

#[test]
fn a_remembered_name_swapped_for_a_link_outside_is_not_followed() {
    let file = scratch("protect-swap");
    let target = scratch("protect-swap-secret");
    std::fs::write(&target, "secret\n").unwrap();

    // The second read is judged by the remembered lookup of the name, and
    // runs by that name without links: the link is not followed. (On a
    // machine so loaded that the second read comes more than a second
    // later, the name is looked up afresh and its link resolved: tried
    // again.)
    let remembered = (0..5).find_map(|_| {
        let seen = read_across_a_swap(&file, &target, true);
        if seen.stats.remembered_lookups == 0 {
            assert_eq!(seen.output, "before\nsecret\n", "looked up afresh");
            return None;
        }
        Some(seen)
    });
    let seen = remembered.expect("a second read within the second");
    assert_eq!(seen.output, "before\nELOOP\n");

    // The control: unprotected, the call runs on its own path and follows
    // the link that was swapped in.
    let seen = read_across_a_swap(&file, &target, false);
    assert_eq!(seen.output, "before\nsecret\n");
    assert_eq!(seen.stats.remembered_lookups, 0, "{:?}", seen.stats);

    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(target);
}

#[test]
fn a_readlink_of_what_is_not_a_link_is_answered_as_the_kernel_would() {
    let dir = scratch("protect-readlink");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("file");
    std::fs::write(&file, "x").unwrap();
    let link = dir.join("link");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    let paths: Vec<String> = ["file", "link", "missing", "", "file/", "link/"]
        .iter()
        .map(|p| format!("{}/{p}", dir.display()))
        .collect();
    let mut args = vec!["readlink"];
    args.extend(paths.iter().map(String::as_str));
    let expected = format!(
        "{d}/file EINVAL\n{d}/link -> {d}/file\n{d}/missing ENOENT\n{d}/ EINVAL\n\
         {d}/file/ ENOTDIR\n{d}/link/ ENOTDIR\n",
        d = dir.display()
    );

    let seen = run(&args);
    assert_eq!(seen.output, expected);
    // The file and the directory: not links, answered without the call.
    assert_eq!(seen.stats.answered_calls, 2, "{:?}", seen.stats);

    // The control: made by the kernel, the calls say the same.
    let (mut backend, out) = spawn_st(&args, &FastPath::default());
    backend.set_argument_protection(false);
    let seen = drive(backend, &out);
    assert_eq!(seen.output, expected);
    assert_eq!(seen.stats.answered_calls, 0, "{:?}", seen.stats);

    let _ = std::fs::remove_dir_all(dir);
}

/// `mmaps 50` under the test engine with `fast`: what it printed, the
/// root's area, and how many calls stopped.
fn mmaps(fast: &FastPath) -> (String, u64, u64) {
    let (backend, out) = spawn_st(&["mmaps", "50"], fast);
    let area = backend.argument_areas(backend.root())[0].0;
    let seen = drive(backend, &out);
    (seen.output, area, seen.stats.syscall_stops)
}

#[test]
fn an_mmap_runs_in_the_kernel_unless_it_could_replace_the_area() {
    let mmap = (systrace_policy::Abi::native(), libc::SYS_mmap as u32);
    let expected =
        |area: u64| format!("plain 50 of 50\nfixed own ok\narea {area:x}\nfixed area EPERM\n");
    // Permitted outright by the policy: the filter lets the mmaps without
    // MAP_FIXED run, and stops the two with it; the one over the area is
    // refused at its stop.
    let fast = FastPath {
        permit: [mmap].into_iter().collect(),
        ..FastPath::default()
    };
    let (output, area, fast_stops) = mmaps(&fast);
    assert_eq!(output, expected(area));
    // The control: with every mmap stopping, the same, and 51 stops more.
    let (output, area, slow_stops) = mmaps(&FastPath::default());
    assert_eq!(output, expected(area));
    assert!(
        slow_stops >= fast_stops + 51,
        "{slow_stops} stops against {fast_stops}"
    );
}

#[test]
fn more_threads_than_slots_get_another_area() {
    let file = scratch("protect-many");
    std::fs::write(&file, "A").unwrap();
    let seen = run(&["hold-threads", "80", file.to_str().unwrap()]);
    assert_eq!(seen.output, "opened 80 of 80\n");
    assert_eq!(seen.stats.areas_mapped, 2, "{:?}", seen.stats);
    let _ = std::fs::remove_file(file);
}

#[test]
fn openat2_runs_on_the_how_the_engine_read() {
    let file = scratch("protect-open2");
    std::fs::write(&file, "A").unwrap();
    let file = file.to_str().unwrap();
    let seen = run(&["open2", "0", file, "/proc/self/status"]);
    assert_eq!(seen.output, "A\nN\n");
    assert_eq!(seen.checked.get("openat2"), Some(&2), "{:?}", seen.checked);
    // RESOLVE_NO_XDEV stays: from /, procfs is another mount. RESOLVE_BENEATH
    // (8) of the working directory: the file is not beneath it.
    let seen = run(&["open2", "1", "/proc/self/status"]);
    assert_eq!(seen.output, "errno 18\n");
    let seen = run(&["open2", "8", file]);
    assert_eq!(seen.output, "errno 18\n");
    let _ = std::fs::remove_file(file);
}

#[test]
fn openat2_beneath_means_what_the_kernel_says() {
    // An absolute path is refused under RESOLVE_BENEATH (8) even when it
    // names a file beneath the working directory; the same file by a
    // relative name opens, and `..` out of it is refused.
    let cwd = std::env::current_dir().unwrap();
    let absolute = cwd.join("Cargo.toml");
    let args = [
        "open2",
        "8",
        absolute.to_str().unwrap(),
        "Cargo.toml",
        "../Cargo.toml",
    ];
    let native = std::process::Command::new(st())
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&native.stdout),
        "errno 18\n[\nerrno 18\n"
    );
    let seen = run(&args);
    assert_eq!(seen.output, "errno 18\n[\nerrno 18\n");
    // The two that leave the directory are denied as the kernel denies
    // them; the one beneath runs on the absolute name checked.
    assert_eq!(seen.checked.get("openat2"), Some(&1), "{:?}", seen.checked);
    assert_eq!(
        seen.refused.get(&libc::EXDEV),
        Some(&2),
        "{:?}",
        seen.refused
    );
}

#[test]
fn socket_addresses_are_copied_too() {
    let sock = scratch("protect-sock");
    let seen = run(&["unix", sock.to_str().unwrap()]);
    assert_eq!(seen.output, "unix hi\n");
    for name in ["bind", "connect"] {
        assert_eq!(seen.checked.get(name), Some(&1), "{:?}", seen.checked);
    }
}

#[test]
fn an_attached_process_gets_its_area_at_its_first_protected_call() {
    let file = scratch("protect-attach");
    std::fs::write(&file, "A").unwrap();
    let out = scratch("protect-attach-out");
    let mut child = std::process::Command::new(st())
        .args([
            "--out",
            out.to_str().unwrap(),
            "race-open",
            "0.5",
            "2",
            file.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let backend = attach(child.id() as Pid).expect("attach");
    assert!(backend.argument_areas(backend.root()).is_empty());
    let seen = drive(backend, &out);
    // The tracer reaped it.
    let _ = child.try_wait();
    assert!(
        seen.output.contains(" forbidden 0 failed 0 "),
        "{}",
        seen.output
    );
    assert_eq!(seen.stats.areas_mapped, 1, "{:?}", seen.stats);
    assert!(seen.stats.protected_calls > 0);
    let _ = std::fs::remove_file(file);
}

#[test]
#[cfg(target_arch = "x86_64")]
fn an_i386_process_has_its_area_below_4_gib_and_32_bit_pointers_to_it() {
    let path = crate::i386::write_program(3);
    let mut backend = crate::i386::spawn_retrying(&path, &FastPath::default());
    let root = backend.root();
    let areas = backend.argument_areas(root);
    assert_eq!(areas.len(), 1, "{areas:?}");
    assert!(areas[0].1 <= 1 << 32, "{areas:?}");
    assert!(
        read_only_in(root, areas[0]),
        "{areas:x?} {}",
        std::fs::read_to_string(format!("/proc/{root}/maps")).unwrap()
    );
    // Its `write(100, "done\n", 5)` runs on a copy of the message: only a
    // 32-bit register can point there.
    let mut protected = 0;
    while let Some(event) = backend.next_event().unwrap() {
        if let Event::Syscall(stop) = event {
            let call = *stop.call();
            if call.nr == 4 {
                let checked = Checked {
                    args: vec![(1, b"done\n".to_vec())],
                    ..Checked::default()
                };
                backend.resume(stop, Decision::Permit, &checked).unwrap();
                protected += 1;
            } else {
                backend
                    .resume(stop, Decision::Permit, &Checked::default())
                    .unwrap();
            }
        }
    }
    assert_eq!(protected, 1);
    assert_eq!(backend.stats().protected_calls, 1);
    assert_eq!(
        backend.root_status(),
        Some(systrace_core::ExitStatus::Code(0))
    );
    let _ = std::fs::remove_file(&path);
}
