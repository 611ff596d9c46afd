//! Reading one environment: target, values files, timings, strategy and gate.

use super::checks::{check_name, check_values_file, is_slack_id};
use super::node::{index, Node, Obj, Reader};
use super::{
    Analysis, Environment, Gate, Strategy, DEFAULT_CHECK_INTERVAL, DEFAULT_EXPIRY,
    DEFAULT_REMIND_BEFORE, DEFAULT_TIMEOUT,
};
use crate::span::Span;

pub(super) fn environment(r: &mut Reader, path: &str, node: &Node) -> Environment {
    let mut env = Environment {
        name: String::new(),
        cluster: String::new(),
        namespace: String::new(),
        values_files: Vec::new(),
        timeout: DEFAULT_TIMEOUT,
        check_interval: DEFAULT_CHECK_INTERVAL,
        strategy: Strategy::Rolling,
        gate: None,
    };
    const KEYS: &[&str] = &[
        "name",
        "cluster",
        "namespace",
        "values_files",
        "timeout",
        "check_interval",
        "strategy",
        "gate",
    ];
    let Some(o) = r.obj(path, node, KEYS) else {
        return env;
    };
    env.name = r.req_string(&o, "name").unwrap_or_default();
    if !env.name.is_empty() {
        check_name(r, &o.at("name"), &env.name, 63);
    }
    env.cluster = r.req_string(&o, "cluster").unwrap_or_default();
    env.namespace = r.req_string(&o, "namespace").unwrap_or_default();
    if !env.namespace.is_empty() {
        check_name(r, &o.at("namespace"), &env.namespace, 63);
    }
    env.values_files = match r.opt_strings(&o, "values_files") {
        Some(files) => {
            for (i, f) in files.iter().enumerate() {
                if let Err(msg) = check_values_file(f) {
                    r.error(index(&o.at("values_files"), i), msg);
                }
            }
            files
        }
        None if env.name.is_empty() => Vec::new(),
        None => vec![
            "values.yaml".to_string(),
            format!("values.{}.yaml", env.name),
        ],
    };
    if let Some(t) = span(r, &o, "timeout") {
        if t.as_secs() == 0 {
            r.error(o.at("timeout"), "must be longer than 0s");
        }
        env.timeout = t;
    }
    if let Some(t) = span(r, &o, "check_interval") {
        if t.as_secs() == 0 {
            r.error(o.at("check_interval"), "must be longer than 0s");
        }
        env.check_interval = t;
    }
    if env.check_interval > env.timeout {
        r.error(
            o.at("check_interval"),
            format!("{} is longer than the timeout ({}): the rollout would time out before its first check", env.check_interval, env.timeout),
        );
    }
    if let Some(n) = o.get("strategy") {
        env.strategy = strategy(r, &o.at("strategy"), n);
    }
    if let Some(n) = o.get("gate") {
        env.gate = gate(r, &o.at("gate"), n);
    }
    env
}

fn span(r: &mut Reader, o: &Obj<'_>, key: &str) -> Option<Span> {
    let node = o.get(key)?;
    let Node::Str(text) = node else {
        r.error(
            o.at(key),
            format!(
                "expected a duration such as 10m or 72h, found {}",
                node.describe()
            ),
        );
        return None;
    };
    match Span::parse(text) {
        Ok(s) => Some(s),
        Err(e) => {
            r.error(o.at(key), e.to_string());
            None
        }
    }
}

