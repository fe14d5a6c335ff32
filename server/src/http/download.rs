//! A response that is a file to download, named so that the header says one plain name.

/// A file to download: `bytes` as `content_type`, saved as `name` (or, `inline`, shown
/// by the browser).
pub(super) fn download(
    content_type: &str,
    name: &str,
    inline: bool,
    bytes: impl axum::response::IntoResponse,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse as _;
    let disposition = if inline { "inline" } else { "attachment" };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{}\"", file_name(name)),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `name` as a download's file name: letters, digits, `.`, `-` and `_` kept, every
/// other character (a quote, a backslash, a control character, a path separator)
/// written as `_`, so the header says one plain name.
fn file_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .take(200)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let kept = kept.trim_start_matches('.');
    if kept.is_empty() {
        "download".to_owned()
    } else {
        kept.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn a_download_is_named_plainly() {
        assert_eq!(file_name("events.csv"), "events.csv");
        assert_eq!(
            file_name("incident-3.report.html"),
            "incident-3.report.html"
        );
        assert_eq!(
            file_name("a\"; filename=evil.exe\r\nX: y"),
            "a___filename_evil.exe__X__y"
        );
        assert_eq!(file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_name(""), "download");
    }
}
