//! From the YAML tree to typed configuration, recording every problem with its path.
//! Items that cannot be read keep a placeholder so later paths keep their indices.

use super::node::{index, Node, Obj, Reader};
use super::{
    Analysis, App, Channel, ChannelTarget, ChartSpec, ClusterSpec, Config, Connection, Environment,
    Gate, ImageSpec, ImageValuePaths, ScanPolicy, Severity, Strategy, CONFIG_VERSION,
    DEFAULT_CHECK_INTERVAL, DEFAULT_EXPIRY, DEFAULT_REMIND_BEFORE, DEFAULT_TIMEOUT,
};
use crate::span::Span;
use crate::tag_policy::TagPolicy;

pub(super) fn config(r: &mut Reader, node: &Node) -> Option<Config> {
    if matches!(node, Node::Null) {
        return None;
    }
    let root = r.obj("", node, &["version", "clusters", "notifications", "apps"])?;
    let version = match root.get("version") {
        None => {
            r.error(
                "version",
                format!("is required: write `version: {CONFIG_VERSION}`"),
            );
            CONFIG_VERSION
        }
        Some(Node::Int(v)) if *v as u64 == CONFIG_VERSION && *v >= 0 => CONFIG_VERSION,
        Some(other) => {
            let message = match other {
                Node::Int(v) => format!("unsupported version {v}: this lockgate reads version {CONFIG_VERSION}"),
                Node::Str(s) => format!("expected the number {CONFIG_VERSION}, found the string {s:?}: remove the quotes"),
                o => format!("expected the number {CONFIG_VERSION}, found {}", o.describe()),
            };
            r.error("version", message);
            CONFIG_VERSION
        }
    };
    let clusters = list(r, &root, "clusters", true, cluster);
    let notifications = list(r, &root, "notifications", false, channel);
    let apps = list(r, &root, "apps", true, app);
    Some(Config {
        version,
        clusters,
        notifications,
        apps,
    })
}

/// Reads the list under `key`, one item per entry (placeholders included).
fn list<T>(
    r: &mut Reader,
    obj: &Obj<'_>,
    key: &str,
    required: bool,
    item: fn(&mut Reader, &str, &Node) -> T,
) -> Vec<T> {
    let path = obj.at(key);
    let Some(node) = obj.get(key) else {
        if required {
            r.error(path, "is required and must list at least one entry");
        }
        return Vec::new();
    };
    let Some(items) = r.seq(&path, node) else {
        return Vec::new();
    };
    if required && items.is_empty() {
        r.error(&path, "must list at least one entry");
    }
    items
        .iter()
        .enumerate()
        .map(|(i, n)| item(r, &index(&path, i), n))
        .collect()
}

fn cluster(r: &mut Reader, path: &str, node: &Node) -> ClusterSpec {
    const KEYS: &[&str] = &[
        "name",
        "kind",
        "kubeconfig",
        "context",
        "cluster_name",
        "region",
        "role_arn",
    ];
    let placeholder = ClusterSpec {
        name: String::new(),
        connection: Connection::Simulated,
    };
    let Some(o) = r.obj(path, node, KEYS) else {
        return placeholder;
    };
    let name = r.req_string(&o, "name").unwrap_or_default();
    if !name.is_empty() {
        check_name(r, &o.at("name"), &name, 63);
    }
    let kind = r.req_string(&o, "kind");
    let only = |r: &mut Reader, keys: &[&str], kind: &str| {
        for key in [
            "kubeconfig",
            "context",
            "cluster_name",
            "region",
            "role_arn",
        ] {
            if o.has(key) && !keys.contains(&key) {
                r.error(
                    o.at(key),
                    format!("does not apply to clusters of kind {kind}"),
                );
            }
        }
    };
    let connection = match kind.as_deref() {
        Some("kubeconfig") => {
            only(r, &["kubeconfig", "context"], "kubeconfig");
            Connection::Kubeconfig {
                path: r.opt_string(&o, "kubeconfig"),
                context: r.opt_string(&o, "context"),
            }
        }
        Some("eks") => {
            only(r, &["cluster_name", "region", "role_arn"], "eks");
            let cluster_name = r.req_string(&o, "cluster_name").unwrap_or_default();
            let region = r.req_string(&o, "region").unwrap_or_default();
            if !region.is_empty() && !is_region(&region) {
                r.error(
                    o.at("region"),
                    format!("{region:?} is not an AWS region name such as eu-west-1"),
                );
            }
            let role_arn = r.opt_string(&o, "role_arn");
            if let Some(arn) = &role_arn {
                if !arn.starts_with("arn:") || !arn.contains(":role/") {
                    r.error(
                        o.at("role_arn"),
                        format!("{arn:?} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"),
                    );
                }
            }
            Connection::Eks {
                cluster_name,
                region,
                role_arn,
            }
        }
        Some("in_cluster") => {
            only(r, &[], "in_cluster");
            Connection::InCluster
        }
        Some("simulated") => {
            only(r, &[], "simulated");
            Connection::Simulated
        }
        Some(other) => {
            r.error(
                o.at("kind"),
                format!(
                    "unknown cluster kind {other:?}: use kubeconfig, eks, in_cluster or simulated"
                ),
            );
            Connection::Simulated
        }
        None => Connection::Simulated,
    };
    ClusterSpec { name, connection }
}

