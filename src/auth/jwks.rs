//! Better Auth's published keys: fetched over HTTP, cached, refetched when a
//! token names a key id the cache has not seen (key rotation), but at most
//! once per cool-down, so tokens with random `kid`s cannot make this service
//! hammer the auth server.
//!
//! Keys are decoded once, when fetched, and kept ready to verify; a request
//! that finds its key in the cache does no I/O at all.

use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{Algorithm, DecodingKey};
use p521::ecdsa::{signature::Verifier as _, Signature as P521Signature, VerifyingKey};
use serde::Deserialize;

use super::{claims::ClaimRules, verify_with, AsymmetricAlg};

/// Largest JWKS document read; Better Auth's holds a handful of keys.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// One usable public key from the set.
pub struct PublicKey {
    kid: Option<String>,
    alg: AsymmetricAlg,
    material: KeyMaterial,
}

enum KeyMaterial {
    /// EdDSA, ES256, RS256, PS256: verified by jsonwebtoken.
    Standard(DecodingKey),
    /// ES512 (P-521), which jsonwebtoken 10 does not implement.
    P521(VerifyingKey),
}

impl PublicKey {
    /// Verifies a base64url signature over the signing input.
    #[must_use]
    pub fn verify(&self, signature_b64: &str, signing_input: &[u8]) -> bool {
        match &self.material {
            KeyMaterial::Standard(key) => {
                let alg = match self.alg {
                    AsymmetricAlg::EdDsa => Algorithm::EdDSA,
                    AsymmetricAlg::Es256 => Algorithm::ES256,
                    AsymmetricAlg::Rs256 => Algorithm::RS256,
                    AsymmetricAlg::Ps256 => Algorithm::PS256,
                    AsymmetricAlg::Es512 => return false,
                };
                std::str::from_utf8(signing_input)
                    .is_ok_and(|input| verify_with(key, alg, signature_b64, input))
            }
            KeyMaterial::P521(key) => {
                // JWS ECDSA signatures are the fixed-size R || S (RFC 7518
                // section 3.4), 66 + 66 bytes for P-521.
                let Ok(raw) = URL_SAFE_NO_PAD.decode(signature_b64) else {
                    return false;
                };
                let Ok(signature) = P521Signature::from_slice(&raw) else {
                    return false;
                };
                key.verify(signing_input, &signature).is_ok()
            }
        }
    }
}

/// A JWK as published; only the members this service uses.
#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    crv: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    x: Option<String>,
    y: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<serde_json::Value>,
}

/// The algorithms a JWK may verify: its `alg` when published (and it must
/// fit the key type), otherwise what its type allows.
fn algorithms_for(jwk: &Jwk) -> Vec<AsymmetricAlg> {
    let by_type: &[AsymmetricAlg] = match (jwk.kty.as_deref(), jwk.crv.as_deref()) {
        (Some("OKP"), Some("Ed25519")) => &[AsymmetricAlg::EdDsa],
        (Some("EC"), Some("P-256")) => &[AsymmetricAlg::Es256],
        (Some("EC"), Some("P-521")) => &[AsymmetricAlg::Es512],
        (Some("RSA"), _) => &[AsymmetricAlg::Rs256, AsymmetricAlg::Ps256],
        _ => &[],
    };
    match jwk.alg.as_deref() {
        Some(name) => AsymmetricAlg::from_name(name)
            .filter(|alg| by_type.contains(alg))
            .into_iter()
            .collect(),
        None => by_type.to_vec(),
    }
}

fn material_for(jwk: &Jwk, alg: AsymmetricAlg) -> Option<KeyMaterial> {
    let key = match alg {
        AsymmetricAlg::EdDsa => DecodingKey::from_ed_components(jwk.x.as_deref()?).ok()?,
        AsymmetricAlg::Es256 => {
            DecodingKey::from_ec_components(jwk.x.as_deref()?, jwk.y.as_deref()?).ok()?
        }
        AsymmetricAlg::Rs256 | AsymmetricAlg::Ps256 => {
            DecodingKey::from_rsa_components(jwk.n.as_deref()?, jwk.e.as_deref()?).ok()?
        }
        AsymmetricAlg::Es512 => {
            let x = URL_SAFE_NO_PAD.decode(jwk.x.as_deref()?).ok()?;
            let y = URL_SAFE_NO_PAD.decode(jwk.y.as_deref()?).ok()?;
            if x.len() != 66 || y.len() != 66 {
                return None;
            }
            let mut sec1 = Vec::with_capacity(133);
            sec1.push(0x04);
            sec1.extend_from_slice(&x);
            sec1.extend_from_slice(&y);
            return VerifyingKey::from_sec1_bytes(&sec1)
                .ok()
                .map(KeyMaterial::P521);
        }
    };
    Some(KeyMaterial::Standard(key))
}

/// Decodes a JWKS document into usable keys, skipping (and logging) keys
/// that are for encryption, of a type this service does not verify, or
/// malformed.
///
/// # Errors
/// When the document is not a JWKS at all.
pub fn parse_jwks(body: &[u8]) -> Result<Vec<Arc<PublicKey>>, String> {
    let set: JwkSet =
        serde_json::from_slice(body).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = Vec::new();
    for value in set.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            tracing::warn!("skipping a JWKS entry that is not a JWK");
            continue;
        };
        if jwk.usage.as_deref().is_some_and(|u| u != "sig") {
            continue;
        }
        let algs = algorithms_for(&jwk);
        if algs.is_empty() {
            tracing::warn!(kid = ?jwk.kid, kty = ?jwk.kty, alg = ?jwk.alg, "skipping a JWKS key of an unsupported type");
        }
        for alg in algs {
            match material_for(&jwk, alg) {
                Some(material) => keys.push(Arc::new(PublicKey {
                    kid: jwk.kid.clone(),
                    alg,
                    material,
                })),
                None => {
                    tracing::warn!(kid = ?jwk.kid, alg = alg.name(), "skipping a malformed JWKS key");
                }
            }
        }
    }
    Ok(keys)
}

