//! Markdown in descriptions, comments, notes, resolutions and handover notes: CommonMark with
//! GitHub's tables, task lists and strikethrough, rendered by pulldown-cmark and then cleaned by
//! ammonia's allow-list. Raw HTML is shown as the text it is; links get
//! `rel="noopener nofollow ugc"`; images load only from our own attachments.

use askama::filters::Safe;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};
use std::collections::HashSet;
use std::sync::LazyLock;

/// The one sanitiser, built once: the tags Markdown produces and nothing else.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "img",
        "input",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
    .into_iter()
    .collect();
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .tag_attributes(
            [
                ("a", ["href", "title"].into_iter().collect::<HashSet<_>>()),
                ("img", ["src", "alt", "title"].into_iter().collect()),
                ("input", ["type", "checked", "disabled"].into_iter().collect()),
                ("th", ["align"].into_iter().collect()),
                ("td", ["align"].into_iter().collect()),
                ("ol", ["start"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .generic_attributes(HashSet::new())
        .allowed_classes([("a", ["mention"].into_iter().collect::<HashSet<_>>())].into_iter().collect())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener nofollow ugc"))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Images only from our own attachments: nothing that tracks readers elsewhere.
            ("img", "src") if !value.starts_with("/attachments/") => None,
            // Task-list boxes, never a field one can type into.
            ("input", "type") if value != "checkbox" => None,
            _ => Some(value.into()),
        });
    builder
});

/// An engineer one can `@mention`: the handle is their e-mail address before the `@`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mentionable {
    pub handle: String,
    pub name: String,
    pub email: String,
}

impl Mentionable {
    pub fn of(user: &crate::app::User) -> Self {
        Mentionable {
            handle: crate::domain::notify::handle_of(&user.email),
            name: user.name.clone(),
            email: user.email.clone(),
        }
    }
}

/// The source rendered and then cleaned by ammonia's allow-list (raw HTML in the source was
/// already turned into text). `Safe` is built here and nowhere else, always from the cleaner's
/// output, which is why templates may insert it as it is.
pub fn html(source: impl AsRef<str>) -> Safe<String> {
    html_with(source, &[])
}

/// Splits a text at the `@handle`s of these people: the mentions become links to write to the
/// person, with their name as the title.
fn link_mentions<'a>(text: &str, people: &[Mentionable], out: &mut Vec<Event<'a>>) {
    let mut done = 0;
    for (span, handle) in crate::domain::notify::mention_spans(text) {
        let Some(person) = people.iter().find(|p| p.handle == handle) else { continue };
        out.push(Event::Text(text[done..span.start].to_owned().into()));
        let link = format!(
            "<a class=\"mention\" href=\"mailto:{}\" title=\"{}\">{}</a>",
            html_escape(&person.email),
            html_escape(&person.name),
            html_escape(&text[span.clone()])
        );
        out.push(Event::InlineHtml(link.into()));
        done = span.end;
    }
    out.push(Event::Text(text[done..].to_owned().into()));
}

/// Escapes text for an attribute or element of the inline HTML a mention becomes.
fn html_escape(text: &str) -> String {
    ammonia::clean_text(text)
}

/// The source as safe HTML, with `@mentions` of these people as links.
pub fn html_with(source: impl AsRef<str>, people: &[Mentionable]) -> Safe<String> {
    let source = source.as_ref();
    let options = Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    let mut events: Vec<Event> = Vec::new();
    // Mentions are not looked for inside code or links.
    let mut verbatim = 0usize;
    for event in Parser::new_ext(source, options) {
        match event {
            // Raw HTML is shown as text, never interpreted.
            Event::Html(raw) | Event::InlineHtml(raw) => events.push(Event::Text(raw)),
            // A line break in the text is a line break on the page, as in chat and issue comments.
            Event::SoftBreak => events.push(Event::HardBreak),
            Event::Start(tag @ (Tag::CodeBlock(_) | Tag::Link { .. })) => {
                verbatim += 1;
                events.push(Event::Start(tag));
            }
            Event::End(tag @ (TagEnd::CodeBlock | TagEnd::Link)) => {
                verbatim = verbatim.saturating_sub(1);
                events.push(Event::End(tag));
            }
            Event::Text(text) if verbatim == 0 && !people.is_empty() && text.contains('@') => {
                link_mentions(&text, people, &mut events);
            }
            other => events.push(other),
        }
    }
    let mut rendered = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut rendered, events.into_iter());
    Safe(CLEANER.clean(&rendered).to_string())
}

