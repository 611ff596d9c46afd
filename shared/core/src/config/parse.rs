//! From the YAML tree to typed configuration, recording every problem with its path.
//! Items that cannot be read keep a placeholder so later paths keep their indices.

use super::checks::{check_name, check_repository, is_region, is_slack_id, is_value_path};
use super::node::{index, Node, Obj, Reader};
use super::parse_env::environment;
use super::{
    App, Channel, ChannelTarget, ChartSpec, ClusterSpec, Config, Connection, ImageSpec,
    ImageValuePaths, Link, ScanPolicy, Severity, CONFIG_VERSION,
};
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
pub(super) fn list<T>(
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
        links: Vec::new(),
    };
    let Some(o) = r.obj(
        path,
        node,
        &["name", "image", "chart", "notify", "environments", "links"],
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
    if let Some(n) = o.get("links") {
        app.links = links(r, &o.at("links"), n);
    }
    app
}

/// `links: {label: URL, ...}`, in the order written.
fn links(r: &mut Reader, path: &str, node: &Node) -> Vec<Link> {
    let Node::Map(entries) = node else {
        r.error(
            path,
            format!(
                "expected a mapping of label: URL (e.g. logs: https://logs.example.com/{{app}}), found {}",
                node.describe()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (label, value) in entries {
        let at = format!("{path}.{label}");
        let Some(url) = r.string(&at, value) else {
            continue;
        };
        if url.starts_with("https://") || url.starts_with("http://") {
            out.push(Link {
                label: label.clone(),
                url,
            });
        } else {
            r.error(at, format!("{url:?} is not an http(s) URL"));
        }
    }
    out
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
