//! `--format html`: one self-contained page to attach to a ticket — the words for the ticket,
//! the flow as a sequence diagram (inline SVG) beside the diagnosis, the parameters that must
//! agree side by side, the JWTs decoded, the provider's metadata, and every exchange drawn.
//! Inline CSS and JavaScript only, under a Content-Security-Policy that allows nothing else:
//! the page makes no request of any kind and works from `file://`. Every string goes through
//! the redactor, then through HTML escaping.

use super::compare::{self, Comparison, DecodedToken, Row, Side};
use super::flow::{self, Fold, Item, Lane, Picture, Step, thousands};
use super::ticket::Ticket;
use super::{Printer, Report};
use crate::diagnosis::{Finding, Severity};
use crate::model::Exchange;
use crate::redact::Redactor;
use base64::Engine;
use sha2::Digest;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

pub struct Html;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// Escape text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

fn csp_hash(s: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(s.as_bytes()))
    )
}

// Diagram geometry (px).
const LANE_W: usize = 230;
const MARGIN: usize = 12;
const HEAD: usize = 64;
const ROW: usize = 46;
/// Generous average widths of a character of the 13px label font (regular and bold), for
/// fitting labels into the diagram.
const CHAR_W: f64 = 7.2;
const CHAR_W_BOLD: f64 = 7.9;

/// Bodies longer than this are cut in the exchange cards.
const MAX_BODY: usize = 4000;
/// Exchanges of one folded step shown in full in its card.
const MAX_CARD_EXCHANGES: usize = 3;

impl Printer for Html {
    fn print(&self, r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let page = page(r);
        out.write_all(page.as_bytes())
    }
}

fn page(r: &Report<'_>) -> String {
    let red = r.redactor;
    let pic = Picture::whole(r);
    let focus_set: Vec<usize> = Picture::focus_flow(r)
        .steps()
        .flat_map(|s| s.exchanges.iter().copied())
        .collect();
    let top = flow::top_finding(r);
    let verdict = r.verdict();
    let mut h = String::with_capacity(64 * 1024);
    let title = match top {
        Some(f) => format!(
            "oauth-doctor: {} — {} {}",
            verdict.as_str(),
            f.rule,
            red.scrub(&f.title)
        ),
        None => format!("oauth-doctor: {}", verdict.as_str()),
    };
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(CSS),
        csp_hash(JS)
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"oauth-doctor {}\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
        esc(&csp),
        env!("CARGO_PKG_VERSION"),
        esc(&title),
        CSS
    );
    h.push_str("<a class=\"skip\" href=\"#diagnosis\">Skip to the diagnosis</a>\n<header>\n");
    let _ = writeln!(
        h,
        "<h1>oauth-doctor: <span class=\"verdict verdict-{v}\">{v}</span></h1>",
        v = verdict.as_str()
    );
    let _ = writeln!(
        h,
        "<p class=\"muted\">{} exchange(s) from {}{}. {}</p>\n</header>\n<main>",
        thousands(r.exchanges.len()),
        r.inputs
            .iter()
            .map(|i| format!("<code>{}</code>", esc(&red.scrub(i))))
            .collect::<Vec<_>>()
            .join(", "),
        if r.ignored > 0 {
            format!(" ({} unrelated entries not analysed)", thousands(r.ignored))
        } else {
            String::new()
        },
        if red.shows_secrets() {
            "<strong>Secrets are shown in clear (<code>--show-secrets</code>): do not share this report.</strong>"
        } else {
            "Secrets are shown as fingerprints: <code>first4…last4 (length, sha256 prefix)</code>."
        }
    );
    ticket(r, &pic, &mut h);
    h.push_str("<div class=\"layout\">\n");
    diagram(r, &pic, &mut h);
    diagnosis(r, &pic, &mut h);
    h.push_str("</div>\n");
    parameters(r, &pic, compare::comparison(r).as_ref(), &mut h);
    tokens(r, &pic, &focus_set, &mut h);
    metadata(r, &pic, &mut h);
    exchanges(r, &pic, &mut h);
    notes(r, &pic, &mut h);
    let _ = write!(
        h,
        "</main>\n<footer>Generated by oauth-doctor {} — <code>oauth-doctor explain CODE</code> tells more about a rule.</footer>\n<script>{}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        JS
    );
    h
}

/// A link to the element that shows exchange `i`, or the plain number when nothing does.
fn ex_link(pic: &Picture, i: usize) -> String {
    match pic.anchor_of(i) {
        Some(id) => format!("<a href=\"#{id}\">#{}</a>", pic.n(i)),
        None => format!("#{}", pic.n(i)),
    }
}

