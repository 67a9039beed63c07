//! The registered claims every accepted token must satisfy, checked the same
//! way whichever key signed it.

use serde_json::Value;

/// What a mode expects of a token's claims.
#[derive(Debug, Clone)]
pub struct ClaimRules {
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud` (a string, or one member of an array), when set.
    pub audience: Option<String>,
    /// Seconds of clock skew allowed on `exp`, `nbf` and `iat`.
    pub leeway: u64,
}

/// Seconds since the Unix epoch.
#[must_use]
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A NumericDate (RFC 7519 section 2): a JSON number, possibly fractional.
#[allow(clippy::cast_possible_truncation)]
fn numeric_date(claims: &Value, name: &str) -> Result<Option<i64>, String> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.floor() as i64)
            })
            .map(Some)
            .ok_or_else(|| format!("`{name}` is not a valid date")),
        Some(_) => Err(format!("`{name}` must be a number")),
    }
}

/// The `exp` of claims that passed [`ClaimRules::check`].
#[must_use]
pub fn expiry(claims: &Value) -> Option<i64> {
    numeric_date(claims, "exp").ok().flatten()
}

impl ClaimRules {
    /// Checks the claims at time `now` and returns the `sub`.
    ///
    /// # Errors
    /// The reason the token is refused.
    pub fn check(&self, claims: &Value, now: i64) -> Result<String, String> {
        if !claims.is_object() {
            return Err("claims must be a JSON object".to_string());
        }
        let leeway = i64::try_from(self.leeway).unwrap_or(i64::MAX);
        let exp = numeric_date(claims, "exp")?.ok_or("`exp` is required")?;
        if now > exp.saturating_add(leeway) {
            return Err("token has expired".to_string());
        }
        if let Some(nbf) = numeric_date(claims, "nbf")? {
            if nbf > now.saturating_add(leeway) {
                return Err("token is not valid yet (`nbf`)".to_string());
            }
        }
        if let Some(iat) = numeric_date(claims, "iat")? {
            if iat > now.saturating_add(leeway) {
                return Err("token is issued in the future (`iat`)".to_string());
            }
        }
        if let Some(issuer) = &self.issuer {
            if claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str()) {
                return Err("wrong issuer (`iss`)".to_string());
            }
        }
        if let Some(audience) = &self.audience {
            let matches = match claims.get("aud") {
                Some(Value::String(aud)) => aud == audience,
                Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(audience)),
                _ => false,
            };
            if !matches {
                return Err("wrong audience (`aud`)".to_string());
            }
        }
        match claims.get("sub").and_then(Value::as_str) {
            Some(sub) if !sub.is_empty() && sub.len() <= 255 => Ok(sub.to_string()),
            Some(_) => Err("`sub` must be 1 to 255 bytes".to_string()),
            None => Err("`sub` is required".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules() -> ClaimRules {
        ClaimRules {
            issuer: Some("http://auth".into()),
            audience: Some("http://auth".into()),
            leeway: 60,
        }
    }

    #[test]
    fn claim_cases() {
        let now = 1_000_000;
        let ok =
            json!({"sub":"u1","exp":now+900,"iat":now,"iss":"http://auth","aud":"http://auth"});
        // (case, claims, expected)
        let cases: Vec<(&str, Value, Result<&str, &str>)> = vec![
            ("valid", ok.clone(), Ok("u1")),
            (
                "aud as array",
                json!({"sub":"u1","exp":now+900,"iss":"http://auth","aud":["x","http://auth"]}),
                Ok("u1"),
            ),
            (
                "expired within leeway",
                json!({"sub":"u1","exp":now-59,"iss":"http://auth","aud":"http://auth"}),
                Ok("u1"),
            ),
            (
                "expired past leeway",
                json!({"sub":"u1","exp":now-61,"iss":"http://auth","aud":"http://auth"}),
                Err("token has expired"),
            ),
            (
                "no exp",
                json!({"sub":"u1","iss":"http://auth","aud":"http://auth"}),
                Err("`exp` is required"),
            ),
            (
                "exp as string",
                json!({"sub":"u1","exp":"9999999999","iss":"http://auth","aud":"http://auth"}),
                Err("`exp` must be a number"),
            ),
            (
                "nbf in future",
                json!({"sub":"u1","exp":now+900,"nbf":now+120,"iss":"http://auth","aud":"http://auth"}),
                Err("token is not valid yet (`nbf`)"),
            ),
            (
                "iat in future",
                json!({"sub":"u1","exp":now+900,"iat":now+120,"iss":"http://auth","aud":"http://auth"}),
                Err("token is issued in the future (`iat`)"),
            ),
            (
                "wrong iss",
                json!({"sub":"u1","exp":now+900,"iss":"http://evil","aud":"http://auth"}),
                Err("wrong issuer (`iss`)"),
            ),
            (
                "no aud",
                json!({"sub":"u1","exp":now+900,"iss":"http://auth"}),
                Err("wrong audience (`aud`)"),
            ),
            (
                "no sub",
                json!({"exp":now+900,"iss":"http://auth","aud":"http://auth","id":"u1"}),
                Err("`sub` is required"),
            ),
            (
                "empty sub",
                json!({"sub":"","exp":now+900,"iss":"http://auth","aud":"http://auth"}),
                Err("`sub` must be 1 to 255 bytes"),
            ),
            (
                "sub as number",
                json!({"sub":7,"exp":now+900,"iss":"http://auth","aud":"http://auth"}),
                Err("`sub` is required"),
            ),
            (
                "claims not an object",
                json!([1, 2]),
                Err("claims must be a JSON object"),
            ),
        ];
        for (case, claims, expected) in cases {
            let got = rules().check(&claims, now);
            assert_eq!(
                got.as_deref().map_err(String::as_str),
                expected,
                "case: {case}"
            );
        }
    }
}
