//! "Did you mean": the known name nearest to a misspelt one.

/// The candidate nearest to `word`, ignoring ASCII case, if it is near
/// enough to be a slip of the fingers: at most one edit for a word of up to
/// five characters, two for longer ones, an edit being a character added,
/// removed, replaced, or two neighbours swapped (`permti` is one edit from
/// `permit`). `None` when `word` is itself a candidate, or nothing is near.
pub fn nearest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word: Vec<char> = word.to_ascii_lowercase().chars().collect();
    let limit = if word.len() <= 5 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let other: Vec<char> = candidate.to_ascii_lowercase().chars().collect();
        if other == word {
            return None;
        }
        let d = distance(&word, &other);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `; did you mean `X`?` for the nearest candidate, or nothing.
pub fn hint<'a, I>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    nearest(word, candidates).map_or_else(String::new, |c| format!("; did you mean `{c}`?"))
}

/// The edit distance of `a` and `b`, adjacent transpositions counting as
/// one edit (the restricted Damerau-Levenshtein distance).
fn distance(a: &[char], b: &[char]) -> usize {
    // rows[i][j]: the distance of a[..i] and b[..j]; three rows kept.
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut last: Vec<usize> = (0..width).collect();
    let mut row = vec![0; width];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            row[j] = d;
        }
        std::mem::swap(&mut before, &mut last);
        std::mem::swap(&mut last, &mut row);
    }
    last[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: [&str; 4] = ["permit", "deny", "ask", "kill"];

    #[test]
    fn slips_of_the_fingers() {
        assert_eq!(nearest("permti", ACTIONS), Some("permit"));
        assert_eq!(nearest("PERMT", ACTIONS), Some("permit"));
        assert_eq!(
            nearest("fsraed", ["fsread", "fswrite", "read"]),
            Some("fsread")
        );
        assert_eq!(nearest("eqq", ["eq", "neq", "sub"]), Some("eq"));
        assert_eq!(nearest("permit", ACTIONS), None, "already right");
        assert_eq!(nearest("frobnicate", ACTIONS), None, "nothing near");
        assert_eq!(nearest("xy", ["ab"]), None);
    }

    #[test]
    fn distances() {
        let d = |a: &str, b: &str| {
            distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("", ""), 0);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("", "ab"), 2);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("ab", "ba"), 1);
        assert_eq!(d("abcd", "acbd"), 1);
        assert_eq!(d("ca", "abc"), 3);
    }
}
