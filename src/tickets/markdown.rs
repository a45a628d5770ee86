//! Markdown of knowledge-base articles, turned into HTML that is safe to put into the page as it
//! is, and into a plain-text excerpt for lists.
//!
//! Safe means: nobody who can write an article can make the page run script or load something
//! unexpected. The approach is an allow-list on the parser's events rather than cleaning HTML
//! afterwards: raw HTML in the Markdown (blocks and inline tags) is shown as the text it is, never
//! as markup, and a link or image keeps its address only when the address is http, https, mailto
//! or relative; any other (`javascript:`, `data:`, `vbscript:`, in whatever case or with whatever
//! whitespace a browser would ignore) turns the link into its plain text. Everything else is
//! markup the renderer writes itself, with every text and attribute escaped. Rejected: a
//! separate HTML sanitizer (one more dependency, and one more parser whose idea of HTML has to
//! agree with the browser's), and allowing "harmless" raw tags, which is where sanitizers break.

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// GitHub's everyday extensions: tables, ~~strikethrough~~, `- [ ]` task lists. Nothing that adds
/// attributes from the text (heading attributes) or needs more than the allow-list covers.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Whether a link or image address may stay an address: http, https and mailto, or relative
/// (`/kb/3`, `#/tickets/5`, `guide.html`, `//host/path`). Judged the way a browser reads it, which
/// ignores tabs, newlines and surrounding spaces and does not care about case; anything that
/// looks like another scheme (text before a `:` that comes before any `/`, `?` or `#`) is refused.
fn allowed_url(url: &str) -> bool {
    let read: String =
        url.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_ascii_lowercase();
    match read.find([':', '/', '?', '#']) {
        Some(i) if read[i..].starts_with(':') => matches!(&read[..i], "http" | "https" | "mailto"),
        _ => true,
    }
}

