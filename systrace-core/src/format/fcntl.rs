//! `fcntl(2)` commands (`cmd`).

/// The name of `fcntl` command `cmd`, or `None`.
///
/// Names every command current Linux implements: `F_DUPFD` 0 ... `F_GETSIG`
/// 11, `F_SETOWN_EX` 15, `F_GETOWN_EX` 16, `F_OFD_GETLK` 36 ...
/// `F_OFD_SETLKW` 38, and the Linux-specific `F_SETLEASE` 1024,
/// `F_GETLEASE` 1025, `F_NOTIFY` 1026, `F_DUPFD_QUERY` 1027,
/// `F_CREATED_QUERY` 1028, `F_DUPFD_CLOEXEC` 1030, `F_SETPIPE_SZ` 1031,
/// `F_GETPIPE_SZ` 1032, `F_ADD_SEALS` 1033, `F_GET_SEALS` 1034,
/// `F_GET_RW_HINT` 1035, `F_SET_RW_HINT` 1036.
///
/// `F_GETLK64` 12, `F_SETLK64` 13 and `F_SETLKW64` 14 exist only for the
/// 32-bit ABI (`abi_is_i386`); the 64-bit kernels reject them. On the
/// 64-bit ABIs `F_GETLK64` and friends are 5, 6, 7 and print as `F_GETLK`
/// and friends.
pub fn fcntl_cmd_name(cmd: u32, abi_is_i386: bool) -> Option<&'static str> {
    Some(match cmd {
        0 => "F_DUPFD",
        1 => "F_GETFD",
        2 => "F_SETFD",
        3 => "F_GETFL",
        4 => "F_SETFL",
        5 => "F_GETLK",
        6 => "F_SETLK",
        7 => "F_SETLKW",
        8 => "F_SETOWN",
        9 => "F_GETOWN",
        10 => "F_SETSIG",
        11 => "F_GETSIG",
        12 if abi_is_i386 => "F_GETLK64",
        13 if abi_is_i386 => "F_SETLK64",
        14 if abi_is_i386 => "F_SETLKW64",
        15 => "F_SETOWN_EX",
        16 => "F_GETOWN_EX",
        36 => "F_OFD_GETLK",
        37 => "F_OFD_SETLK",
        38 => "F_OFD_SETLKW",
        1024 => "F_SETLEASE",
        1025 => "F_GETLEASE",
        1026 => "F_NOTIFY",
        1027 => "F_DUPFD_QUERY",
        1028 => "F_CREATED_QUERY",
        1030 => "F_DUPFD_CLOEXEC",
        1031 => "F_SETPIPE_SZ",
        1032 => "F_GETPIPE_SZ",
        1033 => "F_ADD_SEALS",
        1034 => "F_GET_SEALS",
        1035 => "F_GET_RW_HINT",
        1036 => "F_SET_RW_HINT",
        _ => return None,
    })
}

/// Prints `fcntl`'s command argument as the `cmd` translator does: the
/// name from [`fcntl_cmd_name`], else `<unknown>: N`.
///
/// The kernel reads the command as `unsigned int`, so only the low 32 bits
/// count and N is printed unsigned. `abi_is_i386` is true for a 32-bit
/// (i386) caller, which adds `F_GETLK64`, `F_SETLK64` and `F_SETLKW64`.
pub fn fcntl_cmd(cmd: u64, abi_is_i386: bool) -> String {
    let cmd = cmd as u32;
    match fcntl_cmd_name(cmd, abi_is_i386) {
        Some(name) => String::from(name),
        None => format!("<unknown>: {cmd}"),
    }
}
