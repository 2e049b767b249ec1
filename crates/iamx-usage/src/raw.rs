//! The fields iamx reads from a log record, in one struct for the three
//! formats: a record is parsed once, its format told by which fields it has.
//! Strings borrow from the input when they hold no escapes; everything else
//! in a record is skipped without being built.

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A string field that tolerates other types: a number or boolean becomes its
/// text, `null`, an object or an array becomes absent.
#[derive(Debug, Default)]
pub(crate) struct Str<'a>(pub Option<Cow<'a, str>>);

impl<'a> Str<'a> {
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }
}

struct StrVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
    type Value = Str<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Str(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Str(Some(Cow::Owned(v.to_owned()))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Str(Some(Cow::Owned(v))))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Str(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Str(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Str(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Str(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Str(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Str(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Str(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Str(None))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor(PhantomData))
    }
}

/// Azure's `{"value": "…", "localizedValue": "…"}`, or a bare string (the
/// diagnostic export writes `operationName` as one).
#[derive(Debug, Default)]
pub(crate) struct NameValue<'a>(pub Str<'a>);

struct NameValueVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for NameValueVisitor<'a> {
    type Value = NameValue<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an object with `value`")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        StrVisitor(PhantomData).visit_borrowed_str(v).map(NameValue)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        StrVisitor(PhantomData).visit_str(v).map(NameValue)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        StrVisitor(PhantomData).visit_string(v).map(NameValue)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(NameValue::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut value = Str::default();
        while let Some(key) = map.next_key::<Str<'a>>()? {
            if key.0.as_deref() == Some("value") {
                value = map.next_value()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(NameValue(value))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for NameValue<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NameValueVisitor(PhantomData))
    }
}

/// One log record of any of the formats.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Record<'a> {
    // CloudTrail
    #[serde(rename = "eventVersion", borrow)]
    pub event_version: Str<'a>,
    #[serde(rename = "eventSource", borrow)]
    pub event_source: Str<'a>,
    #[serde(rename = "eventName", borrow)]
    pub event_name: Str<'a>,
    #[serde(rename = "eventTime", borrow)]
    pub event_time: Str<'a>,
    #[serde(rename = "eventType", borrow)]
    pub event_type: Str<'a>,
    #[serde(rename = "userIdentity", borrow)]
    pub user_identity: Option<UserIdentity<'a>>,
    #[serde(rename = "errorCode", borrow)]
    pub error_code: Str<'a>,
    #[serde(borrow)]
    pub resources: Option<Vec<CtResource<'a>>>,
    #[serde(rename = "awsRegion", borrow)]
    pub aws_region: Str<'a>,
    #[serde(rename = "sourceIPAddress", borrow)]
    pub source_ip: Str<'a>,
    #[serde(rename = "requestParameters", borrow)]
    pub request_parameters: Option<RequestParameters<'a>>,
    #[serde(rename = "tlsDetails")]
    pub tls_details: Option<IgnoredAny>,
    #[serde(rename = "recipientAccountId", borrow)]
    pub recipient_account: Str<'a>,
    // lookup-events
    #[serde(rename = "CloudTrailEvent", borrow)]
    pub cloudtrail_event: Str<'a>,
    // GCP
    #[serde(rename = "protoPayload", borrow)]
    pub proto_payload: Option<ProtoPayload<'a>>,
    #[serde(borrow)]
    pub timestamp: Str<'a>,
    #[serde(rename = "logName", borrow)]
    pub log_name: Str<'a>,
    // Azure (`az monitor activity-log list`, REST, diagnostic export)
    #[serde(rename = "operationName", borrow)]
    pub operation_name: Option<NameValue<'a>>,
    #[serde(borrow)]
    pub caller: Str<'a>,
    #[serde(rename = "resourceId", borrow)]
    pub resource_id: Str<'a>,
    #[serde(rename = "eventTimestamp", borrow)]
    pub event_timestamp: Str<'a>,
    #[serde(borrow)]
    pub time: Str<'a>,
    #[serde(borrow)]
    pub status: NameValue<'a>,
    #[serde(rename = "subStatus", borrow)]
    pub sub_status: NameValue<'a>,
    #[serde(rename = "resultType", borrow)]
    pub result_type: Str<'a>,
    #[serde(rename = "resultSignature", borrow)]
    pub result_signature: Str<'a>,
    #[serde(borrow)]
    pub category: NameValue<'a>,
    #[serde(borrow)]
    pub authorization: Option<AzAuthorization<'a>>,
    #[serde(borrow)]
    pub claims: Option<Claims<'a>>,
    #[serde(borrow)]
    pub identity: Option<AzIdentity<'a>>,
    #[serde(borrow)]
    pub properties: Option<AzProperties<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct UserIdentity<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Str<'a>,
    #[serde(borrow)]
    pub arn: Str<'a>,
    #[serde(rename = "accountId", borrow)]
    pub account_id: Str<'a>,
    #[serde(rename = "invokedBy", borrow)]
    pub invoked_by: Str<'a>,
    #[serde(rename = "sessionContext", borrow)]
    pub session_context: Option<SessionContext<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SessionContext<'a> {
    #[serde(rename = "sessionIssuer", borrow)]
    pub session_issuer: Option<SessionIssuer<'a>>,
    #[serde(borrow)]
    pub attributes: Option<SessionAttributes<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SessionIssuer<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Str<'a>,
    #[serde(borrow)]
    pub arn: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SessionAttributes<'a> {
    #[serde(rename = "mfaAuthenticated", borrow)]
    pub mfa_authenticated: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CtResource<'a> {
    #[serde(rename = "ARN", borrow)]
    pub arn: Str<'a>,
    #[serde(rename = "accountId", borrow)]
    pub account_id: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RequestParameters<'a> {
    #[serde(rename = "bucketName", borrow)]
    pub bucket_name: Str<'a>,
    #[serde(borrow)]
    pub key: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ProtoPayload<'a> {
    #[serde(rename = "@type", borrow)]
    pub type_url: Str<'a>,
    #[serde(rename = "serviceName", borrow)]
    pub service_name: Str<'a>,
    #[serde(rename = "resourceName", borrow)]
    pub resource_name: Str<'a>,
    #[serde(rename = "authenticationInfo", borrow)]
    pub authentication_info: Option<AuthenticationInfo<'a>>,
    #[serde(rename = "authorizationInfo", borrow)]
    pub authorization_info: Option<Vec<AuthorizationInfo<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AuthenticationInfo<'a> {
    #[serde(rename = "principalEmail", borrow)]
    pub principal_email: Str<'a>,
    #[serde(rename = "principalSubject", borrow)]
    pub principal_subject: Str<'a>,
    #[serde(rename = "serviceAccountDelegationInfo", borrow)]
    pub delegation: Option<Vec<Delegation<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Delegation<'a> {
    #[serde(rename = "firstPartyPrincipal", borrow)]
    pub first_party: Option<FirstParty<'a>>,
    #[serde(rename = "principalSubject", borrow)]
    pub principal_subject: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct FirstParty<'a> {
    #[serde(rename = "principalEmail", borrow)]
    pub principal_email: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AuthorizationInfo<'a> {
    #[serde(borrow)]
    pub resource: Str<'a>,
    #[serde(borrow)]
    pub permission: Str<'a>,
    pub granted: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AzAuthorization<'a> {
    #[serde(borrow)]
    pub action: Str<'a>,
    #[serde(borrow)]
    pub scope: Str<'a>,
}

/// The token claims Azure logs with an event (keys as Azure writes them).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Claims<'a> {
    #[serde(
        rename = "http://schemas.microsoft.com/identity/claims/objectidentifier",
        borrow
    )]
    pub object_identifier: Str<'a>,
    #[serde(borrow)]
    pub oid: Str<'a>,
    #[serde(borrow)]
    pub appid: Str<'a>,
    #[serde(borrow)]
    pub idtyp: Str<'a>,
    #[serde(
        rename = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
        borrow
    )]
    pub upn: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AzIdentity<'a> {
    #[serde(borrow)]
    pub authorization: Option<AzAuthorization<'a>>,
    #[serde(borrow)]
    pub claims: Option<Claims<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AzProperties<'a> {
    #[serde(rename = "statusCode", borrow)]
    pub status_code: Str<'a>,
    #[serde(rename = "statusMessage", borrow)]
    pub status_message: Str<'a>,
}
