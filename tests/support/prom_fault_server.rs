//! A small fault-injecting HTTP server on 127.0.0.1 that speaks enough of the Prometheus
//! API to answer range queries, and misbehaves on demand: error storms with Retry-After,
//! stalls, connections reset mid-body, truncated JSON, HTML pages, wrong content types,
//! bodies that echo the request's credentials back.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A correct answer (to script good answers between faults).
    Ok,
    /// A status with headers and a body.
    Status {
        status: u16,
        content_type: &'static str,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Waits this long before answering correctly (longer than the client's timeout).
    Stall(Duration),
    /// Sends the headers and half of a correct body, then resets the connection.
    ResetMidBody,
    /// A 200 whose JSON stops halfway, with a Content-Length that matches what is sent.
    TruncatedJson,
    /// A status whose body repeats every request header and parameter, as careless
    /// proxies and debugging gateways do; `json` makes it a Prometheus API error whose
    /// message holds them.
    Echo { status: u16, json: bool },
}

impl Fault {
    pub fn status(status: u16, retry_after: Option<&str>) -> Self {
        Fault::Status {
            status,
            content_type: "text/plain",
            headers: retry_after
                .map(|r| vec![("Retry-After", r.to_string())])
                .unwrap_or_default(),
            body: format!("status {status}"),
        }
    }

    pub fn html(status: u16) -> Self {
        Fault::Status {
            status,
            content_type: "text/html",
            headers: Vec::new(),
            body: format!(
                "<html><head><title>{status} Bad Gateway</title></head><body><h1>{status} Bad Gateway</h1><hr>nginx</body></html>"
            ),
        }
    }

