// One storage account for the Functions host (AzureWebJobsStorage: leases, keys, Event Hubs checkpoints,
// timer locks), the Flex Consumption deployment package, and the ledger's tables (LEDGER_STORAGE).
// Entra ID only: shared keys are off, so no connection string for this account exists anywhere.

param location string
param tags { *: string }
param name string
param skuName string
param deploymentContainerName string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    allowSharedKeyAccess: false
    // Tools that default to keys (portal, Storage Explorer) use Entra ID instead.
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    // Public endpoint, identity-gated. Private endpoints + VNet integration are a larger template.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

// Flex Consumption needs the container to exist before the app that points at it is created.
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Batches whose last retry failed are parked here by the function, for `replay --parked`. Named after the
// default table prefix (src/parking/parkingTarget.ts: parkingContainerName).
resource parkedContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'ledger-parked'
  properties: {
    publicAccess: 'None'
  }
}

// A module's outputs exist only once all of it is deployed: the app, which reads blobEndpoint, is created
// after the deployment container. Endpoints end with '/'; LEDGER_STORAGE accepts that (src/config.ts).
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output tableEndpoint string = account.properties.primaryEndpoints.table
