//! Text from evidence and from people, made safe for where it is written: one place
//! per medium. Every such text is data, never markup: a bundle name, an incident
//! title or a payload field may hold `</title>`, `<script>` or quotes.

/// `text` escaped for HTML text and attribute values (`&`, `<`, `>`, `"`, `'`): for
/// the printable report, the timeline picture (SVG) and server-rendered page titles.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page's `<title>`. The server writes the title into the page's HTML as it is
/// given (leptos_meta does not escape it), so on the server it is escaped here; in
/// the browser it is set as text (`document.title`), where escaping would show.
pub fn page_title(text: &str) -> String {
    if cfg!(feature = "ssr") {
        html(text)
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(html("<b>'&\""), "&lt;b&gt;&#39;&amp;&quot;");
        let hostile =
            "</title><meta http-equiv=\"refresh\" content=\"0;url=//evil.example\"><title>";
        let title = page_title(hostile);
        if cfg!(feature = "ssr") {
            assert!(!title.contains('<') && !title.contains('"'), "{title}");
        } else {
            // In the browser the title is set as text: escaping would show.
            assert_eq!(title, hostile);
        }
    }
}