fn channel(r: &mut Reader, path: &str, node: &Node) -> Channel {
    let placeholder = Channel {
        name: String::new(),
        target: ChannelTarget::Log,
    };
    let Some(o) = r.obj(path, node, &["name", "kind", "channel"]) else {
        return placeholder;
    };
    let name = r.req_string(&o, "name").unwrap_or_default();
    if !name.is_empty() {
        check_name(r, &o.at("name"), &name, 63);
    }
    let target = match r.req_string(&o, "kind").as_deref() {
        Some("slack") => {
            let channel = r.req_string(&o, "channel").unwrap_or_default();
            if !channel.is_empty() && !is_slack_id(&channel, &['C', 'G', 'D']) {
                r.error(o.at("channel"), format!("{channel:?} is not a Slack channel id (C0123456789): use the id, not the #name"));
            }
            ChannelTarget::Slack { channel }
        }
        Some("log") => {
            if o.has("channel") {
                r.error(o.at("channel"), "does not apply to channels of kind log");
            }
            ChannelTarget::Log
        }
        Some(other) => {
            r.error(
                o.at("kind"),
                format!("unknown channel kind {other:?}: use slack or log"),
            );
            ChannelTarget::Log
        }
        None => ChannelTarget::Log,
    };
    Channel { name, target }
}

fn app(r: &mut Reader, path: &str, node: &Node) -> App {
    let mut app = App {
        name: String::new(),
        image: ImageSpec {
            repository: String::new(),
            tag_policy: TagPolicy::default(),
            scan: None,
        },
        chart: ChartSpec {
            source: String::new(),
            name: String::new(),
            image_values: ImageValuePaths {
                repository: String::new(),
                tag: String::new(),
                digest: None,
            },
        },
        notify: Vec::new(),
        environments: Vec::new(),
    };
    let Some(o) = r.obj(
        path,
        node,
        &["name", "image", "chart", "notify", "environments"],
    ) else {
        return app;
    };
    app.name = r.req_string(&o, "name").unwrap_or_default();
    if !app.name.is_empty() {
        // Helm release names are at most 53 characters.
        check_name(r, &o.at("name"), &app.name, 53);
    }
    match o.get("image") {
        Some(n) => app.image = image(r, &o.at("image"), n, app.image),
        None => r.error(o.at("image"), "is required"),
    }
    match o.get("chart") {
        Some(n) => app.chart = chart(r, &o.at("chart"), n, app.chart),
        None => r.error(o.at("chart"), "is required"),
    }
    if app.chart.name.is_empty() {
        app.chart.name = app.name.clone();
    }
    app.notify = r.opt_strings(&o, "notify").unwrap_or_default();
    app.environments = list(r, &o, "environments", true, environment);
    app
}

