//! The HTTP(S) front: bearer-token authentication, injected faults, routing of
//! discovery and resource paths to the API layer, and the connection loop.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::api::{self, ListQuery, Propagation, Target, WriteOpts};
use crate::config::Fault;
use crate::discovery;
use crate::error::ApiError;
use crate::patch::PatchType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::state::{lock, Shared};
use crate::watch::{self, WatchParams};

/// Response body.
pub type Body = BoxBody<Bytes, Infallible>;

const MAX_BODY: usize = 16 * 1024 * 1024;

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

fn json_response(code: u16, v: &Value, content_type: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::OK))
        .header("content-type", content_type)
        .header("cache-control", "no-cache, private")
        .body(full(v.to_string()))
        .unwrap_or_else(|_| Response::new(full("")))
}

fn ok(v: &Value) -> Response<Body> {
    json_response(200, v, "application/json")
}

fn error_response(e: &ApiError) -> Response<Body> {
    let mut r = json_response(e.code, &e.to_status(), "application/json");
    if let Some(secs) = e.retry_after {
        if let Ok(h) = secs.to_string().parse() {
            r.headers_mut().insert("retry-after", h);
        }
    }
    r
}

/// Serves connections from `listener` until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Shared,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                let tls = tls.clone();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let builder = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(acceptor) => {
                            if let Ok(s) = acceptor.accept(stream).await {
                                let _ = builder.serve_connection(TokioIo::new(s), svc).await;
                            }
                        }
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                        }
                    }
                });
            }
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
}

fn query_map(req: &Request<Incoming>) -> Vec<(String, String)> {
    req.uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

struct Query(Vec<(String, String)>);

impl Query {
    fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
    }
    fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), Some("true" | "1"))
    }
}

async fn handle(shared: Shared, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (content_type, accept, agent) = (
        header("content-type"),
        header("accept"),
        header("user-agent"),
    );
    let resp = match route(&shared, req).await {
        Ok(r) => r,
        Err(e) => error_response(&e),
    };
    let mut st = lock(&shared);
    let line = format!(
        "{method} {path}{}{} {} [content-type: {content_type}; accept: {accept}; agent: {agent}]",
        if query.is_empty() { "" } else { "?" },
        query,
        resp.status().as_u16()
    );
    tracing::debug!(request = %line, "simcluster request");
    st.request_log.push_back(line);
    while st.request_log.len() > 2000 {
        st.request_log.pop_front();
    }
    Ok(resp)
}