/// The outcome of looking a token's key up.
pub enum KeyLookup {
    Found(Arc<PublicKey>),
    /// The key set is loaded but holds no key for this token.
    Unknown,
    /// No key set could ever be loaded: the auth server is unreachable.
    Unavailable,
}

#[derive(Default)]
struct CacheState {
    keys: Vec<Arc<PublicKey>>,
    /// Whether any fetch ever succeeded.
    loaded: bool,
    /// The last fetch of any kind.
    last_attempt: Option<Instant>,
    /// The last fetch a token caused (unknown `kid`). Warming the cache at
    /// start-up does not count: Better Auth may publish its first key only
    /// after this service started, and that key's tokens must not wait for
    /// a cool-down the warm-up began.
    last_token_fetch: Option<Instant>,
}

impl CacheState {
    /// With a `kid`, the key of that id published for `alg`; without one,
    /// the only key published for `alg`, if exactly one is.
    fn find(&self, alg: AsymmetricAlg, kid: Option<&str>) -> Option<Arc<PublicKey>> {
        let mut fitting = self.keys.iter().filter(|k| k.alg == alg);
        match kid {
            Some(kid) => fitting.find(|k| k.kid.as_deref() == Some(kid)).cloned(),
            None => {
                let first = fitting.next()?;
                fitting.next().is_none().then(|| Arc::clone(first))
            }
        }
    }
}

pub struct JwksCache {
    url: String,
    client: reqwest::Client,
    cooldown: Duration,
    rules: ClaimRules,
    state: RwLock<CacheState>,
    /// Serialises refetches: concurrent requests with the same unknown
    /// `kid` wait for one fetch instead of starting many.
    refetch: tokio::sync::Mutex<()>,
}

impl JwksCache {
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(
        url: String,
        cooldown: Duration,
        timeout: Duration,
        rules: ClaimRules,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| format!("cannot build the JWKS HTTP client: {e}"))?;
        Ok(Self {
            url,
            client,
            cooldown,
            rules,
            state: RwLock::new(CacheState::default()),
            refetch: tokio::sync::Mutex::new(()),
        })
    }

    #[must_use]
    pub fn rules(&self) -> &ClaimRules {
        &self.rules
    }

    fn lookup(&self, alg: AsymmetricAlg, kid: Option<&str>) -> (Option<Arc<PublicKey>>, bool) {
        // A poisoned lock only means another thread panicked mid-update of
        // plain data; the data is still usable.
        let state = self
            .state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (state.find(alg, kid), state.loaded)
    }

    /// Finds the key for a token, refetching the set (within the cool-down)
    /// when it is not cached.
    pub async fn key_for(&self, alg: AsymmetricAlg, kid: Option<&str>) -> KeyLookup {
        if let (Some(key), _) = self.lookup(alg, kid) {
            return KeyLookup::Found(key);
        }
        {
            let _guard = self.refetch.lock().await;
            // Another request may have refetched while this one waited.
            if let (Some(key), _) = self.lookup(alg, kid) {
                return KeyLookup::Found(key);
            }
            let due = {
                let state = self
                    .state
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                // Unloaded: any fetch counts (an unreachable server is not
                // asked again within the cool-down). Loaded: only fetches
                // that tokens caused.
                let last = if state.loaded {
                    state.last_token_fetch
                } else {
                    state.last_attempt
                };
                last.is_none_or(|at| at.elapsed() >= self.cooldown)
            };
            if due {
                self.refresh().await;
                self.state
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .last_token_fetch = Some(Instant::now());
            }
        }
        match self.lookup(alg, kid) {
            (Some(key), _) => KeyLookup::Found(key),
            (None, true) => KeyLookup::Unknown,
            (None, false) => KeyLookup::Unavailable,
        }
    }

    /// Whether a key set has ever been loaded.
    #[must_use]
    pub fn is_loaded(&self) -> bool {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .loaded
    }

    /// Loads the set if it never was and the cool-down allows a fetch; a
    /// no-op otherwise. For warming the cache at start-up and from health
    /// checks, off the request path.
    pub async fn load_if_missing(&self) {
        let _guard = self.refetch.lock().await;
        let due = {
            let state = self
                .state
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            !state.loaded
                && state
                    .last_attempt
                    .is_none_or(|at| at.elapsed() >= self.cooldown)
        };
        if due {
            self.refresh().await;
        }
    }

    /// Fetches the set now; on failure the keys already cached stay.
    pub async fn refresh(&self) {
        let fetched = self.fetch().await;
        let mut state = self
            .state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.last_attempt = Some(Instant::now());
        match fetched {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "loaded the JWKS");
                state.keys = keys;
                state.loaded = true;
            }
            Err(error) => {
                tracing::warn!(url = %self.url, error = %error, "cannot load the JWKS");
            }
        }
    }

    async fn fetch(&self) -> Result<Vec<Arc<PublicKey>>, String> {
        let response = self
            .client
            .get(&self.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("answered {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err("the JWKS document is too large".to_string());
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("reading the body failed: {e}"))?;
        if body.len() > MAX_JWKS_BYTES {
            return Err("the JWKS document is too large".to_string());
        }
        parse_jwks(&body)
    }
}