fn image(r: &mut Reader, path: &str, node: &Node, mut spec: ImageSpec) -> ImageSpec {
    let Some(o) = r.obj(path, node, &["repository", "tag_policy", "scan"]) else {
        return spec;
    };
    spec.repository = r.req_string(&o, "repository").unwrap_or_default();
    if !spec.repository.is_empty() {
        if let Err(msg) = check_repository(&spec.repository) {
            r.error(o.at("repository"), msg);
        }
    }
    if let Some(n) = o.get("tag_policy") {
        spec.tag_policy = tag_policy(r, &o.at("tag_policy"), n);
    }
    if let Some(n) = o.get("scan") {
        spec.scan = scan(r, &o.at("scan"), n);
    }
    spec
}

fn tag_policy(r: &mut Reader, path: &str, node: &Node) -> TagPolicy {
    let fallback = TagPolicy::default();
    let o = match node {
        // `tag_policy: semver` is short for `{kind: semver}`.
        Node::Str(kind) => {
            return match kind.as_str() {
                "semver" => fallback,
                "git_sha" => TagPolicy::GitSha {
                    min_length: 7,
                    max_length: 40,
                },
                "regex" => {
                    r.error(
                        path,
                        "a regex policy needs a pattern: write {kind: regex, pattern: \"...\"}",
                    );
                    fallback
                }
                other => {
                    r.error(
                        path,
                        format!("unknown tag policy {other:?}: use semver, git_sha or regex"),
                    );
                    fallback
                }
            }
        }
        n => match r.obj(
            path,
            n,
            &[
                "kind",
                "range",
                "allow_prerelease",
                "min_length",
                "max_length",
                "pattern",
            ],
        ) {
            Some(o) => o,
            None => return fallback,
        },
    };
    let kind = r.req_string(&o, "kind");
    let allowed: &[&str] = match kind.as_deref() {
        Some("semver") => &["range", "allow_prerelease"],
        Some("git_sha") => &["min_length", "max_length"],
        Some("regex") => &["pattern"],
        _ => &[
            "range",
            "allow_prerelease",
            "min_length",
            "max_length",
            "pattern",
        ],
    };
    for key in [
        "range",
        "allow_prerelease",
        "min_length",
        "max_length",
        "pattern",
    ] {
        if o.has(key) && !allowed.contains(&key) {
            r.error(
                o.at(key),
                format!(
                    "does not apply to tag policy {}",
                    kind.as_deref().unwrap_or("?")
                ),
            );
        }
    }
    let policy = match kind.as_deref() {
        Some("semver") => TagPolicy::Semver {
            range: r.opt_string(&o, "range"),
            allow_prerelease: r.opt_bool(&o, "allow_prerelease").unwrap_or(false),
        },
        Some("git_sha") => TagPolicy::GitSha {
            min_length: r.opt_uint(&o, "min_length").map_or(7, |v| v as usize),
            max_length: r.opt_uint(&o, "max_length").map_or(40, |v| v as usize),
        },
        Some("regex") => TagPolicy::Regex {
            pattern: r
                .req_string(&o, "pattern")
                .unwrap_or_else(|| ".+".to_string()),
        },
        Some(other) => {
            r.error(
                o.at("kind"),
                format!("unknown tag policy {other:?}: use semver, git_sha or regex"),
            );
            return fallback;
        }
        None => return fallback,
    };
    if let Err(msg) = policy.validate() {
        let key = match &policy {
            TagPolicy::Semver { .. } => "range",
            TagPolicy::GitSha { .. } => "min_length",
            TagPolicy::Regex { .. } => "pattern",
        };
        let at = if o.has(key) {
            o.at(key)
        } else {
            path.to_string()
        };
        r.error(at, msg);
    }
    policy
}

fn scan(r: &mut Reader, path: &str, node: &Node) -> Option<ScanPolicy> {
    let o = r.obj(path, node, &["block_at", "require_result"])?;
    let block_at = match r.req_string(&o, "block_at") {
        Some(s) => {
            match Severity::parse(&s) {
                Some(sev) => sev,
                None => {
                    r.error(o.at("block_at"), format!("unknown severity {s:?}: use informational, low, medium, high or critical"));
                    Severity::Critical
                }
            }
        }
        None => Severity::Critical,
    };
    Some(ScanPolicy {
        block_at,
        require_result: r.opt_bool(&o, "require_result").unwrap_or(true),
    })
}

