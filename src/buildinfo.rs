//! Where a binary came from: the version and the git commit it was built
//! from, as `sipfix --version` prints them. `build.rs` asks git and passes
//! the answer in `SIPFIX_COMMIT`; this file is shared with it so the wording
//! lives in one place and is tested.

/// The text after the version in `sipfix --version`, given the commit
/// (full hash, if the source was a git checkout) and whether tracked files
/// differed from that commit.
pub fn describe(commit: Option<&str>, modified: bool) -> String {
    match commit.map(str::trim).filter(|c| is_hash(c)) {
        Some(c) => {
            let short = &c[..c.len().min(12)];
            if modified {
                format!("commit {short}, with uncommitted changes")
            } else {
                format!("commit {short}")
            }
        }
        None => "commit unknown: built outside a git checkout".to_string(),
    }
}

/// A git object name: 7 to 64 hex digits.
fn is_hash(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn names_the_commit_shortened() {
        let h = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(describe(Some(h), false), "commit 0123456789ab");
        assert_eq!(
            describe(Some(&format!("{h}\n")), true),
            "commit 0123456789ab, with uncommitted changes"
        );
    }

    #[test]
    fn without_git_says_so() {
        let unknown = "commit unknown: built outside a git checkout";
        assert_eq!(describe(None, false), unknown);
        // What git prints outside a repository must never pass for a commit.
        assert_eq!(
            describe(Some("fatal: not a git repository"), false),
            unknown
        );
        assert_eq!(describe(Some(""), true), unknown);
    }
}