async fn route(shared: &Shared, req: Request<Incoming>) -> Result<Response<Body>, ApiError> {
    let path = req.uri().path().trim_end_matches('/').to_string();
    if matches!(path.as_str(), "/healthz" | "/livez" | "/readyz") {
        return Ok(Response::new(full("ok")));
    }
    let token = lock(shared).cfg.token.clone();
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .is_some_and(|t| t.trim() == token);
    if !authorized {
        return Err(ApiError::unauthorized());
    }
    if path == "/simcluster/requests" {
        let log: Vec<String> = lock(shared).request_log.iter().cloned().collect();
        return Ok(ok(&json!(log)));
    }
    if path == "/simcluster/faults" {
        return admin_faults(shared, req).await;
    }
    if let Some(e) = lock(shared).take_fault(&path) {
        return Err(e);
    }
    let accept = req
        .headers()
        .get("accept")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let st_reg = || lock(shared).registry.clone();
    match segs.as_slice() {
        ["version"] => Ok(ok(&discovery::version(&lock(shared).cfg.kube_version))),
        ["api"] if discovery::wants_aggregated(&accept) => Ok(json_response(
            200,
            &discovery::aggregated(&st_reg(), true),
            discovery::AGGREGATED_CONTENT_TYPE,
        )),
        ["apis"] if discovery::wants_aggregated(&accept) => Ok(json_response(
            200,
            &discovery::aggregated(&st_reg(), false),
            discovery::AGGREGATED_CONTENT_TYPE,
        )),
        ["api"] => Ok(ok(&discovery::core_versions())),
        ["apis"] => Ok(ok(&discovery::group_list(&st_reg()))),
        ["api", "v1"] => discovery::resource_list(&st_reg(), "", "v1")
            .map(|v| ok(&v))
            .ok_or_else(|| ApiError::path_not_found(&path)),
        ["apis", g] => discovery::group(&st_reg(), g)
            .map(|v| ok(&v))
            .ok_or_else(|| ApiError::path_not_found(&path)),
        ["apis", g, v] => discovery::resource_list(&st_reg(), g, v)
            .map(|v| ok(&v))
            .ok_or_else(|| ApiError::path_not_found(&path)),
        ["openapi", "v3"] => Ok(ok(&crate::openapi::root(&st_reg()))),
        ["openapi", "v3", "api", v] => crate::openapi::group_version(&st_reg(), "", v)
            .map(|d| ok(&d))
            .ok_or_else(|| ApiError::path_not_found(&path)),
        ["openapi", "v3", "apis", g, v] => crate::openapi::group_version(&st_reg(), g, v)
            .map(|d| ok(&d))
            .ok_or_else(|| ApiError::path_not_found(&path)),
        ["api", "v1", rest @ ..] => resource(shared, req, "", "v1", rest).await,
        ["apis", g, v, rest @ ..] => {
            let (g, v) = (g.to_string(), v.to_string());
            let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
            let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
            resource(shared, req, &g, &v, &rest).await
        }
        _ => Err(ApiError::path_not_found(&path)),
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

async fn read_body(req: Request<Incoming>) -> Result<Bytes, ApiError> {
    let body = req
        .into_body()
        .collect()
        .await
        .map_err(|e| ApiError::bad_request(format!("cannot read the request body: {e}")))?
        .to_bytes();
    if body.len() > MAX_BODY {
        return Err(ApiError::bad_request(
            "the request body is larger than 16 MiB",
        ));
    }
    Ok(body)
}

/// A JSON or (Secret/ConfigMap) protobuf request body.
async fn decode_body(req: Request<Incoming>) -> Result<Value, ApiError> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = read_body(req).await?;
    if ct.starts_with("application/vnd.kubernetes.protobuf") {
        return crate::protobuf::decode(&body);
    }
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("cannot decode the request body as JSON: {e}")))
}

async fn admin_faults(shared: &Shared, req: Request<Incoming>) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::POST => {
            let body = read_body(req).await?;
            let fault: Fault = serde_json::from_slice(&body).map_err(|e| {
                ApiError::bad_request(format!(
                    "invalid fault {e}: send {{\"type\":\"error\",\"code\":429,\"count\":1}}, {{\"type\":\"dropWatches\"}} or {{\"type\":\"clear\"}}"
                ))
            })?;
            lock(shared).inject(fault);
            Ok(ok(&json!({"status": "injected"})))
        }
        Method::DELETE => {
            lock(shared).inject(Fault::Clear);
            Ok(ok(&json!({"status": "cleared"})))
        }
        _ => Err(ApiError::method_not_allowed(
            "use POST or DELETE on /simcluster/faults",
        )),
    }
}

