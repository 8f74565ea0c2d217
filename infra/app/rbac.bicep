// Role assignments: the least that lets the running app work, each at the narrowest scope it works at.
// Built-in role definition ids (the same in every tenant), checked by test/infra/roles.test.ts:

// Azure Event Hubs Data Receiver: receive from the logs hub (the Event Hubs trigger). Scoped to the hub,
// not the namespace: the app has no business with any other hub.
var eventHubsDataReceiverRoleId = 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
// Storage Blob Data Owner: the minimum the Functions host documents for AzureWebJobsStorage by identity
// (leases, function keys, timer locks), and it also covers the Event Hubs trigger's checkpoints and the
// Flex Consumption deployment package.
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
// Storage Table Data Contributor: the ledger tables (LEDGER_STORAGE, create tables, read/write entities
// via DefaultAzureCredential) and the host's diagnostic events table.
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
// Monitoring Metrics Publisher: send telemetry to Application Insights, which has local auth disabled.
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'
// Not granted: Storage Queue Data Contributor. No function here uses queues (Event Hubs, timer and HTTP
// triggers only); add it, and AzureWebJobsStorage__queueServiceUri, with a queue or blob trigger.
// Key Vault Secrets User is granted in keyvault.bicep, on the two webhook secrets only.

param functionPrincipalId string
param storageAccountName string
param eventHubNamespaceName string
param eventHubName string
param applicationInsightsName string
@description('A developer\'s object id: receive-only on the hub, for `func start` against it. Empty: none.')
param localDevPrincipalId string

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource eventHubNamespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: eventHubNamespaceName
}

resource eventHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' existing = {
  parent: eventHubNamespace
  name: eventHubName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// ---- the function app's user-assigned identity (identity.bicep) ----

resource appEventHubsReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(eventHub.id, functionPrincipalId, eventHubsDataReceiverRoleId)
  scope: eventHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataReceiverRoleId)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, functionPrincipalId, storageBlobDataOwnerRoleId)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRoleId)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, functionPrincipalId, storageTableDataContributorRoleId)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributorRoleId)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, functionPrincipalId, monitoringMetricsPublisherRoleId)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---- a developer, only with allowLocalDevAccess (principal type left out: a user or a service principal) ----

resource localDevEventHubsReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(localDevPrincipalId)) {
  name: guid(eventHub.id, localDevPrincipalId, eventHubsDataReceiverRoleId)
  scope: eventHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataReceiverRoleId)
    principalId: localDevPrincipalId
  }
}
