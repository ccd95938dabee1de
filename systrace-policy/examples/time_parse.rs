fn main() {
    for path in std::env::args().skip(1) {
        let src = std::fs::read(&path).unwrap();
        let src = String::from_utf8_lossy(&src);
        for n in [200usize, 400, 800, 1600, src.len()] {
            let cut: String = src.chars().take(n).collect();
            let t = std::time::Instant::now();
            let r = systrace_policy::parse::parse_rule(cut.lines().next().unwrap_or(""))
                .map(|_| ())
                .map_err(|e| e.to_string());
            println!(
                "{n}: {:?} {:?}",
                t.elapsed(),
                r.err().map(|e| e.chars().take(80).collect::<String>())
            );
        }
    }
}
