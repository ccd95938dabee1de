//! The directories whose names learning takes as generated more readily.

/// The temporary directories: names made in them are taken as generated
/// more readily (see [`super::generalize::component`]).
#[derive(Clone, Debug)]
pub struct TempDirs(Vec<String>);

impl TempDirs {
    /// `/tmp`, `/var/tmp`, `/dev/shm`, and `$TMPDIR` when set.
    pub fn standard() -> TempDirs {
        let mut dirs: Vec<String> = ["/tmp", "/var/tmp", "/dev/shm"].map(String::from).to_vec();
        if let Ok(dir) = std::env::var("TMPDIR") {
            let dir = dir.trim_end_matches('/').to_string();
            if dir.starts_with('/') && dir.len() > 1 && !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        TempDirs(dirs)
    }

    /// Exactly these directories.
    pub fn new(dirs: &[&str]) -> TempDirs {
        TempDirs(
            dirs.iter()
                .map(|d| d.trim_end_matches('/').to_string())
                .collect(),
        )
    }

    /// Is `dir` one of the temporary directories, or below one?
    pub fn contains(&self, dir: &str) -> bool {
        self.0.iter().any(|t| {
            dir.strip_prefix(t.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }
}