    pub fn api_error(status: u16, error_type: &str, message: &str) -> Self {
        Fault::Status {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: format!(r#"{{"status":"error","errorType":"{error_type}","error":"{message}"}}"#),
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub method: String,
    pub path: String,
    pub params: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
}

#[derive(Default)]
struct State {
    script: VecDeque<Fault>,
    seen: Vec<SeenRequest>,
    /// When set, every request fails like this once the script is used up.
    always: Option<Fault>,
    /// Requests whose parameter has a value get this fault, before the script.
    when: Vec<(String, String, Fault)>,
    /// Requests whose parameter has a value get a correct answer with this warning.
    warn: Vec<(String, String, String)>,
}

/// The running server; it stops when the test's runtime ends.
#[derive(Clone)]
pub struct FaultServer {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl FaultServer {
    pub async fn start(script: Vec<Fault>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            ..State::default()
        }));
        let server = FaultServer { port, state };
        let accept = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = accept.clone();
                tokio::spawn(async move {
                    let _ = handler.handle(stream).await;
                });
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn always(&self, fault: Fault) {
        self.state.lock().unwrap().always = Some(fault);
    }

    pub fn heal(&self) {
        self.state.lock().unwrap().always = None;
    }

    /// Requests whose `param` is `value` (e.g. the `start` of one chunk) always get `fault`.
    pub fn fail_when(&self, param: &str, value: &str, fault: Fault) {
        self.state
            .lock()
            .unwrap()
            .when
            .push((param.into(), value.into(), fault));
    }

    /// Requests whose `param` is `value` get a correct answer carrying `warning`, as a
    /// Thanos or Mimir partial response does.
    pub fn warn_when(&self, param: &str, value: &str, warning: &str) {
        self.state
            .lock()
            .unwrap()
            .warn
            .push((param.into(), value.into(), warning.into()));
    }

    pub fn push(&self, fault: Fault) {
        self.state.lock().unwrap().script.push_back(fault);
    }

    pub fn seen(&self) -> Vec<SeenRequest> {
        self.state.lock().unwrap().seen.clone()
    }

    async fn handle(&self, mut stream: TcpStream) -> std::io::Result<()> {
        let mut raw = Vec::new();
        let mut buf = [0u8; 8192];
        let header_end = loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            raw.extend_from_slice(&buf[..n]);
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&raw[..header_end]).to_string();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or("").split_whitespace();
        let method = request_line.next().unwrap_or("").to_string();
        let target = request_line.next().unwrap_or("").to_string();
        let mut headers = BTreeMap::new();
        for line in lines {
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while raw.len() < header_end + length {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
        }
        let body = String::from_utf8_lossy(&raw[header_end..]).to_string();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let mut params = parse_form(query);
        params.extend(parse_form(&body));
        let seen_headers = headers.clone();
        let seen = SeenRequest {
            method,
            path: path.to_string(),
            params: params.clone(),
            headers,
        };
        let matches = |(k, v): (&String, &String)| params.get(k) == Some(v);
        let (fault, warning) = {
            let mut state = self.state.lock().unwrap();
            state.seen.push(seen);
            let ruled = state
                .when
                .iter()
                .find(|(k, v, _)| matches((k, v)))
                .map(|(_, _, f)| f.clone());
            let warning = state
                .warn
                .iter()
                .find(|(k, v, _)| matches((k, v)))
                .map(|(_, _, w)| w.clone());
            let fault = ruled.or_else(|| state.script.pop_front().or_else(|| state.always.clone()));
            (fault, warning)
        };
        let mut good = answer(path, &params);
        if let Some(w) = warning {
            let w = w.replace('\\', "\\\\").replace('"', "\\\"");
            good = good.replacen('{', &format!(r#"{{"warnings":["{w}"],"#), 1);
        }
        match fault {
            None | Some(Fault::Ok) => {
                respond(&mut stream, 200, "application/json", &[], good.as_bytes()).await
            }
            Some(Fault::Status {
                status,
                content_type,
                headers,
                body,
            }) => respond(&mut stream, status, content_type, &headers, body.as_bytes()).await,
            Some(Fault::Stall(d)) => {
                tokio::time::sleep(d).await;
                respond(&mut stream, 200, "application/json", &[], good.as_bytes()).await
            }
            Some(Fault::ResetMidBody) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    good.len()
                );
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(&good.as_bytes()[..good.len() / 2]).await?;
                stream.flush().await?;
                // SO_LINGER 0 turns the close into a reset (RST), as a crashed proxy does.
                stream.set_zero_linger()?;
                drop(stream);
                Ok(())
            }
            Some(Fault::Echo { status, json }) => {
                let mut echoed = String::from("request headers:");
                for (k, v) in &seen_headers {
                    echoed.push_str(&format!(" {k}: {v};"));
                }
                for (k, v) in &params {
                    echoed.push_str(&format!(" {k}={v};"));
                }
                if json {
                    let message = echoed.replace('\\', "\\\\").replace('"', "\\\"");
                    let body = format!(
                        r#"{{"status":"error","errorType":"bad_data","error":"{message}"}}"#
                    );
                    respond(
                        &mut stream,
                        status,
                        "application/json",
                        &[],
                        body.as_bytes(),
                    )
                    .await
                } else {
                    respond(&mut stream, status, "text/plain", &[], echoed.as_bytes()).await
                }
            }
            Some(Fault::TruncatedJson) => {
                let cut = &good.as_bytes()[..good.len() / 2];
                respond(&mut stream, 200, "application/json", &[], cut).await
            }
        }
    }
}

async fn respond(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    headers: &[(&'static str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.flush().await?;
    stream.shutdown().await
}

fn parse_form(text: &str) -> BTreeMap<String, String> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('=').or(Some((p, ""))))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The metric a query or `match[]` selector names (`name{...}`), or `m`.
fn metric_of(selector: &str) -> String {
    let name: String = selector
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    if name.is_empty() {
        "m".to_string()
    } else {
        name
    }
}

/// The labels of host `host`'s series of `name`: a job label for named metrics.
fn labels_of(name: &str, host: &str) -> String {
    if name == "m" {
        format!(r#"{{"__name__":"m","instance":"{host}:1"}}"#)
    } else {
        format!(r#"{{"__name__":"{name}","instance":"{host}:1","job":"m"}}"#)
    }
}

/// A correct answer: for `query_range`, two series (hosts a and b) of the queried
/// metric whose value at each evaluation timestamp t (seconds) is t and 2t; for
/// `series`, those two label sets; for other endpoints, a small valid answer.
pub fn answer(path: &str, params: &BTreeMap<String, String>) -> String {
    if path.ends_with("/api/v1/query_range") {
        let num = |k: &str| {
            params
                .get(k)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let (start, end, step) = (num("start"), num("end"), num("step").max(1.0));
        let name = metric_of(params.get("query").map(String::as_str).unwrap_or(""));
        let mut values_a = Vec::new();
        let mut values_b = Vec::new();
        let mut t = start;
        while t <= end {
            values_a.push(format!("[{t},\"{t}\"]"));
            values_b.push(format!("[{t},\"{}\"]", 2.0 * t));
            t += step;
        }
        format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{},"values":[{}]}},{{"metric":{},"values":[{}]}}]}}}}"#,
            labels_of(&name, "a"),
            values_a.join(","),
            labels_of(&name, "b"),
            values_b.join(",")
        )
    } else if path.ends_with("/api/v1/series") {
        let name = metric_of(params.get("match[]").map(String::as_str).unwrap_or(""));
        format!(
            r#"{{"status":"success","data":[{},{}]}}"#,
            labels_of(&name, "a"),
            labels_of(&name, "b")
        )
    } else if path.ends_with("/api/v1/labels") {
        r#"{"status":"success","data":["__name__","instance"]}"#.to_string()
    } else {
        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#.to_string()
    }
}
