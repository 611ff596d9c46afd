//! Checks across the document: names are unique and every reference resolves.

use super::node::Reader;
use super::Config;

pub(super) fn cross_check(r: &mut Reader, c: &Config) {
    duplicates(
        r,
        c.clusters.iter().map(|x| x.name.as_str()),
        "clusters",
        "name",
        "cluster",
    );
    duplicates(
        r,
        c.notifications.iter().map(|x| x.name.as_str()),
        "notifications",
        "name",
        "channel",
    );
    duplicates(
        r,
        c.apps.iter().map(|x| x.name.as_str()),
        "apps",
        "name",
        "app",
    );
    duplicates(
        r,
        c.apps.iter().map(|x| x.image.repository.as_str()),
        "apps",
        "image.repository",
        "repository",
    );
    let clusters: Vec<&str> = c
        .clusters
        .iter()
        .map(|x| x.name.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    let channels: Vec<&str> = c
        .notifications
        .iter()
        .map(|x| x.name.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    for (ai, app) in c.apps.iter().enumerate() {
        let base = format!("apps[{ai}]");
        for (ni, name) in app.notify.iter().enumerate() {
            if !channels.contains(&name.as_str()) {
                r.error(
                    format!("{base}.notify[{ni}]"),
                    unknown("channel", name, &channels),
                );
            }
        }
        duplicates(
            r,
            app.environments.iter().map(|e| e.name.as_str()),
            &format!("{base}.environments"),
            "name",
            "environment",
        );
        for (ei, env) in app.environments.iter().enumerate() {
            let at = format!("{base}.environments[{ei}]");
            if !env.cluster.is_empty() && !clusters.contains(&env.cluster.as_str()) {
                r.error(
                    format!("{at}.cluster"),
                    unknown("cluster", &env.cluster, &clusters),
                );
            }
            let clash = app.environments[..ei].iter().position(|other| {
                !env.cluster.is_empty()
                    && !env.namespace.is_empty()
                    && other.cluster == env.cluster
                    && other.namespace == env.namespace
            });
            if let Some(first) = clash {
                r.error(
                    format!("{at}.namespace"),
                    format!(
                        "environments {:?} and {:?} both deploy to cluster {:?} namespace {:?}: one release would overwrite the other; give each its own namespace",
                        app.environments[first].name, env.name, env.cluster, env.namespace
                    ),
                );
            }
            if let Some(gate) = &env.gate {
                match &gate.channel {
                    Some(ch) if !channels.contains(&ch.as_str()) => {
                        r.error(format!("{at}.gate.channel"), unknown("channel", ch, &channels));
                    }
                    Some(_) => {}
                    None if app.notify.is_empty() => r.error(
                        format!("{at}.gate"),
                        "has no channel to post the approval request to: set gate.channel or the app's notify",
                    ),
                    None => {}
                }
            }
        }
    }
}

fn unknown(what: &str, name: &str, known: &[&str]) -> String {
    if known.is_empty() {
        format!("unknown {what} {name:?}: none are defined")
    } else {
        format!("unknown {what} {name:?} (defined: {})", known.join(", "))
    }
}

/// Reports each name that repeats an earlier one, at the later entry.
fn duplicates<'a>(
    r: &mut Reader,
    names: impl Iterator<Item = &'a str>,
    list: &str,
    field: &str,
    what: &str,
) {
    let mut seen: Vec<&str> = Vec::new();
    for (i, name) in names.enumerate() {
        if name.is_empty() {
            seen.push(name);
            continue;
        }
        if let Some(first) = seen.iter().position(|s| *s == name) {
            let hint = if what == "repository" {
                "; each repository releases one app"
            } else {
                ""
            };
            r.error(
                format!("{list}[{i}].{field}"),
                format!("duplicate {what} {name:?} (first at {list}[{first}]){hint}"),
            );
        }
        seen.push(name);
    }
}
