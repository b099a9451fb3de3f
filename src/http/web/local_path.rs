//! Where a page may send the browser next (`next=` after sign-in, `back=` after a send,
//! the language switch): a path on this site only, never another origin.

/// `raw` if it is a path on this site. `//host`, `/\host` (browsers read a backslash as a
/// slash), an absolute URL and anything with control characters or spaces are refused.
pub fn local_path(raw: &str) -> Option<&str> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && raw.len() <= 2000
        && !raw.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(raw)
}

/// `path` as a query value (`next=…`, `back=…`).
pub fn encoded(path: &str) -> String {
    url::form_urlencoded::byte_serialize(path.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_on_this_site() {
        for ok in [
            "/checkouts",
            "/checkouts?status=all&q=a",
            "/checkouts/x/send",
        ] {
            assert_eq!(local_path(ok), Some(ok));
        }
        for bad in [
            "",
            "checkouts",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil",
            "https://evil.example/",
            "javascript:alert(1)",
            "/\tevil",
            "/a b",
            " /checkouts",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }
}
