//! `junit.xml`: one testcase per target, failed when its verdict is in the fail-on set,
//! so CI systems (GitHub Actions, GitLab, Jenkins) show the diagnosis as test results.

use super::text::{
    confidence_text, escape_xml, growth_text, limit_text, time_to_limit_text, verdict_label,
};
use crate::report::{Report, TargetReport};
use crate::verdict::Verdict;
use std::fmt::Write as _;

fn details(target: &TargetReport) -> String {
    let verdict = if target.verdict.as_str() == verdict_label(target.verdict) {
        target.verdict.as_str().to_string()
    } else {
        format!(
            "{} ({})",
            target.verdict.as_str(),
            verdict_label(target.verdict)
        )
    };
    let mut text = format!(
        "verdict: {verdict}\nconfidence: {}\ngrowth: {}\nlimit: {}\ntime to limit: {}\nrestarts: {}\n",
        confidence_text(target.confidence),
        growth_text(target.growth.as_ref()),
        limit_text(target),
        time_to_limit_text(target),
        target.restarts,
    );
    if !target.reasons.is_empty() {
        text.push_str("reasons:\n");
        for reason in &target.reasons {
            let _ = writeln!(text, "- {reason}");
        }
    }
    text
}

/// The JUnit XML document. `fail_on` lists the verdicts that fail a testcase (e.g. `leak`,
/// `restart_masked_leak`); with an empty list every testcase passes.
pub fn render_junit(report: &Report, fail_on: &[Verdict]) -> String {
    let failures = report
        .targets
        .iter()
        .filter(|t| fail_on.contains(&t.verdict))
        .count();
    let tests = report.targets.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">",
        escape_xml(&report.tool.name)
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"memory growth\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
    );
    let _ = writeln!(out, "    <properties>");
    let properties = [
        ("tool.version", report.tool.version.as_str()),
        ("window.start", report.window.start.as_str()),
        ("window.end", report.window.end.as_str()),
        ("verdict", report.verdict.as_str()),
    ];
    for (name, value) in properties {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            escape_xml(value)
        );
    }
    let fail_on_text = fail_on
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let _ = writeln!(
        out,
        "      <property name=\"fail_on\" value=\"{}\"/>",
        escape_xml(&fail_on_text)
    );
    let _ = writeln!(out, "    </properties>");
    for target in &report.targets {
        let _ = write!(
            out,
            "    <testcase classname=\"{}.{}\" name=\"{} on {}\"",
            escape_xml(&report.tool.name),
            escape_xml(&target.service),
            escape_xml(&target.service),
            escape_xml(&target.host),
        );
        out.push_str(">\n");
        let body = escape_xml(&details(target));
        if fail_on.contains(&target.verdict) {
            let headline = target.reasons.first().map_or_else(
                || verdict_label(target.verdict).to_string(),
                |r| format!("{}: {r}", verdict_label(target.verdict)),
            );
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{body}</failure>",
                target.verdict.as_str(),
                escape_xml(&headline),
            );
        } else {
            let _ = writeln!(out, "      <system-out>{body}</system-out>");
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