/// The article's Markdown as HTML for the page: headings, lists, tables, code, links and images
/// as usual; raw HTML escaped into text; links and images with a disallowed address rendered as
/// their text only.
pub fn render(markdown: &str) -> String {
    // For each link or image open right now: whether its start tag was dropped, so its end is too.
    let mut dropped: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options()).filter_map(move |event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        // An HTML block's lines become the text of a paragraph.
        Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::Paragraph)),
        Event::End(TagEnd::HtmlBlock) => Some(Event::End(TagEnd::Paragraph)),
        Event::Start(Tag::Link { link_type, ref dest_url, .. }) => {
            // An e-mail autolink's address gets "mailto:" put in front by the writer.
            let keep = link_type == LinkType::Email || allowed_url(dest_url);
            dropped.push(!keep);
            keep.then_some(event)
        }
        Event::Start(Tag::Image { ref dest_url, .. }) => {
            let keep = allowed_url(dest_url);
            dropped.push(!keep);
            keep.then_some(event)
        }
        Event::End(TagEnd::Link | TagEnd::Image) => {
            if dropped.pop().unwrap_or(false) {
                None
            } else {
                Some(event)
            }
        }
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The article's text without Markdown syntax or HTML tags, whitespace collapsed, cut to at most
/// `max_chars` characters (at a word boundary when there is one, with "…" when cut): what a list
/// shows under a title.
pub fn excerpt(markdown: &str, max_chars: usize) -> String {
    // Enough raw text to fill the excerpt even after whitespace collapses.
    let enough = max_chars.saturating_mul(2).saturating_add(64);
    let mut text = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            // Blocks and table cells end with a space, so their words do not run together.
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => text.push(' '),
            _ => {}
        }
        if text.chars().count() > enough {
            break;
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let collapsed = words.join(" ");
    if collapsed.chars().count() <= max_chars {
        return collapsed;
    }
    let cut: String = collapsed.chars().take(max_chars.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > cut.len() / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tags the renderer may write; anything else in the output came from the input.
    const TAGS: &[&str] = &[
        "p",
        "a",
        "img",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "del",
        "em",
        "strong",
        "code",
        "pre",
        "blockquote",
        "hr",
        "br",
        "input",
    ];

    /// Fails when the HTML holds a tag the renderer does not write, an event-handler attribute,
    /// or an address with a scheme other than http, https and mailto. The renderer always quotes
    /// attribute values with `"` and escapes `"`, `<` and `>` inside them, which this relies on.
    fn assert_safe(markdown: &str) -> String {
        let out = render(markdown);
        let mut rest = out.as_str();
        while let Some(i) = rest.find('<') {
            rest = &rest[i + 1..];
            let end = rest.find('>').unwrap_or(rest.len());
            let tag = &rest[..end];
            let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            assert!(TAGS.contains(&name.as_str()), "{markdown:?} gave the tag <{tag}> in {out}");
            let mut attributes = tag.trim_start_matches('/')[name.len()..].trim_start();
            while !attributes.is_empty() && attributes != "/" {
                let key_end = attributes.find(['=', ' ', '/']).unwrap_or(attributes.len());
                let key = attributes[..key_end].to_ascii_lowercase();
                assert!(!key.starts_with("on"), "{markdown:?} gave the attribute {key} in {out}");
                attributes = &attributes[key_end..];
                if let Some(quoted) = attributes.strip_prefix("=\"") {
                    let close = quoted.find('"').expect("a closing quote");
                    let value = &quoted[..close];
                    if key == "href" || key == "src" {
                        assert!(allowed_url(value), "{markdown:?} gave {key}={value} in {out}");
                    }
                    attributes = &quoted[close + 1..];
                }
                attributes = attributes.trim_start();
            }
        }
        out
    }

    #[test]
    fn markdown_renders_as_usual() {
        let out = assert_safe("# Reset a password\n\nSome *emphasis* and **strong** and `code`.\n");
        assert!(out.contains("<h1>Reset a password</h1>"), "{out}");
        assert!(out.contains("<em>emphasis</em>") && out.contains("<strong>strong</strong>"), "{out}");
        assert!(out.contains("<code>code</code>"), "{out}");
        let out = assert_safe("| Key | Value |\n| --- | ---: |\n| a | 1 |\n\n~~old~~\n\n- [x] done\n- [ ] to do\n");
        assert!(out.contains("<table>") && out.contains("<td>a</td>"), "{out}");
        assert!(out.contains("<del>old</del>"), "{out}");
        assert!(out.contains("type=\"checkbox\"") && out.contains("checked"), "{out}");
        let out = assert_safe("```sh\nrm -rf /tmp/x && echo '<ok>'\n```\n");
        assert!(out.contains("<pre><code class=\"language-sh\">rm -rf /tmp/x &amp;&amp; echo '&lt;ok&gt;'"), "{out}");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let out = assert_safe("<script>alert(1)</script>");
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{out}");
        let out = assert_safe("<img src=x onerror=alert(1)>");
        assert!(out.contains("&lt;img src=x onerror=alert(1)&gt;"), "{out}");
        let out = assert_safe("Hello <b onclick=\"steal()\">there</b> and <iframe src=//evil>");
        assert!(out.contains("&lt;b onclick=\"steal()\"&gt;there&lt;/b&gt; and &lt;iframe src=//evil&gt;"), "{out}");
        assert_safe("<div>\n<svg onload=alert(1)>\n</div>\n\n- <style>body{display:none}</style>\n");
        assert_safe("<!-- comment --><![CDATA[x]]><?php x ?>");
        assert_safe("> <a href=\"javascript:alert(1)\">quoted</a>");
    }

    #[test]
    fn links_keep_only_safe_addresses() {
        let out = assert_safe("[docs](https://example.com/a?b=1&c=2 \"The docs\")");
        assert!(out.contains("<a href=\"https://example.com/a?b=1&amp;c=2\" title=\"The docs\">docs</a>"), "{out}");
        let out =
            assert_safe("[ticket](#/tickets/5) [article](/kb/3) [guide](guide.html) [mail](mailto:help@example.com)");
        for href in ["#/tickets/5", "/kb/3", "guide.html", "mailto:help@example.com"] {
            assert!(out.contains(&format!("href=\"{href}\"")), "{href} in {out}");
        }
        for attack in [
            "[x](javascript:alert(1))",
            "[x]( JaVaScRiPt:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](javascript&#58;alert(1))",
            "[x](&#x6A;avascript:alert(1))",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[x][ref]\n\n[ref]: javascript:alert(1)",
            "[x](\u{1}javascript:alert(1))",
        ] {
            let out = assert_safe(attack);
            assert!(!out.contains("href"), "{attack:?} kept its address: {out}");
            assert!(out.contains('x'), "{attack:?} lost its text: {out}");
        }
        let out = assert_safe("[x](https://e.com \"a\\\" onmouseover=\\\"alert(1)\")");
        assert!(out.contains("title=\"a&quot; onmouseover=&quot;alert(1)\""), "{out}");
    }

    #[test]
    fn autolinks_and_images_follow_the_same_rule() {
        let out = assert_safe("<https://example.com> and <help@example.com>");
        assert!(out.contains("<a href=\"https://example.com\">https://example.com</a>"), "{out}");
        assert!(out.contains("<a href=\"mailto:help@example.com\">help@example.com</a>"), "{out}");
        let out = assert_safe("<javascript:alert(1)> <JAVASCRIPT:alert(2)> <data:text/html,x>");
        assert!(!out.contains("href"), "{out}");
        assert!(out.contains("javascript:alert(1)"), "the text stays: {out}");
        let out = assert_safe("![diagram](/assets/net.png \"Network\")");
        assert!(out.contains("<img src=\"/assets/net.png\" alt=\"diagram\" title=\"Network\" />"), "{out}");
        let out = assert_safe("![pixel](data:image/png;base64,iVBORw0KGgo=) ![x](javascript:alert(1))");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("pixel"), "the alt text stays: {out}");
        let out = assert_safe("[![inner](javascript:x)](https://example.com)");
        assert!(out.contains("<a href=\"https://example.com\">inner</a>"), "{out}");
    }

    #[test]
    fn excerpts_are_plain_text() {
        let md = "# Reset a password\n\nOpen **Settings** > `Users`, then [pick the user](/u).\n\n- one\n- two\n\n<b>bold</b>";
        assert_eq!(excerpt(md, 200), "Reset a password Open Settings > Users, then pick the user. one two bold");
        let long = "word ".repeat(100);
        let cut = excerpt(&long, 22);
        assert_eq!(cut, "word word word word…");
        assert!(cut.chars().count() <= 22);
        assert_eq!(excerpt("", 10), "");
        assert_eq!(excerpt("Überprüfung", 5), "Über…");
    }
}