fn strategy(r: &mut Reader, path: &str, node: &Node) -> Strategy {
    let o = match node {
        Node::Str(kind) => {
            return match kind.as_str() {
                "rolling" => Strategy::Rolling,
                "blue_green" => Strategy::BlueGreen,
                "canary" => {
                    r.error(path, "a canary needs steps: write {kind: canary, steps: [10, 50], step_interval: 2m}");
                    Strategy::Rolling
                }
                other => {
                    r.error(
                        path,
                        format!("unknown strategy {other:?}: use rolling, blue_green or canary"),
                    );
                    Strategy::Rolling
                }
            }
        }
        n => match r.obj(path, n, &["kind", "steps", "step_interval", "analysis"]) {
            Some(o) => o,
            None => return Strategy::Rolling,
        },
    };
    match r.req_string(&o, "kind").as_deref() {
        Some("rolling") | Some("blue_green") => {
            for key in ["steps", "step_interval", "analysis"] {
                if o.has(key) {
                    r.error(o.at(key), "only applies to the canary strategy");
                }
            }
            if o.get("kind") == Some(&Node::Str("rolling".into())) {
                Strategy::Rolling
            } else {
                Strategy::BlueGreen
            }
        }
        Some("canary") => {
            let steps_path = o.at("steps");
            let mut steps = Vec::new();
            match o.get("steps") {
                None => r.error(
                    &steps_path,
                    "is required: list traffic percentages such as [10, 50]",
                ),
                Some(n) => {
                    if let Some(items) = r.seq(&steps_path, n) {
                        if items.is_empty() {
                            r.error(&steps_path, "must list at least one percentage");
                        }
                        for (i, item) in items.iter().enumerate() {
                            match item {
                                Node::Int(p) if (1..=100).contains(p) => {
                                    let p = *p as u8;
                                    if steps.last().is_some_and(|last| *last >= p) {
                                        r.error(index(&steps_path, i), format!("{p} does not increase on the step before: steps must grow"));
                                    }
                                    steps.push(p);
                                }
                                other => r.error(
                                    index(&steps_path, i),
                                    format!(
                                        "expected a percentage from 1 to 100, found {}",
                                        describe_value(other)
                                    ),
                                ),
                            }
                        }
                    }
                }
            }
            let step_interval = span(r, &o, "step_interval").unwrap_or(Span::from_mins(1));
            let analysis = o.get("analysis").and_then(|n| {
                let p = o.at("analysis");
                let a = r.obj(&p, n, &["query", "max"])?;
                let query = r.req_string(&a, "query").unwrap_or_default();
                let max = match a.get("max") {
                    Some(Node::Int(i)) => *i as f64,
                    Some(Node::Float(f)) if f.is_finite() => *f,
                    Some(other) => {
                        r.error(
                            a.at("max"),
                            format!("expected a number, found {}", other.describe()),
                        );
                        0.0
                    }
                    None => {
                        r.error(
                            a.at("max"),
                            "is required: the largest acceptable value of the query",
                        );
                        0.0
                    }
                };
                Some(Analysis { query, max })
            });
            Strategy::Canary {
                steps,
                step_interval,
                analysis,
            }
        }
        Some(other) => {
            r.error(
                o.at("kind"),
                format!("unknown strategy {other:?}: use rolling, blue_green or canary"),
            );
            Strategy::Rolling
        }
        None => Strategy::Rolling,
    }
}

fn gate(r: &mut Reader, path: &str, node: &Node) -> Option<Gate> {
    const KEYS: &[&str] = &[
        "approvers",
        "quorum",
        "expiry",
        "remind_before",
        "four_eyes",
        "channel",
    ];
    let o = r.obj(path, node, KEYS)?;
    let (mut users, mut groups) = (Vec::new(), Vec::new());
    match o.get("approvers") {
        None => r.error(
            o.at("approvers"),
            "is required: list Slack user ids (users) or user group ids (groups)",
        ),
        Some(n) => {
            let p = o.at("approvers");
            if let Some(a) = r.obj(&p, n, &["users", "groups"]) {
                users = r.opt_strings(&a, "users").unwrap_or_default();
                groups = r.opt_strings(&a, "groups").unwrap_or_default();
                for (i, u) in users.iter().enumerate() {
                    if !is_slack_id(u, &['U', 'W']) {
                        r.error(index(&a.at("users"), i), format!("{u:?} is not a Slack user id (U0123ABCD): use the member id from the profile, not the display name"));
                    } else if users[..i].contains(u) {
                        r.error(index(&a.at("users"), i), format!("{u:?} is listed twice"));
                    }
                }
                for (i, g) in groups.iter().enumerate() {
                    if !is_slack_id(g, &['S']) {
                        r.error(
                            index(&a.at("groups"), i),
                            format!("{g:?} is not a Slack user group id (S0123ABCD)"),
                        );
                    }
                }
                if users.is_empty() && groups.is_empty() {
                    r.error(&p, "lists nobody: add users or groups, or remove the gate");
                }
            }
        }
    }
    let quorum = match r.opt_uint(&o, "quorum") {
        Some(0) => {
            r.error(
                o.at("quorum"),
                "must be at least 1 (remove the gate to deploy without approval)",
            );
            1
        }
        Some(q) => u32::try_from(q).unwrap_or(u32::MAX),
        None => 1,
    };
    if groups.is_empty() && !users.is_empty() && quorum as usize > users.len() {
        r.error(
            o.at("quorum"),
            format!(
                "{quorum} approvals can never be reached: only {} approver(s) are listed",
                users.len()
            ),
        );
    }
    let expiry = span(r, &o, "expiry").unwrap_or(DEFAULT_EXPIRY);
    if expiry.as_secs() == 0 {
        r.error(o.at("expiry"), "must be longer than 0s");
    }
    let remind_before = match span(r, &o, "remind_before") {
        Some(s) => {
            if s >= expiry {
                r.error(o.at("remind_before"), format!("{s} is not shorter than the expiry ({expiry}): the reminder would come before the request"));
            }
            s
        }
        // Remind a third of the way before expiry when the default does not fit.
        None if DEFAULT_REMIND_BEFORE < expiry => DEFAULT_REMIND_BEFORE,
        None => Span::from_secs(expiry.as_secs() / 3),
    };
    Some(Gate {
        users,
        groups,
        quorum,
        expiry,
        remind_before,
        four_eyes: r.opt_bool(&o, "four_eyes").unwrap_or(true),
        channel: r.opt_string(&o, "channel"),
    })
}

fn describe_value(node: &Node) -> String {
    match node {
        Node::Int(i) => i.to_string(),
        Node::Str(s) => format!("{s:?}"),
        other => other.describe().to_string(),
    }
}