fn field_manager(q: &Query, req: &Request<Incoming>) -> String {
    if let Some(m) = q.get("fieldManager") {
        return m.to_string();
    }
    req.headers()
        .get("user-agent")
        .and_then(|h| h.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown")
        .to_string()
}

async fn resource(
    shared: &Shared,
    req: Request<Incoming>,
    group: &str,
    version: &str,
    rest: &[&str],
) -> Result<Response<Body>, ApiError> {
    let (namespace, plural, name, sub) = match rest {
        ["namespaces", ns, plural, tail @ ..]
            if !matches!(*plural, "status" | "finalize") || !tail.is_empty() =>
        {
            (
                Some(ns.to_string()),
                plural.to_string(),
                tail.first().map(|s| s.to_string()),
                tail.get(1).map(|s| s.to_string()),
            )
        }
        [plural, tail @ ..] => (
            None,
            plural.to_string(),
            tail.first().map(|s| s.to_string()),
            tail.get(1).map(|s| s.to_string()),
        ),
        [] => return Err(ApiError::path_not_found(req.uri().path())),
    };
    let rt = lock(shared)
        .registry
        .find(group, version, &plural)
        .cloned()
        .ok_or_else(|| ApiError::path_not_found(req.uri().path()))?;
    if namespace.is_some() && !rt.namespaced {
        return Err(ApiError::path_not_found(req.uri().path()));
    }
    if let Some(s) = &sub {
        let known = (s == "status" && rt.status) || (s == "scale" && rt.has_scale());
        if !known {
            return Err(ApiError::path_not_found(req.uri().path()));
        }
    }
    if rt.namespaced && namespace.is_none() && name.is_some() {
        return Err(ApiError::path_not_found(req.uri().path()));
    }
    let q = Query(query_map(&req));
    let t = Target {
        rt,
        version: version.to_string(),
        namespace,
        name,
        sub,
    };
    let opts = WriteOpts {
        manager: field_manager(&q, &req),
        dry_run: q.get("dryRun") == Some("All"),
        force: q.flag("force"),
        manager_given: q.get("fieldManager").is_some_and(|m| !m.is_empty()),
    };
    let method = req.method().clone();
    let accept = req
        .headers()
        .get("accept")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let as_table = crate::table::wants_table(&accept);
    if t.sub.as_deref() == Some("scale") {
        return match method {
            Method::GET => Ok(ok(&api::get_scale(&lock(shared), &t)?)),
            Method::PUT => {
                let body = read_body(req).await?;
                Ok(ok(&api::write_scale(
                    &mut lock(shared),
                    &t,
                    None,
                    &body,
                    &opts,
                )?))
            }
            Method::PATCH => {
                let ct = req
                    .headers()
                    .get("content-type")
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let ptype = PatchType::from_content_type(&ct)?;
                let body = read_body(req).await?;
                Ok(ok(&api::write_scale(
                    &mut lock(shared),
                    &t,
                    Some(ptype),
                    &body,
                    &opts,
                )?))
            }
            m => Err(ApiError::method_not_allowed(format!(
                "the server does not allow {m} on the scale subresource"
            ))),
        };
    }
    match (method, t.name.is_some()) {
        (Method::GET, true) if as_table => {
            let st = lock(shared);
            let obj = api::get(&st, &t)?;
            let rv = st.store.rv().to_string();
            Ok(ok(&crate::table::table(
                &t.rt,
                &[obj],
                &rv,
                q.get("includeObject"),
            )))
        }
        (Method::GET, true) => Ok(ok(&api::get(&lock(shared), &t)?)),

        (Method::GET, false) => {
            let labels = LabelSelector::parse(q.get("labelSelector").unwrap_or(""))?;
            let fields = FieldSelector::parse(q.get("fieldSelector").unwrap_or(""))?;
            if q.flag("watch") {
                let params = WatchParams {
                    resource_version: q.get("resourceVersion").map(String::from),
                    send_initial_events: q.flag("sendInitialEvents"),
                    bookmarks: q.flag("allowWatchBookmarks"),
                    timeout: q
                        .get("timeoutSeconds")
                        .and_then(|s| s.parse().ok())
                        .map(Duration::from_secs),
                    labels,
                    fields,
                    table: as_table,
                };
                let rx = watch::start(shared, t, params)?;
                let stream = futures::stream::unfold(rx, |mut rx| async move {
                    rx.recv()
                        .await
                        .map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx))
                });
                let body = BodyExt::boxed(StreamBody::new(stream));
                return Response::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .header("transfer-encoding", "chunked")
                    .body(body)
                    .map_err(|e| ApiError::internal(500, e.to_string()));
            }
            let lq = ListQuery {
                labels,
                fields,
                limit: q.get("limit").and_then(|s| s.parse().ok()).unwrap_or(0),
                continue_token: q
                    .get("continue")
                    .filter(|s| !s.is_empty())
                    .map(String::from),
            };
            let list = api::list(&lock(shared), &t, &lq)?;
            if as_table {
                let items = list["items"].as_array().cloned().unwrap_or_default();
                let rv = list["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let mut table = crate::table::table(&t.rt, &items, &rv, q.get("includeObject"));
                if let Some(c) = list["metadata"].get("continue") {
                    table["metadata"]["continue"] = c.clone();
                }
                return Ok(ok(&table));
            }
            Ok(ok(&list))
        }
        (Method::POST, false) => {
            let body = decode_body(req).await?;
            let out = api::create(&mut lock(shared), &t, body, &opts)?;
            Ok(json_response(201, &out, "application/json"))
        }
        (Method::PUT, true) => {
            let body = decode_body(req).await?;
            Ok(ok(&api::update(&mut lock(shared), &t, body, &opts)?))
        }
        (Method::PATCH, true) => {
            let ct = req
                .headers()
                .get("content-type")
                .and_then(|h| h.to_str().ok())
                .unwrap_or("")
                .to_string();
            let ptype = PatchType::from_content_type(&ct)?;
            let body = read_body(req).await?;
            let (out, created) = api::patch(&mut lock(shared), &t, ptype, &body, &opts)?;
            Ok(json_response(
                if created { 201 } else { 200 },
                &out,
                "application/json",
            ))
        }
        (Method::DELETE, named) => {
            let body = read_body(req).await?;
            let opts_body: Value = if body.is_empty() {
                json!({})
            } else {
                serde_json::from_slice(&body).unwrap_or(json!({}))
            };
            let policy = q
                .get("propagationPolicy")
                .map(String::from)
                .or_else(|| {
                    opts_body
                        .get("propagationPolicy")
                        .and_then(Value::as_str)
                        .map(String::from)
                })
                .or_else(
                    || match opts_body.get("orphanDependents").and_then(Value::as_bool) {
                        Some(true) => Some("Orphan".to_string()),
                        _ => None,
                    },
                );
            let propagation = match policy.as_deref() {
                None | Some("Background") => Propagation::Background,
                Some("Foreground") => Propagation::Foreground,
                Some("Orphan") => Propagation::Orphan,
                Some(other) => {
                    return Err(ApiError::bad_request(format!(
                        "invalid propagationPolicy {other:?}: use Background, Foreground or Orphan"
                    )))
                }
            };
            let dry_run = opts.dry_run
                || opts_body
                    .get("dryRun")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|x| x == "All"));
            let pre = opts_body.get("preconditions").cloned().unwrap_or(json!({}));
            let mut st = lock(shared);
            if named {
                return Ok(ok(&api::delete(&mut st, &t, propagation, &pre, dry_run)?));
            }
            let labels = LabelSelector::parse(q.get("labelSelector").unwrap_or(""))?;
            let fields = FieldSelector::parse(q.get("fieldSelector").unwrap_or(""))?;
            let listed = api::list(
                &st,
                &t,
                &ListQuery {
                    labels,
                    fields,
                    ..ListQuery::default()
                },
            )?;
            let mut deleted = Vec::new();
            for item in listed["items"].as_array().into_iter().flatten() {
                let one = Target {
                    name: Some(crate::meta::name(item).to_string()),
                    namespace: Some(crate::meta::namespace(item).to_string())
                        .filter(|n| !n.is_empty()),
                    ..t.clone()
                };
                deleted.push(api::delete(
                    &mut st,
                    &one,
                    propagation,
                    &json!({}),
                    dry_run,
                )?);
            }
            let mut out = listed;
            out["items"] = Value::Array(deleted);
            Ok(ok(&out))
        }
        (m, _) => Err(ApiError::method_not_allowed(format!(
            "the server does not allow {m} on this path"
        ))),
    }
}
