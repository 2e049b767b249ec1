//! Which operations are data actions, when nobody says.
//!
//! Azure decides a request against `actions` or `dataActions` depending on
//! the operation, and the operation name alone does not tell which: there is
//! no marker in the name. Request files say it explicitly (`dataAction`);
//! `iamx eval` takes `--data-action`. Without either, iamx guesses with
//! [`is_data_action_hint`]: the operation families below are the data-plane
//! operations of the services people ask about most (Storage, Key Vault,
//! Cosmos DB, Service Bus, Event Hubs, Event Grid, App Configuration, VM
//! login, AKS/Arc/Fleet Kubernetes objects, Cognitive Services, …), taken
//! from the `dataActions` of Azure's built-in roles. Everything else is taken
//! as a control-plane action. The list is a heuristic, not a catalog.

use iamx_model::{Case, Pattern};
use std::sync::OnceLock;

const FAMILIES: &[&str] = &[
    // Storage
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*",
    "Microsoft.Storage/storageAccounts/queueServices/queues/messages/*",
    "Microsoft.Storage/storageAccounts/fileServices/fileshares/files/*",
    "Microsoft.Storage/storageAccounts/fileServices/readFileBackupSemantics/action",
    "Microsoft.Storage/storageAccounts/fileServices/writeFileBackupSemantics/action",
    "Microsoft.Storage/storageAccounts/fileServices/takeOwnership/action",
    "Microsoft.Storage/storageAccounts/fileServices/runAsBuiltInFileAdministrator/action",
    "Microsoft.Storage/storageAccounts/tableServices/tables/entities/*",
    // Key Vault (the data plane; `vaults/keys/read` and `vaults/secrets/read`
    // also exist on the control plane and are left out)
    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
    "Microsoft.KeyVault/vaults/secrets/setSecret/action",
    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    "Microsoft.KeyVault/vaults/secrets/delete",
    "Microsoft.KeyVault/vaults/secrets/backup/action",
    "Microsoft.KeyVault/vaults/secrets/restore/action",
    "Microsoft.KeyVault/vaults/secrets/recover/action",
    "Microsoft.KeyVault/vaults/secrets/purge/action",
    "Microsoft.KeyVault/vaults/keys/*/action",
    "Microsoft.KeyVault/vaults/keys/delete",
    "Microsoft.KeyVault/vaults/keys/purge/action",
    "Microsoft.KeyVault/vaults/certificates/*",
    "Microsoft.KeyVault/vaults/certificatecas/*",
    "Microsoft.KeyVault/vaults/certificatecontacts/*",
    "Microsoft.KeyVault/vaults/keyrotationpolicies/*",
    // Cosmos DB
    "Microsoft.DocumentDB/databaseAccounts/readMetadata",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/readChangeFeed",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeStoredProcedure",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/manageConflicts",
    // messaging
    "Microsoft.ServiceBus/namespaces/messages/*",
    "Microsoft.EventHub/namespaces/messages/*",
    "Microsoft.EventHub/namespaces/schemas/*",
    "Microsoft.Relay/namespaces/messages/*",
    "Microsoft.EventGrid/events/*",
    "Microsoft.EventGrid/topicSpaces/*",
    "Microsoft.SignalRService/SignalR/auth/*",
    "Microsoft.SignalRService/SignalR/clientConnection/*",
    "Microsoft.SignalRService/SignalR/serverConnection/*",
    "Microsoft.SignalRService/SignalR/group/*",
    "Microsoft.SignalRService/SignalR/user/*",
    "Microsoft.SignalRService/SignalR/hub/*",
    "Microsoft.SignalRService/WebPubSub/auth/*",
    "Microsoft.SignalRService/WebPubSub/clientConnection/*",
    "Microsoft.SignalRService/WebPubSub/group/*",
    "Microsoft.SignalRService/WebPubSub/user/*",
    "Microsoft.SignalRService/WebPubSub/hubs/*",
    // configuration, search, registries
    "Microsoft.AppConfiguration/configurationStores/keyValues/*",
    "Microsoft.AppConfiguration/configurationStores/snapshots/*",
    "Microsoft.Search/searchServices/indexes/documents/*",
    "Microsoft.ContainerRegistry/registries/repositories/content/*",
    "Microsoft.ContainerRegistry/registries/repositories/metadata/*",
    "Microsoft.ContainerRegistry/registries/catalog/read",
    "Microsoft.ContainerRegistry/registries/quarantinedArtifacts/*",
    "Microsoft.ContainerRegistry/registries/trustedCollections/write",
    // compute login and disk transfer
    "Microsoft.Compute/virtualMachines/login/action",
    "Microsoft.Compute/virtualMachines/loginAsAdmin/action",
    "Microsoft.Compute/virtualMachines/WACloginAsAdmin/action",
    "Microsoft.Compute/disks/download/action",
    "Microsoft.Compute/disks/upload/action",
    "Microsoft.Compute/snapshots/download/action",
    "Microsoft.Compute/snapshots/upload/action",
    "Microsoft.HybridCompute/machines/login/action",
    "Microsoft.HybridCompute/machines/loginAsAdmin/action",
    "Microsoft.HybridCompute/machines/WACloginAsAdmin/action",
    // monitoring data
    "Microsoft.Insights/Metrics/Write",
    "Microsoft.Insights/Telemetry/Write",
    "Microsoft.Insights/logs/data/read",
    "Microsoft.OperationalInsights/workspaces/tables/data/read",
    // Cognitive Services / Azure OpenAI data planes
    "Microsoft.CognitiveServices/accounts/OpenAI/*",
    "Microsoft.CognitiveServices/accounts/AIServices/*",
    "Microsoft.CognitiveServices/accounts/SpeechServices/*",
    "Microsoft.CognitiveServices/accounts/TextAnalytics/*",
    "Microsoft.CognitiveServices/accounts/Language/*",
    "Microsoft.CognitiveServices/accounts/LanguageAuthoring/*",
    "Microsoft.CognitiveServices/accounts/LUIS/*",
    "Microsoft.CognitiveServices/accounts/QnAMaker/*",
    "Microsoft.CognitiveServices/accounts/QnAMaker.v2/*",
    "Microsoft.CognitiveServices/accounts/Face/*",
    "Microsoft.CognitiveServices/accounts/CustomVision/*",
    "Microsoft.CognitiveServices/accounts/ComputerVision/*",
    "Microsoft.CognitiveServices/accounts/FormRecognizer/*",
    "Microsoft.CognitiveServices/accounts/ContentSafety/*",
    "Microsoft.CognitiveServices/accounts/MultiModalIntelligence/*",
    "Microsoft.CognitiveServices/accounts/ConversationalLanguageUnderstanding/*",
    "Microsoft.CognitiveServices/accounts/CustomVoice/*",
    "Microsoft.CognitiveServices/accounts/ImmersiveReader/*",
    "Microsoft.CognitiveServices/accounts/MetricsAdvisor/*",
    // healthcare, digital twins, IoT
    "Microsoft.HealthcareApis/services/fhir/resources/*",
    "Microsoft.HealthcareApis/workspaces/fhirservices/resources/*",
    "Microsoft.HealthcareApis/workspaces/dicomservices/resources/*",
    "Microsoft.DigitalTwins/digitaltwins/*",
    "Microsoft.DigitalTwins/query/*",
    "Microsoft.DigitalTwins/models/*",
    "Microsoft.DigitalTwins/eventroutes/*",
    "Microsoft.Devices/IotHubs/devices/*",
    "Microsoft.Devices/IotHubs/twins/*",
    "Microsoft.Devices/IotHubs/fileUpload/*",
    "Microsoft.Devices/provisioningServices/enrollments/*",
    "Microsoft.Devices/provisioningServices/enrollmentGroups/*",
];