fn chart(r: &mut Reader, path: &str, node: &Node, mut spec: ChartSpec) -> ChartSpec {
    let Some(o) = r.obj(path, node, &["source", "name", "image_values"]) else {
        return spec;
    };
    spec.source = r.req_string(&o, "source").unwrap_or_default();
    if let Some(name) = r.opt_string(&o, "name") {
        check_name(r, &o.at("name"), &name, 63);
        spec.name = name;
    }
    match o.get("image_values") {
        Some(n) => {
            let p = o.at("image_values");
            if let Some(v) = r.obj(&p, n, &["repository", "tag", "digest"]) {
                let read = |r: &mut Reader, key: &str, required: bool| {
                    let value = if required {
                        r.req_string(&v, key)
                    } else {
                        r.opt_string(&v, key)
                    };
                    if let Some(s) = &value {
                        if !is_value_path(s) {
                            r.error(v.at(key), format!("{s:?} is not a value path: write dotted keys such as image.repository"));
                        }
                    }
                    value
                };
                spec.image_values = ImageValuePaths {
                    repository: read(r, "repository", true).unwrap_or_default(),
                    tag: read(r, "tag", true).unwrap_or_default(),
                    digest: read(r, "digest", false),
                };
                let paths = [&spec.image_values.repository, &spec.image_values.tag];
                if !paths[0].is_empty() && paths[0] == paths[1] {
                    r.error(v.at("tag"), format!("is the same value path as repository ({:?}): the tag would overwrite the repository", paths[0]));
                }
            }
        }
        None => {
            // The common chart layout.
            spec.image_values = ImageValuePaths {
                repository: "image.repository".to_string(),
                tag: "image.tag".to_string(),
                digest: None,
            };
        }
    }
    spec
}

fn environment(r: &mut Reader, path: &str, node: &Node) -> Environment {
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

/// Names become Kubernetes names, S3 keys and SQS group ids: DNS labels.
fn check_name(r: &mut Reader, path: &str, name: &str, max: usize) {
    let ok = name.len() <= max
        && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        r.error(
            path,
            format!("{name:?} is not a valid name: use lowercase letters, digits and '-', starting with a letter, at most {max} characters"),
        );
    }
}

fn is_slack_id(id: &str, prefixes: &[char]) -> bool {
    id.len() >= 3
        && id.starts_with(prefixes)
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_value_path(s: &str) -> bool {
    s.split('.').all(|seg| {
        !seg.is_empty()
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

fn check_repository(repo: &str) -> Result<(), String> {
    if repo.contains("://") {
        return Err(format!(
            "{repo:?} has a scheme: write the repository as registry/path, without https://"
        ));
    }
    if repo.contains('@') {
        return Err(format!(
            "{repo:?} contains a digest: write the repository alone; lockgate pins digests itself"
        ));
    }
    let last = repo.rsplit('/').next().unwrap_or(repo);
    if last.contains(':') {
        return Err(format!("{repo:?} contains a tag: write the repository alone; the tag policy decides which tags release"));
    }
    let path_ok = repo
        .split('/')
        .skip(usize::from(repo.contains('/')))
        .all(|seg| {
            !seg.is_empty()
                && seg.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                })
        });
    if !path_ok {
        return Err(format!("{repo:?} is not a repository name: use lowercase letters, digits, '.', '_', '-' and '/'"));
    }
    Ok(())
}

fn check_values_file(f: &str) -> Result<(), String> {
    if f.starts_with('/') || f.split('/').any(|seg| seg == "..") {
        return Err(format!("{f:?} leaves the chart: values files are paths inside the chart, such as values.production.yaml"));
    }
    if !(f.ends_with(".yaml") || f.ends_with(".yml")) {
        return Err(format!(
            "{f:?} is not a YAML file: values files end in .yaml or .yml"
        ));
    }
    Ok(())
}