#[cfg(test)]
mod tests {
    fn html(source: &str) -> String {
        super::html(source).0
    }

    #[test]
    fn renders_the_usual_constructs() {
        let out = html(
            "**bold** and `code`\n\n```\nfn main() {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] to do",
        );
        assert!(out.contains("<strong>bold</strong>") && out.contains("<code>code</code>"), "{out}");
        assert!(out.contains("<pre><code>fn main() {}\n</code></pre>"), "{out}");
        assert!(out.contains("<table>") && out.contains("<td>1</td>"), "{out}");
        assert!(out.contains(r#"<input disabled="" type="checkbox" checked="">"#), "{out}");
    }

    #[test]
    fn links_are_marked_and_dangerous_schemes_dropped() {
        let out = html("[dash](https://grafana.example.com/d/1) <https://example.com>");
        assert!(out.contains(r#"href="https://grafana.example.com/d/1" rel="noopener nofollow ugc""#), "{out}");
        for payload in
            ["[x](javascript:alert(1))", "[x](data:text/html,<script>alert(1)</script>)", "[x](vbscript:msgbox)"]
        {
            let out = html(payload);
            assert!(
                !out.contains("javascript:") && !out.contains("data:") && !out.contains("vbscript:"),
                "{payload} → {out}"
            );
        }
    }

    #[test]
    fn raw_html_and_classic_payloads_never_become_markup() {
        let payloads = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<svg onload=alert(1)>",
            "<iframe src=//evil.example></iframe>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "![x](https://evil.example/track.png)",
            "![x](x\" onerror=\"alert(1))",
            "[x](https://example.com \"t\" onmouseover=alert(1))",
            "<details open ontoggle=alert(1)>",
            "```html\n<script>alert(1)</script>\n```",
            "<style>body{display:none}</style>",
            "<form action=//evil.example><input name=p></form>",
        ];
        for payload in payloads {
            let out = html(payload).to_lowercase();
            // Text `<` comes out as `&lt;`: every `<` left opens a tag, and no tag may be one of
            // these or carry a handler or a script URL.
            for tag in out.split('<').skip(1).map(|rest| rest.split('>').next().unwrap_or_default()) {
                let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default();
                assert!(!["script", "svg", "iframe", "style", "form", "details"].contains(&name), "{payload} → {out}");
                assert!(
                    name != "img" || !tag.contains("src=") || tag.contains("src=\"/attachments/"),
                    "{payload} → {out}"
                );
                assert!(!tag.contains(" on") && !tag.contains("javascript:"), "{payload} → {out}");
            }
        }
        assert_eq!(html("<b>hi</b>"), "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n");
    }

    #[test]
    fn mentions_of_known_people_become_links_outside_code() {
        let gina =
            super::Mentionable { handle: "gina".into(), name: "Gina <G>".into(), email: "gina@example.com".into() };
        let out = super::html_with("Ask @gina or @nobody, mail ops@gina.com, not `@gina`.", &[gina]).0;
        assert!(out.contains(r#"<a class="mention" href="mailto:gina@example.com" title="Gina &lt;G&gt;" rel="noopener nofollow ugc">@gina</a>"#), "{out}");
        assert_eq!(out.matches("class=\"mention\"").count(), 1, "{out}");
        assert!(out.contains("@nobody") && out.contains("<code>@gina</code>"), "{out}");
    }

    #[test]
    fn our_own_attachments_show_as_images() {
        let out = html("![screen](/attachments/7)");
        assert!(out.contains(r#"<img src="/attachments/7" alt="screen">"#), "{out}");
    }
}