/// Kubernetes objects behind Azure RBAC for AKS, Arc-enabled clusters and
/// Fleet Manager: `<cluster type>/<kind>/…` and `<cluster type>/<group>.k8s.io/…`.
const K8S_CLUSTERS: &[&str] = &[
    "Microsoft.ContainerService/managedClusters",
    "Microsoft.ContainerService/fleets",
    "Microsoft.Kubernetes/connectedClusters",
];

const K8S_KINDS: &[&str] = &[
    "pods",
    "namespaces",
    "configmaps",
    "secrets",
    "services",
    "serviceaccounts",
    "endpoints",
    "events",
    "nodes",
    "persistentvolumes",
    "persistentvolumeclaims",
    "replicationcontrollers",
    "resourcequotas",
    "limitranges",
    "podtemplates",
    "bindings",
    "componentstatuses",
    "apps",
    "batch",
    "autoscaling",
    "extensions",
    "policy",
    "*.k8s.io",
    "*.kubernetes-fleet.io",
    "customresources",
];

fn patterns() -> &'static [Pattern] {
    static P: OnceLock<Vec<Pattern>> = OnceLock::new();
    P.get_or_init(|| {
        let mut v: Vec<Pattern> = FAMILIES
            .iter()
            .map(|f| Pattern::glob(f, Case::Insensitive))
            .collect();
        for c in K8S_CLUSTERS {
            for k in K8S_KINDS {
                v.push(Pattern::glob(&format!("{c}/{k}/*"), Case::Insensitive));
            }
        }
        v
    })
}

/// Whether `op` looks like a data action (see the module documentation for
/// the families). A heuristic for when the caller does not say.
pub fn is_data_action_hint(op: &str) -> bool {
    let lc = op.trim().to_ascii_lowercase();
    patterns().iter().any(|p| {
        p.matches_normalized(&lc, &iamx_model::pattern::NoVars)
            .is_true()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert!(is_data_action_hint(
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
        ));
        assert!(is_data_action_hint(
            "microsoft.keyvault/vaults/secrets/getsecret/action"
        ));
        assert!(is_data_action_hint(
            "Microsoft.ContainerService/managedClusters/pods/read"
        ));
        assert!(is_data_action_hint(
            "Microsoft.ContainerService/managedClusters/rbac.authorization.k8s.io/roles/write"
        ));
        assert!(!is_data_action_hint(
            "Microsoft.ContainerService/managedClusters/read"
        ));
        assert!(!is_data_action_hint(
            "Microsoft.Storage/storageAccounts/blobServices/containers/read"
        ));
        assert!(!is_data_action_hint(
            "Microsoft.Compute/virtualMachines/delete"
        ));
        assert!(!is_data_action_hint(
            "Microsoft.Authorization/roleAssignments/write"
        ));
    }
}
