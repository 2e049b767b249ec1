//! The authorization program of any provider, and test cases built on it.

use crate::azure::{AzureProgram, evaluate_azure};
use crate::eval::{AwsProgram, Decision, evaluate};
use crate::gcp::{GcpProgram, evaluate_gcp};
use crate::request::Request;

/// Everything that takes part in one decision, per provider.
#[derive(Clone, Debug)]
pub enum Program {
    /// AWS.
    Aws(AwsProgram),
    /// GCP.
    Gcp(GcpProgram),
    /// Azure.
    Azure(AzureProgram),
}

impl Program {
    /// The provider's name.
    pub fn provider(&self) -> &'static str {
        match self {
            Program::Aws(_) => "aws",
            Program::Gcp(_) => "gcp",
            Program::Azure(_) => "azure",
        }
    }
}

/// Decides a request with the provider's combination rule.
pub fn decide(program: &Program, request: &Request) -> Decision {
    match program {
        Program::Aws(p) => evaluate(p, request),
        Program::Gcp(p) => evaluate_gcp(p, request),
        Program::Azure(p) => evaluate_azure(p, request),
    }
}

/// One request with everything that decides it: a request file's content, or
/// a scenario of a conformance table.
#[derive(Clone, Debug)]
pub struct Case {
    /// Scenario name, when the file gives one.
    pub name: Option<String>,
    /// Scenario documentation.
    pub doc: Option<String>,
    /// Expected decision (`allowed`, ...), for scenario tables.
    pub expected: Option<String>,
    /// The request.
    pub request: Request,
    /// The program that decides it.
    pub program: Program,
    /// 1-based line of the case in its file.
    pub line: u32,
}
