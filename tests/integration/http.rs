//! A small HTTP/1.1 client for the web page's tests, with a cookie jar: one connection per
//! request (`Connection: close`), bodies read to the end. Enough to sign in, follow forms and
//! read pages the way a browser without JavaScript does, with nothing between the test and
//! the bytes the server sent.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Header names in lower case; a repeated header keeps every value.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The value of the first hidden `csrf` field of the page.
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.body.find(marker).expect("the page has a CSRF field") + marker.len();
        self.body[start..]
            .chars()
            .take_while(|c| *c != '"')
            .collect()
    }
}

/// A browser without JavaScript: a cookie jar and a language.
pub struct Browser {
    addr: SocketAddr,
    pub cookies: BTreeMap<String, String>,
    pub accept_language: String,
    /// Headers sent with every request (what a proxy in front would add).
    pub extra_headers: Vec<(String, String)>,
}

/// `application/x-www-form-urlencoded` of `fields`.
pub fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        serializer.append_pair(name, value);
    }
    serializer.finish().into_bytes()
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Browser {
        Browser {
            addr,
            cookies: BTreeMap::new(),
            accept_language: "en".to_string(),
            extra_headers: Vec::new(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send("GET", path, None).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        self.send("POST", path, Some(form(fields))).await
    }

    pub async fn post_raw(&mut self, path: &str, body: Vec<u8>) -> Reply {
        self.send("POST", path, Some(body)).await
    }

    /// Signs in as `name`; returns the answer to the sign-in form.
    pub async fn sign_in(&mut self, name: &str, password: &str) -> Reply {
        let page = self.get("/login").await;
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = page.csrf();
        self.post(
            "/login",
            &[("csrf", &csrf), ("name", name), ("password", password)],
        )
        .await
    }

    /// Submits the form on `page` at `path` with its CSRF token and `fields`, then follows
    /// the redirect (POST/redirect/GET), returning the final page.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        // A form posting elsewhere than its page (the report form) is on the search page.
        let form_page = if path == "/search/report" {
            "/search"
        } else {
            path
        };
        let page = self.get(form_page).await;
        let csrf = page.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let reply = self.post(path, &all).await;
        match (reply.status, reply.header("location").map(str::to_string)) {
            (303, Some(location)) => self.get(&location).await,
            _ => reply,
        }
    }

    async fn send(&mut self, method: &str, path: &str, body: Option<Vec<u8>>) -> Reply {
        let mut stream = TcpStream::connect(self.addr)
            .await
            .expect("connects to the web server");
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept-Language: {}\r\n",
            self.addr, self.accept_language
        );
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request.push_str(&format!("Cookie: {}\r\n", jar.join("; ")));
        }
        for (name, value) in &self.extra_headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        let body = body.unwrap_or_default();
        if method == "POST" {
            request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(&body);
        stream.write_all(&bytes).await.expect("request sent");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("answer read");
        let reply = parse(&answer);
        for (name, value) in &reply.headers {
            if name == "set-cookie" {
                self.remember(value);
            }
        }
        reply
    }

    fn remember(&mut self, set_cookie: &str) {
        let pair = set_cookie.split(';').next().unwrap_or("");
        let Some((name, value)) = pair.split_once('=') else {
            return;
        };
        if set_cookie.contains("Max-Age=0") {
            self.cookies.remove(name.trim());
        } else {
            self.cookies
                .insert(name.trim().to_string(), value.trim().to_string());
        }
    }
}

fn parse(answer: &[u8]) -> Reply {
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer has a head");
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let raw_body = &answer[split + 4..];
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(raw_body)
    } else {
        raw_body.to_vec()
    };
    Reply {
        status,
        headers,
        body: String::from_utf8(body).expect("the page is UTF-8"),
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&raw[..end]).to_string();
        let size = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).unwrap_or(0);
        raw = &raw[end + 2..];
        if size == 0 || raw.len() < size {
            break;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[(size + 2).min(raw.len())..];
    }
    out
}