fn ticket(r: &Report<'_>, pic: &Picture, h: &mut String) {
    let t = Ticket::of(r);
    h.push_str("<section id=\"ticket\" aria-labelledby=\"ticket-h\">\n<h2 id=\"ticket-h\">Summary for the ticket</h2>\n<dl class=\"ticket\">\n");
    let _ = writeln!(h, "<dt>What failed</dt><dd>{}</dd>", esc(&t.failed));
    if let Some(c) = &t.cause {
        let _ = writeln!(h, "<dt>Most probable cause</dt><dd>{}</dd>", esc(c));
    }
    if let Some(s) = &t.seen {
        let _ = writeln!(h, "<dt>What the capture shows</dt><dd>{}</dd>", esc(s));
    }
    if let Some(top) = flow::top_finding(r).filter(|f| !f.evidence.is_empty()) {
        h.push_str("<dt>Evidence</dt><dd><ul>");
        for (ev, line) in top.evidence.iter().zip(&t.evidence) {
            let rest = line
                .split_once(' ')
                .map(|(_, rest)| rest)
                .unwrap_or(line.as_str());
            let _ = write!(h, "<li>{} {}</li>", ex_link(pic, ev.exchange), esc(rest));
        }
        if t.more_evidence > 0 {
            let _ = write!(h, "<li>and {} more</li>", t.more_evidence);
        }
        h.push_str("</ul></dd>\n");
    }
    if let Some(c) = &t.change {
        let _ = writeln!(h, "<dt>What to change</dt><dd>{}</dd>", esc(c));
    }
    if let Some((owner, words)) = &t.who {
        let _ = writeln!(
            h,
            "<dt>Who must change it</dt><dd data-owner=\"{}\">{}</dd>",
            esc(owner.as_str()),
            esc(words)
        );
    }
    match t.also.as_slice() {
        [] => {}
        [one] => {
            let _ = writeln!(h, "<dt>Also</dt><dd>{}</dd>", esc(one));
        }
        many => {
            h.push_str("<dt>Also</dt><dd><ul>");
            for a in many {
                let _ = write!(h, "<li>{}</li>", esc(a));
            }
            h.push_str("</ul></dd>\n");
        }
    }
    h.push_str(
        "</dl>\n<details><summary>The summary as plain text</summary>\n<pre id=\"ticket-text\">",
    );
    h.push_str(&esc(&t.text(r)));
    h.push_str("</pre>\n</details>\n<div class=\"actions\"><button type=\"button\" id=\"copy-ticket\">Copy the summary</button><span id=\"copy-status\" role=\"status\"></span></div>\n</section>\n");
}

/// Centre x of lane `k` of the picture.
fn lane_x(k: usize) -> usize {
    MARGIN + k * LANE_W + LANE_W / 2
}

