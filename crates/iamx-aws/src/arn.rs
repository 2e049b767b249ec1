//! ARNs, parsed with nom per `grammars/aws-arn.ebnf`.
//!
//! `arn:partition:service:region:account-id:resource` — the resource part
//! takes the rest of the text and may itself hold `:` and `/`. In a policy's
//! `Resource` element any component may hold the wildcards `*` and `?` (and,
//! in the resource part, policy variables), so [`parse_arn_pattern`] accepts
//! those; [`parse_arn`] is for concrete ARNs (principals, resources of a
//! request).

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::{tag, take_while};
use nom::combinator::{all_consuming, rest};

/// A parsed ARN (components borrowed from the text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    /// Service namespace (`s3`, `iam`, ...).
    pub service: &'a str,
    /// Region (empty for global services).
    pub region: &'a str,
    /// Account id (empty for S3 buckets, `aws` for AWS managed policies).
    pub account: &'a str,
    /// Everything after the fifth colon.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The resource type and id: `user/path/name` → (`user`, `path/name`),
    /// `function:name:alias` → (`function`, `name:alias`), `bucket` → (``, `bucket`).
    pub fn resource_type_and_id(&self) -> (&'a str, &'a str) {
        let r = self.resource;
        match r.find(['/', ':']) {
            Some(i) => (r.get(..i).unwrap_or(""), r.get(i + 1..).unwrap_or("")),
            None => ("", r),
        }
    }
}

fn component(allow_wild: bool) -> impl Fn(&str) -> IResult<&str, &str> {
    move |i: &str| {
        if !allow_wild {
            return take_while(|c: char| {
                c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
            })(i);
        }
        // in a policy's Resource: wildcards, and `${...}` variables (whose
        // keys may themselves hold `:`) as a unit
        let mut end = 0;
        let bytes = i.as_bytes();
        while let Some(&b) = bytes.get(end) {
            if b == b':' {
                break;
            }
            if b == b'$' && bytes.get(end + 1) == Some(&b'{') {
                match i.get(end..).and_then(|r| r.find('}')) {
                    Some(close) => end += close + 1,
                    None => break,
                }
                continue;
            }
            let ok =
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'*' | b'?' | b'$');
            if !ok {
                break;
            }
            end += 1;
        }
        Ok((i.get(end..).unwrap_or(""), i.get(..end).unwrap_or("")))
    }
}

fn arn_parts(allow_wild: bool) -> impl Fn(&str) -> IResult<&str, Arn<'_>> {
    move |i: &str| {
        let (i, _) = tag("arn:")(i)?;
        let (i, partition) = component(allow_wild)(i)?;
        let (i, _) = tag(":")(i)?;
        let (i, service) = component(allow_wild)(i)?;
        let (i, _) = tag(":")(i)?;
        let (i, region) = component(allow_wild)(i)?;
        let (i, _) = tag(":")(i)?;
        let (i, account) = component(allow_wild)(i)?;
        let (i, _) = tag(":")(i)?;
        let (i, resource) = rest(i)?;
        Ok((
            i,
            Arn {
                partition,
                service,
                region,
                account,
                resource,
            },
        ))
    }
}

/// Why a text is not an ARN.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    /// It does not start with `arn:`.
    #[error("`{0}` is not an ARN (expected `arn:partition:service:region:account:resource`)")]
    NotArn(String),
    /// It has fewer than six components or a bad character.
    #[error("malformed ARN `{0}`: expected `arn:partition:service:region:account:resource`")]
    Malformed(String),
    /// A required component is empty.
    #[error("malformed ARN `{arn}`: the {what} is empty")]
    Empty {
        /// The ARN.
        arn: String,
        /// Which component.
        what: &'static str,
    },
}

fn parse_with(text: &str, allow_wild: bool) -> Result<Arn<'_>, ArnError> {
    if !text.starts_with("arn:") {
        return Err(ArnError::NotArn(text.to_owned()));
    }
    let parsed: IResult<&str, Arn<'_>> = all_consuming(arn_parts(allow_wild)).parse(text);
    let arn = parsed
        .map(|(_, a)| a)
        .map_err(|_| ArnError::Malformed(text.to_owned()))?;
    if arn.partition.is_empty() {
        return Err(ArnError::Empty {
            arn: text.to_owned(),
            what: "partition",
        });
    }
    if arn.service.is_empty() {
        return Err(ArnError::Empty {
            arn: text.to_owned(),
            what: "service",
        });
    }
    if arn.resource.is_empty() && !allow_wild {
        return Err(ArnError::Empty {
            arn: text.to_owned(),
            what: "resource",
        });
    }
    Ok(arn)
}

/// Parses a concrete ARN.
pub fn parse_arn(text: &str) -> Result<Arn<'_>, ArnError> {
    parse_with(text, false)
}

/// Parses an ARN pattern of a policy's `Resource` element (wildcards allowed).
pub fn parse_arn_pattern(text: &str) -> Result<Arn<'_>, ArnError> {
    parse_with(text, true)
}

/// Whether `s` is a 12-digit account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let a = parse_arn("arn:aws:iam::111122223333:user/division/alice").unwrap();
        assert_eq!(a.service, "iam");
        assert_eq!(a.account, "111122223333");
        assert_eq!(a.resource_type_and_id(), ("user", "division/alice"));
        let s3 = parse_arn("arn:aws:s3:::bucket/a:b/c").unwrap();
        assert_eq!(s3.resource, "bucket/a:b/c");
        assert_eq!(s3.region, "");
        let l = parse_arn("arn:aws:lambda:us-east-1:111122223333:function:f:prod").unwrap();
        assert_eq!(l.resource_type_and_id(), ("function", "f:prod"));
        assert!(parse_arn_pattern("arn:aws:s3:*:*:b*").is_ok());
        // AWS managed policies hold both of these
        assert!(parse_arn_pattern("arn:*:kms:*:${aws:PrincipalAccount}:key/*").is_ok());
        assert!(parse_arn_pattern("arn:aws:organizations::*:").is_ok());
        assert!(parse_arn("arn:aws:s3:*:*:b").is_err());
        assert_eq!(
            parse_arn("arn:aws:s3"),
            Err(ArnError::Malformed("arn:aws:s3".into()))
        );
        assert!(matches!(parse_arn("bucket"), Err(ArnError::NotArn(_))));
        assert!(matches!(
            parse_arn("arn:aws:s3:::"),
            Err(ArnError::Empty { .. })
        ));
    }
}
