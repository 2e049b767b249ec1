//! What the scaling benchmarks measure, shared by `benches/graph.rs` (criterion)
//! and `iamx-synth --time` (one timed run, for sizes criterion would repeat
//! too long): preparing a synthetic organisation on disk, loading it with
//! zero errors, and the who-can / what-can questions asked of it.

use crate::synth::{self, Config, Summary};
use iamx::analysis::{self, Inputs};
use iamx::{LoadOptions, Workspace};
use std::path::{Path, PathBuf};

/// Writes the organisation of `principals` principals to
/// [`synth::default_dir`] and returns the directory and what was generated.
pub fn prepare(principals: usize) -> Result<(PathBuf, Summary), String> {
    let dir = synth::default_dir(principals);
    let summary = synth::write(&Config::new(principals), &dir)
        .map_err(|e| format!("cannot write `{}`: {e}", dir.display()))?;
    Ok((dir, summary))
}

/// What [`prepare`] would generate, without writing anything.
pub fn summary_of(principals: usize) -> Result<Summary, String> {
    synth::generate_with(&Config::new(principals), &mut |_, _| Ok(()))
        .map_err(|e| format!("cannot generate: {e}"))
}

/// Loads `dir` through the facade; an error diagnostic is an error here.
pub fn load(dir: &Path) -> Result<Workspace, String> {
    let ws =
        Workspace::load(&[dir.to_owned()], &LoadOptions::default()).map_err(|e| e.to_string())?;
    let errors: Vec<String> = ws.errors().map(ToString::to_string).collect();
    if errors.is_empty() {
        Ok(ws)
    } else {
        Err(format!(
            "{} errors loading `{}`, e.g.:\n  {}",
            errors.len(),
            dir.display(),
            errors
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n  ")
        ))
    }
}

/// A who-can or what-can question.
#[derive(Clone, Debug)]
pub struct Question {
    /// A short label: `who-can/aws/action`, `what-can/gcp`, …
    pub label: String,
    /// `true` for who-can (target is a resource), `false` for what-can.
    pub who: bool,
    /// The resource or principal.
    pub target: String,
    /// The action (who-can only).
    pub action: Option<String>,
}

impl Question {
    /// Asks it; returns how many accesses came back.
    pub fn ask(&self, inp: &Inputs<'_>) -> Result<usize, String> {
        Ok(self.answer(inp)?.len())
    }

    /// Asks it; returns the accesses.
    pub fn answer(&self, inp: &Inputs<'_>) -> Result<Vec<analysis::Access>, String> {
        if self.who {
            analysis::who_can(inp, &self.target, self.action.as_deref())
        } else {
            analysis::what_can(inp, &self.target, None)
        }
    }
}

/// The questions of the benchmarks: who-can on one resource per cloud with
/// and without an action, what-can on one principal per cloud.
pub fn questions(s: &Summary) -> Vec<Question> {
    let mut out = Vec::new();
    for (cloud, p) in [
        ("aws", &s.aws_probe),
        ("gcp", &s.gcp_probe),
        ("azure", &s.azure_probe),
    ] {
        out.push(Question {
            label: format!("who-can/{cloud}/action"),
            who: true,
            target: p.resource.clone(),
            action: Some(p.action.clone()),
        });
        out.push(Question {
            label: format!("who-can/{cloud}/any"),
            who: true,
            target: p.resource.clone(),
            action: None,
        });
        out.push(Question {
            label: format!("what-can/{cloud}"),
            who: false,
            target: p.principal.clone(),
            action: None,
        });
    }
    out
}