fn diagram(r: &Report<'_>, pic: &Picture, h: &mut String) {
    let red = r.redactor;
    h.push_str("<section id=\"flow\" aria-labelledby=\"flow-h\">\n<h2 id=\"flow-h\">Flow</h2>\n");
    if pic.items.is_empty() {
        h.push_str("<p>No exchanges to draw.</p>\n</section>\n");
        return;
    }
    let lanes: Vec<Lane> = pic.lanes.iter().map(|(l, _)| *l).collect();
    let pos = |l: Lane| lanes.iter().position(|x| *x == l).unwrap_or(0);
    let width = 2 * MARGIN + lanes.len().max(1) * LANE_W;
    let top = HEAD + 18;
    let height = top + pic.items.len() * ROW + 12;
    let _ = writeln!(
        h,
        "<figure class=\"diagram\" aria-describedby=\"flow-legend\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"group\" aria-label=\"Sequence diagram: {} arrows between {}\">",
        pic.steps().count(),
        esc(&lanes
            .iter()
            .map(|l| l.label())
            .collect::<Vec<_>>()
            .join(", "))
    );
    for (k, (lane, hosts)) in pic.lanes.iter().enumerate() {
        let x = lane_x(k);
        let host = match hosts.len() {
            0 => String::new(),
            1 => flow::shorten(&red.scrub(&hosts[0]), 30),
            n => format!("{} +{}", flow::shorten(&red.scrub(&hosts[0]), 26), n - 1),
        };
        let _ = writeln!(
            h,
            "<g class=\"lane\" id=\"lane-{id}\"><title>{title}</title><rect class=\"lane-box\" x=\"{}\" y=\"8\" width=\"{}\" height=\"{}\" rx=\"6\"/><text class=\"lane-role\" x=\"{x}\" y=\"30\" text-anchor=\"middle\">{role}</text><text class=\"lane-host\" x=\"{x}\" y=\"48\" text-anchor=\"middle\">{host}</text><line class=\"lifeline\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/></g>",
            x - LANE_W / 2 + 10,
            LANE_W - 20,
            HEAD - 12,
            HEAD - 4,
            height - 6,
            id = lane.id(),
            title = esc(&format!(
                "{}: {}",
                lane.label(),
                hosts
                    .iter()
                    .map(|h| red.scrub(h))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            role = esc(lane.label()),
            host = esc(&host),
        );
    }
    for (row, item) in pic.items.iter().enumerate() {
        let y = top + row * ROW + 28;
        match item {
            Item::Step(s) => step_svg(r, s, pos(s.from), pos(s.to), y, width, h),
            Item::Gap(g) => {
                let common = g
                    .common
                    .iter()
                    .map(|(n, m, p)| {
                        format!(
                            "{} × {} {}",
                            thousands(*n),
                            m,
                            flow::shorten(&red.scrub(p), 32)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                let text = format!(
                    "⋯ {} exchanges not drawn (#{}–#{}): {}",
                    thousands(g.count),
                    g.first + 1,
                    g.last + 1,
                    common
                );
                let max_chars = ((width - 24) as f64 / CHAR_W) as usize;
                let _ = writeln!(
                    h,
                    "<g class=\"gap\" id=\"gap-{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\"/><text x=\"{}\" y=\"{}\">{}</text></g>",
                    g.first + 1,
                    esc(&text),
                    MARGIN,
                    y - 22,
                    width - 2 * MARGIN,
                    30,
                    MARGIN + 8,
                    y - 2,
                    esc(&shorten_end_inline(&text, max_chars))
                );
            }
        }
    }
    h.push_str("</svg>\n</figure>\n");
    h.push_str("<p class=\"legend\" id=\"flow-legend\">Each arrow is one request, labelled <code>#N METHOD path → status</code>; the one the top cause explains is red and marked ✗, other failures are amber. Folded arrows count their exchanges (×N): CORS preflights go with the request they cleared, retries and runs of the same call with their first. Follow an arrow for the exchange in full.</p>\n</section>\n");
}

fn step_svg(
    r: &Report<'_>,
    s: &Step,
    from: usize,
    to: usize,
    y: usize,
    width: usize,
    h: &mut String,
) {
    let red = r.redactor;
    let (x1, x2) = (lane_x(from), lane_x(to));
    let span = x1.abs_diff(x2);
    let mut classes = vec!["step"];
    if s.failing {
        classes.push("failing");
    } else if s.failed {
        classes.push("failed");
    }
    if s.exchanges.len() > 1 {
        classes.push("folded");
    }
    if s.outcomes
        .iter()
        .any(|(o, _)| matches!(o.status, None | Some(0)))
    {
        classes.push("noresp");
    }
    let mut label = s.label(red, 200);
    if !s.preflights.is_empty() {
        label.push_str(&format!(
            " + preflight {}",
            s.preflights
                .iter()
                .map(|&p| format!("#{}", s.n(p)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let full = label.clone();
    // Labels may run past their arrow (a halo keeps them readable over the lifelines) but
    // stay inside the diagram.
    let char_w = if s.failing { CHAR_W_BOLD } else { CHAR_W };
    let max_chars = (((width - 2 * MARGIN - 16) as f64 / char_w) as usize).max(24);
    if label.chars().count() > max_chars {
        let path = red.scrub(&s.path).chars().count();
        let fixed = label.chars().count().saturating_sub(path);
        let path_room = max_chars.saturating_sub(fixed).max(8);
        label = s.label(red, path_room);
        if !s.preflights.is_empty() {
            label.push_str(" + preflight");
        }
        label = flow::shorten(&label, max_chars.saturating_sub(2));
    }
    if s.failing {
        label = format!("✗ {label}");
    }
    let numbers: Vec<String> = s
        .exchanges
        .iter()
        .chain(&s.preflights)
        .map(|&i| s.n(i).to_string())
        .collect();
    let _ = write!(
        h,
        "<a class=\"{}\" id=\"ex-{n}\" href=\"#x-{n}\" data-exchanges=\"{}\" data-kind=\"{}\" aria-label=\"{}\"><title>{}</title><rect class=\"band\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        classes.join(" "),
        numbers.join(" "),
        s.kind.as_str(),
        esc(&format!(
            "{}{}: {} to {}",
            if s.failing { "failing: " } else { "" },
            full,
            s.from.label(),
            s.to.label()
        )),
        esc(&full),
        MARGIN,
        y - 26,
        width - 2 * MARGIN,
        ROW - 4,
        n = s.n(s.first()),
    );
    let text_w = (label.chars().count() as f64 * char_w) as usize;
    if span == 0 {
        // A request to the same lane: a loop on the right of the lifeline, the label after it,
        // or before the lifeline when it would not fit.
        let (tx, anchor) = if x1 + 40 + text_w + MARGIN <= width {
            (x1 + 40, "start")
        } else {
            (x1.saturating_sub(8).max(MARGIN + 4), "end")
        };
        let _ = write!(
            h,
            "<path class=\"loop\" d=\"M{x1} {} h34 v14 h-28\"/><polygon points=\"{x1},{} {},{} {},{}\"/><text x=\"{tx}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            y - 6,
            y + 8,
            x1 + 8,
            y + 4,
            x1 + 8,
            y + 12,
            y + 6,
            esc(&label)
        );
    } else {
        let dir: isize = if x2 > x1 { 1 } else { -1 };
        let tip = x2 as isize - dir * 2;
        let base = tip - dir * 10;
        if s.exchanges.len() > 1 {
            let _ = write!(
                h,
                "<line class=\"shadow\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                x1,
                y + 4,
                base,
                y + 4
            );
        }
        let _ = write!(
            h,
            "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{base}\" y2=\"{y}\"/><polygon points=\"{tip},{y} {base},{} {base},{}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            y - 5,
            y + 5,
            centre((x1 + x2) / 2, text_w, width),
            y - 8,
            esc(&label)
        );
    }
    h.push_str("</a>\n");
}

/// `text` cut to `max` characters with an ellipsis at the end.
fn shorten_end_inline(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut t: String = text.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// The centre of a label of width `w` as near `x` as the diagram's width allows.
fn centre(x: usize, w: usize, width: usize) -> usize {
    let lo = MARGIN + 6 + w / 2;
    let hi = (width - MARGIN - 6).saturating_sub(w / 2);
    if lo > hi { width / 2 } else { x.clamp(lo, hi) }
}

fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "sev-error",
        Severity::Warning => "sev-warning",
        Severity::Info => "sev-info",
    }
}

fn diagnosis(r: &Report<'_>, pic: &Picture, h: &mut String) {
    let red = r.redactor;
    h.push_str("<aside id=\"diagnosis\" aria-labelledby=\"diagnosis-h\">\n<h2 id=\"diagnosis-h\">Diagnosis</h2>\n");
    let top = flow::top_finding(r);
    match top {
        Some(f) => {
            let _ = writeln!(
                h,
                "<article id=\"top-cause\" class=\"cause {}\" data-rule=\"{}\">",
                sev_class(f.severity),
                f.rule
            );
            let _ = writeln!(
                h,
                "<p class=\"kicker\">Most probable cause · confidence {:.2}</p>\n<h3><code>{}</code> {}</h3>\n<p class=\"meta\"><span class=\"sev\">{}</span> · {}{}{}</p>",
                f.confidence,
                f.rule,
                esc(&red.scrub(&f.title)),
                f.severity,
                f.category,
                f.provider
                    .as_deref()
                    .map(|p| format!(" · provider {}", esc(p)))
                    .unwrap_or_default(),
                f.anchor
                    .map(|a| format!(" · on {}", ex_link(pic, a)))
                    .unwrap_or_default()
            );
            let _ = writeln!(h, "<p>{}</p>", esc(&red.scrub(&f.message)));
            evidence(r, pic, f, h);
            let _ = writeln!(h, "<h4>Fix</h4>\n<p>{}</p>", esc(&red.scrub(&f.fix)));
            let (owner, words) = super::ticket::who(f);
            let _ = writeln!(
                h,
                "<p data-owner=\"{}\"><strong>Who must change it:</strong> {}</p>",
                esc(owner.as_str()),
                esc(words)
            );
            if !f.consequences.is_empty() {
                let _ = writeln!(
                    h,
                    "<p>Also explains: {}</p>",
                    f.consequences
                        .iter()
                        .map(|c| format!("<code>{c}</code>"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if !f.references.is_empty() {
                let _ = writeln!(
                    h,
                    "<p class=\"meta\">See: {}</p>",
                    esc(&f.references.join("; "))
                );
            }
            let _ = writeln!(
                h,
                "<p class=\"meta\">More: <code>oauth-doctor explain {}</code></p>\n</article>",
                f.rule
            );
        }
        None => {
            let _ = writeln!(
                h,
                "<article id=\"top-cause\" class=\"cause pass\"><p class=\"kicker\">Diagnosis</p><h3>No failure found</h3><p>None of the {} exchange(s) failed in a way a rule explains.</p></article>",
                thousands(r.exchanges.len())
            );
        }
    }
    considered(r, pic, flow::differentials(r), h);
    let (primary, latent): (Vec<&Finding>, Vec<&Finding>) = r
        .findings
        .iter()
        .filter(|f| top.is_none_or(|t| t.rank != f.rank))
        .partition(|f| !f.latent);
    grouped(r, pic, "other-findings", "Other findings", &primary, h);
    grouped(
        r,
        pic,
        "latent",
        "Latent problems (did not cause a failure here)",
        &latent,
        h,
    );
    h.push_str("</aside>\n");
}

fn evidence(r: &Report<'_>, pic: &Picture, f: &Finding, h: &mut String) {
    if f.evidence.is_empty() {
        return;
    }
    let red = r.redactor;
    h.push_str("<h4>Evidence</h4>\n<ul class=\"evidence\">\n");
    for ev in &f.evidence {
        let _ = writeln!(
            h,
            "<li>{} <code>{}</code>: <span class=\"val\">{}</span></li>",
            ex_link(pic, ev.exchange),
            esc(&red.scrub(&ev.at)),
            esc(&red.value(&ev.value))
        );
    }
    h.push_str("</ul>\n");
}

/// The causes considered for each failing exchange, and why each was kept or ruled out.
pub(crate) fn considered(
    r: &Report<'_>,
    pic: &Picture,
    diffs: &[crate::diagnose::Diagnosis],
    h: &mut String,
) {
    if diffs.is_empty() {
        return;
    }
    let red = r.redactor;
    h.push_str("<section id=\"considered\" aria-labelledby=\"considered-h\">\n<h3 id=\"considered-h\">Causes considered</h3>\n");
    for d in diffs {
        let _ = writeln!(
            h,
            "<h4>{} answered <span class=\"val\">{}</span>{}</h4>\n<table class=\"considered\"><thead><tr><th scope=\"col\">rule</th><th scope=\"col\">standing</th><th scope=\"col\">because</th></tr></thead><tbody>",
            ex_link(pic, d.exchange),
            esc(&red.scrub(&d.signal)),
            d.cause
                .map(|c| format!(": cause <code>{}</code>", esc(c)))
                .unwrap_or_default()
        );
        for c in &d.considered {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"st-{}\">{}</td><td>{}</td></tr>",
                esc(c.rule),
                c.status.as_str(),
                c.status.label(),
                esc(&red.scrub(&c.because))
            );
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</section>\n");
}

fn grouped(r: &Report<'_>, pic: &Picture, id: &str, title: &str, fs: &[&Finding], h: &mut String) {
    if fs.is_empty() {
        return;
    }
    let red = r.redactor;
    let mut groups: BTreeMap<(&str, usize), Vec<&Finding>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for f in fs {
        if !order.contains(&f.rule) {
            order.push(f.rule);
        }
        let pos = order.iter().position(|r| *r == f.rule).unwrap_or(0);
        groups.entry((f.rule, pos)).or_default().push(f);
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|((_, pos), _)| *pos);
    let _ = writeln!(
        h,
        "<section id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h3 id=\"{id}-h\">{} <span class=\"muted\">({})</span></h3>",
        esc(title),
        fs.len()
    );
    for ((rule, _), members) in groups {
        let f = members[0];
        let at: Vec<String> = members
            .iter()
            .filter_map(|m| m.anchor)
            .take(12)
            .map(|a| ex_link(pic, a))
            .collect();
        let _ = writeln!(
            h,
            "<details class=\"group {}\" data-rule=\"{rule}\"><summary><span class=\"sev\">{}</span> <code>{rule}</code> {}{}{}</summary>",
            sev_class(f.severity),
            f.severity,
            esc(&red.scrub(&f.title)),
            if members.len() > 1 {
                format!(" ×{}", thousands(members.len()))
            } else {
                String::new()
            },
            if at.is_empty() {
                String::new()
            } else {
                format!(" — {}", at.join(", "))
            }
        );
        let _ = writeln!(h, "<p>{}</p>", esc(&red.scrub(&f.message)));
        evidence(r, pic, f, h);
        let _ = writeln!(
            h,
            "<p><strong>Fix:</strong> {}</p>",
            esc(&red.scrub(&f.fix))
        );
        if !f.consequences.is_empty() {
            let _ = writeln!(
                h,
                "<p>Also explains: {}</p>",
                f.consequences
                    .iter()
                    .map(|c| format!("<code>{c}</code>"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        h.push_str("</details>\n");
    }
    h.push_str("</section>\n");
}

fn side_cell(r: &Report<'_>, pic: &Picture, s: &Side) -> String {
    let red = r.redactor;
    let mut c = String::new();
    if let Some(i) = s.exchange {
        let _ = write!(c, "{} ", ex_link(pic, i));
    }
    let _ = write!(c, "<code>{}</code><br>", esc(&red.scrub(&s.at)));
    if s.value.is_value() {
        let _ = write!(
            c,
            "<span class=\"val\">{}</span>",
            esc(&s.value.render(red))
        );
    } else {
        let _ = write!(
            c,
            "<span class=\"absent\">{}</span>",
            esc(&s.value.render(red))
        );
    }
    if let Some(n) = Row::note(s, red) {
        let _ = write!(c, "<br><span class=\"muted\">{}</span>", esc(&n));
    }
    c
}

fn parameters(r: &Report<'_>, pic: &Picture, cmp: Option<&Comparison>, h: &mut String) {
    h.push_str("<section id=\"params\" aria-labelledby=\"params-h\">\n<h2 id=\"params-h\">Parameters that must agree</h2>\n");
    let Some(c) = cmp else {
        h.push_str("<p>This capture redeems no authorization code, so there is no authorization request and token request to compare.</p>\n</section>\n");
        return;
    };
    let _ = writeln!(
        h,
        "<p>The code redeemed by token request {} against the authorization request {} and the authorization response {} it comes from (RFC 6749 §4.1, RFC 7636 §4.6).</p>",
        ex_link(pic, c.token),
        c.authorize
            .map(|a| ex_link(pic, a))
            .unwrap_or_else(|| "(not in the capture)".into()),
        c.response
            .map(|a| ex_link(pic, a))
            .unwrap_or_else(|| "(not in the capture)".into())
    );
    h.push_str("<table class=\"compare\"><thead><tr><th scope=\"col\">parameter</th><th scope=\"col\">sent first</th><th scope=\"col\">then</th><th scope=\"col\">agree?</th></tr></thead><tbody>\n");
    for row in &c.rows {
        let _ = writeln!(
            h,
            "<tr data-param=\"{}\" data-agreement=\"{}\"{}><th scope=\"row\"><code>{}</code></th><td>{}</td><td>{}</td><td class=\"agree agree-{}\">{} {}</td></tr>",
            row.name,
            row.agreement.as_str(),
            if row.concerned {
                " class=\"concerned\""
            } else {
                ""
            },
            row.name,
            side_cell(r, pic, &row.left),
            side_cell(r, pic, &row.right),
            row.agreement.as_str().replace(' ', "_"),
            row.agreement.symbol(),
            row.agreement.as_str()
        );
    }
    h.push_str("</tbody></table>\n");
    if c.rows.iter().any(|x| x.concerned) {
        h.push_str(
            "<p class=\"muted\">Highlighted: the parameters the top cause's evidence names.</p>\n",
        );
    }
    h.push_str("</section>\n");
}

fn tokens(r: &Report<'_>, pic: &Picture, focus: &[usize], h: &mut String) {
    let (toks, more) = compare::tokens(r, focus);
    h.push_str("<section id=\"tokens\" aria-labelledby=\"tokens-h\">\n<h2 id=\"tokens-h\">Decoded tokens</h2>\n");
    if toks.is_empty() {
        h.push_str("<p>No JWT in the capture.</p>\n</section>\n");
        return;
    }
    h.push_str("<p class=\"muted\">Header and claims as the token carries them, unverified; the signature is never shown. Times are relative to the capture's own clock (the server's <code>Date</code>, else the entry's time) at the exchange that carried the token.</p>\n");
    for t in &toks {
        token(r, pic, t, h);
    }
    if more > 0 {
        let _ = writeln!(h, "<p>{more} more JWT(s) not decoded here.</p>");
    }
    h.push_str("</section>\n");
}

fn token(r: &Report<'_>, pic: &Picture, t: &DecodedToken, h: &mut String) {
    let red = r.redactor;
    let json = |m: &serde_json::Map<String, serde_json::Value>| {
        esc(&red.scrub(
            &serde_json::to_string_pretty(&serde_json::Value::Object(m.clone()))
                .unwrap_or_default(),
        ))
    };
    let _ = writeln!(
        h,
        "<article class=\"jwt\"><h3>{} <code>{}</code></h3>\n<p class=\"meta\">token <span class=\"val\">{}</span> · signature: {} characters, not shown</p>\n<div class=\"cols\"><div><h4>Header</h4><pre>{}</pre></div><div><h4>Claims</h4><pre>{}</pre></div></div>",
        ex_link(pic, t.exchange),
        esc(&red.scrub(&t.at)),
        esc(&red.value(&crate::diagnosis::Value::Secret(t.token.clone()))),
        t.signature_len,
        json(&t.header),
        json(&t.claims)
    );
    if !t.times.is_empty() {
        h.push_str("<table class=\"times\"><thead><tr><th scope=\"col\">claim</th><th scope=\"col\">time</th><th scope=\"col\">on the capture's clock</th></tr></thead><tbody>");
        for tc in &t.times {
            let _ = write!(
                h,
                "<tr><th scope=\"row\"><code>{}</code></th><td>{}</td><td>{}</td></tr>",
                esc(&tc.name),
                esc(&tc.absolute),
                esc(tc.relative.as_deref().unwrap_or("the exchange has no time"))
            );
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</article>\n");
}

fn metadata(r: &Report<'_>, pic: &Picture, h: &mut String) {
    let red = r.redactor;
    let Some((i, text, others)) = compare::metadata(r) else {
        return;
    };
    h.push_str("<section id=\"metadata\" aria-labelledby=\"metadata-h\">\n<h2 id=\"metadata-h\">Provider metadata</h2>\n");
    let url = r
        .exchanges
        .get(i)
        .map(|e| red.scrub(&e.request.endpoint()))
        .unwrap_or_default();
    let _ = writeln!(
        h,
        "<details><summary>{} <code>{}</code>{}</summary><pre>{}</pre></details>",
        ex_link(pic, i),
        esc(&url),
        if others > 0 {
            format!(" ({others} other document(s) in the capture)")
        } else {
            String::new()
        },
        esc(&flow::shorten_end(&red.scrub(&text), 64 * 1024))
    );
    h.push_str("</section>\n");
}

fn exchanges(r: &Report<'_>, pic: &Picture, h: &mut String) {
    h.push_str("<section id=\"exchanges\" aria-labelledby=\"exchanges-h\">\n<h2 id=\"exchanges-h\">Exchanges</h2>\n");
    for s in pic.steps() {
        let red = r.redactor;
        let _ = writeln!(
            h,
            "<details class=\"exchange{}\" id=\"x-{}\"{}><summary>{} <span class=\"muted\">{} · {} → {}</span></summary>",
            if s.failing { " failing" } else { "" },
            s.first() + 1,
            if s.failing { " open" } else { "" },
            esc(&s.label(red, 120)),
            s.kind.as_str(),
            s.from.label(),
            s.to.label()
        );
        if s.exchanges.len() > 1 {
            let _ = writeln!(
                h,
                "<p>{} exchanges folded ({}): {}.</p>",
                thousands(s.exchanges.len()),
                match s.fold {
                    Fold::Retries => "the same request sent again after a failure",
                    Fold::Repeats => "the same request with the same outcome",
                    Fold::Single => "",
                },
                esc(&s.outcome_text(red))
            );
        }
        let mut shown: Vec<usize> = s
            .exchanges
            .iter()
            .copied()
            .take(MAX_CARD_EXCHANGES)
            .collect();
        if let Some(f) = pic
            .focus
            .filter(|f| s.exchanges.contains(f) && !shown.contains(f))
        {
            shown.push(f);
        }
        shown.extend(s.preflights.iter().copied());
        for i in shown {
            if let Some(e) = r.exchanges.get(i) {
                exchange(r, e, h);
            }
        }
        if s.exchanges.len() > MAX_CARD_EXCHANGES {
            let _ = writeln!(
                h,
                "<p class=\"muted\">and {} more like these.</p>",
                thousands(s.exchanges.len() - MAX_CARD_EXCHANGES)
            );
        }
        h.push_str("</details>\n");
    }
    h.push_str("</section>\n");
}

fn exchange(r: &Report<'_>, e: &Exchange, h: &mut String) {
    let red = r.redactor;
    let _ = write!(
        h,
        "<h4>#{} {}</h4>\n<dl>\n<dt>request</dt><dd><code>{} {}</code></dd>\n<dt>from</dt><dd>{}</dd>\n",
        e.number(),
        e.kind.as_str(),
        esc(&e.request.method),
        esc(&red.scrub(&e.request.url)),
        esc(&r.source(e.index))
    );
    if let Some(t) = e.started_at {
        let _ = writeln!(
            h,
            "<dt>started</dt><dd>{}</dd>",
            esc(&t.strftime("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
        );
    }
    if e.sanitized {
        h.push_str("<dt>note</dt><dd>sanitized export: the <code>Authorization</code>, <code>Cookie</code> and <code>Set-Cookie</code> headers were removed by the exporter</dd>\n");
    }
    h.push_str("</dl>\n");
    headers_and_body(
        red,
        "Request",
        &e.request.headers,
        e.request.body.as_deref(),
        h,
    );
    match &e.response {
        None => h.push_str("<p class=\"absent\">No response in the capture.</p>\n"),
        Some(resp) => {
            let status = if resp.status == 0 {
                format!(
                    "no HTTP response{}",
                    resp.transport_error
                        .as_deref()
                        .map(|t| format!(" ({})", red.scrub(t)))
                        .unwrap_or_default()
                )
            } else {
                resp.status.to_string()
            };
            let err = e
                .server_error()
                .map(|er| {
                    format!(
                        " <code>{}</code>{}",
                        esc(&red.scrub(&er.code)),
                        er.description
                            .map(|d| format!(" “{}”", esc(&red.scrub(&d))))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<p><strong>Response:</strong> {}{}</p>",
                esc(&status),
                err
            );
            headers_and_body(red, "Response", &resp.headers, resp.body.as_deref(), h);
        }
    }
}

fn headers_and_body(
    red: &Redactor,
    what: &str,
    headers: &crate::model::Headers,
    body: Option<&str>,
    h: &mut String,
) {
    if !headers.is_empty() {
        let _ = write!(
            h,
            "<details><summary>{what} headers ({})</summary><pre>",
            headers.len()
        );
        for (n, v) in headers.iter() {
            let _ = writeln!(h, "{}: {}", esc(&red.scrub(n)), esc(&red.scrub(v)));
        }
        h.push_str("</pre></details>\n");
    }
    match body {
        Some(b) if !b.is_empty() => {
            let _ = writeln!(
                h,
                "<details><summary>{what} body ({} bytes)</summary><pre>{}</pre></details>",
                thousands(b.len()),
                esc(&flow::shorten_end(&red.scrub(b), MAX_BODY))
            );
        }
        Some(_) => {}
        None => {
            let _ = writeln!(h, "<p class=\"absent\">{what} body not captured.</p>");
        }
    }
}

fn notes(r: &Report<'_>, pic: &Picture, h: &mut String) {
    let red = r.redactor;
    let mut items: Vec<String> = Vec::new();
    for s in r.skipped.iter().take(50) {
        items.push(format!(
            "{} entry {} was skipped: {}",
            esc(&red.scrub(&s.file)),
            s.entry + 1,
            esc(&red.scrub(&s.reason))
        ));
    }
    if r.skipped.len() > 50 {
        items.push(format!(
            "and {} more skipped entries",
            thousands(r.skipped.len() - 50)
        ));
    }
    if r.sanitized {
        items.push("a sanitized browser export: the Authorization, Cookie and Set-Cookie headers were removed, so the checks that need them were skipped".into());
    }
    if r.ignored > 0 {
        items.push(format!(
            "{} entries unrelated to OAuth (static assets, page loads, repeated successful calls) were not analysed and are not drawn",
            thousands(r.ignored)
        ));
    }
    let gaps: usize = pic
        .items
        .iter()
        .map(|i| match i {
            Item::Gap(g) => g.count,
            Item::Step(_) => 0,
        })
        .sum();
    if gaps > 0 {
        items.push(format!(
            "{} exchanges are summarised in the diagram, not drawn one by one: the picture keeps what the findings point at",
            thousands(gaps)
        ));
    }
    let no_response = r.exchanges.iter().filter(|e| e.response.is_none()).count();
    if no_response > 0 {
        items.push(format!(
            "{} exchange(s) have no response in the capture",
            thousands(no_response)
        ));
    }
    h.push_str("<section id=\"notes\" aria-labelledby=\"notes-h\">\n<h2 id=\"notes-h\">What this report leaves out</h2>\n<ul class=\"notes\">\n");
    if r.redactor.shows_secrets() {
        items.push("<strong>not</strong> the secret values: client secrets, passwords, codes, verifiers, tokens, assertions and cookies are shown in clear (<code>--show-secrets</code>); values the capture itself holds redacted are shown as such and count as unknown".into());
    } else {
        items.push("secret values (client secrets, passwords, codes, verifiers, tokens, assertions, cookies) are shown as fingerprints; values the capture itself holds redacted are shown as such and count as unknown".into());
        items.push("JWT signatures are never shown".into());
    }
    for i in items {
        let _ = writeln!(h, "<li>{i}</li>");
    }
    h.push_str("</ul>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Diagnosis, Weighed};
    use crate::diagnosis::Standing;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn the_policy_allows_exactly_the_inline_style_and_script() {
        // The hashes are of the very text the page embeds.
        let h = csp_hash("x");
        assert!(h.starts_with("'sha256-") && h.ends_with('\''));
        assert_ne!(csp_hash(CSS), csp_hash(JS));
    }

    #[test]
    fn the_causes_considered_render_when_there_are_some() {
        let a = crate::analyze(Vec::new(), &Default::default(), &Default::default());
        let red = Redactor::new(&a.exchanges, false);
        let inputs = vec!["t.json".to_string()];
        let r = Report {
            findings: &a.findings,
            exchanges: &a.exchanges,
            index: &a.index,
            diagnoses: &[],
            skipped: &[],
            inputs: &inputs,
            sanitized: false,
            ignored: 0,
            summarised: 0,
            groups: &[],
            redactor: &red,
        };
        let pic = Picture::whole(&r);
        let mut h = String::new();
        considered(&r, &pic, &[], &mut h);
        assert!(h.is_empty(), "no section without a differential diagnosis");
        let d = Diagnosis {
            exchange: 3,
            signal: "400 invalid_grant \"grant request is invalid\"".into(),
            cause: Some("GRANT003"),
            considered: vec![Weighed {
                rule: "REDIR001",
                status: Standing::RuledOut,
                because: "redirect_uri identical in #2 and #4".into(),
            }],
        };
        considered(&r, &pic, &[d], &mut h);
        assert!(h.contains("id=\"considered\""), "{h}");
        assert!(h.contains("<code>REDIR001</code></td><td class=\"st-ruled_out\">ruled out</td><td>redirect_uri identical in #2 and #4</td>"), "{h}");
        assert!(h.contains("cause <code>GRANT003</code>"), "{h}");
    }
}
